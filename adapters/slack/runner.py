"""`mockround run slack`: run the bot in Socket Mode or HTTP mode until cancelled."""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError

from adapters.slack.app import assemble, choose_mode, make_client
from bot.config import Settings, SettingsError

log = logging.getLogger(__name__)


async def check_tokens(settings: Settings, mode: str) -> str:
    """Ask Slack about the tokens before starting, so a bad one is one clear line, not a retry loop."""
    client = make_client(settings)
    try:
        who = await client.auth_test()
    except SlackApiError as exc:
        raise SettingsError(
            f"SLACK_BOT_TOKEN was refused by Slack: {exc.response.get('error')}"
        ) from None
    if mode == "socket":
        try:
            await client.apps_connections_open(app_token=settings.slack_app_token or "")
        except SlackApiError as exc:
            raise SettingsError(
                f"SLACK_APP_TOKEN was refused by Slack: {exc.response.get('error')}"
            ) from None
    return f"{who.get('team')} ({who.get('team_id')})"


async def run(settings: Settings, *, host: str = "0.0.0.0") -> None:
    """Serve until cancelled. ``host`` is where HTTP mode listens (all interfaces by default)."""
    mode = choose_mode(settings)
    workspace = await check_tokens(settings, mode)
    runtime = await assemble(settings)
    await runtime.core.start()
    try:
        if mode == "socket":
            await runtime.connect_socket(settings.slack_app_token or "")
            log.info("connected to Slack workspace %s in Socket Mode", workspace)
        else:
            port = await runtime.serve_http(host, settings.slack_port)
            log.info("serving Slack events for %s on port %d at /slack/events", workspace, port)
        await asyncio.Event().wait()  # until the process is told to stop
    finally:
        await runtime.close()
        await runtime.core.stop()
