"""Fixtures for the Discord adapter tests: the fake Discord, a loopback-only network guard,
and a bot started against the fake (real discord.py client, FakeClock)."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # the checkout is not installed: import bot/ and tests/ from it
    sys.path.insert(0, str(ROOT))

from discord_harness import Harness  # noqa: E402

from tests.fakes.discord_fake import FakeDiscord  # noqa: E402

LOOPBACK = "127.0.0.1"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every TCP connection the test makes must go to 127.0.0.1; anything else fails at once."""
    seen: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else str(address)
            seen.append(host)
            if host != LOOPBACK:
                raise AssertionError(f"test tried to reach {address!r}: only {LOOPBACK} is allowed")

    def connect(sock: socket.socket, address: object) -> None:
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    # the runner points these process-wide attributes at the fake: put them back afterwards
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    yield seen
    assert all(h == LOOPBACK for h in seen), seen


@pytest.fixture
async def fake(loopback_only: list[str]) -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.peers and set(server.peers) == {LOOPBACK}, set(server.peers)
    assert loopback_only, "the bot made no connection at all: the guard saw nothing"


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(fake, tmp_path)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


class _RecordingAsyncio:
    """discord.http's view of asyncio: sleeps are recorded and skipped, all else is asyncio."""

    def __init__(self, waits: list[float]) -> None:
        self._waits = waits

    def __getattr__(self, name: str) -> object:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: object = None) -> object:
        self._waits.append(delay)
        await asyncio.sleep(0)
        return result


@pytest.fixture
def http_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits discord.py's HTTP client chose (429 retry-after, 5xx backoff), without waiting."""
    waits: list[float] = []
    monkeypatch.setattr(discord.http, "asyncio", _RecordingAsyncio(waits))
    return waits
