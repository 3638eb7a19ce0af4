"""Drives live sessions: applies events, saves the new state, then tells the members.

What members are told is queued in the same transaction as the new state and sent
after it (bot.sessions.outbox), so a crash neither posts a phase the database does not
know nor loses one it does. Events for one session are serialised by a lock; a stale
timer (its phase already left) changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from bot import logs as logged
from bot.model import CommunityConfig, Rating, Session, Timer, UserRef, platform_of
from bot.ports import ChatPort, Clock
from bot.questions.bank import QuestionBank
from bot.sessions import booking_notes, presenter
from bot.sessions import machine as sessions
from bot.sessions import outbox as announcements
from bot.sessions.machine import AttendanceSettled, InvalidTransition
from bot.sessions.sending import Sender, forget_if_free, no_wait

log = logging.getLogger(__name__)

CHECKPOINT_BEFORE = timedelta(minutes=1)
TIMED = ("intro:", "prep:", "answer:", "feedback:")  # phases with a countdown to post


class Practice:
    def __init__(self, store, chat: ChatPort, clock: Clock, bank: QuestionBank, arm) -> None:
        self.store, self.chat, self.clock, self.bank = store, chat, clock, bank
        self.arm = arm  # wakes the in-process alarm for new timers
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._holders: dict[str, asyncio.Task | None] = {}
        self.sending = Sender(store, chat, clock)  # what transitions queue, sent after commit
        self.on_ended = None  # set by Rounds: closes a round when its last session ends
        # set by Reliability: records attendance consequences in the same unit of work
        self.on_transition = None

    async def names(self, session: Session) -> dict[UserRef, str]:
        known = await self.store.member_names(session.community, [m.id for m in session.members])
        return {m: known.get(m.id, m.id) for m in session.members}

    async def context(self, s: Session, cfg: CommunityConfig) -> announcements.Context:
        return self._context(s, cfg, await self._profiles([s]), self.clock.now())

    async def _profiles(self, many: Sequence[Session]) -> dict[tuple[str, str], tuple[str, str]]:
        """(community, member id) -> (name, zone) of every member of ``many``: one read
        per community."""
        out = {}
        for community, ids in members_by_community(many).items():
            for member, profile in (await self.store.member_profiles(community, ids)).items():
                out[community, member] = profile
        return out

    def _context(self, s: Session, cfg: CommunityConfig, profiles, now) -> announcements.Context:
        known = {m: profiles.get((s.community, m.id), (m.id, "UTC")) for m in s.members}
        return announcements.Context(
            names={m: name for m, (name, _) in known.items()},
            zone_of={m: zone for m, (_, zone) in known.items()},
            length=self.timings(s, cfg).whole,
            now=now,
        )

    def timings(self, s: Session, cfg: CommunityConfig) -> sessions.Timings:
        answers = tuple(
            timedelta(minutes=cfg.answer_minutes or self._minutes(t.question_id)) for t in s.turns
        )
        return sessions.Timings(
            intro=timedelta(minutes=cfg.intro_minutes),
            prep=timedelta(minutes=cfg.prep_minutes),
            answers=answers,
            feedback=timedelta(minutes=cfg.feedback_minutes),
            grace=timedelta(minutes=cfg.grace_minutes),
        )

    def _minutes(self, question_id: str) -> int:
        try:
            return self.bank.question(question_id).minutes
        except KeyError:
            return 10  # a pack was removed since the round started; keep the session going

    @asynccontextmanager
    async def locked(self, session_id: str):
        """Serialise work on one session. Inside a unit of work the lock is held until the
        unit commits or rolls back, so no one reads the state this work has not committed."""
        me = asyncio.current_task()
        if self._holders.get(session_id) is me:
            yield  # this task holds it already (e.g. a round's cancel, then each session's)
            return
        lock = self._locks[session_id]
        await lock.acquire()
        self._holders[session_id] = me

        def release() -> None:
            self._holders.pop(session_id, None)
            lock.release()
            forget_if_free(self._locks, session_id)

        if self.store.at_end(release):
            yield
            return
        try:
            yield
        finally:
            release()

    async def apply(self, session_id: str, event: sessions.Event) -> tuple[Session, list]:
        """Apply one event; raises InvalidTransition (nothing changed) when it does not fit."""
        [outcome] = await self.apply_together([(session_id, event)])
        if isinstance(outcome, InvalidTransition):
            raise outcome
        return outcome

    async def apply_together(
        self, events: Sequence[tuple[str, sessions.Event]], *, make_way=no_wait
    ) -> list[tuple[Session, list] | InvalidTransition]:
        """Each event to its own session, all in one unit of work: a round's spaces opened
        together are read in one query and saved in a few statements, not a dozen each. An
        event that does not fit its session changes nothing there and comes back as its
        InvalidTransition; the others are saved. ``make_way``: work in the background,
        whose posts let members' commands go first."""
        ids = [sid for sid, _ in events]
        # log lines about this work name its session (a timer loop or a round applies many
        # sessions' events in one task)
        named = logged.session_id.set(ids[0] if len(ids) == 1 else None)
        try:
            # one transaction, and on PostgreSQL the sessions' rows locked in it: work on one
            # session is serialised across replicas, not only inside this process
            async with self.store.unit_of_work():
                async with AsyncExitStack() as held:
                    for sid in sorted(set(ids)):  # one order: two batches never wait in a ring
                        await held.enter_async_context(self.locked(sid))
                    outcomes, changed = await self._apply(events)
                if changed:
                    send = lambda: self.sending.deliver(*changed, make_way=make_way)  # noqa: E731
                    await self.store.after_commit(send)
        finally:
            logged.session_id.reset(named)
        for outcome in outcomes:
            if isinstance(outcome, InvalidTransition) or self.on_ended is None:
                continue
            if any(isinstance(e, sessions.Ended) for e in outcome[1]):
                await self.on_ended(outcome[0])
        return outcomes

    async def _apply(self, events):
        found = await self.store.get_sessions([sid for sid, _ in events], for_update=True)
        now = self.clock.now()
        outcomes: list = []
        moved = []  # (old, new, effects, cfg) of each session the event fits
        for sid, event in events:
            s = found.get(sid)
            if s is None:
                outcomes.append(InvalidTransition("that session does not exist"))
                continue
            cfg = await self.store.get_config(s.community)
            try:
                new, effects = sessions.advance(s, event, now, self.timings(s, cfg))
            except InvalidTransition as refused:
                outcomes.append(refused)
                continue
            outcomes.append((new, effects))
            moved.append((s, new, effects, cfg))
        profiles = await self._profiles([new for _, new, _, _ in moved])
        saved = []  # (what is saved, its effects, its community's settings)
        for s, new, effects, cfg in moved:
            ctx = self._context(new, cfg, profiles, now)
            ratings = await self._closed_turn_ratings(new, effects)
            deliveries = announcements.for_transition(new, effects, ctx, self.bank, ratings)
            if new == s and not deliveries:
                continue
            arm = self._alarms(effects, now, platform_of(new.community))
            settled = next(
                ((e.present, e.absent) for e in effects if isinstance(e, AttendanceSettled)), None
            )
            transition = announcements.Transition(new, arm, deliveries, cfg.timezone, settled)
            saved.append((transition, effects, cfg))
        if saved:
            for timers in await self.store.save_transitions([x for x, _, _ in saved], now):
                for timer in timers:
                    self.arm(timer)
        if self.on_transition is not None:
            for x, effects, cfg in saved:
                await self.on_transition(x.session, effects, cfg)
        return outcomes, [x.session.id for x, _, _ in saved]

    def _alarms(self, effects, now, platform: str) -> list[tuple[str, str, datetime]]:
        arm = []
        for e in effects:
            if isinstance(e, sessions.ArmTimer):
                arm.append((e.kind, e.key, e.due_at))
                timed = e.kind == "phase_end" and e.key.startswith(TIMED)
                if timed and not self.chat.capabilities_for(platform).live_timestamps:
                    checkpoint = e.due_at - CHECKPOINT_BEFORE
                    if checkpoint - now >= CHECKPOINT_BEFORE:
                        arm.append(("checkpoint", e.key, checkpoint))
        return arm

    async def _closed_turn_ratings(self, s: Session, effects) -> dict[int, list[Rating]]:
        """The ratings of turns whose feedback just closed: the candidate receives them."""
        closed = [e.turn for e in effects if isinstance(e, sessions.FeedbackClosed)]
        if not closed:
            return {}
        mine = [r for r in await self.store.session_ratings(s.id) if r.about == "answer"]
        return {turn: [r for r in mine if r.turn == turn] for turn in closed}

    async def checkpoint(self, timer: Timer) -> None:
        if not await self.store.claim_timer(timer.id, self.clock.now()):
            return
        s = await self.store.get_session(timer.subject)
        if s is None or s.space is None or sessions.current_key(s) != timer.key:
            return  # the phase was left early: no reminder for it
        if self.clock.now() >= s.phase_ends_at:
            return  # overdue after a restart: the time's-up post says it all
        left = max(1, round((s.phase_ends_at - self.clock.now()).total_seconds() / 60))
        known = await self.store.member_profiles(s.community, [m.id for m in s.members])
        zones = tuple(dict.fromkeys(known[m.id][1] for m in s.members if m.id in known))
        await self.chat.send(s.space, replace(presenter.checkpoint(s, left), zones=zones))

    async def remind(self, timer: Timer) -> None:
        """A booked session's reminder, or a nudge to a pair with nothing booked: queued with
        the timer's retirement, so it goes out once even across a crash."""
        async with self.locked(timer.subject):
            if not await self.store.claim_timer(timer.id, self.clock.now()):
                return
            s = await self.store.get_session(timer.subject)
            if s is None or s.space is None or sessions.current_key(s) != timer.key:
                return  # rescheduled, booked or ended since: this reminder is stale
            cfg = await self.store.get_config(s.community)
            ctx = await self.context(s, cfg)
            if timer.kind == "nudge":
                msg = booking_notes.nudge(s, ctx.names, ctx.zones)
            else:
                lead = (s.starts_at or timer.due_at) - timer.due_at
                msg = booking_notes.reminder(s, ctx.names, ctx.zones, lead)
            delivery = announcements.Delivery("post", s.space, msg)
            await self.store.save_transition(s, deliveries=[delivery], now=self.clock.now())
        await self.store.after_commit(lambda: self.sending.deliver(s.id))

    async def live_session_of(self, user: UserRef, session_id: str | None) -> Session:
        """The session a member means: the one named, else their newest unfinished one."""
        if session_id is not None:
            s = await self.store.get_session(session_id)
            if s is None or s.community != user.community:
                raise InvalidTransition("that session does not exist")
            return s
        s = await self.current_session(user)
        if s is None:
            raise InvalidTransition(
                "you have no session in progress: /mock now pairs you on demand"
            )
        return s

    async def current_session(self, user: UserRef) -> Session | None:
        """The member's live session, if any (the database holds at most one)."""
        session_id = await self.store.live_session_id(user)
        return await self.store.get_session(session_id) if session_id else None


def members_by_community(many: Sequence[Session]) -> dict[str, set[str]]:
    """The member ids of ``many`` sessions, by community: what one read per community takes."""
    wanted: defaultdict[str, set[str]] = defaultdict(set)
    for s in many:
        wanted[s.community].update(m.id for m in s.members)
    return wanted
