"""Fixtures shared by every test: a fake clock, a fresh SQLite file, the console chat,
and a guard that fails any connection to an address outside 127.0.0.1."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.chat import ConsoleChat
from bot import commands as c
from bot.app.bootstrap import App, build
from bot.app.config import load_settings
from bot.clock import FakeClock
from bot.model import ChannelRef, UserRef
from bot.questions.bank import QuestionBank
from bot.questions.packs import load_bank
from bot.questions.shipped import REPO_QUESTIONS

# Most suites play club nights: every pair meets at the round time. Window mode (a booking
# window per pair) is the default for real communities and has its own suites, which
# choose it with /mock config meet=window. Subprocesses inherit this too.
os.environ["MOCKROUND_MEET_DEFAULT"] = "live"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
OUTSIDE: list[object] = []


def _check(address) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            OUTSIDE.append(address)
            raise OSError(f"test tried to reach {host!r}: only 127.0.0.1 is allowed") from None
        if not ip.is_loopback:
            OUTSIDE.append(address)
            raise OSError(f"test tried to reach {host}: only 127.0.0.1 is allowed")


def _guarded_connect(self, address):
    _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def loopback_only():
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    yield
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex
    assert not OUTSIDE, f"the test run tried to reach addresses outside 127.0.0.1: {OUTSIDE}"


def user(name: str) -> UserRef:
    return UserRef("console", "demo", name)


CHANNEL = ChannelRef("console", "demo", "mock")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'mockround.db'}"


@pytest.fixture(scope="session")
def bank() -> QuestionBank:
    """The shipped packs, loaded once: the bank is immutable."""
    return load_bank([REPO_QUESTIONS])


@pytest.fixture
async def app(clock: FakeClock, db_url: str, bank: QuestionBank) -> AsyncIterator[App]:
    chat = ConsoleChat(clock)
    application = await build(load_settings(database_url=db_url), chat, clock=clock, bank=bank)
    await application.start()
    yield application
    await application.stop()


async def join(app: App, *names: str, track="behavioral", level="mid", tz="Europe/Berlin") -> None:
    for n in names:
        reply = await app.service.handle(
            c.Join(actor=user(n), actor_name=n.title(), track=track, level=level, timezone=tz)
        )
        assert not reply.error, reply.text


async def start_round(app: App) -> None:
    reply = await app.service.handle(
        c.StartRound(actor=user("admin"), is_admin=True, channel=CHANNEL)
    )
    assert not reply.error, reply.text


async def advance(app: App, clock: FakeClock, minutes: float) -> None:
    """Move time forward, stopping at each timer's due time to run it (as the alarm would)."""
    target = clock.now() + timedelta(minutes=minutes)
    while pending := await app.store.pending_timers(due_by=target):
        clock.set(max(clock.now(), pending[0].due_at))
        await app.run_due()
    clock.set(target)


async def console_play(clock: FakeClock, db_url: str, bank: QuestionBank):
    """`mockround run console` in a test: the app, its chat, the typing loop, what it printed."""
    import io

    from rich.console import Console

    from adapters.console.runner import ConsolePlay

    out = io.StringIO()
    play = None
    chat = ConsoleChat(clock, workspace="local", on_entry=lambda e: play.show_entry(e))
    application = await build(load_settings(database_url=db_url), chat, clock=clock, bank=bank)
    await application.start()
    play = ConsolePlay(application, chat, clock, "admin", Console(file=out, width=120))
    return application, chat, play, out
