"""Several replicas on one PostgreSQL behave as one: a due timer, and a session's queued
posts, are claimed by one replica with ``SELECT ... FOR UPDATE SKIP LOCKED`` and a lease.
A replica that dies holds nothing for long: its leases run out and another takes over.

On SQLite (one process, refused a second) the claims are plain reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from bot.model import Timer
from bot.storage import codec
from bot.storage import schema as t
from bot.storage.sql_engine import SqlEngine

LEASE = timedelta(seconds=60)  # longer than any timer's work or a session's sends take
BATCH = 200


class ReplicaStore(SqlEngine):
    replica = "this process"  # set by the composition root: host, pid and a random part

    async def claim_due_timers(self, now: datetime) -> list[Timer]:
        """The timers due by ``now`` that this replica runs, oldest first."""
        if self._dialect == "sqlite":
            return await self.pending_timers(due_by=now)
        tc = t.timers.c
        free = or_(tc.lease_until.is_(None), tc.lease_until < now, tc.lease_owner == self.replica)
        due = (
            select(tc.id)
            .where(tc.fired_at.is_(None), tc.due_at <= now, tc.kind != t.OPENING, free)
            .order_by(tc.due_at, tc.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(t.timers)
            .where(tc.id.in_(due.scalar_subquery()))
            .values(lease_owner=self.replica, lease_until=now + LEASE)
            .returning(t.timers)
        )
        async with self._write() as conn:
            rows = (await conn.execute(claim)).all()
        timers = [codec.timer_from_row(r._mapping) for r in rows]
        return sorted(timers, key=lambda x: (x.due_at, x.id))

    async def claim_deliveries(self, now: datetime, *session_ids: str):
        """Queued posts this replica sends (the sessions', else every session's): every
        unsent row of each session it claims, so one replica keeps a session's posts in
        order; a session another replica is sending is left to it until its lease runs out."""
        if self._dialect == "sqlite":
            return await self.undelivered(*session_ids)
        o = t.outbox.c
        taken = select(o.session_id).where(
            o.sent_at.is_(None), o.claimed_until >= now, o.claimed_by != self.replica
        )
        wanted = o.sent_at.is_(None) & o.session_id.not_in(taken)
        if session_ids:
            wanted = wanted & o.session_id.in_(session_ids)
        rows = select(o.id).where(wanted).order_by(o.id).limit(BATCH * 5)
        claim = (
            update(t.outbox)
            .where(o.id.in_(rows.with_for_update(skip_locked=True).scalar_subquery()))
            .values(claimed_by=self.replica, claimed_until=now + LEASE)
            .returning(o.id)
        )
        async with self._write() as conn:
            ids = [r.id for r in (await conn.execute(claim)).all()]
        return await self.undelivered(ids=ids) if ids else []

    # --- spaces to open -----------------------------------------------------------------

    async def claim_openings(
        self, now: datetime, limit: int, round_id: str | None = None
    ) -> list[tuple[Timer, bool]]:
        """Spaces waiting to open that this replica opens now, in the order their round was
        paired: (the opening, tried before). A claim is a lease: one replica at a time opens
        a space, and the claims of a replica that died run out for the others to take."""
        tc = t.timers.c
        free = or_(tc.lease_until.is_(None), tc.lease_until < now)
        waiting = (
            select(tc.id, tc.lease_owner)
            .where(tc.kind == t.OPENING, tc.fired_at.is_(None), free)
            .order_by(tc.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        # a small round's openings are its command's to open at once (due later, for the
        # others to take if this replica dies first); everything else when due
        waiting = waiting.where(tc.key == round_id) if round_id else waiting.where(tc.due_at <= now)
        found = []
        if self._dialect == "sqlite":  # one process: read first, then claim what is still free
            async with self._read() as conn:  # most polls find nothing: no write transaction
                found = (await conn.execute(waiting)).all()
            if not found:
                return []
        async with self._write() as conn:
            if self._dialect == "postgresql":
                found = (await conn.execute(waiting)).all()
            if not found:
                return []
            tried = {r.id: r.lease_owner is not None for r in found}
            rows = (
                await conn.execute(
                    update(t.timers)
                    .where(tc.id.in_(list(tried)), free)  # free still: no other opener took it
                    .values(lease_owner=self.replica, lease_until=now + LEASE)
                    .returning(t.timers)
                )
            ).all()
        claimed = sorted((codec.timer_from_row(r._mapping) for r in rows), key=lambda x: x.id)
        return [(o, tried[o.id]) for o in claimed]

    async def retry_openings(self, now: datetime) -> None:
        """Spaces that failed to open are tried now (a restart, a reconnection). On SQLite,
        the one process there is has just started: no claim made before is held any more."""
        tc = t.timers.c
        waiting = (tc.kind == t.OPENING) & tc.fired_at.is_(None)
        async with self._write() as conn:
            await conn.execute(update(t.timers).where(waiting, tc.due_at > now).values(due_at=now))
            if self._dialect == "sqlite":
                await conn.execute(update(t.timers).where(waiting).values(lease_until=None))

    async def postpone_opening(self, opening_id: int, until: datetime) -> None:
        """A space that failed to open is tried again at ``until`` (by any replica)."""
        async with self._write() as conn:
            await conn.execute(
                update(t.timers)
                .where(t.timers.c.id == opening_id)
                .values(due_at=until, lease_until=None)
            )
