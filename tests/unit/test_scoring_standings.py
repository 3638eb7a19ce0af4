"""The SQL leaderboard summaries agree with the pure scoring they stand in for."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.ratings import scoring
from bot.storage import board as boards
from bot.storage import ranks, schema, standings

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday
COMMUNITY = "discord:1"


@pytest.fixture
async def conn():
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    async with engine.begin() as c:
        await c.run_sync(schema.metadata.create_all)
        yield c
    await engine.dispose()


async def rate(
    conn, rater, ratee, overall, days_ago=1.0, track="coding", session="s", turn=0, tz="UTC"
):
    await standings.record_rating(
        conn,
        community=COMMUNITY,
        session_id=f"{session}-{rater}-{ratee}",
        turn=turn,
        rater=rater,
        ratee=ratee,
        overall=overall,
        track=track,
        at=NOW - timedelta(days=days_ago),
        tz=tz,
    )


async def done(conn, member, days_ago=1.0, track="coding", tz="UTC"):
    at = NOW - timedelta(days=days_ago)
    await standings.record_session(
        conn, community=COMMUNITY, member=member, track=track, at=at, tz=tz
    )


async def board(conn, period="all", track=None, tz="UTC", now=NOW):
    return await boards.leaderboard(conn, COMMUNITY, period=period, track=track, now=now, tz=tz)


async def test_one_perfect_rating_does_not_top_many_strong_ones(conn):
    for k in range(10):
        await rate(conn, f"r{k}", "steady", 4.5, session=f"a{k}")
        await rate(conn, f"r{k}", "others", 3.0, session=f"b{k}")
    await rate(conn, "new", "lucky", 5.0)
    order = [st.member for st in await board(conn)]
    assert order.index("steady") < order.index("lucky")


async def test_a_replaced_rating_counts_once_with_its_new_value(conn):
    await rate(conn, "x", "a", 2.0)
    await rate(conn, "x", "a", 5.0)  # same session, turn, rater, ratee: a replacement
    (st,) = await board(conn)
    assert (st.member, st.ratings, st.mean) == ("a", 1, 5.0)


async def test_a_lenient_rater_is_discounted_as_ratings_arrive(conn):
    for k in range(12):
        await rate(conn, "harsh", f"p{k}", 3.0, session="h")
        await rate(conn, "lenient", f"p{k}", 5.0, session="l")
    for j in range(6):
        await rate(conn, "lenient", "a", 4.0, session=f"la{j}")
        await rate(conn, "harsh", "b", 4.0, session=f"hb{j}")
    order = [st.member for st in await board(conn)]
    assert order.index("b") < order.index("a")


async def test_week_month_and_track_filters(conn):
    await rate(conn, "x", "now", 4.0, days_ago=1)  # this week
    await rate(conn, "x", "nov", 4.0, days_ago=10)  # this month, last week
    await rate(conn, "x", "oct", 4.0, days_ago=40, track="behavioral")
    await done(conn, "oct", days_ago=1, track="behavioral")
    assert {st.member for st in await board(conn, "week")} == {"now", "oct"}
    assert {st.member for st in await board(conn, "month")} == {"now", "nov", "oct"}
    assert {st.member for st in await board(conn, "all", "behavioral")} == {"oct"}
    (oct_week,) = await board(conn, "week", "behavioral")
    assert (oct_week.ratings, oct_week.sessions, oct_week.mean) == (0, 1, None)


async def test_days_are_local_to_the_community(conn):
    # Sunday 11:30 UTC is Monday 00:30 in Auckland: this week there, last week in UTC
    sunday_utc = (NOW - datetime(2026, 11, 22, 11, 30, tzinfo=UTC)).total_seconds() / 86400
    await rate(conn, "x", "kiwi", 4.0, days_ago=sunday_utc, tz="Pacific/Auckland")
    assert [st.member for st in await board(conn, "week", tz="Pacific/Auckland")] == ["kiwi"]


async def test_streaks_run_over_consecutive_weeks_and_lapse(conn):
    for days in (15, 8, 1):  # three consecutive weeks, ending this week
        await done(conn, "keen", days_ago=days)
    for days in (22, 8):  # a gap, then last week
        await done(conn, "patchy", days_ago=days)
    await done(conn, "gone", days_ago=22)
    await done(conn, "keen", days_ago=30)  # an old session cannot stretch the run
    got = {st.member: st.streak for st in await board(conn)}
    assert got == {"keen": 3, "patchy": 1, "gone": 0}


async def test_rebuild_matches_the_pure_leaderboard(conn):
    rng = random.Random(4)
    people = [f"m{k}" for k in range(25)]
    ratings, sessions = [], []
    for n in range(300):
        a, b = rng.sample(people, 2)
        at = NOW - timedelta(days=rng.uniform(0, 60))
        track = rng.choice(["coding", "behavioral"])
        value = float(rng.randint(1, 5))
        ratings.append(scoring.RatingPoint(a, b, value, at, track))
        await conn.execute(
            schema.ratings.insert().values(
                community=COMMUNITY, session_id=f"s{n}", turn=0, rater=a, ratee=b, overall=value,
                scores={}, comment="", source="form", track=track, submitted_at=at,
            )
        )  # fmt: skip
        sessions.append(scoring.SessionPoint(b, at, track))
        await conn.execute(
            schema.participants.insert().values(
                community=COMMUNITY, user_id=b, session_id=f"s{n}", created_at=at, track=track,
                completed_at=at,
            )
        )  # fmt: skip
    await standings.rebuild(conn, COMMUNITY, "Europe/Berlin")
    for period in ("week", "month", "all"):
        for track in (None, "coding"):
            want = scoring.leaderboard(
                ratings, sessions, now=NOW, tz="Europe/Berlin", period=period, track=track
            )
            got = await board(conn, period, track, tz="Europe/Berlin")
            assert [(s.member, s.ratings, s.sessions, s.streak) for s in got] == [
                (s.member, s.ratings, s.sessions, s.streak) for s in want
            ]
            assert [s.score for s in got] == pytest.approx([s.score for s in want])


async def test_a_limited_board_keeps_the_true_ranks_of_its_top_rows(conn):
    for k in range(8):
        for j in range(k + 1):
            await rate(conn, f"r{j}", f"m{k}", 2.0 + k * 0.4, session=f"s{k}-{j}")
        await done(conn, f"m{k}")
    full = await board(conn)
    top = await boards.leaderboard(
        conn, COMMUNITY, period="all", track=None, now=NOW, tz="UTC", limit=3
    )
    assert top == full[:3]
    assert [st.rank for st in top] == [1, 2, 3]
    assert top[0].member == "m7"


async def test_a_streak_lapses_when_a_week_is_missed_without_new_sessions(conn):
    await done(conn, "member", days_ago=1)
    assert (await board(conn))[0].streak == 1
    later = NOW + timedelta(weeks=2)
    assert (await board(conn, now=later))[0].streak == 0


async def test_one_members_line_matches_the_board(conn):
    rng = random.Random(8)
    for n in range(60):
        a, b = rng.sample([f"m{k}" for k in range(12)], 2)
        await rate(
            conn, a, b, float(rng.randint(1, 5)), days_ago=rng.uniform(0, 20), session=f"s{n}"
        )
        await done(conn, b, days_ago=rng.uniform(0, 20))
    await done(conn, "sessions-only")
    kept = ranks.Ranks()  # each board read fresh: every place exact
    for period in ("week", "month", "all"):
        full = await board(conn, period)
        for line in full:
            got = await kept.standing_of(
                conn, COMMUNITY, line.member, period=period, track=None, now=NOW, tz="UTC"
            )
            assert got == line
    missing = await kept.standing_of(
        conn, COMMUNITY, "nobody", period="all", track=None, now=NOW, tz="UTC"
    )
    assert missing is None


async def test_kept_ranks_match_the_board_and_follow_it_within_a_minute(conn):
    rng = random.Random(3)
    members = [f"m{k}" for k in range(15)]
    for n in range(80):
        a, b = rng.sample(members, 2)
        await rate(conn, a, b, float(rng.randint(1, 5)), session=f"s{n}")
        await done(conn, b)
    kept = ranks.Ranks()

    async def line(member, now=NOW):
        return await kept.standing_of(
            conn, COMMUNITY, member, period="all", track=None, now=now, tz="UTC"
        )

    assert [await line(st.member) for st in await board(conn)] == await board(conn)
    # the last of the board is rated top marks many times: their own line shows it at once,
    # and the others' places, kept for a minute, still give them a true place among them
    before = await board(conn)
    last = before[-1].member
    for k in range(6):
        await rate(conn, f"fan{k}", last, 5.0, session=f"up{k}")
    fresh = {st.member: st for st in await board(conn)}
    mine = await line(last)
    assert (mine.score, mine.ratings) == (fresh[last].score, fresh[last].ratings)
    ahead = [
        st for st in before if st.member != last and (-st.score, st.member) < (-mine.score, last)
    ]
    assert mine.rank == 1 + len(ahead) < len(before)
    # a minute on, the board is read again: every rank is exact
    later = NOW + ranks.FRESH
    now_board = await board(conn, now=later)
    assert [await line(st.member, later) for st in now_board] == now_board
    assert await line("nobody") is None


async def test_the_board_query_rounds_numerics_on_postgresql():
    from sqlalchemy.dialects import postgresql

    sql = str(boards.statements("postgresql").shown.compile(dialect=postgresql.dialect()))
    assert "round(CAST(" in sql and "AS NUMERIC), " in sql


async def test_a_track_without_a_name_is_counted_once(conn):
    await rate(conn, "x", "a", 4.0, track="")
    await done(conn, "a", track="")
    (line,) = await board(conn)
    assert (line.ratings, line.sessions) == (1, 1)


async def _summaries(conn) -> dict:
    from sqlalchemy import select

    out = {}
    for table in (standings.standing_periods, standings.standing_community,
                  standings.rater_leniency, standings.standing_contrib):  # fmt: skip
        rows = (await conn.execute(select(table))).all()
        out[table.name] = sorted(
            tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows
        )
    return out


async def test_a_replaced_rating_leaves_the_summaries_as_if_only_the_new_one_was_given():
    """Taking the old share out and putting the new one in, in the same statements, weighs
    the new rating as if the old had never been given."""
    results = []
    for replaced in (True, False):
        engine = create_async_engine("sqlite+aiosqlite:///:memory:")
        async with engine.begin() as c:
            await c.run_sync(schema.metadata.create_all)
            rng = random.Random(5)
            for k in range(30):  # a past in which the rater and the ratee took part
                rater, ratee = rng.choice(["x", "a", "b"]), rng.choice(["y", "c", "d"])
                await rate(c, rater, ratee, rng.randint(1, 5), days_ago=20 - k / 2, session=k)
            if replaced:
                await rate(c, "x", "y", 1.0, session="now", days_ago=0.5)
            await rate(c, "x", "y", 5.0, session="now", days_ago=0.5)
            results.append(await _summaries(c))
        await engine.dispose()
    assert results[0] == results[1]


async def _board_rows(conn):
    """The all-time board's rows (nobody hidden here), and the values they are read with."""
    params = await boards.board_params(conn, COMMUNITY, "all", None, NOW, "UTC")
    return boards.statements(conn.dialect.name).shown, params


