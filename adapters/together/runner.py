"""`mockround run discord slack`: both platforms from one core, one scheduler and one
database. Recovery (queued posts, overdue timers, unopened spaces) waits until every
platform is connected; stopping drains the core once, then closes both connections."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from adapters.ops import serve_if_asked
from adapters.slack.app import assemble, choose_mode
from adapters.slack.runner import check_tokens
from adapters.stopping import stop_on_sigterm, until_closed_or_stopped
from adapters.together.chat import PlatformRouter
from bot.app.config import Settings

log = logging.getLogger(__name__)


class SharedCore:
    """The App as each platform's runner sees it: prepared once, live once all are ready."""

    def __init__(self, app: Any, platforms: int) -> None:
        self._app, self._waiting = app, platforms
        self._prepared = self._stopped = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    async def prepare(self) -> None:
        if not self._prepared:
            self._prepared = True
            await self._app.prepare()

    async def go_live(self) -> None:
        self._waiting -= 1
        if self._waiting == 0:
            await self._app.go_live()

    async def stop(self) -> None:
        """A platform's runner stopping: the core stays until every platform is closed."""

    async def close(self) -> None:
        if not self._stopped:
            self._stopped = True
            await self._app.stop()


async def run(settings: Settings) -> None:
    from adapters.discord.runner import DiscordBot
    from bot.app.bootstrap import build

    mode = choose_mode(settings)
    workspace = await check_tokens(settings, mode)
    router = PlatformRouter()
    shared: SharedCore | None = None

    async def core(slack_chat: Any) -> SharedCore:
        nonlocal shared
        router.add("slack", slack_chat)
        shared = SharedCore(await build(settings, router), platforms=2)
        return shared

    slack = await assemble(settings, core)
    assert shared is not None
    discord = DiscordBot(settings, app=shared)
    router.add("discord", discord.client.chat)
    stop = asyncio.Event()
    ops = None
    try:
        with stop_on_sigterm(stop):
            await shared.prepare()
            shared.connected["slack"] = slack.is_connected
            if mode == "socket":
                await slack.connect_socket(settings.slack_app_token or "")
            else:
                await slack.serve_http(settings.slack_host, settings.slack_port)
            await shared.go_live()  # Slack is ready; the rest waits for Discord
            await discord.start()
            ops = await serve_if_asked(shared, settings)
            log.info(
                "mockround is connected to Discord as %s and to Slack workspace %s (%s mode)",
                discord.client.user,
                workspace,
                mode,
            )
            await until_closed_or_stopped(discord.wait_closed(), stop)
            log.info("stopping")
    finally:
        if ops is not None:
            await ops.cleanup()
        await shared.drain()  # in flight on either platform finishes while both are connected
        await discord.stop()  # answers in flight reach Discord, then the client closes
        await slack.close()
        await shared.close()
