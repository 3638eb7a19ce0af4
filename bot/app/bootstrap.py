"""The composition root: the one place real parts or fakes are plugged in."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
import socket
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from bot import logs
from bot.app.config import Settings, SettingsError
from bot.app.metrics import Metrics
from bot.app.scheduler import SAFETY_POLL_SECONDS, Scheduler
from bot.app.service import Service
from bot.clock import SystemClock
from bot.model import Timer
from bot.ports import ChatPort, Clock
from bot.questions.bank import QuestionBank
from bot.questions.packs import load_bank
from bot.ratings.boards import Boards
from bot.ratings.collect import Ratings
from bot.ratings.report import RoundReports
from bot.rounds.reliability import Reliability
from bot.rounds.runner import Rounds
from bot.rounds.slots import WeeklySlots
from bot.sessions.driver import Practice
from bot.sessions.machine import InvalidTransition, TimeUp
from bot.storage.sql import SqlStore

log = logging.getLogger("mockround")
SEEN_EVENTS_KEPT = timedelta(days=7)
STOP_GRACE_SECONDS = 10.0
CHARTS_KEPT = 256  # about 30 kB each
OUTBOX_LATE = timedelta(minutes=5)  # a post waiting longer than this makes /healthz fail


def settle_startup() -> None:
    """What the process loaded to start (the platform library, SQLAlchemy, the core: some
    150,000 objects) lives as long as it does; Python's full collections stop scanning it.
    Each scanned it all: a 100-ms stop of the loop, several a minute while a big round
    opened. Called once, by ``mockround run``, before the bot starts."""
    gc.collect()
    gc.freeze()


@dataclass
class App:
    settings: Settings
    chat: ChatPort
    store: SqlStore
    clock: Clock
    bank: QuestionBank
    service: Service
    practice: Practice
    rounds: Rounds
    scheduler: Scheduler
    executor: ProcessPoolExecutor | None
    metrics: Metrics = field(default_factory=Metrics)
    # platform -> is its connection up (set by the adapters, read by /healthz)
    connected: dict[str, Callable[[], bool]] = field(default_factory=dict)

    async def health(self) -> tuple[bool, dict[str, str]]:
        """What /healthz reports: the database answers, each platform is connected, the
        scheduler runs, and no post has waited longer than OUTBOX_LATE."""
        checks: dict[str, str] = {}
        try:
            await self.store.ping()
            checks["database"] = "ok"
        except Exception as exc:  # any failure is the finding
            checks["database"] = f"not answering: {type(exc).__name__}"
        for platform, up in self.connected.items():
            checks[platform] = "ok" if up() else "not connected"
        checks["scheduler"] = "ok" if self.scheduler.running else "stopped"
        healthy = all(v == "ok" for v in checks.values())
        if checks["database"] == "ok":
            backlog, oldest = await self.store.outbox_backlog()
            late = oldest is not None and self.clock.now() - oldest > OUTBOX_LATE
            checks["outbox"] = f"{backlog} waiting" + (", the oldest too long" if late else "")
            healthy = healthy and not late
        return healthy, checks

    async def metrics_text(self) -> bytes:
        await self.metrics.refresh(self.store, self.clock.now())
        return self.metrics.exposition()

    async def start(self) -> None:
        """Everything at once: for the console, where the platform is always there."""
        await self.prepare()
        await self.go_live()

    async def prepare(self) -> None:
        """The database, before any event is taken: nothing is sent from here."""
        await self.store.migrate()
        await self.forget_old_events()

    async def go_live(self) -> None:
        """Once the platform connection is ready: what a crash left behind goes out (queued
        posts first, in order), overdue timers run, unopened spaces open."""
        self.scheduler.every(timedelta(hours=24), self.forget_old_events)
        # spaces another replica claimed and could not open (it died) are taken over here
        self.scheduler.every(timedelta(seconds=SAFETY_POLL_SECONDS), self.rounds.openings.poll)
        await self.practice.sending.deliver()
        await self.scheduler.start()
        await self.rounds.resume()

    async def catch_up(self) -> None:
        """After a reconnection that may have missed events or failed sends: the same
        recovery, without starting anything twice."""
        await self.practice.sending.deliver()
        await self.scheduler.run_due()
        await self.rounds.resume()

    async def forget_old_events(self) -> None:
        # platforms retry a delivery within minutes; a week of remembered ids is plenty
        now = self.clock.now()
        await self.store.purge_seen_events(now - SEEN_EVENTS_KEPT)
        # sent posts and fired timers are history nobody reads: keep the tables small
        await self.store.purge_done(now - timedelta(days=self.settings.retention_days))

    async def run_due(self) -> int:
        return await self.scheduler.run_due()

    async def drain(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop taking commands and timers; let those in flight finish, for ``grace`` seconds
        at most (SIGTERM, Ctrl-C). The platform connection stays open meanwhile, so their
        answers and posts still go out."""
        self.service.accepting = False
        try:
            await asyncio.wait_for(
                asyncio.gather(
                    self.service.idle.wait(),
                    self.scheduler.stop(),
                    self.rounds.openings.stop(),
                    self.service.charts.settle(),
                ),
                grace,
            )
        except TimeoutError:
            log.warning("stopping with work still in flight after %s s", grace)

    async def stop(self) -> None:
        await self.drain()
        await self.store.close()
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)


