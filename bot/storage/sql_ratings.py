"""The SQL store's ratings side: the messages members react to, ratings, the leaderboard."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import func, or_, select

from bot.model import (
    MessageRef,
    Rating,
)
from bot.storage import board, codec, standings
from bot.storage import schema as t
from bot.storage.ranks import Ranks
from bot.storage.sql_engine import SqlEngine


class RatingStore(SqlEngine):
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
        async with self._write() as conn:
            await conn.execute(
                self._upsert(
                    t.message_links, values, ["platform", "workspace", "channel", "message_id"]
                )
            )

    async def find_link(self, ref: MessageRef) -> tuple[str, str | None, int | None] | None:
        ml = t.message_links.c
        async with self._read() as conn:
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

    async def save_rating(self, r: Rating, community: str, track: str, tz: str = "UTC") -> bool:
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
            "about": r.about,
        }
        rc = t.ratings.c
        async with self._write() as conn:
            if r.about != "answer":  # feedback on feedback is no score on the leaderboard
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
            await conn.execute(self._upsert(t.ratings, values, key))
            # its leaderboard share tells whether it replaced a rating
            replaced = await standings.record_rating(
                conn,
                community=community,
                session_id=r.session_id,
                turn=r.turn,
                rater=r.rater.id,
                ratee=r.ratee.id,
                overall=float(r.overall),
                track=track,
                at=r.submitted_at,
                tz=tz,
            )
        return not replaced

    async def session_ratings(self, session_id: str) -> list[Rating]:
        return await self.ratings_of_sessions([session_id])

    async def ratings_of_sessions(self, session_ids: list[str]) -> list[Rating]:
        async with self._read() as conn:
            rows = (
                await conn.execute(select(t.ratings).where(t.ratings.c.session_id.in_(session_ids)))
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
                about=r.about or "answer",
            )
            for r in rows
        ]

    async def rating_rows(self, community: str, ratee: str | None = None):
        """(rater, ratee, overall, submitted_at, track, scores): all, or one member's."""
        rc = t.ratings.c
        q = select(rc.rater, rc.ratee, rc.overall, rc.submitted_at, rc.track, rc.scores).where(
            rc.community == community, or_(rc.about.is_(None), rc.about == "answer")
        )
        if ratee is not None:
            q = q.where(rc.ratee == ratee)
        async with self._read() as conn:
            return (await conn.execute(q)).all()

    async def feedback_received(self, community: str, member: str) -> tuple[int, float | None]:
        """How the member's feedback as interviewer was rated: (count, average)."""
        rc = t.ratings.c
        async with self._read() as conn:
            n, avg = (
                await conn.execute(
                    select(func.count(), func.avg(rc.overall)).where(
                        rc.community == community, rc.ratee == member, rc.about == "feedback"
                    )
                )
            ).one()
        return int(n), (float(avg) if avg is not None else None)

    async def completed_rows(self, community: str, member: str | None = None):
        """(user_id, completed_at, track) of completed session participations."""
        p = t.participants.c
        q = select(p.user_id, p.completed_at, p.track).where(
            p.community == community, p.completed_at.is_not(None)
        )
        if member is not None:
            q = q.where(p.user_id == member)
        async with self._read() as conn:
            return (await conn.execute(q)).all()

    # --- the leaderboard, from summaries kept on every rating -------------------------

    async def leaderboard(self, community: str, *, period, track, now, tz, limit=None):
        async with self._read() as conn:
            return await board.leaderboard(
                conn, community, period=period, track=track, now=now, tz=tz, limit=limit
            )

    async def standing_of(self, community: str, member: str, *, now, tz):
        """The member's line of the all-time board; where the others stand may be a minute
        old (``ranks``)."""
        async with self._read() as conn:
            return await self._ranks.standing_of(
                conn, community, member, period="all", track=None, now=now, tz=tz
            )

    @cached_property
    def _ranks(self) -> Ranks:
        return Ranks()

    async def rebuild_standings(self, community: str, tz: str) -> None:
        """Recompute the summaries exactly, e.g. after the community's timezone changed."""
        async with self._write() as conn:
            await standings.rebuild(conn, community, tz)
