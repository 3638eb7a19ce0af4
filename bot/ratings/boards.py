"""Leaderboard and stats: ranked from the store's summaries, rendered as neutral messages."""

from __future__ import annotations

from dataclasses import replace

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
            text="Calibrated scores: rater leniency removed, few ratings pulled to the mean.",
            fields=tuple(rows),
        )

    async def stats(self, cfg: CommunityConfig, who: UserRef, name: str):
        now = self.clock.now()
        ratings = [
            scoring.RatingPoint(
                r.rater, r.ratee, r.overall, r.submitted_at, r.track, dict(r.scores)
            )
            for r in await self.store.rating_rows(cfg.community, ratee=who.id)
        ]
        sessions = [
            scoring.SessionPoint(s.user_id, s.completed_at, s.track)
            for s in await self.store.completed_rows(cfg.community, member=who.id)
        ]
        st = scoring.member_stats(who.id, ratings, sessions, now=now, tz=cfg.timezone)
        # the rank is the community's, from the summaries, not a board of this member alone
        standing = await self.store.standing_of(cfg.community, who.id, now=now, tz=cfg.timezone)
        st = replace(st, rank=standing.rank if standing else None)
        fields = [
            ("Sessions completed", str(st.sessions)),
            ("Ratings received", str(st.ratings)),
            ("Average", f"{st.mean:.2f}/5" if st.mean is not None else "no ratings yet"),
            ("Streak", _n(st.streak, "week")),
            ("Rank (all time)", f"#{st.rank}" if st.rank else "not ranked yet"),
        ]
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
        for dim, (avg, trend) in sorted(st.dimensions.items()):
            arrow = "↑" if trend > 0.05 else "↓" if trend < -0.05 else "→"
            fields.append((dim.replace("-", " ").capitalize(), f"{avg:.2f} {arrow} ({trend:+.2f})"))
        return OutMessage(kind="stats", title=f"Stats for {name}", text="", fields=tuple(fields))
