"""Two replicas on one PostgreSQL: the one that starts a big round dies while opening its
spaces; the other finishes the round at its next safety poll, without any restart, and no
space is opened twice."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import timedelta

import pytest

from adapters.console.chat import ConsoleChat
from bot.app.bootstrap import build
from bot.app.config import load_settings
from bot.rounds.runner import OPEN_INLINE
from bot.storage.sql import SqlStore
from bot.storage.sql_replicas import LEASE
from tests.conftest import join, start_round
from tests.contract.test_store import _wipe

PG = os.environ.get("MOCKROUND_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(PG is None, reason="needs the PostgreSQL that .ci/run starts")
MEMBERS = [f"m{k:03d}" for k in range(2 * OPEN_INLINE + 20)]
OPENED_BEFORE_DYING = 7


async def test_a_replica_takes_over_the_spaces_a_dead_replica_was_opening(clock, bank):
    cleaner = SqlStore(PG)
    await cleaner.migrate()
    await _wipe(cleaner)
    await cleaner.close()
    settings = load_settings(database_url=PG)
    doomed_chat, other_chat = ConsoleChat(clock), ConsoleChat(clock)
    opened: Counter[tuple] = Counter()  # (title, replica): who opened which pair's space
    asked_to_find: list[str] = []
    dead, frozen = asyncio.Event(), asyncio.Event()
    real_open = doomed_chat.open_pair_space

    async def open_then_die(where, users, title, *, reopening=False):
        if sum(n for (_, by), n in opened.items() if by == "doomed") >= OPENED_BEFORE_DYING:
            frozen.set()
            await dead.wait()  # frozen with its claims held: the process is gone
            raise ConnectionError("the replica is gone")
        opened[title, "doomed"] += 1
        return await real_open(where, users, title)

    real_other = other_chat.open_pair_space

    async def open_on_other(where, users, title, *, reopening=False):
        opened[title, "other"] += 1
        if reopening:
            asked_to_find.append(title)
        return await real_other(where, users, title)

    doomed_chat.open_pair_space = open_then_die
    other_chat.open_pair_space = open_on_other
    doomed = await build(settings, doomed_chat, clock=clock, bank=bank)
    other = await build(settings, other_chat, clock=clock, bank=bank)
    await doomed.start()
    await other.start()
    try:
        await join(doomed, *MEMBERS)
        await start_round(doomed)
        await frozen.wait()  # its openers claimed a first batch, opened a few, then froze

        await other.rounds.openings.poll()  # the safety poll: it opens what nobody claimed
        await asyncio.gather(*other.rounds.openings.running)
        clock.advance(LEASE + timedelta(seconds=1))
        await other.rounds.openings.poll()  # the dead replica's claims have run out
        await asyncio.gather(*other.rounds.openings.running)

        rnd = await other.store.latest_round("console:demo")
        sessions = await other.store.round_sessions(rnd.id)
        assert len(sessions) == len(MEMBERS) // 2
        assert all(s.space is not None for s in sessions), "every pair has its space"
        by_pair = Counter(title for title, _ in opened.elements())
        assert set(by_pair.values()) <= {1, 2}
        # a space the dead replica opened but never recorded (its batch died unsaved) is
        # opened again only as a reopening: the platform finds the first one
        twice = {title for title, n in by_pair.items() if n == 2}
        assert twice <= set(asked_to_find), "no pair got two spaces"
        by_other = sum(n for (_, by), n in opened.items() if by == "other")
        assert by_other == len(sessions) - OPENED_BEFORE_DYING + len(twice)
        # the spaces the dead replica had claimed: the platform is asked to find them first
        assert asked_to_find
    finally:
        dead.set()
        await other.stop()
        await doomed.stop()
