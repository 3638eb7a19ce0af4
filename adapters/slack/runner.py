"""`mockround run slack`: run the bot in Socket Mode or HTTP mode until stopped."""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError

from adapters.connecting import reach
from adapters.ops import serve_if_asked
from adapters.slack.app import assemble, choose_mode, make_client
from adapters.slack.errors import api_error
from adapters.stopping import stop_on_sigterm
from bot.app.config import Settings, SettingsError

log = logging.getLogger(__name__)


async def check_tokens(settings: Settings, mode: str) -> str:
    """Ask Slack about the tokens before starting, so a bad one is one clear line, not a retry loop."""
    client = make_client(settings)
    try:
        who = await reach(client.auth_test, "Slack", "MOCKROUND_SLACK_API_URL")
    except SlackApiError as exc:
        raise SettingsError(f"SLACK_BOT_TOKEN was refused by Slack: {api_error(exc)}") from None
    if mode == "socket":
        try:
            await client.apps_connections_open(app_token=settings.slack_app_token or "")
        except SlackApiError as exc:
            raise SettingsError(f"SLACK_APP_TOKEN was refused by Slack: {api_error(exc)}") from None
    return f"{who.get('team')} ({who.get('team_id')})"


async def run(settings: Settings, *, host: str | None = None) -> None:
    """Serve until cancelled or sent SIGTERM. ``host`` is where HTTP mode listens."""
    mode = choose_mode(settings)
    workspace = await check_tokens(settings, mode)
    runtime = await assemble(settings)
    stop = asyncio.Event()
    ops = None
    try:
        with stop_on_sigterm(stop):
            await runtime.core.prepare()
            if mode == "socket":
                await runtime.connect_socket(settings.slack_app_token or "")
                log.info("connected to Slack workspace %s in Socket Mode", workspace)
            else:
                port = await runtime.serve_http(host or settings.slack_host, settings.slack_port)
                log.info("serving Slack events for %s on port %d at /slack/events", workspace, port)
            runtime.core.connected["slack"] = runtime.is_connected
            # the Web API answered (the token check) and events can arrive: recover now
            await runtime.core.go_live()
            ops = await serve_if_asked(runtime.core, settings)
            await stop.wait()
            log.info("stopping")
    finally:
        if ops is not None:
            await ops.cleanup()
        await runtime.core.drain()  # what is in flight finishes while Slack is still connected
        await runtime.close()
        await runtime.core.stop()
