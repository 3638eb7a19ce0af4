"""The leaderboard in SQL: summary rows kept up to date on every rating and session.

Aggregating the raw ratings for each leaderboard query costs about 70 ms per
million rows even with a covering index; these summaries answer in a few ms.

- ``standing_periods``: per member and track, for this member's current and past
  weeks, months (local to the community) and all time: rating count, raw sum,
  calibrated sum, completed sessions. A board reads one period's rows.
- ``standing_community``: the community mean's numerator and denominator.
- ``rater_leniency``: each rater's running deviation from what their ratees earn
  elsewhere; the leniency is that sum shrunk like ``bot.ratings.scoring`` does.
- ``standing_contrib``: what each rating added, so a replaced rating is taken out first.
- ``member_streaks``: the current run of consecutive weeks with a session.

Calibration here is online: a rating is calibrated with its rater's leniency as
known when it arrives. ``rebuild`` recomputes a community exactly from the
ratings and participants tables (after a timezone change, or nightly).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.ratings import scoring
from bot.ratings.scoring import week_start
from bot.ratings.summaries import ALL_TIME, ALL_TRACKS, SUMS, buckets, local_day, summarise
from bot.storage.schema import insert_for, metadata


def _sum_columns() -> list[Column]:
    return [
        Column("ratings", Integer, nullable=False, default=0),
        Column("rating_sum", Float, nullable=False, default=0.0),
        Column("calibrated_sum", Float, nullable=False, default=0.0),
        Column("sessions", Integer, nullable=False, default=0),
    ]


standing_periods = Table(
    "standing_periods",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("kind", String(5), primary_key=True),  # week | month | all
    Column("start", Date, primary_key=True),  # local Monday, first of month, or ALL_TIME
    Column("track", String(60), primary_key=True),
    Column("member", String(100), primary_key=True),
    *_sum_columns(),
    # on SQLite the rows live in primary-key order: a board reads one contiguous range
    sqlite_with_rowid=False,
)

# A row's score were the community's mean USUAL_MEAN: a board's first rows are found in
# this index instead of scoring every member's row (15 ms at 10,000 members on SQLite).
# The true score is at most this plus how far the mean is above USUAL_MEAN. Written out,
# so a query's ORDER BY reads as the index does; the constants are bot.ratings.scoring's
# (MEMBER_PRIOR * USUAL_MEAN, MEMBER_PRIOR, SESSION_POINTS, SESSION_HALF): a change of
# theirs needs a new index (a test checks).
USUAL_MEAN = 3.75
USUAL_SCORE = "((11.25 + calibrated_sum) / (ratings + 3.0) + 0.3 * sessions / (sessions + 4.0))"
USUAL_INDEX = Index(
    "ix_standing_usual",
    *(standing_periods.c[k] for k in ("community", "kind", "start", "track")),
    text(USUAL_SCORE),
)

standing_community = Table(
    "standing_community",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("ratings", Integer, nullable=False, default=0),
    Column("rating_sum", Float, nullable=False, default=0.0),
)

rater_leniency = Table(
    "rater_leniency",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("rater", String(100), primary_key=True),
    Column("given", Integer, nullable=False, default=0),
    Column("deviation_sum", Float, nullable=False, default=0.0),
)

standing_contrib = Table(
    "standing_contrib",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("session_id", String(40), primary_key=True),
    Column("turn", Integer, primary_key=True),
    Column("rater", String(100), primary_key=True),
    Column("ratee", String(100), primary_key=True),
    Column("track", String(60), nullable=False),
    Column("day", Date, nullable=False),
    Column("overall", Float, nullable=False),
    Column("calibrated", Float, nullable=False),
    Column("deviation", Float, nullable=False),
)

member_streaks = Table(
    "member_streaks",
    metadata,
    Column("community", String(200), primary_key=True),
    Column("member", String(100), primary_key=True),
    Column("last_week", Date, nullable=False),  # Monday of the newest week with a session
    Column("weeks", Integer, nullable=False),  # consecutive weeks ending at last_week
)

TABLES = (standing_periods, standing_community, rater_leniency, standing_contrib, member_streaks)


def create_tables(sync_conn) -> None:
    """For a migration step: ``conn.run_sync(create_tables)``."""
    metadata.create_all(sync_conn, tables=list(TABLES))


PERIOD_KEYS = ("community", "kind", "start", "track", "member")


async def _bump_rows(conn: AsyncConnection, table: Table, rows: list[dict], keys) -> None:
    """Add each row's other columns to the row at its keys, creating rows that are missing
    (one statement, its rows as parameters: compiled once, not once per call as a
    multi-row VALUES is)."""
    ins = insert_for(conn.dialect.name, table)
    update = {c: table.c[c] + ins.excluded[c] for c in rows[0] if c not in keys}
    upsert = ins.on_conflict_do_update(index_elements=list(keys), set_=update)
    await conn.execute(upsert, rows)


def _period_rows(community, member, track, day, inc: dict) -> list[dict]:
    """The day's week, month and all time, for the track and for all tracks."""
    sums = {k: inc.get(k, 0) for k in SUMS}
    return [
        dict(community=community, kind=kind, start=start, track=tr, member=member, **sums)
        for kind, start in buckets(day)
        for tr in dict.fromkeys((track, ALL_TRACKS))  # a track named "" counts once
    ]