async def build(
    settings: Settings,
    chat: ChatPort,
    *,
    store: SqlStore | None = None,
    clock: Clock | None = None,
    bank: QuestionBank | None = None,
) -> App:
    real_time = clock is None
    clock = clock or SystemClock()
    store = store or SqlStore(settings.database_url)
    store.meet_default = settings.meet_default
    # names this replica's leases on timers and queued posts (several replicas on PostgreSQL)
    store.replica = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    bank = bank or load_bank(settings.pack_dirs, logger=log)
    if not bank.tracks():
        raise SettingsError(
            "no question pack could be loaded: `mockround questions validate` says why"
        )
    executor = ProcessPoolExecutor(max_workers=1) if real_time else None
    metrics = Metrics()

    async def dispatch(timer: Timer) -> None:
        metrics.timer_ran(timer.due_at, clock.now())
        named = logs.community_id.set(timer.community)  # its log lines name the community
        try:
            # one unit of work per timer: its effect and its retirement commit together
            async with store.unit_of_work():
                await run_timer(timer)
        finally:
            logs.community_id.reset(named)

    async def run_timer(timer: Timer) -> None:
        if timer.kind == "phase_end":
            try:
                await practice.apply(timer.subject, TimeUp(timer.key))
            except InvalidTransition:
                log.warning("timer %s is for a session that does not exist: retired", timer.id)
            # a transition retires the timer itself; this retires a stale one
            await store.claim_timer(timer.id, clock.now())
        elif timer.kind == "checkpoint":
            await practice.checkpoint(timer)
        elif timer.kind in ("reminder", "nudge"):
            await practice.remind(timer)
        elif timer.kind == "weekly_round":
            await slots.fire(timer)
        elif timer.kind == "signup":
            await slots.post_signup(timer)
        else:
            log.error("unknown timer kind %r: retired", timer.kind)
            await store.claim_timer(timer.id, clock.now())

    # dispatch looks practice and rounds up when a timer fires, after they exist
    scheduler = Scheduler(store, clock, dispatch, alarms=real_time)
    practice = Practice(store, chat, clock, bank, arm=scheduler.arm)
    rounds = Rounds(practice, settings, executor)
    practice.on_transition = Reliability(store, clock).after_transition
    slots = WeeklySlots(rounds)

    drawn: OrderedDict[str, bytes] = OrderedDict()  # the charts drawn last, by what they show

    async def draw(chart, *args) -> bytes:
        """Charts are drawn in the worker pool (a thread under a fake clock), off the loop; a
        chart asked for again with nothing new in it (a member looking twice, an organiser
        after them) is not drawn again."""
        key = hashlib.sha256(repr((chart.__name__, args)).encode()).hexdigest()
        if key in drawn:
            drawn.move_to_end(key)
            return drawn[key]
        loop = asyncio.get_running_loop()
        png = drawn[key] = await loop.run_in_executor(executor, partial(chart, *args))
        if len(drawn) > CHARTS_KEPT:
            drawn.popitem(last=False)
        return png

    reports = RoundReports(store, chat, draw)
    rounds.on_done = reports.post
    service = Service(
        practice, rounds, slots, Ratings(practice), Boards(store, clock), reports, draw
    )
    service.metrics = metrics
    rounds.make_way = rounds.openings.make_way = service.quiet
    return App(
        settings, chat, store, clock, bank, service, practice, rounds, scheduler, executor, metrics
    )
