"""The SQL store's session transitions: a session's new state saved with everything that
goes with it, one session's or a batch's (a round's spaces opened together) at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.model import Session, Timer, UserRef
from bot.sessions.outbox import Delivery, Transition
from bot.storage import codec, standings
from bot.storage import schema as t
from bot.storage.sql_engine import SqlEngine


class TransitionStore(SqlEngine):
    async def get_session(self, session_id: str, *, for_update: bool = False) -> Session | None:
        """``for_update``: inside a unit of work on PostgreSQL, lock the session's row until
        the unit ends, so another replica's work on it waits (SQLite has one process)."""
        locked = for_update and self._dialect == "postgresql" and self.in_unit()
        async with self._read() as conn:
            row = (
                await conn.execute(_SESSION_LOCKED if locked else _SESSION, {"id": session_id})
            ).first()
        return codec.session_from_row(row._mapping) if row else None

    async def get_sessions(
        self, session_ids: Sequence[str], *, for_update: bool = False
    ) -> dict[str, Session]:
        """The sessions found among ``session_ids``, in one read (``for_update``: as for one;
        the rows are locked in id order, as every batch locks them)."""
        locked = for_update and self._dialect == "postgresql" and self.in_unit()
        async with self._read() as conn:
            rows = await conn.execute(
                _SESSIONS_LOCKED if locked else _SESSIONS, {"ids": sorted(session_ids)}
            )
            return {r.id: codec.session_from_row(r._mapping) for r in rows}

    async def save_transition(
        self,
        s: Session,
        *,
        arm: Sequence[tuple[str, str, datetime]] = (),
        deliveries: Sequence[Delivery] = (),
        now: datetime,
        tz: str = "UTC",
        settled: tuple[Sequence[UserRef], Sequence[UserRef]] | None = None,
    ) -> list[Timer]:
        [armed] = await self.save_transitions([Transition(s, arm, deliveries, tz, settled)], now)
        return armed

    async def save_transitions(
        self, saved: Sequence[Transition], now: datetime
    ) -> list[list[Timer]]:
        """Save each session's new state, retire the timers of phases it left, arm new ones,
        free the places of members no longer in it and queue what the members must be told,
        all atomically: a batch writes each of these in one statement. A timer for the phase
        the session is still in stays armed. Returns each transition's armed timers."""
        retire: dict[bool, list[dict]] = {True: [], False: []}  # by whether it ended
        for s in (x.session for x in saved):
            key = f"{s.phase.value}:{s.turn_index}"
            retire[s.phase.terminal].append({"of_session": s.id, "phase_key": key, "now": now})
        async with self._write() as conn:
            await conn.execute(
                _SAVE_SESSION,
                [{**codec.session_to_row(x.session), "saved": x.session.id} for x in saved],
            )
            for ended, stale in ((True, _RETIRE_ALL), (False, _RETIRE_OTHERS)):
                if retire[ended]:
                    await conn.execute(stale, retire[ended])
            for x in saved:
                await self._free_places(conn, x.session)
                if x.settled is not None:
                    await self._settle_attendance(conn, x.session, *x.settled)
                if x.session.phase.value == "done":
                    await self._complete(conn, x.session, now, x.tz)
            armed = await self._add_timers(
                conn,
                [
                    (x.session.community, kind, x.session.id, key, due)
                    for x in saved
                    for kind, key, due in x.arm
                ],
            )
            await self._queue(conn, [(x.session, d) for x in saved for d in x.deliveries], now)
        of_session: dict[str, list[Timer]] = {}
        for timer in armed:
            of_session.setdefault(timer.subject, []).append(timer)
        return [of_session.get(x.session.id, []) for x in saved]

    async def _free_places(self, conn: AsyncConnection, s: Session) -> None:
        """A member's place in a session is freed once they are no longer in it. While every
        member is still present there is nothing to free: the places are theirs."""
        present = [m.id for m in s.present]
        if s.phase.terminal:
            await conn.execute(_FREE_ALL, {"sid": s.id})
        elif len(present) < len(s.members):
            await conn.execute(_FREE_OTHERS, {"sid": s.id, "present": present})

    async def _complete(self, conn: AsyncConnection, s: Session, now: datetime, tz: str) -> None:
        """Count the session once per member, even if a finished session is saved again."""
        p = t.participants.c
        rows = await conn.execute(
            select(p.user_id, p.track).where(
                p.session_id == s.id,
                p.completed_at.is_(None),
                p.user_id.in_([m.id for m in s.present]),
            )
        )
        for row in rows.all():
            await conn.execute(
                update(t.participants)
                .where(p.session_id == s.id, p.user_id == row.user_id)
                .values(completed_at=now)
            )
            await standings.record_session(
                conn, community=s.community, member=row.user_id, track=row.track, at=now, tz=tz
            )


# a session's transition, the most frequent write: each statement built once (building one
# anew took longer than SQLite took to run it)
_SESSION = select(t.sessions).where(t.sessions.c.id == bindparam("id"))
_SESSION_LOCKED = _SESSION.with_for_update()
_SESSIONS = (
    select(t.sessions)
    .where(t.sessions.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(t.sessions.c.id)
)
_SESSIONS_LOCKED = _SESSIONS.with_for_update()
_SAVE_SESSION = update(t.sessions).where(t.sessions.c.id == bindparam("saved"))
_tc, _lm = t.timers.c, t.live_members.c
# column names are reserved for the values in an UPDATE's own bind names
_RETIRE_ALL = (
    update(t.timers)
    .where(_tc.subject == bindparam("of_session"), _tc.fired_at.is_(None))
    .values(fired_at=bindparam("now"))
)
_RETIRE_OTHERS = _RETIRE_ALL.where(_tc.key != bindparam("phase_key"))  # the phase's own stays
_FREE_ALL = delete(t.live_members).where(_lm.session_id == bindparam("sid"))
_FREE_OTHERS = _FREE_ALL.where(_lm.user_id.not_in(bindparam("present", expanding=True)))