async def _add(conn, community, member, track, day, inc: dict) -> None:
    await _bump_rows(conn, standing_periods, _period_rows(community, member, track, day, inc),
                     PERIOD_KEYS)  # fmt: skip


async def _where_they_stand(conn, community: str, rater: str, ratee: str):
    """In one read: the rater's leniency sums, the community's rating sums, and the ratee's
    all-time sums (a rating costs a few statements, and each is a round trip)."""
    lr, sc, sp = rater_leniency.c, standing_community.c, standing_periods.c

    def one(column, *where):
        return select(column).where(*where).scalar_subquery()

    ratee_all = (
        sp.community == community,
        sp.kind == "all",
        sp.start == ALL_TIME,
        sp.track == ALL_TRACKS,
        sp.member == ratee,
    )
    return (
        await conn.execute(
            select(
                one(lr.given, lr.community == community, lr.rater == rater),
                one(lr.deviation_sum, lr.community == community, lr.rater == rater),
                one(sc.ratings, sc.community == community),
                one(sc.rating_sum, sc.community == community),
                one(func.coalesce(func.sum(sp.ratings), 0), *ratee_all),
                one(func.coalesce(func.sum(sp.calibrated_sum), 0.0), *ratee_all),
            )
        )
    ).one()


async def record_rating(
    conn: AsyncConnection,
    *,
    community: str,
    session_id: str,
    turn: int,
    rater: str,
    ratee: str,
    overall: float,
    track: str,
    at: datetime,
    tz: str,
) -> bool:
    """Call in the transaction that saves (or replaces) the rating; True if it replaced one.
    A replaced rating's share is taken out and the new one's put in by the same
    statements; the new one is weighed as if the old had never been given."""
    key = dict(community=community, session_id=session_id, turn=turn, rater=rater, ratee=ratee)
    c = standing_contrib.c
    old = (
        await conn.execute(select(standing_contrib).where(*(c[k] == v for k, v in key.items())))
    ).first()
    given, deviations, ratings, rating_sum, n, cal = await _where_they_stand(
        conn, community, rater, ratee
    )
    given, deviations = given or 0, deviations or 0.0
    ratings, rating_sum = ratings or 0, rating_sum or 0.0
    if old is not None:  # the same rater, ratee and community: take its share out first
        given, deviations = given - 1, deviations - old.deviation
        ratings, rating_sum = ratings - 1, rating_sum - old.overall
        n, cal = n - 1, cal - old.calibrated
    lenient = deviations / (given + scoring.RATER_PRIOR)
    mean = _mean(ratings, rating_sum)
    expected = mean + (cal - n * mean) / (n + scoring.FIT_PRIOR)
    new = dict(
        **key,
        track=track,
        day=local_day(at, tz),
        overall=overall,
        calibrated=overall - lenient,
        deviation=overall - expected,
    )
    shares = [(old._mapping, -1)] if old is not None else []
    await _apply(conn, [*shares, (new, +1)])
    if old is not None:
        await conn.execute(
            standing_contrib.update().where(*(c[k] == v for k, v in key.items())).values(**new)
        )
    else:
        await conn.execute(standing_contrib.insert().values(**new))
    return old is not None


