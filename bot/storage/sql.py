"""The Store on SQLAlchemy Core (async). One class serves SQLite and PostgreSQL.

Each public method is one transaction: what a member is told was saved has been
committed before the reply goes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.model import (
    CommunityConfig,
    Member,
    MessageRef,
    Rating,
    Round,
    Session,
    Timer,
    UserRef,
)
from bot.storage import codec, migrations
from bot.storage import schema as t


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cur.execute("PRAGMA synchronous=NORMAL")  # durable at each commit in WAL mode
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


class SqlStore:
    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_async_engine(url)
        self._dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        if self._dialect == "sqlite":
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)

    async def migrate(self) -> int:
        async with self._engine.begin() as conn:
            return await conn.run_sync(migrations.migrate)

    async def close(self) -> None:
        await self._engine.dispose()

    def _upsert(self, table, values: dict, keys: Sequence[str]):
        ins = (sqlite.insert if self._dialect == "sqlite" else postgresql.insert)(table).values(
            **values
        )
        changed = {k: v for k, v in values.items() if k not in keys}
        return ins.on_conflict_do_update(index_elements=list(keys), set_=changed)

    # --- replayed platform events ---------------------------------------------

    async def remember_event(self, community: str, event_id: str, now: datetime) -> bool:
        """False when this delivery was seen before (so it must not be handled again)."""
        ins = (sqlite.insert if self._dialect == "sqlite" else postgresql.insert)(t.seen_events)
        stmt = ins.values(community=community, event_id=event_id, at=now).on_conflict_do_nothing()
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount == 1

    # --- community configuration ------------------------------------------------

    async def get_config(self, community: str) -> CommunityConfig:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.communities.c.config).where(t.communities.c.community == community)
                )
            ).first()
        return codec.config_from_json(community, row[0]) if row else CommunityConfig(community)

    async def save_config(self, cfg: CommunityConfig) -> None:
        values = {"community": cfg.community, "config": codec.config_to_json(cfg)}
        async with self._engine.begin() as conn:
            await conn.execute(self._upsert(t.communities, values, ["community"]))

    async def scheduled_communities(self) -> list[CommunityConfig]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.communities))).all()
        configs = [codec.config_from_json(r.community, r.config) for r in rows]
        return [c for c in configs if c.schedule is not None]

    # --- members ----------------------------------------------------------------

    async def get_member(self, user: UserRef) -> Member | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.members).where(
                        t.members.c.community == user.community, t.members.c.user_id == user.id
                    )
                )
            ).first()
        return codec.member_from_row(row._mapping) if row else None

    async def save_member(self, m: Member) -> None:
        paused = (
            datetime.combine(m.paused_until, datetime.min.time(), m.joined_at.tzinfo)
            if m.paused_until and m.joined_at
            else None
        )
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
        }
        async with self._engine.begin() as conn:
            await conn.execute(self._upsert(t.members, values, ["community", "user_id"]))

    async def members(self, community: str, statuses: Iterable[str] = ("active",)) -> list[Member]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.members)
                    .where(t.members.c.community == community, t.members.c.status.in_(statuses))
                    .order_by(t.members.c.user_id)
                )
            ).all()
        return [codec.member_from_row(r._mapping) for r in rows]

    async def role_history(self, community: str) -> dict[str, tuple[int, int, datetime | None]]:
        """member id -> (times interviewer, times candidate, last time in a trio)."""
        m = t.members.c
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(m.user_id, m.interviewed, m.candidated, m.last_sat_out).where(
                    m.community == community
                )
            )
            return {r.user_id: (r.interviewed, r.candidated, r.last_sat_out) for r in rows}

    # --- rounds and sessions -----------------------------------------------------

    async def create_round(self, rnd: Round, sessions: Sequence[Session], tracks: dict[str, str]):
        """Persist a round with its sessions, meetings, answered questions and role counts."""
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(t.rounds).values(
                    id=rnd.id,
                    community=rnd.community,
                    seed=rnd.seed,
                    kind=rnd.kind,
                    status=rnd.status,
                    created_at=rnd.created_at,
                    unplaced=dict(rnd.unplaced),
                )
            )
            for s in sessions:
                await self._record_session(conn, s, rnd.created_at, tracks[s.id])
            placed = [m.id for s in sessions for m in s.members]
            if placed:
                await conn.execute(
                    update(t.members)
                    .where(t.members.c.community == rnd.community, t.members.c.user_id.in_(placed))
                    .values(waiting_since=None)
                )

    async def _record_session(self, conn: AsyncConnection, s: Session, at: datetime, track: str):
        await conn.execute(insert(t.sessions).values(**codec.session_to_row(s)))
        ids = [m.id for m in s.members]
        for uid in ids:
            await conn.execute(
                insert(t.participants).values(
                    community=s.community, user_id=uid, session_id=s.id, created_at=at, track=track
                )
            )
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                await conn.execute(
                    insert(t.meetings).values(community=s.community, a=a, b=b, at=at)
                )
        mc = t.members.c
        for turn in s.turns:
            await conn.execute(
                self._upsert(
                    t.answered,
                    {
                        "community": s.community,
                        "user_id": turn.candidate.id,
                        "question_id": turn.question_id,
                        "at": at,
                    },
                    ["community", "user_id", "question_id"],
                )
            )
            for uid, col in (
                (turn.interviewer.id, mc.interviewed),
                (turn.candidate.id, mc.candidated),
            ):
                await conn.execute(
                    update(t.members)
                    .where(mc.community == s.community, mc.user_id == uid)
                    .values({col: col + 1})
                )
        if len(ids) == 3:
            await conn.execute(
                update(t.members)
                .where(mc.community == s.community, mc.user_id.in_(ids))
                .values(last_sat_out=at)
            )

    async def get_round(self, round_id: str) -> Round | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t.rounds).where(t.rounds.c.id == round_id))).first()
        return codec.round_from_row(row._mapping) if row else None

    async def latest_round(self, community: str) -> Round | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.rounds)
                    .where(t.rounds.c.community == community)
                    .order_by(t.rounds.c.created_at.desc(), t.rounds.c.id.desc())
                    .limit(1)
                )
            ).first()
        return codec.round_from_row(row._mapping) if row else None

    async def set_round_status(self, round_id: str, status: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t.rounds).where(t.rounds.c.id == round_id).values(status=status)
            )

    async def get_session(self, session_id: str) -> Session | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(t.sessions).where(t.sessions.c.id == session_id))
            ).first()
        return codec.session_from_row(row._mapping) if row else None

    async def round_sessions(self, round_id: str) -> list[Session]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.sessions)
                    .where(t.sessions.c.round_id == round_id)
                    .order_by(t.sessions.c.id)
                )
            ).all()
        return [codec.session_from_row(r._mapping) for r in rows]

    async def sessions_of(self, user: UserRef, limit: int = 5) -> list[Session]:
        """The member's sessions, newest first."""
        p = t.participants.c
        async with self._engine.connect() as conn:
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

    async def save_transition(
        self,
        s: Session,
        *,
        claimed_timer: int | None = None,
        arm: Sequence[tuple[str, str, datetime]] = (),
        now: datetime,
    ) -> list[Timer]:
        """Save a session's new state, retire its old timers and arm new ones, atomically."""
        row = codec.session_to_row(s)
        async with self._engine.begin() as conn:
            await conn.execute(update(t.sessions).where(t.sessions.c.id == s.id).values(**row))
            await conn.execute(
                update(t.timers)
                .where(t.timers.c.subject == s.id, t.timers.c.fired_at.is_(None))
                .values(fired_at=now)
            )
            if s.phase.value == "done":
                await conn.execute(
                    update(t.participants)
                    .where(t.participants.c.session_id == s.id)
                    .values(completed_at=now)
                )
            armed = [
                await self._add_timer(conn, s.community, k, s.id, key, due) for k, key, due in arm
            ]
        return armed

    # --- pairing inputs ------------------------------------------------------------

    async def meetings(self, community: str) -> list[tuple[str, str, datetime]]:
        m = t.meetings.c
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(m.a, m.b, m.at).where(m.community == community))
            return [(r.a, r.b, r.at) for r in rows]

    async def answered_questions(self, community: str, user_ids: Iterable[str]) -> set[str]:
        a = t.answered.c
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(a.question_id).where(a.community == community, a.user_id.in_(list(user_ids)))
            )
            return {r.question_id for r in rows}

    # --- messages members react to ------------------------------------------------------

    async def link_message(
        self,
        ref: MessageRef,
        community: str,
        purpose: str,
        session_id: str | None,
        turn: int | None,
    ) -> None:
        values = {
            "platform": ref.platform,
            "workspace": ref.workspace,
            "channel": ref.channel,
            "message_id": ref.id,
            "community": community,
            "session_id": session_id,
            "turn": turn,
            "purpose": purpose,
        }
        async with self._engine.begin() as conn:
            await conn.execute(
                self._upsert(
                    t.message_links, values, ["platform", "workspace", "channel", "message_id"]
                )
            )

    async def find_link(self, ref: MessageRef) -> tuple[str, str | None, int | None] | None:
        ml = t.message_links.c
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(ml.purpose, ml.session_id, ml.turn).where(
                        ml.platform == ref.platform,
                        ml.workspace == ref.workspace,
                        ml.channel == ref.channel,
                        ml.message_id == ref.id,
                    )
                )
            ).first()
        return (row.purpose, row.session_id, row.turn) if row else None

    # --- ratings ---------------------------------------------------------------------

    async def save_rating(self, r: Rating, community: str, track: str) -> bool:
        """Insert or replace the one rating per (session, turn, rater, ratee); True if new."""
        key = ["session_id", "turn", "rater", "ratee"]
        values = {
            "community": community,
            "session_id": r.session_id,
            "turn": r.turn,
            "rater": r.rater.id,
            "ratee": r.ratee.id,
            "overall": float(r.overall),
            "scores": dict(r.scores),
            "comment": r.comment,
            "source": r.source,
            "track": track,
            "submitted_at": r.submitted_at,
        }
        rc = t.ratings.c
        async with self._engine.begin() as conn:
            existed = (
                await conn.execute(
                    select(func.count()).where(
                        rc.session_id == r.session_id,
                        rc.turn == r.turn,
                        rc.rater == r.rater.id,
                        rc.ratee == r.ratee.id,
                    )
                )
            ).scalar()
            await conn.execute(self._upsert(t.ratings, values, key))
        return not existed

    async def session_ratings(self, session_id: str) -> list[Rating]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(select(t.ratings).where(t.ratings.c.session_id == session_id))
            ).all()
        return [
            Rating(
                session_id=r.session_id,
                turn=r.turn,
                rater=codec.user(r.community, r.rater),
                ratee=codec.user(r.community, r.ratee),
                overall=round(r.overall),
                scores=dict(r.scores),
                comment=r.comment,
                source=r.source,
                submitted_at=r.submitted_at,
            )
            for r in rows
        ]

    async def rating_rows(self, community: str, since: datetime | None = None):
        """(rater, ratee, overall, submitted_at, track, scores) for the leaderboard and stats."""
        rc = t.ratings.c
        q = select(rc.rater, rc.ratee, rc.overall, rc.submitted_at, rc.track, rc.scores).where(
            rc.community == community
        )
        if since is not None:
            q = q.where(rc.submitted_at >= since)
        async with self._engine.connect() as conn:
            return (await conn.execute(q)).all()

    async def completed_rows(self, community: str, since: datetime | None = None):
        """(user_id, completed_at, track) of every completed session participation."""
        p = t.participants.c
        q = select(p.user_id, p.completed_at, p.track).where(
            p.community == community, p.completed_at.is_not(None)
        )
        if since is not None:
            q = q.where(p.completed_at >= since)
        async with self._engine.connect() as conn:
            return (await conn.execute(q)).all()

    # --- timers -----------------------------------------------------------------------

    async def _add_timer(self, conn, community, kind, subject, key, due_at) -> Timer:
        res = await conn.execute(
            insert(t.timers).values(
                community=community, kind=kind, subject=subject, key=key, due_at=due_at
            )
        )
        return Timer(res.inserted_primary_key[0], community, kind, subject, key, due_at)

    async def add_timer(
        self, community: str, kind: str, subject: str, key: str, due_at: datetime
    ) -> Timer:
        async with self._engine.begin() as conn:
            return await self._add_timer(conn, community, kind, subject, key, due_at)

    async def cancel_timers(self, subject: str, kind: str, now: datetime) -> None:
        tc = t.timers.c
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t.timers)
                .where(tc.subject == subject, tc.kind == kind, tc.fired_at.is_(None))
                .values(fired_at=now)
            )

    async def pending_timers(self, due_by: datetime | None = None) -> list[Timer]:
        tc = t.timers.c
        q = select(t.timers).where(tc.fired_at.is_(None)).order_by(tc.due_at, tc.id)
        if due_by is not None:
            q = q.where(tc.due_at <= due_by)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        return [codec.timer_from_row(r._mapping) for r in rows]

    async def claim_timer(self, timer_id: int, now: datetime) -> bool:
        """Mark a timer fired; False if something else already did (it must not run twice)."""
        tc = t.timers.c
        async with self._engine.begin() as conn:
            res = await conn.execute(
                update(t.timers)
                .where(tc.id == timer_id, tc.fired_at.is_(None))
                .values(fired_at=now)
            )
            return res.rowcount == 1

    async def purge_seen_events(self, before: datetime) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(t.seen_events).where(t.seen_events.c.at < before))
