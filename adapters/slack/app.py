"""Wiring: the Web API client, the ChatPort, the core and the bolt app, in either mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.rate_limits import CountingRateLimitHandler
from adapters.slack.inbound import SlackInbound
from adapters.slack.port import SlackChat
from bot.app.config import Settings, SettingsError

EVENTS_PATH = "/slack/events"

# the core's composition root, passed in so tests can supply a store and a clock
CoreFactory = Callable[[SlackChat], Awaitable[Any]]


def choose_mode(settings: Settings) -> str:
    """socket or http: from MOCKROUND_SLACK_MODE, else from which tokens are set."""
    if not settings.slack_bot_token:
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set: the bot token (xoxb-...) from OAuth & Permissions"
        )
    mode = settings.slack_mode
    if mode is None:
        # Socket Mode needs no public URL, so it wins when both are possible
        mode = (
            "socket"
            if settings.slack_app_token
            else "http"
            if settings.slack_signing_secret
            else None
        )
    if mode is None:
        raise SettingsError(
            "SLACK_APP_TOKEN is not set: set it for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode"
        )
    if mode == "socket" and not settings.slack_app_token:
        raise SettingsError(
            "SLACK_APP_TOKEN is not set: Socket Mode needs the app-level token (xapp-...)"
        )
    if mode == "http" and not settings.slack_signing_secret:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode verifies every request with it"
        )
    return mode


def make_client(settings: Settings) -> AsyncWebClient:
    kwargs: dict[str, Any] = {"token": settings.slack_bot_token}
    if settings.slack_api_url:
        # slack_sdk joins base_url and the method name as strings: the slash matters
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    client = AsyncWebClient(**kwargs)
    # a 429 waits for Retry-After and tries again instead of failing a round's post
    client.retry_handlers.append(CountingRateLimitHandler(max_retry_count=5))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=1))
    return client


def make_bolt(settings: Settings, client: AsyncWebClient, inbound: SlackInbound) -> AsyncApp:
    app = AsyncApp(
        name="mockround",
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # verification applies to HTTP requests; Socket Mode requests skip it on their own
        request_verification_enabled=True,
        # False: the HTTP answer leaves at ack(), the work goes on after it
        process_before_response=False,
    )
    inbound.register(app)
    return app


@dataclass
class SlackRuntime:
    core: Any  # bot.bootstrap.App
    chat: SlackChat
    inbound: SlackInbound
    bolt: AsyncApp
    _closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)

    _up: bool = False

    def is_connected(self) -> bool:
        """Serving HTTP, or the Socket Mode connection is open (for /healthz)."""
        return self._up

    async def serve_http(self, host: str, port: int) -> int:
        """Serve /slack/events; returns the bound port (0 picks a free one)."""
        runner = web.AppRunner(self.bolt.web_app(path=EVENTS_PATH, port=port))
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._closers.append(runner.cleanup)
        self._up = True
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def connect_socket(self, app_token: str) -> AsyncSocketModeHandler:
        handler = AsyncSocketModeHandler(self.bolt, app_token)
        await handler.connect_async()
        self._closers.append(handler.close_async)
        self._up = True
        return handler

    async def idle(self) -> None:
        await self.inbound.idle()

    async def close(self) -> None:
        self._up = False
        while self._closers:
            await self._closers.pop()()


async def assemble(settings: Settings, core_factory: CoreFactory | None = None) -> SlackRuntime:
    client = make_client(settings)
    chat = SlackChat(client)
    if core_factory is None:
        from bot.app.bootstrap import build

        core = await build(settings, chat)
    else:
        core = await core_factory(chat)
    inbound = SlackInbound(core.service, chat)
    for handler in client.retry_handlers:
        if isinstance(handler, CountingRateLimitHandler):
            handler.on_limited = core.metrics.rate_limited.labels("slack").inc
    return SlackRuntime(core, chat, inbound, make_bolt(settings, client, inbound))
