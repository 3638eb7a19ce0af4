"""The SQL store's side of who takes part: member status, live places, attendance."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy import bindparam, case, func, select, update

from bot.model import Attendance, Session, UserRef
from bot.storage import codec
from bot.storage import schema as t
from bot.storage.sql_engine import SqlEngine, among

RECENT = 4  # sessions that decide whether a member is paused for no-shows
# built once: built per call, an IN list's parameters form reference cycles that only the
# collector frees, and a big round's save asks for each part's members
_BUSY = select(t.live_members.c.user_id).where(t.live_members.c.community == bindparam("of"))
_BUSY_AMONG = _BUSY.where(t.live_members.c.user_id.in_(bindparam("ids", expanding=True)))


class AttendanceStore(SqlEngine):
    # --- member status, changed column by column so concurrent commands keep each
    # other's settings (a join and a leave at once must not lose the join's track)

    async def set_member_status(
        self, user: UserRef, status: str, paused_until: date | None = None
    ) -> None:
        m = t.members.c
        paused = datetime.combine(paused_until, time(), UTC) if paused_until else None
        async with self._write() as conn:
            await conn.execute(
                update(t.members)
                .where(m.community == user.community, m.user_id == user.id)
                .values(status=status, paused_until=paused, waiting_since=None)
            )

    async def set_privacy(self, user: UserRef, *, hide_from_board: bool, stats_private: bool):
        m = t.members.c
        async with self._write() as conn:
            await conn.execute(
                update(t.members)
                .where(m.community == user.community, m.user_id == user.id)
                .values(hide_from_board=hide_from_board, stats_private=stats_private)
            )

    async def set_waiting(self, user: UserRef, since: datetime | None) -> None:
        m = t.members.c
        async with self._write() as conn:
            await conn.execute(
                update(t.members)
                .where(m.community == user.community, m.user_id == user.id)
                .values(waiting_since=since)
            )

    # --- live places ------------------------------------------------------------------

    async def live_session_id(self, user: UserRef) -> str | None:
        async with self._read() as conn:
            return (
                await conn.execute(_LIVE_SESSION, {"community": user.community, "id": user.id})
            ).scalar()

    async def busy_members(self, community: str, ids: Iterable[str] | None = None) -> set[str]:
        """Members in a live session (all, or those of ``ids``): they sit out a new round
        until it ends."""
        listed, keep = among(ids)
        async with self._read() as conn:
            if listed is None:
                rows = await conn.execute(_BUSY, dict(of=community))
            else:  # a big round's part asks this again and again: built once (see _BUSY)
                rows = await conn.execute(_BUSY_AMONG, dict(of=community, ids=listed))
            busy = {r.user_id for r in rows}
        return busy if keep is None else busy & keep

    # --- attendance -------------------------------------------------------------------

    async def _settle_attendance(
        self, conn, s: Session, present: Sequence[UserRef], absent: Sequence[UserRef]
    ) -> None:
        p = t.participants.c
        for users, came in ((present, True), (absent, False)):
            if users:
                await conn.execute(
                    update(t.participants)
                    .where(p.session_id == s.id, p.user_id.in_([u.id for u in users]))
                    .values(attended=came)
                )

    async def attendance_of(
        self, community: str, ids: Iterable[str] | None
    ) -> dict[str, Attendance]:
        """Attendance of the given members (None: everyone's), in one query (the last 4 by
        a window function)."""
        p = t.participants.c
        listed, keep = among(ids)
        chosen = p.user_id.in_(listed) if listed is not None else p.community == community
        ranked = (
            select(
                p.user_id,
                p.attended,
                func.row_number()
                .over(partition_by=p.user_id, order_by=(p.created_at.desc(), p.session_id.desc()))
                .label("recency"),
            )
            .where(p.community == community, chosen, p.attended.is_not(None))
            .subquery()
        )
        came = case((ranked.c.attended, 1), else_=0)
        missed_recently = case(((ranked.c.recency <= RECENT) & ~ranked.c.attended, 1), else_=0)
        q = select(
            ranked.c.user_id, func.count(), func.sum(came), func.sum(missed_recently)
        ).group_by(ranked.c.user_id)
        async with self._read() as conn:
            rows = (await conn.execute(q)).all()
        return {
            uid: Attendance(int(n), int(ok or 0), int(n) - int(ok or 0), int(recent or 0))
            for uid, n, ok, recent in rows
            if keep is None or uid in keep
        }

    async def attendance(self, user: UserRef) -> Attendance:
        return (await self.attendance_of(user.community, [user.id])).get(user.id, Attendance())

    # --- the roster -------------------------------------------------------------------

    async def member_page(self, community: str, offset: int, limit: int):
        """(members of the page, by name, with their last session's time; how many in all)."""
        m, p = t.members.c, t.participants.c
        last = (
            select(p.user_id, func.max(p.created_at).label("last"))
            .where(p.community == community)
            .group_by(p.user_id)
            .subquery()
        )
        q = (
            select(t.members, last.c.last)
            .select_from(t.members.outerjoin(last, last.c.user_id == m.user_id))
            .where(m.community == community)
            .order_by(func.lower(m.name), m.user_id)
            .offset(offset)
            .limit(limit)
        )
        async with self._read() as conn:
            rows = (await conn.execute(q)).all()
            total = (
                await conn.execute(select(func.count()).where(m.community == community))
            ).scalar_one()
        return [(codec.member_from_row(r._mapping), r.last) for r in rows], total

    # --- round outcomes, counted where the rows are ---------------------------------------

    async def round_groups(
        self, round_id: str, since: datetime, until: datetime, limit: int
    ) -> dict[str, tuple[int, list[str]]]:
        """A round's members by outcome, counted in the database: for each of met,
        rematched (stood up, then completed a session started between ``since`` and
        ``until``), missed and absent, (how many, up to ``limit`` + 1 of their ids)."""
        p, sc = t.participants.c, t.sessions.c
        mine = p.session_id.in_(select(sc.id).where(sc.round_id == round_id))
        other = t.participants.alias("other")
        o = other.c
        later = (
            select(o.user_id)
            .where(
                o.community == p.community,
                o.user_id == p.user_id,
                o.session_id != p.session_id,
                o.created_at >= since,
                o.created_at <= until,
                o.completed_at.is_not(None),
            )
            .exists()
        )
        stood_up = mine & p.completed_at.is_(None) & p.attended.is_not(False)
        groups = {
            "met": mine & p.completed_at.is_not(None),
            "absent": mine & p.attended.is_(False),
            "rematched": stood_up & later,
            "missed": stood_up & ~later,
        }
        out = {}
        async with self._read() as conn:
            for name, where in groups.items():
                n = (await conn.execute(select(func.count()).where(where))).scalar_one()
                ids = (
                    (
                        await conn.execute(
                            select(p.user_id).where(where).order_by(p.user_id).limit(limit + 1)
                        )
                    )
                    .scalars()
                    .all()
                )
                out[name] = (int(n), list(ids))
        return out

    async def round_counts(self, round_ids: list[str]) -> dict[str, tuple[int, int, int]]:
        """Per round: (members paired, who completed a session, no-shows)."""
        p, sc = t.participants.c, t.sessions.c
        q = (
            select(
                sc.round_id,
                func.count(),
                func.sum(case((p.completed_at.is_not(None), 1), else_=0)),
                func.sum(case((p.attended.is_(False), 1), else_=0)),
            )
            .select_from(t.participants.join(t.sessions, sc.id == p.session_id))
            .where(sc.round_id.in_(round_ids))
            .group_by(sc.round_id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(q)).all()
        return {r[0]: (int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows}

    async def round_sessions_done(self, round_id: str) -> tuple[int, int]:
        """(sessions completed, sessions) of a round."""
        sc = t.sessions.c
        q = select(func.count(), func.sum(case((sc.phase == "done", 1), else_=0))).where(
            sc.round_id == round_id
        )
        async with self._read() as conn:
            n, done = (await conn.execute(q)).one()
        return int(done or 0), int(n)

    async def round_scores(self, round_id: str) -> list[tuple[str, float, int]]:
        """(track, average overall, ratings) of the answers rated in a round."""
        rc, sc = t.ratings.c, t.sessions.c
        q = (
            select(rc.track, func.avg(rc.overall), func.count())
            .where(
                rc.session_id.in_(select(sc.id).where(sc.round_id == round_id)),
                (rc.about.is_(None)) | (rc.about == "answer"),
            )
            .group_by(rc.track)
            .order_by(rc.track)
        )
        async with self._read() as conn:
            return [(r[0], float(r[1]), int(r[2])) for r in (await conn.execute(q)).all()]


# asked by most commands: built once (see sql.py)
_LIVE_SESSION = select(t.live_members.c.session_id).where(
    t.live_members.c.community == bindparam("community"),
    t.live_members.c.user_id == bindparam("id"),
)
