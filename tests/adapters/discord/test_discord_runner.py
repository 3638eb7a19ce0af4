"""``run(settings)``, what ``mockround run discord`` calls: connects, syncs, answers, stops."""

from __future__ import annotations

import asyncio
import contextlib

from adapters.discord.runner import run
from bot.app.config import Settings
from tests.fakes.discord_fake import TOKEN, FakeDiscord


async def test_run_connects_answers_and_stops_when_cancelled(fake: FakeDiscord, tmp_path) -> None:
    settings = Settings(
        discord_token=TOKEN,
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        discord_guild_ready_timeout=0.05,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'mockround.db'}",
    )
    task = asyncio.create_task(run(settings))
    await fake.wait_for(lambda: fake.commands and fake.gateway.connected.is_set(), what="startup")
    alice = fake.add_member("alice")
    helped = await fake.answered(await fake.slash(alice, "help"))
    assert "/mock join" in helped.text

    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await fake.wait_for(lambda: fake.gateway.socket is None, what="the gateway to close")
    assert [r.path for r in fake.requests[:3]] == [
        "/users/@me",
        "/oauth2/applications/@me",
        f"/applications/{fake.app_id}/commands",
    ]


async def test_a_refused_token_is_one_line_naming_it(fake: FakeDiscord, tmp_path) -> None:
    import pytest

    from bot.app.config import SettingsError

    settings = Settings(
        discord_token="not-the-token",
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'mockround.db'}",
    )
    with pytest.raises(SettingsError, match="DISCORD_TOKEN was refused by Discord"):
        await run(settings)
    assert not fake.gateway.identifies
