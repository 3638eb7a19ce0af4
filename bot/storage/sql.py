"""The Store on SQLAlchemy Core (async). One class serves SQLite and PostgreSQL.

Each public method is one transaction: what a member is told was saved has been
committed before the reply goes out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time

from sqlalchemy import bindparam, select, update

from bot.model import (
    CommunityConfig,
    Member,
    Phase,
    Round,
    Session,
    UserRef,
)
from bot.storage import codec
from bot.storage import schema as t
from bot.storage.sql_attendance import AttendanceStore
from bot.storage.sql_data import DataStore
from bot.storage.sql_engine import CONFIG, IDS_IN_QUERY, among, paged
from bot.storage.sql_ratings import RatingStore
from bot.storage.sql_replicas import ReplicaStore
from bot.storage.sql_rounds import RoundStore
from bot.storage.sql_timers import TimerStore
from bot.storage.sql_transitions import TransitionStore


class SqlStore(
    TransitionStore, RoundStore, AttendanceStore, RatingStore, TimerStore, DataStore, ReplicaStore
):
    """The Store on SQLAlchemy Core, async: SQLite and PostgreSQL alike."""

    # --- community configuration ------------------------------------------------

    async def get_config(self, community: str) -> CommunityConfig:
        unit = self._unit()
        if unit is not None and community in unit.configs:
            return unit.configs[community]
        async with self._read() as conn:
            row = (await conn.execute(CONFIG, {"community": community})).first()
        if row:
            cfg = codec.config_from_json(community, row[0])
        else:
            cfg = CommunityConfig(community, meet=self.meet_default)
        if unit is not None:
            unit.configs[community] = cfg
        return cfg

    async def save_config(self, cfg: CommunityConfig) -> None:
        values = {"community": cfg.community, "config": codec.config_to_json(cfg)}
        async with self._write() as conn:
            await conn.execute(self._upsert(t.communities, values, ["community"]))
        unit = self._unit()
        if unit is not None:
            unit.configs.pop(cfg.community, None)  # read back as stored

    # --- members ----------------------------------------------------------------

    async def get_member(self, user: UserRef) -> Member | None:
        async with self._read() as conn:
            row = (
                await conn.execute(_MEMBER, {"community": user.community, "id": user.id})
            ).first()
        return codec.member_from_row(row._mapping) if row else None

    async def save_member(self, m: Member) -> None:
        paused = datetime.combine(m.paused_until, time(), UTC) if m.paused_until else None
        values = {
            "community": m.user.community,
            "user_id": m.user.id,
            "name": m.name,
            "track": m.track,
            "level": m.level,
            "timezone": m.timezone,
            "status": m.status,
            "paused_until": paused,
            "joined_at": m.joined_at,
            "waiting_since": m.waiting_since,
            "slot": m.slot,
            "hide_from_board": m.hide_from_board,
            "stats_private": m.stats_private,
            "availability": m.availability,
        }
        async with self._write() as conn:
            await conn.execute(self._upsert(t.members, values, ["community", "user_id"]))

    async def members(
        self, community: str, statuses: Iterable[str] = ("active",), between=None
    ) -> list[Member]:
        q = (
            select(t.members)
            .where(t.members.c.community == community, t.members.c.status.in_(statuses))
            .order_by(t.members.c.user_id)
        )
        async with self._read() as conn:  # a weekly round reads everyone
            return await paged(conn, q, codec.member_from_row, 1_000, between)

    async def members_by_id(self, community: str, ids: Iterable[str]) -> list[Member]:
        """The community's members among ``ids`` (a batch of spaces: a few dozen), one read."""
        async with self._read() as conn:
            rows = await conn.execute(_MEMBERS, {"community": community, "ids": list(ids)})
            return [codec.member_from_row(r._mapping) for r in rows]

    async def member_names(self, community: str, ids: Sequence[str]) -> dict[str, str]:
        async with self._read() as conn:
            rows = await conn.execute(_NAMES, {"community": community, "ids": list(ids)})
            return {r.user_id: r.name for r in rows}

    async def member_profiles(
        self, community: str, ids: Sequence[str]
    ) -> dict[str, tuple[str, str]]:
        """id -> (name, zone): what a session's messages need, in one query."""
        async with self._read() as conn:
            rows = await conn.execute(_PROFILES, {"community": community, "ids": list(ids)})
            return {r.user_id: (r.name, r.timezone) for r in rows}

    async def waiting_members(self, community: str, since: datetime) -> list[Member]:
        """Active members who asked for a partner with `now` at or after ``since``."""
        m = t.members.c
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(t.members).where(
                        m.community == community, m.waiting_since >= since, m.status == "active"
                    )
                )
            ).all()
        # sorted here: asked to sort, SQLite walked every member in id order instead of the
        # few waiting by the index on waiting_since (18 ms at 100,000 members)
        return sorted((codec.member_from_row(r._mapping) for r in rows), key=lambda x: x.user.id)

    async def role_history(
        self, community: str, ids: Iterable[str] | None = None
    ) -> dict[str, tuple[int, int, datetime | None]]:
        """member id -> (times interviewer, times candidate, last time in a trio): everyone's,
        or only the given members'."""
        m = t.members.c
        listed, keep = among(ids)
        q = select(m.user_id, m.interviewed, m.candidated, m.last_sat_out).where(
            m.community == community
        )
        if listed is not None:
            q = q.where(m.user_id.in_(listed))
        async with self._read() as conn:
            rows = await conn.execute(q)
            return {
                r.user_id: (r.interviewed, r.candidated, r.last_sat_out)
                for r in rows
                if keep is None or r.user_id in keep
            }

    # --- rounds and sessions -----------------------------------------------------

    async def get_round(self, round_id: str) -> Round | None:
        async with self._read() as conn:
            row = (await conn.execute(select(t.rounds).where(t.rounds.c.id == round_id))).first()
        return codec.round_from_row(row._mapping) if row else None

    async def latest_round(
        self,
        community: str,
        kind: str | None = None,
        status: str | None = None,
        slot: int | None = None,
    ) -> Round | None:
        q = select(t.rounds).where(t.rounds.c.community == community)
        if slot is not None:
            q = q.where(t.rounds.c.slot == slot)
        if kind is not None:
            q = q.where(t.rounds.c.kind == kind)
        if status is not None:
            q = q.where(t.rounds.c.status == status)
        q = q.order_by(t.rounds.c.created_at.desc(), t.rounds.c.id.desc()).limit(1)
        async with self._read() as conn:
            row = (await conn.execute(q)).first()
        return codec.round_from_row(row._mapping) if row else None

    async def recent_rounds(self, community: str, kind: str, limit: int) -> list[Round]:
        """The community's newest rounds of a kind, newest first."""
        r = t.rounds.c
        q = (
            select(t.rounds)
            .where(r.community == community, r.kind == kind)
            .order_by(r.created_at.desc(), r.id.desc())
            .limit(limit)
        )
        async with self._read() as conn:
            return [codec.round_from_row(x._mapping) for x in (await conn.execute(q)).all()]

    async def running_rounds(self) -> list[Round]:
        """Every community's unfinished rounds: what a restart must pick up."""
        q = select(t.rounds).where(t.rounds.c.status == "running").order_by(t.rounds.c.created_at)
        async with self._read() as conn:
            return [codec.round_from_row(r._mapping) for r in (await conn.execute(q)).all()]

    async def set_round_status(self, round_id: str, status: str) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(t.rounds).where(t.rounds.c.id == round_id).values(status=status)
            )

    async def sessions_live(self, community: str) -> list[Session]:
        """Every unfinished session of the community."""
        sc = t.sessions.c
        q = select(t.sessions).where(
            sc.community == community, sc.phase.not_in([p.value for p in Phase if p.terminal])
        )
        async with self._read() as conn:
            return [codec.session_from_row(r._mapping) for r in (await conn.execute(q)).all()]

    async def round_has_live_sessions(self, round_id: str) -> bool:
        sc = t.sessions.c
        q = select(sc.id).where(
            sc.round_id == round_id, sc.phase.not_in([p.value for p in Phase if p.terminal])
        )
        async with self._read() as conn:
            return (await conn.execute(q.limit(1))).first() is not None

    async def round_sessions(self, round_id: str) -> list[Session]:
        q = select(t.sessions).where(t.sessions.c.round_id == round_id).order_by(t.sessions.c.id)
        async with self._read() as conn:  # a session decodes about five times slower than a member
            return await paged(conn, q, codec.session_from_row, 200)

    async def sessions_of(self, user: UserRef, limit: int = 5) -> list[Session]:
        """The member's sessions, newest first."""
        p = t.participants.c
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(t.sessions)
                    .join(t.participants, t.sessions.c.id == p.session_id)
                    .where(p.community == user.community, p.user_id == user.id)
                    .order_by(p.created_at.desc(), t.sessions.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [codec.session_from_row(r._mapping) for r in rows]

    # --- pairing inputs ------------------------------------------------------------

    async def meetings(
        self, community: str, since: datetime | None = None, ids: Iterable[str] | None = None
    ) -> list[tuple[str, str, datetime]]:
        """Who met whom and when: everyone's meetings, or only those between ``ids``."""
        m = t.meetings.c
        listed, keep = among(ids)
        q = select(m.a, m.b, m.at).where(m.community == community)
        if since is not None:
            q = q.where(m.at >= since)
        if listed is not None:
            q = q.where(m.a.in_(listed), m.b.in_(listed))
        async with self._read() as conn:
            rows = await conn.execute(q)
            return [(r.a, r.b, r.at) for r in rows if keep is None or (r.a in keep and r.b in keep)]

    async def answered_by(self, community: str, user_ids: Iterable[str]) -> dict[str, set[str]]:
        """The questions each of ``user_ids`` has answered: a weekly round's members in a
        few reads, each short enough to leave the loop to the commands between them."""
        a = t.answered.c
        ids = list(user_ids)
        out: dict[str, set[str]] = {}
        async with self._read() as conn:
            for start in range(0, len(ids), IDS_IN_QUERY):
                rows = await conn.execute(
                    select(a.user_id, a.question_id).where(
                        a.community == community,
                        a.user_id.in_(ids[start : start + IDS_IN_QUERY]),
                    )
                )
                for user_id, question_id in rows:
                    out.setdefault(user_id, set()).add(question_id)
                await asyncio.sleep(0)
        return out


# what nearly every command reads, each statement built once: building one anew took longer
# than SQLite took to run it
_MEMBER = select(t.members).where(
    t.members.c.community == bindparam("community"), t.members.c.user_id == bindparam("id")
)
_MEMBERS = select(t.members).where(
    t.members.c.community == bindparam("community"),
    t.members.c.user_id.in_(bindparam("ids", expanding=True)),
)
_PROFILES = _MEMBERS.with_only_columns(t.members.c.user_id, t.members.c.name, t.members.c.timezone)
_NAMES = _MEMBERS.with_only_columns(t.members.c.user_id, t.members.c.name)
