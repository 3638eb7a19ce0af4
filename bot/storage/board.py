"""A board read from the summaries (``standings``): its first rows found through the
index of each row's score at a usual community mean, the rest of the board never scored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Numeric,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

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
    made = statements(conn.dialect.name)
    params = await board_params(conn, community, period, track, now, tz)
    if limit is None:
        rows = (await conn.execute(made.shown, params)).all()
    elif (rows := await _first(conn, made, params, limit)) is None:
        rows = (await conn.execute(made.shown_first, {**params, "limit": limit})).all()
    return [line(row, k) for k, row in enumerate(rows, start=1)]


async def _first(conn: AsyncConnection, made, params: dict, limit: int) -> list | None:
    """The board's first ``limit`` rows from the rows of highest score at the usual mean,
    once those are proven to hold them: every row left out could not score as high as the
    last one kept (a score is at most its usual one plus how far the mean is above the
    usual mean: MEMBER_PRIOR / (ratings + MEMBER_PRIOR) of that). None when too many rows
    stay possible (then the whole board is scored)."""
    above = max(0.0, params["mean"] - USUAL_MEAN)
    for count in (limit * CANDIDATES, limit * CANDIDATES**2):
        rows = (await conn.execute(made.likely, {**params, "count": count})).all()
        if len(rows) < count:
            return [r[:-1] for r in rows[:limit]]  # the whole board was among them
        if min(r[-1] for r in rows) + above < float(rows[limit - 1].score) - MARGIN:
            return [r[:-1] for r in rows[:limit]]
    return None


def line(row, rank: int) -> Standing:
    member, got, raw, done, score, streak = row
    return Standing(member, rank, float(score), raw / got if got else None, got, done, int(streak))


async def board_params(conn, community, period, track, now, tz) -> dict:
    """The values of a board's statements: which rows, the community's mean, the week
    before which a streak has lapsed."""
    start = period_start(period, now, tz)
    kind, first = ("all", ALL_TIME) if start is None else (period, start.date())
    return dict(
        community=community,
        kind=kind,
        start=first,
        track=ALL_TRACKS if track is None else track,
        mean=await community_mean(conn, community),
        lapsed=week_start(now, tz) - timedelta(weeks=1),
    )


@dataclass(frozen=True)
class Statements:
    """A board's statements, built once per database kind: each built anew cost more than
    it took to run (1.5 ms of building the score for a board of ten rows)."""

    order: Select  # every member's score, best first (``ranks``)
    line: Select  # one member's row (:member)
    # the rows shown (the members hidden from boards left out), in order: the score of
    # ``bot.ratings.scoring`` computed where the rows are, so only the rows asked for travel
    shown: Select
    shown_first: Select  # the first :limit of them
    likely: Select  # the :count shown rows of highest usual score, then the usual score


@cache
def statements(dialect: str) -> Statements:
    from bot.storage import schema as t  # the core's tables: read only here

    p, s, m = standing_periods.c, member_streaks.c, t.members.c
    n, mean = p.ratings, bindparam("mean", type_=Float)
    raw = (
        mean
        + (p.calibrated_sum - n * mean) / (n + scoring.MEMBER_PRIOR)
        + scoring.SESSION_POINTS * p.sessions / (p.sessions + scoring.SESSION_HALF)
    )
    if dialect == "postgresql":
        raw = cast(raw, Numeric)  # PostgreSQL rounds numerics only
    # rounded like bot.ratings.scoring, so float noise never decides a tie
    score = func.round(raw, 9).label("score")
    lapsed = s.last_week < bindparam("lapsed", type_=Date)
    streak = case((s.weeks.is_(None) | lapsed, 0), else_=s.weeks)
    which = (
        (p.community == bindparam("community"))
        & (p.kind == bindparam("kind"))
        & (p.start == bindparam("start"))
        & (p.track == bindparam("track"))
        & ((p.ratings > 0) | (p.sessions > 0))  # rows left by replaced ratings hold nothing
    )
    rows = (
        select(p.member, p.ratings, p.rating_sum, p.sessions, score, streak)
        .select_from(
            standing_periods.outerjoin(
                member_streaks, (s.community == p.community) & (s.member == p.member)
            )
        )
        .where(which)
    )
    hidden = select(m.user_id).where(
        m.community == bindparam("community"), m.hide_from_board.is_(True)
    )
    shown = rows.where(p.member.not_in(hidden))
    in_order = shown.order_by(score.desc(), p.member)
    likely = (
        shown.add_columns(usual_score.label("top"))
        .order_by(usual_score.desc())
        .limit(bindparam("count", type_=Integer))
        .subquery()
    )
    return Statements(
        order=select(p.member, score).where(which).order_by(score.desc()),
        line=rows.where(p.member == bindparam("member")),
        shown=in_order,
        shown_first=in_order.limit(bindparam("limit", type_=Integer)),
        likely=select(likely).order_by(likely.c.score.desc(), likely.c.member),
    )
