"""The SQL store's persisted timers and its outbox of announcements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, select, update

from bot.model import (
    Phase,
    Session,
    Timer,
)
from bot.sessions.outbox import Delivery
from bot.storage import codec
from bot.storage import schema as t
from bot.storage.sql_engine import SqlEngine


class TimerStore(SqlEngine):
    # --- timers -----------------------------------------------------------------------

    async def _add_timers(self, conn, timers: Sequence[tuple]) -> list[Timer]:
        """(community, kind, subject, key, due) each: armed in one statement, in order."""
        if not timers:
            return []
        rows = [dict(zip(_TIMER_FIELDS, x, strict=True)) for x in timers]
        if len(rows) == 1:
            ids = (await conn.execute(_ADD_TIMER, rows[0])).inserted_primary_key
        elif self._dialect == "postgresql":
            ids = (await conn.execute(_ADD_TIMERS, rows)).scalars().all()
        else:
            # SQLite promises no order of RETURNING rows, and asked for one SQLAlchemy
            # inserts row by row; this transaction holds the one writer, so the newest ids
            # are these rows', in the order they were inserted
            await conn.execute(_ADD_TIMER, rows)
            newest = await conn.execute(_NEWEST_TIMERS, {"count": len(rows)})
            ids = sorted(newest.scalars().all())
        return [Timer(i, *x) for i, x in zip(ids, timers, strict=True)]

    async def add_timer(
        self, community: str, kind: str, subject: str, key: str, due_at: datetime
    ) -> Timer:
        async with self._write() as conn:
            [timer] = await self._add_timers(conn, [(community, kind, subject, key, due_at)])
            return timer

    async def cancel_timers(self, subject: str, kind: str, now: datetime) -> None:
        tc = t.timers.c
        async with self._write() as conn:
            await conn.execute(
                update(t.timers)
                .where(tc.subject == subject, tc.kind == kind, tc.fired_at.is_(None))
                .values(fired_at=now)
            )

    async def pending_timers(self, due_by: datetime | None = None) -> list[Timer]:
        q = _PENDING if due_by is None else _PENDING.where(_tc.due_at <= due_by)
        async with self._read() as conn:
            rows = (await conn.execute(q)).all()
        return [codec.timer_from_row(r._mapping) for r in rows]

    async def next_due_after(self, now: datetime) -> Timer | None:
        """The earliest timer due after ``now`` (one index step): when to wake next."""
        async with self._read() as conn:
            row = (await conn.execute(_NEXT_DUE, {"now": now})).first()
        return codec.timer_from_row(row._mapping) if row is not None else None

    async def claim_timer(self, timer_id: int, now: datetime) -> bool:
        """Mark a timer fired; False if something else already did (it must not run twice)."""
        async with self._write() as conn:
            res = await conn.execute(_CLAIM_TIMER, {"timer": timer_id, "now": now})
            return res.rowcount == 1

    async def claim_timers(self, timer_ids: Sequence[int], now: datetime) -> None:
        """Mark timers fired in one statement (a batch of spaces opened together)."""
        if timer_ids:
            async with self._write() as conn:
                await conn.execute(_CLAIM_TIMER, [{"timer": i, "now": now} for i in timer_ids])

    async def purge_done(self, before: datetime) -> tuple[int, int]:
        """Forget sent posts and fired timers older than ``before``: (posts, timers)."""
        o, tc = t.outbox.c, t.timers.c
        async with self._write() as conn:
            posts = await conn.execute(delete(t.outbox).where(o.sent_at < before))
            timers = await conn.execute(delete(t.timers).where(tc.fired_at < before))
        return posts.rowcount or 0, timers.rowcount or 0

    async def purge_seen_events(self, before: datetime) -> None:
        async with self._write() as conn:
            await conn.execute(delete(t.seen_events).where(t.seen_events.c.at < before))

    # --- the outbox -----------------------------------------------------------------

    async def _queue(self, conn, posts: Sequence[tuple[Session, Delivery]], now: datetime) -> None:
        """(session, delivery) each, in the order they are sent: the outbox sends by id."""
        rows = [
            dict(
                community=s.community,
                session_id=s.id,
                kind=d.kind,
                target=d.target.id,
                user_id=d.user.id if d.user else None,
                message=codec.message_to_json(d.msg),
                link=d.link,
                turn=d.turn,
                created_at=now,
            )
            for s, d in posts
        ]
        if rows:
            await conn.execute(_QUEUE, rows)

    async def queue(self, s: Session, deliveries: Sequence[Delivery], now: datetime) -> None:
        """Queue more announcements for a session (sent after the unit of work commits)."""
        async with self._write() as conn:
            await self._queue(conn, [(s, d) for d in deliveries], now)

    async def sessions_with_deliveries(self) -> list[str]:
        """Sessions with posts still queued, the longest waiting first."""
        o = t.outbox.c
        q = (
            select(o.session_id)
            .where(o.sent_at.is_(None))
            .group_by(o.session_id)
            .order_by(func.min(o.id))
        )
        async with self._read() as conn:
            return [r.session_id for r in await conn.execute(q)]

    async def undelivered(
        self, *session_ids: str, ids: Sequence[int] | None = None
    ) -> list[tuple[int, str, str, Delivery, bool]]:
        """(id, community, session id, delivery, tried before) not yet sent, oldest first:
        those of ``ids``, else the sessions', else every one."""
        if ids is not None:
            q, values = _UNSENT_AMONG, {"ids": list(ids)}
        elif session_ids:
            q, values = _UNSENT_OF_SESSIONS, {"sids": list(session_ids)}
        else:
            q, values = _UNSENT, {}
        async with self._read() as conn:
            rows = (await conn.execute(q, values)).all()
        out = []
        for r in rows:
            c = r.community
            delivery = Delivery(
                kind=r.kind,
                target=codec.user(c, r.target) if r.kind == "dm" else codec.channel(c, r.target),
                msg=codec.message_from_json(c, r.message),
                user=codec.user(c, r.user_id) if r.user_id else None,
                link=r.link,
                turn=r.turn,
            )
            out.append((r.id, c, r.session_id, delivery, r.tried_at is not None))
        return out

    async def outbox_backlog(self) -> tuple[int, datetime | None]:
        """How many posts wait to be sent, and when the oldest was saved."""
        o = t.outbox.c
        q = select(func.count(), func.min(o.created_at)).where(o.sent_at.is_(None))
        async with self._read() as conn:
            count, oldest = (await conn.execute(q)).one()
        if isinstance(oldest, str):  # SQLite hands an aggregate back as text
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(count or 0), oldest

    async def live_phases(self) -> dict[str, int]:
        """Unfinished sessions by phase, over every community."""
        sc = t.sessions.c
        terminal = [p.value for p in Phase if p.terminal]
        q = select(sc.phase, func.count()).where(sc.phase.not_in(terminal)).group_by(sc.phase)
        async with self._read() as conn:
            return {phase: int(n) for phase, n in (await conn.execute(q)).all()}

    async def ping(self) -> None:
        """Raises when the database does not answer."""
        async with self._read() as conn:
            await conn.execute(select(1))

    async def mark_tried(self, outbox_ids: Sequence[int], now: datetime) -> None:
        """Posts about to go: one tried before is sent again with the same key, so the
        platform keeps or finds the first copy."""
        if outbox_ids:
            async with self._write() as conn:
                await conn.execute(_MARK_TRIED, [{"post": i, "at": now} for i in outbox_ids])

    async def mark_delivered(self, outbox_ids: Sequence[int], now: datetime) -> None:
        if outbox_ids:
            async with self._write() as conn:
                await conn.execute(_MARK_SENT, [{"post": i, "at": now} for i in outbox_ids])