async def _random_board(conn, rng: random.Random, members: int, mean: float, settled=False):
    """A board's rows as the summaries hold them, the community's mean as given. Settled:
    every member rated a few times at least, near the mean. Else also members rated once
    to three times (extreme calibrated sums among them), sessions only, or nothing."""
    from bot.ratings.summaries import ALL_TIME, ALL_TRACKS

    rows = []
    for k in range(members):
        n = rng.choices(
            [0, rng.randint(1, 3), rng.randint(4, 60)], [0, 0, 1] if settled else [1, 3, 16]
        )[0]
        spread = (max(1.0, mean - 1.2), min(5.0, mean + 1.2)) if settled else (0.2, 5.8)
        cal = sum(rng.uniform(*spread) for _ in range(n))
        rows.append(dict(community=COMMUNITY, kind="all", start=ALL_TIME, track=ALL_TRACKS,
                         member=f"m{k:04d}", ratings=n, rating_sum=cal, calibrated_sum=cal,
                         sessions=rng.choice([0, 1, rng.randint(2, 40)])))  # fmt: skip
    await conn.execute(standings.standing_periods.insert(), rows)
    await conn.execute(
        standings.standing_community.insert(),
        [dict(community=COMMUNITY, ratings=1000, rating_sum=1000 * mean)],
    )


