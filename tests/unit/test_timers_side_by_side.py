"""Due timers of different sessions run side by side; one session's stay in order. A burst
of due timers (a round's intros all ending) used to run one after the other, each waiting
for its session's posts to reach the platform: with a 50 ms round trip, 500 timers due
together ran up to a minute late (bench/replicas.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app.scheduler import Scheduler
from bot.clock import FakeClock
from bot.storage.sql import SqlStore


async def test_two_sessions_timers_run_side_by_side_and_one_sessions_in_order(tmp_path):
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'timers.db'}")
    await store.migrate()
    clock = FakeClock()
    due = clock.now()
    for subject, key in (("s1", "a"), ("s2", "a"), ("s1", "b")):
        await store.add_timer("c", "phase_end", subject, key, due)
    both_sending = asyncio.Event()
    sending: set[str] = set()
    ran: list[tuple[str, str]] = []

    async def dispatch(timer) -> None:
        # each timer's posts take a platform round trip: here, until the other session's
        # timer is in flight too (run one after the other, this would wait forever)
        sending.add(timer.subject)
        if sending == {"s1", "s2"}:
            both_sending.set()
        await both_sending.wait()
        ran.append((timer.subject, timer.key))
        await store.claim_timer(timer.id, clock.now())

    scheduler = Scheduler(store, clock, dispatch, alarms=False)
    clock.advance(timedelta(seconds=1))
    assert await asyncio.wait_for(scheduler.run_due(), timeout=10) == 3
    assert [k for s, k in ran if s == "s1"] == ["a", "b"], "one session's timers in order"
    assert await store.pending_timers() == []
    await store.close()


async def test_alarms_ringing_during_a_pass_are_taken_by_it_not_queued(tmp_path):
    """Each timer arms its own alarm; 5,000 due together used to queue 5,000 passes behind
    the running one, each claiming again (a database write each) and each cancelled with a
    traceback at stop. Now an alarm during a pass asks it to look once more."""
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'timers.db'}")
    await store.migrate()
    clock = FakeClock()
    for k in range(20):
        await store.add_timer("c", "phase_end", f"s{k}", "a", clock.now())
    claims = 0
    original = store.claim_due_timers
    claimed = asyncio.Event()

    async def counted(now):
        nonlocal claims
        claims += 1
        try:
            return await original(now)
        finally:
            claimed.set()

    store.claim_due_timers = counted
    release = asyncio.Event()

    async def dispatch(timer) -> None:
        await release.wait()
        await store.claim_timer(timer.id, clock.now())

    scheduler = Scheduler(store, clock, dispatch, alarms=False)
    first = asyncio.create_task(scheduler.run_due())
    await claimed.wait()  # the pass has claimed and is running its timers
    alarms = [asyncio.create_task(scheduler.run_due()) for _ in range(100)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.wait_for(first, timeout=10) == 20
    assert await asyncio.gather(*alarms) == [0] * 100
    assert claims <= 3, f"{claims} claims for one pass"
    assert await store.pending_timers() == []
    await store.close()
