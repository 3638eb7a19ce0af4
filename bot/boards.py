"""Leaderboard and stats: reads the store, scores with bot.scoring, renders neutral messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import scoring
from bot.messages import OutMessage
from bot.model import CommunityConfig, UserRef

MEDALS = ("🥇", "🥈", "🥉")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def period_start(period: str, now: datetime, tz: str) -> datetime | None:
    """Start of the current week (Monday) or month in the community's timezone; None for all time."""
    if period == "all":
        return None
    local = now.astimezone(ZoneInfo(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = (
        midnight - timedelta(days=local.weekday()) if period == "week" else midnight.replace(day=1)
    )
    return start


class Boards:
    def __init__(self, store, clock) -> None:
        self.store, self.clock = store, clock

    async def _points(self, community: str, since: datetime | None):
        ratings = [
            scoring.RatingPoint(
                r.rater, r.ratee, r.overall, r.submitted_at, r.track, dict(r.scores)
            )
            for r in await self.store.rating_rows(community, since)
        ]
        sessions = [
            scoring.SessionPoint(s.user_id, s.completed_at, s.track)
            for s in await self.store.completed_rows(community, since)
        ]
        return ratings, sessions

    async def leaderboard(
        self, cfg: CommunityConfig, period: str, track: str | None, top: int = 10
    ):
        now = self.clock.now()
        # streaks need history from before the period, so read everything and let scoring filter
        ratings, sessions = await self._points(cfg.community, None)
        board = scoring.leaderboard(
            ratings, sessions, now=now, tz=cfg.timezone, period=period, track=track
        )
        names = {
            m.user.id: m.name
            for m in await self.store.members(cfg.community, ("active", "paused", "left"))
        }
        title = f"Leaderboard: {dict(week='this week', month='this month', all='all time')[period]}"
        if track:
            title += f" ({track})"
        if not board:
            return OutMessage(
                kind="leaderboard", title=title, text="No completed sessions yet in this period."
            )
        rows = []
        for st in board[:top]:
            badge = MEDALS[st.rank - 1] if st.rank <= 3 else f"{st.rank}."
            mean = f"{st.mean:.2f}" if st.mean is not None else "-"
            rows.append(
                (
                    f"{badge} {names.get(st.member, st.member)}",
                    f"score {st.score:.2f} · avg {mean} from {_n(st.ratings, 'rating')} · "
                    f"{_n(st.sessions, 'session')} · streak {st.streak}w",
                )
            )
        return OutMessage(
            kind="leaderboard",
            title=title,
            text="Calibrated scores: rater leniency removed, few ratings pulled to the mean.",
            fields=tuple(rows),
        )

    async def stats(self, cfg: CommunityConfig, who: UserRef, name: str):
        ratings, sessions = await self._points(cfg.community, None)
        st = scoring.member_stats(who.id, ratings, sessions, now=self.clock.now(), tz=cfg.timezone)
        fields = [
            ("Sessions completed", str(st.sessions)),
            ("Ratings received", str(st.ratings)),
            ("Average", f"{st.mean:.2f}/5" if st.mean is not None else "no ratings yet"),
            ("Streak", f"{st.streak} week{'s' if st.streak != 1 else ''}"),
            ("Rank (all time)", f"#{st.rank}" if st.rank else "not ranked yet"),
        ]
        for dim, (avg, trend) in sorted(st.dimensions.items()):
            arrow = "↑" if trend > 0.05 else "↓" if trend < -0.05 else "→"
            fields.append((dim.replace("-", " ").capitalize(), f"{avg:.2f} {arrow} ({trend:+.2f})"))
        return OutMessage(kind="stats", title=f"Stats for {name}", text="", fields=tuple(fields))
