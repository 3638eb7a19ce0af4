"""Start and stop the Discord bot: endpoints, the core, the client; ``run`` for the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket

from adapters.connecting import reach
from adapters.discord.client import make_client
from adapters.ops import serve_if_asked
from adapters.rate_limits import count_discord_limits
from adapters.stopping import stop_on_sigterm, until_closed_or_stopped
from bot.app.config import SettingsError

log = logging.getLogger(__name__)

ANSWER_GRACE_SECONDS = 5.0  # an interaction response is one request; Discord allows 3 s


def configure_endpoints(settings: Any) -> None:
    """Point discord.py at another API and gateway (a local fake in tests).

    discord.py reads both from class attributes, so this is process-wide.
    """
    if settings.discord_api_url:
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class DiscordBot:
    """The core and the client, started and stopped together.

    ``app`` is an already built core (tests pass one); otherwise ``bot.bootstrap.build``
    makes it from ``settings`` with the given ``store`` and ``clock``.
    """

    def __init__(self, settings: Any, *, app: Any = None, store: Any = None, clock: Any = None):
        if not settings.discord_token:
            raise SettingsError(
                "DISCORD_TOKEN is not set: the bot token from the Developer Portal "
                "(adapters/discord/README.md)"
            )
        self.settings = settings
        self.app = app
        self._store, self._clock = store, clock
        self.client = make_client(settings)
        self._task: asyncio.Task[None] | None = None

    async def start(self, ready_timeout: float = 60.0) -> None:
        configure_endpoints(self.settings)
        if self.app is None:
            from bot.app.bootstrap import build

            self.app = await build(
                self.settings, self.client.chat, store=self._store, clock=self._clock
            )
        self.client.attach(self.app.service, self.app.bank.tracks())
        self.app.connected["discord"] = lambda: (
            self.client.is_ready() and not self.client.is_closed()
        )
        count_discord_limits(self.app.metrics.rate_limited.labels("discord").inc)
        await self.app.prepare()  # recovery waits for the gateway: nothing can be sent before
        self.client.on_reconnected = self.app.catch_up
        await reach(self._login, "Discord", "MOCKROUND_DISCORD_API_URL")
        self._task = asyncio.create_task(self.client.connect())
        ready = asyncio.create_task(self.client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {self._task, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if ready not in done:
            if self._task in done:
                self._task.result()  # login refused, gateway unreachable: raise it here
            raise TimeoutError(f"Discord did not become ready within {ready_timeout} s")
        await self.app.go_live()

    async def _login(self) -> None:
        try:
            await self.client.login(self.settings.discord_token)
        except discord.LoginFailure as exc:
            raise SettingsError(f"DISCORD_TOKEN was refused by Discord: {exc}") from None

    async def wait_closed(self) -> None:
        if self._task is not None:
            # shielded: a cancelled run() must close the client cleanly in stop(), not tear
            # its websocket down mid-read
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.drain()  # in-flight commands and timers finish while connected
        if self.client.answers is not None:
            # and their answers reach Discord: closing drops a response half-written
            await self.client.answers.answering.finished(ANSWER_GRACE_SECONDS)
        await self.client.close()
        if self._task is not None:
            # its failure, if any, was raised by start() or wait_closed() already
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.app is not None:
            await self.app.stop()


async def run(settings: Any) -> None:
    """Run until cancelled (Ctrl-C) or sent SIGTERM: what ``mockround run discord`` calls."""
    bot = DiscordBot(settings)
    stop = asyncio.Event()
    ops = None
    try:
        with stop_on_sigterm(stop):
            await bot.start()
            ops = await serve_if_asked(bot.app, settings)
            log.info("mockround is connected to Discord as %s", bot.client.user)
            await until_closed_or_stopped(bot.wait_closed(), stop)
            log.info("stopping")
    finally:
        if ops is not None:
            await ops.cleanup()
        await bot.stop()
