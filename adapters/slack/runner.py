"""`mockround run slack`: run the bot in Socket Mode or HTTP mode until cancelled."""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError

from adapters.slack.app import assemble, choose_mode
from bot.config import Settings, SettingsError

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    mode = choose_mode(settings)
    runtime = await assemble(settings)
    try:
        who = await runtime.bolt.client.auth_test()
    except SlackApiError as exc:
        raise SettingsError(
            f"SLACK_BOT_TOKEN was refused by Slack: {exc.response.get('error')}"
        ) from None
    await runtime.core.start()
    try:
        if mode == "socket":
            await runtime.connect_socket(settings.slack_app_token or "")
            log.info(
                "connected to Slack workspace %s (%s) in Socket Mode",
                who.get("team"),
                who.get("team_id"),
            )
        else:
            port = await runtime.serve_http("0.0.0.0", settings.slack_port)
            log.info(
                "serving Slack events for %s on port %d at /slack/events", who.get("team"), port
            )
        await asyncio.Event().wait()  # until the process is told to stop
    finally:
        await runtime.close()
        await runtime.core.stop()