@pytest.mark.parametrize("mean", [1.0, 3.7, 5.0])
async def test_a_boards_first_rows_read_through_their_bound_are_its_first_rows(conn, mean):
    """The top rows of a board come from the rows of highest possible score (an index),
    proven to hold them, or from the whole board: the same rows and ranks either way; no
    score is above its usual one by more than the mean is above the usual mean."""
    await _random_board(conn, random.Random(int(mean * 10)), 1500, mean)
    full = await board(conn)
    for limit in (1, 3, 10, 40):
        got = await boards.leaderboard(
            conn, COMMUNITY, period="all", track=None, now=NOW, tz="UTC", limit=limit
        )
        assert got == full[:limit]
    from bot.storage.standings import USUAL_MEAN

    q, params = await _board_rows(conn)
    above = max(0.0, mean - USUAL_MEAN)
    for row in (await conn.execute(q.add_columns(boards.usual_score), params)).all():
        assert row.score <= row[-1] + above + boards.MARGIN, "a score above its bound"


async def test_a_settled_communitys_top_ten_is_read_without_scoring_every_row(conn):
    """Scoring every member's row took 15 ms at 10,000 members; in a community whose
    members have been rated a few times, the top ten are proven from a few rows."""
    from bot.storage.standings import USUAL_MEAN

    await _random_board(conn, random.Random(5), 1500, USUAL_MEAN, settled=True)
    q, params = await _board_rows(conn)
    for row in (await conn.execute(q.add_columns(boards.usual_score), params)).all():
        assert row.score == pytest.approx(row[-1], abs=1e-8), "the index's score is not ours"
    raw = (await conn.get_raw_connection()).driver_connection
    steps = {"n": 0}

    def count():
        steps["n"] += 1
        return 0

    async def steps_of(limit):
        steps["n"] = 0
        await raw.set_progress_handler(count, 100)
        got = await boards.leaderboard(
            conn, COMMUNITY, period="all", track=None, now=NOW, tz="UTC", limit=limit
        )
        await raw.set_progress_handler(None, 100)
        return steps["n"], got

    (top, ten), (whole, full) = await steps_of(10), await steps_of(None)
    assert ten == full[:10]
    assert top * 10 < whole, "every row was scored"