async def _apply(conn, shares: list[tuple[dict, int]]) -> None:
    """Add (sign +1) or take out (-1) ratings' shares of every summary: one statement per
    summary table, whatever the number of shares."""
    periods, community_rows, leniency = [], [], []
    for c, sign in shares:
        community, overall = c["community"], c["overall"]
        sums = {
            "ratings": sign,
            "rating_sum": sign * overall,
            "calibrated_sum": sign * c["calibrated"],
        }
        periods += _period_rows(community, c["ratee"], c["track"], c["day"], sums)
        community_rows.append(
            {"community": community, "ratings": sign, "rating_sum": sign * overall}
        )
        leniency.append({"community": community, "rater": c["rater"], "given": sign,
                         "deviation_sum": sign * c["deviation"]})  # fmt: skip
    await _bump_rows(conn, standing_periods, periods, PERIOD_KEYS)
    await _bump_rows(conn, standing_community, community_rows, ("community",))
    await _bump_rows(conn, rater_leniency, leniency, ("community", "rater"))


async def community_mean(conn, community: str) -> float:
    row = (await conn.execute(_MEAN, {"community": community})).first()
    return _mean(row.ratings, row.rating_sum) if row else scoring.NEUTRAL


_MEAN = select(standing_community.c.ratings, standing_community.c.rating_sum).where(
    standing_community.c.community == bindparam("community")
)  # built once: every board and rating reads it


def _mean(ratings: int, rating_sum: float) -> float:
    return rating_sum / ratings if ratings else scoring.NEUTRAL


async def record_session(
    conn: AsyncConnection, *, community: str, member: str, track: str, at: datetime, tz: str
) -> None:
    """Call once per member when a session completes."""
    await _add(conn, community, member, track, local_day(at, tz), {"sessions": 1})
    week = week_start(at, tz)
    s = member_streaks.c
    row = (
        await conn.execute(
            select(s.last_week, s.weeks).where(s.community == community, s.member == member)
        )
    ).first()
    if row is None:
        await conn.execute(
            member_streaks.insert().values(
                community=community, member=member, last_week=week, weeks=1
            )
        )
        return
    if week <= row.last_week:
        return  # this week is counted already; an older session cannot extend the run
    weeks = row.weeks + 1 if week - row.last_week == timedelta(weeks=1) else 1
    await conn.execute(
        member_streaks.update()
        .where(s.community == community, s.member == member)
        .values(last_week=week, weeks=weeks)
    )


async def rebuild(conn: AsyncConnection, community: str, tz: str) -> None:
    """Recompute every summary of ``community`` exactly from the ratings and participants
    tables, with rater leniencies fitted on all ratings at once."""
    from bot.storage import schema as t  # the core's tables: read only here

    rc, pc = t.ratings.c, t.participants.c
    ratings = await conn.execute(
        select(rc.session_id, rc.turn, rc.rater, rc.ratee, rc.overall, rc.track, rc.submitted_at)
        .where(rc.community == community, (rc.about.is_(None)) | (rc.about == "answer"))
    )  # fmt: skip
    sessions = await conn.execute(
        select(pc.user_id, pc.completed_at, pc.track)
        .where(pc.community == community, pc.completed_at.is_not(None))
    )  # fmt: skip
    rows = summarise(ratings.all(), sessions.all(), tz)
    for table in TABLES:
        await conn.execute(delete(table).where(table.c.community == community))
        if rows[table.name]:
            await conn.execute(
                table.insert(), [dict(community=community, **row) for row in rows[table.name]]
            )
