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
from contextlib import asynccontextmanager
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

log = logging.getLogger(__name__)

CHECKPOINT_BEFORE = timedelta(minutes=1)
TIMED = ("intro:", "prep:", "answer:", "feedback:")  # phases with a countdown to post
SENDING_AT_ONCE = 16


class Practice:
    def __init__(self, store, chat: ChatPort, clock: Clock, bank: QuestionBank, arm) -> None:
        self.store, self.chat, self.clock, self.bank = store, chat, clock, bank
        self.arm = arm  # wakes the in-process alarm for new timers
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._holders: dict[str, asyncio.Task | None] = {}
        # one sender per session keeps its posts in order; sessions are sent side by side,
        # as many at once as SENDING_AT_ONCE (the platform's limits pace the calls)
        self._sending: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._senders = asyncio.Semaphore(SENDING_AT_ONCE)
        self.on_ended = None  # set by Rounds: closes a round when its last session ends
        # set by Reliability: records attendance consequences in the same unit of work
        self.on_transition = None

    async def names(self, session: Session) -> dict[UserRef, str]:
        known = await self.store.member_names(session.community, [m.id for m in session.members])
        return {m: known.get(m.id, m.id) for m in session.members}

    async def context(self, s: Session, cfg: CommunityConfig) -> announcements.Context:
        known = await self.store.member_profiles(s.community, [m.id for m in s.members])
        return announcements.Context(
            names={m: known.get(m.id, (m.id, "UTC"))[0] for m in s.members},
            zone_of={m: known.get(m.id, (m.id, "UTC"))[1] for m in s.members},
            length=self.timings(s, cfg).whole,
            now=self.clock.now(),
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
            _forget_if_free(self._locks, session_id)

        if self.store.at_end(release):
            yield
            return
        try:
            yield
        finally:
            release()

    async def apply(self, session_id: str, event: sessions.Event) -> tuple[Session, list]:
        """Apply one event; raises InvalidTransition (nothing changed) when it does not fit."""
        named = logged.session_id.set(session_id)  # log lines about this work name it
        try:
            # one transaction, and on PostgreSQL the session's row locked in it: work on one
            # session is serialised across replicas, not only inside this process
            async with self.store.unit_of_work():
                async with self.locked(session_id):
                    new, effects, changed = await self._apply(session_id, event)
                if changed:
                    await self.store.after_commit(lambda: self.deliver(session_id))
        finally:
            # a timer loop or a round applies many sessions' events in one task
            logged.session_id.reset(named)
        if self.on_ended is not None and any(isinstance(e, sessions.Ended) for e in effects):
            await self.on_ended(new)
        return new, effects

    async def _apply(self, session_id: str, event: sessions.Event):
        s = await self.store.get_session(session_id, for_update=True)
        if s is None:
            raise InvalidTransition("that session does not exist")
        now = self.clock.now()
        cfg = await self.store.get_config(s.community)
        new, effects = sessions.advance(s, event, now, self.timings(s, cfg))
        ctx = await self.context(new, cfg)
        ratings = await self._closed_turn_ratings(new, effects)
        deliveries = announcements.for_transition(new, effects, ctx, self.bank, ratings)
        if new == s and not deliveries:
            return new, effects, False
        saved = await self.store.save_transition(
            new,
            arm=self._alarms(effects, now, platform_of(new.community)),
            deliveries=deliveries,
            now=now,
            tz=cfg.timezone,
            settled=next(
                ((e.present, e.absent) for e in effects if isinstance(e, AttendanceSettled)),
                None,
            ),
        )
        for timer in saved:
            self.arm(timer)
        if self.on_transition is not None:
            await self.on_transition(new, effects, cfg)
        return new, effects, True

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

    async def deliver(self, session_id: str | None = None) -> int:
        """Send what transitions queued (one session's, or every session's), each session's
        in order; a failed send stays queued for the next try."""
        if session_id is not None:
            return await self._deliver(session_id)
        waiting = iter(await self.store.sessions_with_deliveries())

        async def sender() -> int:  # a few senders taking the next session, not one task each
            return sum([await self._deliver(sid) for sid in waiting])

        return sum(await asyncio.gather(*(sender() for _ in range(SENDING_AT_ONCE))))

    async def _deliver(self, session_id: str) -> int:
        sent = 0
        try:
            async with self._senders, self._sending[session_id]:
                # on PostgreSQL one replica claims a session's queued posts (SKIP LOCKED, a lease)
                for outbox_id, community, sid, d, tried in await self.store.claim_deliveries(
                    self.clock.now(), session_id
                ):
                    if not await self._send(outbox_id, community, sid, d, tried):
                        break  # keep the session's messages in order
                    sent += 1
        finally:
            _forget_if_free(self._sending, session_id)
        return sent

    async def _send(self, outbox_id: int, community: str, sid: str, d, tried: bool) -> bool:
        try:
            if not tried:
                await self.store.mark_tried(outbox_id, self.clock.now())
            # the same key on a resend: the platform keeps or finds the first copy
            key = f"mr-outbox-{outbox_id}"
            if d.kind == "post":
                ref = await self.chat.send(d.target, d.msg, key=key, resend=tried)
                if d.link:
                    await self.store.link_message(ref, community, d.link, sid, d.turn)
            elif d.kind == "private":
                await self.chat.send_private(d.target, d.user, d.msg, key=key, resend=tried)
            elif d.kind == "dm":
                await self.chat.send(d.target, d.msg, key=key, resend=tried)
            elif d.kind == "end_voice":
                await self.chat.close_voice(d.target)
            else:
                await self.chat.close_pair_space(d.target, key=key, resend=tried)
        except Exception:
            log.exception("delivery %s for session %s failed; it stays queued", outbox_id, sid)
            return False
        await self.store.mark_delivered(outbox_id, self.clock.now())
        return True

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
        await self.store.after_commit(lambda: self.deliver(s.id))

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


def _forget_if_free(locks: dict[str, asyncio.Lock], key: str) -> None:
    """Drop a lock nobody holds or waits for, so a lock table holds live work, not every
    session ever touched (the next user of the key makes a new one)."""
    lock = locks.get(key)
    if lock is not None and not lock.locked() and not getattr(lock, "_waiters", None):
        del locks[key]
