"""One alarm, set for the earliest timer: a round of 10,000 pairs kept 17,000 alarms
(90,000 objects) that Python's collector scanned again and again, each scan a 50-ms stop
of the loop. The alarm is moved earlier when an earlier timer is saved, and set for the
next timer from the database each time it rings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app.scheduler import Scheduler
from bot.clock import FakeClock
from bot.storage.sql import SqlStore

FAR = datetime(2040, 1, 1, tzinfo=UTC)  # the real alarm clock runs: keep it from ringing


def alarms(scheduler: Scheduler) -> list[datetime]:
    return [job.trigger.run_date for job in scheduler._aps.get_jobs() if job.id != "poll"]


async def test_one_alarm_rings_for_the_earliest_timer_then_the_next(tmp_path):
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'alarm.db'}")
    await store.migrate()
    clock = FakeClock(FAR)
    ran = []

    async def dispatch(timer) -> None:
        ran.append(timer.key)
        await store.claim_timer(timer.id, clock.now())

    for hours in (3, 1, 2):
        await store.add_timer(
            "c", "phase_end", f"s{hours}", f"h{hours}", FAR + timedelta(hours=hours)
        )
    scheduler = Scheduler(store, clock, dispatch, alarms=True)
    await scheduler.start()
    try:
        assert alarms(scheduler) == [FAR + timedelta(hours=1)], "one alarm, the earliest"
        later = await store.add_timer("c", "phase_end", "s5", "h5", FAR + timedelta(hours=5))
        scheduler.arm(later)
        assert alarms(scheduler) == [FAR + timedelta(hours=1)], "a later timer waits its turn"
        sooner = await store.add_timer("c", "phase_end", "s0", "h0", FAR + timedelta(minutes=30))
        scheduler.arm(sooner)
        assert alarms(scheduler) == [FAR + timedelta(minutes=30)], "an earlier one moves it"
        clock.set(FAR + timedelta(hours=1))
        await scheduler._ring()
        assert ran == ["h0", "h1"]
        assert alarms(scheduler) == [FAR + timedelta(hours=2)], "then the next, from the store"
    finally:
        await scheduler.stop()
        await store.close()