# timers not yet fired, earliest first; a space to open is not a timer: the round's
# openers take it (ReplicaStore)
_tc = t.timers.c
_PENDING = (
    select(t.timers)
    .where(_tc.fired_at.is_(None), _tc.kind != t.OPENING)
    .order_by(_tc.due_at, _tc.id)
)
_NEXT_DUE = _PENDING.where(_tc.due_at > bindparam("now")).limit(1)  # at each alarm: built once


# what each transition and each post runs: built once (see sql.py)
_TIMER_FIELDS = ("community", "kind", "subject", "key", "due_at")
_ADD_TIMER = insert(t.timers)
_ADD_TIMERS = _ADD_TIMER.returning(t.timers.c.id, sort_by_parameter_order=True)
_NEWEST_TIMERS = select(_tc.id).order_by(_tc.id.desc()).limit(bindparam("count"))
_CLAIM_TIMER = (
    update(t.timers)
    .where(_tc.id == bindparam("timer"), _tc.fired_at.is_(None))
    .values(fired_at=bindparam("now"))
)
_QUEUE = insert(t.outbox)
_UNSENT = select(t.outbox).where(t.outbox.c.sent_at.is_(None)).order_by(t.outbox.c.id)
_UNSENT_OF_SESSIONS = _UNSENT.where(t.outbox.c.session_id.in_(bindparam("sids", expanding=True)))
_UNSENT_AMONG = _UNSENT.where(t.outbox.c.id.in_(bindparam("ids", expanding=True)))
_MARK = update(t.outbox).where(t.outbox.c.id == bindparam("post"))
_MARK_TRIED = _MARK.values(tried_at=bindparam("at"))
_MARK_SENT = _MARK.values(sent_at=bindparam("at"))
