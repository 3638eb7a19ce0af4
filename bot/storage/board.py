"""A board read from the summaries (``standings``): its first rows found through the
index of each row's score at a usual community mean, the rest of the board never scored."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Numeric, case, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.ratings import scoring
from bot.ratings.scoring import Standing, period_start, week_start
from bot.ratings.summaries import ALL_TIME, ALL_TRACKS
from bot.storage.standings import (
    USUAL_MEAN,
    USUAL_SCORE,
    community_mean,
    member_streaks,
    standing_periods,
)

# rows looked at per row shown; if they prove too few, eight times as many; then the
# whole board is scored (where the mean is far above the usual one)
CANDIDATES = 8
MARGIN = 1e-6  # scores are rounded to 9 places: a bound this far below one is below it
usual_score = literal_column(USUAL_SCORE)


async def leaderboard(
    conn: AsyncConnection,
    community: str,
    *,
    period: str,
    track: str | None,
    now: datetime,
    tz: str,
    limit: int | None = None,
) -> list[Standing]:
    """The same board as ``bot.ratings.scoring.leaderboard``, from the summaries; ``limit``
    keeps the first rows only (ranks stay true: the order is total)."""
    from bot.storage import schema as t  # the core's tables: read only here

    mean = await community_mean(conn, community)
    q, score = await board_query(conn, community, period, track, now, tz, mean)
    m = t.members.c
    hidden = select(m.user_id).where(m.community == community, m.hide_from_board.is_(True))
    q = q.where(standing_periods.c.member.not_in(hidden))
    rows = await _first(conn, q, limit, mean) if limit is not None else None
    if rows is None:
        q = q.order_by(score.desc(), standing_periods.c.member)
        rows = (await conn.execute(q if limit is None else q.limit(limit))).all()
    return [line(row, k) for k, row in enumerate(rows, start=1)]


async def _first(conn: AsyncConnection, q, limit: int, mean: float) -> list | None:
    """The board's first ``limit`` rows from the rows of highest score at the usual mean,
    once those are proven to hold them: every row left out could not score as high as the
    last one kept (a score is at most its usual one plus how far the mean is above the
    usual mean: MEMBER_PRIOR / (ratings + MEMBER_PRIOR) of that). None when too many rows
    stay possible (then the whole board is scored)."""
    above = max(0.0, mean - USUAL_MEAN)
    for count in (limit * CANDIDATES, limit * CANDIDATES**2):
        likely = q.add_columns(usual_score.label("top")).order_by(usual_score.desc()).limit(count)
        likely = likely.subquery()
        c = likely.c
        ordered = select(*(col for col in c if col.name != "top"), c.top)
        rows = (await conn.execute(ordered.order_by(c.score.desc(), c.member))).all()
        if len(rows) < count:
            return [r[:-1] for r in rows[:limit]]  # the whole board was among them
        if min(r[-1] for r in rows) + above < float(rows[limit - 1].score) - MARGIN:
            return [r[:-1] for r in rows[:limit]]
    return None


def line(row, rank: int) -> Standing:
    member, got, raw, done, score, streak = row
    return Standing(member, rank, float(score), raw / got if got else None, got, done, int(streak))


async def board_query(conn, community, period, track, now, tz, mean: float | None = None):
    """The board's rows and score expression: the score of ``bot.ratings.scoring``, computed
    where the rows are so only the rows asked for travel."""
    start = period_start(period, now, tz)
    kind, first = ("all", ALL_TIME) if start is None else (period, start.date())
    if mean is None:
        mean = await community_mean(conn, community)
    p, s = standing_periods.c, member_streaks.c
    n = p.ratings
    raw = (
        mean
        + (p.calibrated_sum - n * mean) / (n + scoring.MEMBER_PRIOR)
        + scoring.SESSION_POINTS * p.sessions / (p.sessions + scoring.SESSION_HALF)
    )
    if conn.dialect.name == "postgresql":
        raw = cast(raw, Numeric)  # PostgreSQL rounds numerics only
    # rounded like bot.ratings.scoring, so float noise never decides a tie
    score = func.round(raw, 9).label("score")
    lapsed = s.last_week < week_start(now, tz) - timedelta(weeks=1)
    streak = case((s.weeks.is_(None) | lapsed, 0), else_=s.weeks)
    q = (
        select(p.member, p.ratings, p.rating_sum, p.sessions, score, streak)
        .select_from(
            standing_periods.outerjoin(
                member_streaks, (s.community == p.community) & (s.member == p.member)
            )
        )
        .where(
            p.community == community,
            p.kind == kind,
            p.start == first,
            p.track == (ALL_TRACKS if track is None else track),
            (p.ratings > 0) | (p.sessions > 0),  # rows left by replaced ratings hold nothing
        )
    )
    return q, score
