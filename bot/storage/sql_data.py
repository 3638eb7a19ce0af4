"""A community's data as rows, for an export; and forgetting one member.

Forgetting keeps what counts anonymously (sessions happened, scores were given: the
leaderboard and reports stay right) and removes what says who the member is or what
was said: their name, availability and every comment they wrote or received."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update

from bot.model import UserRef
from bot.storage import schema as t
from bot.storage.sql_engine import SqlEngine

FORGOTTEN = "a former member"


class DataStore(SqlEngine):
    async def export_rows(self, community: str, only: str | None = None) -> dict[str, list[dict]]:
        """Members, sessions and ratings of ``community`` (``only``: one member's own)."""
        m, s, r = t.members.c, t.sessions.c, t.ratings.c
        members = select(
            m.user_id, m.name, m.track, m.level, m.timezone, m.status, m.joined_at, m.availability
        ).where(m.community == community)
        sessions = select(
            s.id, s.round_id, s.members, s.phase, s.created_at, s.starts_at, s.ended_at
        ).where(s.community == community)
        ratings = select(
            r.session_id, r.turn, r.rater, r.ratee, r.about, r.overall, r.scores, r.comment,
            r.source, r.track, r.submitted_at,
        ).where(r.community == community)  # fmt: skip
        if only is not None:
            members = members.where(m.user_id == only)
            mine = select(t.participants.c.session_id).where(
                t.participants.c.community == community, t.participants.c.user_id == only
            )
            sessions = sessions.where(s.id.in_(mine))
            ratings = ratings.where(or_(r.rater == only, r.ratee == only))
        async with self._read() as conn:
            return {
                "members": [_plain(x._mapping) for x in await conn.execute(members.order_by(m.user_id))],
                "sessions": [_plain(x._mapping) for x in await conn.execute(sessions.order_by(s.created_at))],
                "ratings": [_plain(x._mapping) for x in await conn.execute(ratings.order_by(r.submitted_at))],
            }  # fmt: skip

    async def forget_member(self, user: UserRef) -> int:
        """Remove the member's name, availability and every comment to or from them; they
        leave the rounds and the board. Returns how many comments were removed."""
        m, r = t.members.c, t.ratings.c
        async with self._write() as conn:
            await conn.execute(
                update(t.members)
                .where(m.community == user.community, m.user_id == user.id)
                .values(
                    name=FORGOTTEN,
                    availability=None,
                    status="left",
                    hide_from_board=True,
                    stats_private=True,
                    waiting_since=None,
                )
            )
            said = (r.community == user.community) & or_(r.rater == user.id, r.ratee == user.id)
            done = await conn.execute(
                update(t.ratings).where(said & (r.comment != "")).values(comment="")
            )
        return done.rowcount or 0


def _plain(row: Any) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
