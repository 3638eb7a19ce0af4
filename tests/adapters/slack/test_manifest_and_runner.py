"""The app manifest grants what the adapter uses; the runner picks a mode or names what is missing."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import signal
import socket
from pathlib import Path

import pytest
import yaml

from adapters.slack.app import choose_mode
from adapters.slack.runner import run
from bot.app.config import Settings, SettingsError
from tests.adapters.slack.harness import SECRET
from tests.fakes.slack_fake import FakeSlack
from tests.fakes.slack_fake_sender import SlackSender

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "deploy" / "slack-manifest.yaml"

# Web API method -> bot scope it needs (api.slack.com/methods)
SCOPES = {
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "reactions_add": "reactions:write",
    "users_info": "users:read",
    "views_open": None,  # no scope: a trigger_id is the permission
    "auth_test": None,
    "conversations_open": "im:write",
    "conversations_join": "channels:join",
    "conversations_history": "mpim:history",  # and im:history for DMs, checked below
    "files_upload_v2": "files:write",
    "usergroups_users_list": "usergroups:read",
}


FAMILIES = {"chat", "reactions", "users", "views", "auth", "conversations", "files", "usergroups"}


def called_methods() -> set[str]:
    names: set[str] = set()
    for source in (ROOT / "adapters" / "slack").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            family = node.attr.partition("_")[0] if isinstance(node, ast.Attribute) else ""
            if "_" in getattr(node, "attr", "") and family in FAMILIES:
                names.add(node.attr)
    return names


def test_manifest_declares_command_event_interactivity_and_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/mock"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["reaction_added"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    used = called_methods()
    assert {"chat_postMessage", "chat_postEphemeral", "reactions_add", "conversations_open"} <= used
    for method in used:
        assert method in SCOPES, f"add {method} and its scope to this table and the manifest"
        assert SCOPES[method] is None or SCOPES[method] in scopes, method
    # group DMs and reaction events need these on top of the per-method scopes
    assert {"commands", "mpim:write", "reactions:read", "im:history"} <= scopes


def settings(**kw: str | None) -> Settings:
    base = {"slack_bot_token": "xoxb-1", "slack_app_token": None, "slack_signing_secret": None}
    return Settings(**{**base, **kw})


def test_mode_follows_the_tokens_or_the_setting() -> None:
    assert choose_mode(settings(slack_app_token="xapp-1")) == "socket"
    assert choose_mode(settings(slack_signing_secret="s")) == "http"
    assert (
        choose_mode(settings(slack_app_token="xapp-1", slack_signing_secret="s", slack_mode="http"))
        == "http"
    )


@pytest.mark.parametrize(
    ("kw", "named"),
    [
        ({"slack_bot_token": None, "slack_app_token": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({}, "SLACK_APP_TOKEN"),
        ({"slack_mode": "socket", "slack_signing_secret": "s"}, "SLACK_APP_TOKEN"),
        ({"slack_mode": "http", "slack_app_token": "xapp-1"}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_a_missing_token_is_named_in_one_line(kw: dict[str, str | None], named: str) -> None:
    with pytest.raises(SettingsError) as err:
        choose_mode(settings(**kw))
    assert str(err.value).startswith(f"{named} is not set") and "\n" not in str(err.value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def until(condition, attempts: int = 500) -> None:
    """Yield to the server task in tiny steps until ``condition()`` holds."""
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the runner did not get there")


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_run_serves_until_cancelled(fake: FakeSlack, tmp_path: Path, mode: str) -> None:
    port = free_port()
    cfg = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        slack_bot_token=fake.bot_token,
        slack_app_token=fake.app_token if mode == "socket" else None,
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
        slack_port=port,
        slack_host="127.0.0.2",  # the setting decides where HTTP mode listens
    )
    task = asyncio.create_task(run(cfg))
    try:
        sender = SlackSender(
            fake,
            url=None if mode == "socket" else f"http://127.0.0.2:{port}/slack/events",
            signing_secret=SECRET,
        )
        if mode == "socket":
            await until(fake.socket_ready.is_set)
        else:
            await until(lambda: _listening(port, "127.0.0.2"))
            assert not _listening(port, "127.0.0.1")  # only where it was told to
        payload = sender.slash("UADA", "help")
        assert (await sender.command(payload)).status == 200
        await until(lambda: fake.responses(payload["response_url"]))
        assert "mockround commands" in fake.responses(payload["response_url"])[0]["text"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        return s.connect_ex((host, port)) == 0


async def test_sigterm_stops_the_runner_cleanly(fake: FakeSlack, tmp_path: Path) -> None:
    cfg = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        slack_bot_token=fake.bot_token,
        slack_app_token=fake.app_token,
        slack_api_url=fake.api_url,
    )
    task = asyncio.create_task(run(cfg))
    await until(fake.socket_ready.is_set)
    # the runner's handler must be in place, or the signal would end the test process
    assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
    os.kill(os.getpid(), signal.SIGTERM)
    async with asyncio.timeout(5):
        await task  # returns instead of being killed
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    await until(lambda: fake.open_sockets == 0)  # the websocket was closed


async def test_a_refused_token_stops_the_runner_with_one_line(
    fake: FakeSlack, tmp_path: Path
) -> None:
    cfg = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        slack_bot_token="xoxb-revoked",
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
    )
    with pytest.raises(SettingsError, match="^SLACK_BOT_TOKEN was refused by Slack: invalid_auth$"):
        await run(cfg, host="127.0.0.1")
