"""Leaderboard and stats: ranked from the store's summaries, rendered as neutral messages."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.messages import OutMessage
from bot.model import CommunityConfig, UserRef
from bot.ratings import scoring

MEDALS = ("🥇", "🥈", "🥉")
PERIOD_NAMES = {"week": "this week", "month": "this month", "all": "all time"}


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Boards:
    def __init__(self, store, clock) -> None:
        self.store, self.clock = store, clock

    async def leaderboard(
        self, cfg: CommunityConfig, period: str, track: str | None, top: int = 10
    ):
        board = await self.store.leaderboard(
            cfg.community,
            period=period,
            track=track,
            now=self.clock.now(),
            tz=cfg.timezone,
            limit=top,
        )
        title = f"Leaderboard: {PERIOD_NAMES[period]}" + (f" ({track})" if track else "")
        if not board:
            return OutMessage(
                kind="leaderboard", title=title, text="No completed sessions yet in this period."
            )
        names = await self.store.member_names(cfg.community, [st.member for st in board])
        rows = []
        for st in board:
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
            text=(
                "Scores are averages adjusted for how generous each rater is, plus points for "
                "taking part; a few ratings count less than many."
            ),
            fields=tuple(rows),
        )

    async def stats(self, cfg: CommunityConfig, who: UserRef, name: str, dimension_names):
        """The member's progress in plain words, and the chart data (drawn by the caller)."""
        now = self.clock.now()
        rows = await self.store.rating_rows(cfg.community, ratee=who.id)
        ratings = [
            scoring.RatingPoint(
                r.rater, r.ratee, r.overall, r.submitted_at, r.track, dict(r.scores)
            )
            for r in rows
        ]
        done = await self.store.completed_rows(cfg.community, member=who.id)
        sessions = [scoring.SessionPoint(s.user_id, s.completed_at, s.track) for s in done]
        st = scoring.member_stats(who.id, ratings, sessions, now=now, tz=cfg.timezone)
        fields = [
            ("Sessions completed", str(st.sessions)),
            (
                "Average score",
                f"{st.mean:.1f} of 5 from {_n(st.ratings, 'rating')}"
                if st.mean is not None
                else "no ratings yet",
            ),
            ("Streak", f"{_n(st.streak, 'week')} in a row" if st.streak else "none yet"),
        ]
        if st.sessions:  # no rank before a first completed session
            standing = await self.store.standing_of(cfg.community, who.id, now=now, tz=cfg.timezone)
            if standing is not None:
                fields.append(("Place on the all-time board", f"#{standing.rank}"))
        for dim, (avg, trend) in sorted(st.dimensions.items()):
            label = dimension_names.get(dim, dim.replace("-", " ").capitalize())
            fields.append((label, f"{avg:.1f} of 5, {_trend_words(trend)}"))
        att = await self.store.attendance(who)
        if att.paired:
            fields.append(
                (
                    "Attendance",
                    f"came to {att.attended} of {_n(att.paired, 'session')}"
                    + (f" · {_n(att.no_shows, 'no-show')}" if att.no_shows else ""),
                )
            )
        given, useful = await self.store.feedback_received(cfg.community, who.id)
        if given:
            fields.append(
                ("As interviewer", f"feedback rated {useful:.1f}/5 by {_n(given, 'candidate')}")
            )
        history = sorted(rows, key=lambda r: r.submitted_at)
        scores = [dict(r.scores) or {"overall": r.overall} for r in history]
        weeks = _weeks([s.completed_at for s in done], now, cfg.timezone)
        msg = OutMessage(kind="stats", title=f"Progress of {name}", text="", fields=tuple(fields))
        return msg, (name, scores, dict(dimension_names), weeks)


def _trend_words(trend: float) -> str:
    if trend > 0.05:
        return f"up {trend:.1f} in your recent sessions"
    if trend < -0.05:
        return f"down {-trend:.1f} in your recent sessions"
    return "steady"


def _weeks(done, now, tz: str, count: int = 12) -> list[tuple[str, int]]:
    """Sessions per week for the last ``count`` weeks, labelled by each week's Monday."""
    start = scoring.week_start(now, tz)
    days = [d.astimezone(ZoneInfo(tz)).date() for d in done]
    out = []
    for back in range(count - 1, -1, -1):
        first = start - timedelta(weeks=back)
        last = first + timedelta(weeks=1)
        out.append((f"{first:%d %b}", sum(1 for d in days if first <= d < last)))
    return out
