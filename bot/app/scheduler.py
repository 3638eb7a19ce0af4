"""Persisted timers with APScheduler as the in-process alarm clock.

The database holds every timer; APScheduler only wakes us at the next due time (and a
slow safety poll catches anything missed). ``run_due`` is the single place timers
run, so a restart, a late alarm or a test moving a fake clock all take one path.

One alarm, set for the earliest timer, not one per timer: a round of 10,000 pairs kept
17,000 alarms (90,000 objects) that Python's collector scanned again and again, each
scan a stop of the loop of 50 ms.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.model import Timer

log = logging.getLogger(__name__)

SAFETY_POLL_SECONDS = 30
# due timers run side by side: each waits for its session's posts to go out, and a
# round's timers fall due together; a few, so commands still find database connections
TIMERS_AT_ONCE = 8


class Scheduler:
    def __init__(
        self, store, clock, dispatch: Callable[[Timer], Awaitable[None]], *, alarms: bool
    ) -> None:
        self.store, self.clock, self._dispatch = store, clock, dispatch
        self._aps = AsyncIOScheduler(timezone=UTC) if alarms else None
        self._running = asyncio.Lock()
        self._again = False  # an alarm rang while a pass was running: it looks once more
        self._stopping = False
        self._alarm: datetime | None = None  # when the one alarm rings, if set

    async def start(self) -> None:
        if self._aps is not None:
            self._aps.start()
            self._aps.add_job(self.run_due, IntervalTrigger(seconds=SAFETY_POLL_SECONDS), id="poll")
        await self.run_due()  # whatever fell due while we were down runs now, once
        await self._set_next_alarm()

    def every(self, period: timedelta, job: Callable[[], Awaitable[object]]) -> None:
        """Housekeeping on the real clock only (a fake clock has no idle hours)."""
        if self._aps is not None:
            self._aps.add_job(job, IntervalTrigger(seconds=period.total_seconds()),
                              id=f"every-{job.__name__}")  # fmt: skip

    def arm(self, timer: Timer) -> None:
        """A timer was saved: the alarm rings by its due time (earlier, if already set so)."""
        if self._aps is None:
            return  # a fake clock: the test calls run_due after moving time
        if self._alarm is not None and self._alarm <= timer.due_at:
            return  # it rings first; then it is set for the next timer, from the database
        self._alarm = timer.due_at
        self._aps.add_job(
            self._ring,
            DateTrigger(run_date=timer.due_at),
            id="alarm",
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _ring(self) -> None:
        self._alarm = None
        await self.run_due()
        await self._set_next_alarm()

    async def _set_next_alarm(self) -> None:
        """For the earliest timer still to come. One due already (it failed) waits for the
        safety poll: an alarm for it would ring again at once, and again."""
        if self._aps is None or self._stopping:
            return
        try:
            later = await self.store.next_due_after(self.clock.now())
        except Exception:  # the database is away: the safety poll looks again
            log.exception("could not read the next timer's time; the safety poll looks again")
            return
        if later is not None:
            self.arm(later)

    async def run_due(self) -> int:
        """Run every timer due now, oldest first, including ones that become due while running."""
        ran = 0
        if self._stopping:
            return 0  # stopping: what is due runs at the next start
        if self._running.locked():
            # the pass running now takes this alarm's timers too: thousands of alarms due
            # together are one pass, not thousands of passes queued behind each other
            self._again = True
            return 0
        async with self._running:
            while not self._stopping:
                self._again = False
                # on PostgreSQL each due timer is claimed by one replica (SKIP LOCKED, a lease)
                due = await self.store.claim_due_timers(self.clock.now())
                if not due:
                    if self._again:
                        continue  # an alarm rang while we looked: look once more
                    return ran
                # one subject's timers in order; different sessions' side by side, so a
                # burst of due timers is not run at the pace of each one's posts
                by_subject: dict[str, list[Timer]] = {}
                for timer in due:
                    by_subject.setdefault(timer.subject, []).append(timer)
                gate = asyncio.Semaphore(TIMERS_AT_ONCE)
                counts = await asyncio.gather(*(self._run(ts, gate) for ts in by_subject.values()))
                if not any(counts):
                    return ran  # every due timer failed: try again at the next alarm, not in a loop
                ran += sum(counts)
            return ran

    async def _run(self, timers: list[Timer], gate: asyncio.Semaphore) -> int:
        ran = 0
        async with gate:
            for timer in timers:
                if self._stopping:
                    break  # the one in flight finished; the rest run at the next start
                try:
                    await self._dispatch(timer)
                except Exception:
                    log.exception("timer %s (%s) failed; it will be retried", timer.id, timer.kind)
                    continue
                ran += 1
        return ran

    @property
    def running(self) -> bool:
        """Taking timers (a fake clock's scheduler has no alarm thread but runs due timers)."""
        return not self._stopping and (self._aps is None or self._aps.running)

    async def stop(self) -> None:
        """No new alarms; a timer already running finishes (its unit of work commits)."""
        self._stopping = True
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        async with self._running:
            pass
