from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ratings.scoring import (
    RatingPoint,
    SessionPoint,
    leaderboard,
    member_stats,
    period_start,
    rater_effects,
    streak,
    week_start,
)

# a Wednesday afternoon
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def r(rater, ratee, overall, days_ago=1.0, track="coding", **scores):
    return RatingPoint(rater, ratee, overall, NOW - timedelta(days=days_ago), track, scores)


def s(member, days_ago=1.0, track="coding"):
    return SessionPoint(member, NOW - timedelta(days=days_ago), track)


def board(ratings, sessions=(), **kw):
    kw.setdefault("period", "all")
    return leaderboard(ratings, list(sessions), now=NOW, tz=kw.pop("tz", "UTC"), **kw)


def test_one_perfect_rating_does_not_top_many_strong_ones():
    ratings = [r(f"rater{k}", "steady", 4.5) for k in range(10)]
    ratings += [r("lucky-rater", "lucky", 5.0)]
    ratings += [r(f"rater{k}", "others", 3.0) for k in range(10)]
    result = board(ratings)
    order = [st.member for st in result]
    assert order.index("steady") < order.index("lucky")
    lucky = next(st for st in result if st.member == "lucky")
    assert lucky.mean == 5.0 and lucky.ratings == 1


def test_few_ratings_sit_near_the_community_mean():
    ratings = [r(f"x{k}", f"m{k}", 3.0 + (k % 3)) for k in range(30)]
    ratings += [r("new-rater", "newcomer", 1.0)]
    mean, _ = rater_effects(ratings)
    newcomer = next(st for st in board(ratings) if st.member == "newcomer")
    assert mean - 1.0 < newcomer.score < mean


def test_a_lenient_rater_is_discounted():
    # the harsh and the lenient rater each see both kinds of member; "a" is only rated by the
    # lenient one and "b" only by the harsh one, with equal raw means: b must come out ahead
    ratings = []
    for k in range(12):
        ratings += [r("lenient", f"p{k}", 5.0), r("harsh", f"p{k}", 3.0)]
    ratings += [r("lenient", "a", 4.0) for _ in range(6)]
    ratings += [r("harsh", "b", 4.0) for _ in range(6)]
    mean, lenient = rater_effects(ratings)
    assert lenient["lenient"] > 0.5 > -0.5 > lenient["harsh"]
    order = [st.member for st in board(ratings)]
    assert order.index("b") < order.index("a")


def test_a_rater_who_met_only_strong_members_is_not_called_lenient():
    ratings = []
    for k in range(8):
        strong, weak = f"strong{k}", f"weak{k}"
        ratings += [r(f"o{j}", strong, 5.0) for j in range(4)]  # everyone agrees they are strong
        ratings += [r(f"o{j}", weak, 2.0) for j in range(4)]
        ratings += [r("fair", strong, 5.0)]
    _, lenient = rater_effects(ratings)
    assert abs(lenient["fair"]) < 0.25


def test_sessions_add_points_and_break_ties():
    ratings = [r("x", "a", 4.0), r("x", "b", 4.0)]
    result = board(ratings, [s("b"), s("b"), s("b")])
    assert [st.member for st in result] == ["b", "a"]
    assert result[0].sessions == 3 and result[1].sessions == 0


def test_ties_are_broken_by_member_id_and_ranks_run_from_one():
    result = board([], [s("zed"), s("amy"), s("bob")])
    assert [(st.rank, st.member) for st in result] == [(1, "amy"), (2, "bob"), (3, "zed")]
    assert all(st.mean is None and st.ratings == 0 for st in result)


def test_week_and_month_periods_in_the_community_timezone():
    # Monday 2026-11-23 00:30 in Auckland is Sunday 11:30 UTC: this week there, last week in UTC
    sunday_utc = datetime(2026, 11, 22, 11, 30, tzinfo=UTC)
    points = [RatingPoint("x", "a", 4.0, sunday_utc, "coding")]
    assert [st.member for st in leaderboard(points, [], now=NOW, tz="Pacific/Auckland")] == ["a"]
    assert leaderboard(points, [], now=NOW, tz="UTC") == []
    early = [r("x", "old", 4.0, days_ago=40), r("x", "nov", 4.0, days_ago=20)]
    assert {st.member for st in board(early, period="month")} == {"nov"}
    assert {st.member for st in board(early, period="all")} == {"old", "nov"}
    assert board(early, period="week") == []


def test_period_start_is_local_midnight():
    start = period_start("week", NOW, "America/New_York")
    assert start.isoformat() == "2026-11-23T00:00:00-05:00"
    assert period_start("month", NOW, "Asia/Tokyo").isoformat() == "2026-11-01T00:00:00+09:00"
    assert period_start("all", NOW, "UTC") is None
    with pytest.raises(ValueError):
        period_start("year", NOW, "UTC")


def test_track_filter_counts_only_that_track():
    ratings = [r("x", "a", 5.0, track="coding"), r("x", "b", 5.0, track="behavioral")]
    sessions = [s("a", track="coding"), s("c", track="behavioral")]
    result = board(ratings, sessions, track="behavioral")
    assert {st.member for st in result} == {"b", "c"}
    assert all(st.sessions == (1 if st.member == "c" else 0) for st in result)


def test_future_points_are_ignored():
    result = board([r("x", "a", 5.0, days_ago=-1)], [s("b", days_ago=-1)])
    assert result == []


def test_streak_counts_consecutive_weeks_and_forgives_an_empty_current_week():
    weeks_ago = [7, 14, 21, 35]  # last three weeks, then a gap
    times = [NOW - timedelta(days=d) for d in weeks_ago]
    assert streak(times, now=NOW, tz="UTC") == 3
    assert streak([*times, NOW - timedelta(hours=1)], now=NOW, tz="UTC") == 4
    assert streak([NOW - timedelta(days=14)], now=NOW, tz="UTC") == 0
    assert streak([], now=NOW, tz="UTC") == 0


def test_streak_weeks_follow_the_community_timezone():
    # Sunday 23:30 in Los Angeles is already Monday in UTC
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # Monday
    la_sunday_night = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # Sun 23:30 in LA
    before = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # Wednesday two weeks back
    times = [before, la_sunday_night]
    # in LA: last week and the week before, this week empty -> 2
    assert streak(times, now=now, tz="America/Los_Angeles") == 2
    # in UTC the late session falls in this week, and last week is empty -> 1
    assert streak(times, now=now, tz="UTC") == 1


def test_member_stats_trend_and_rank():
    ratings = [
        r("x", "me", 3.0, days_ago=30, clarity=2, depth=4),
        r("y", "me", 3.0, days_ago=20, clarity=2, depth=4),
        r("x", "me", 4.0, days_ago=10, clarity=4, depth=4),
        r("y", "me", 5.0, days_ago=1, clarity=5, depth=3),
        r("x", "rival", 3.0, days_ago=2),
    ]
    sessions = [s("me", 30), s("me", 20), s("me", 7), s("me", 1)]
    st = member_stats("me", ratings, sessions, now=NOW, tz="UTC")
    assert st.ratings == 4 and st.sessions == 4 and st.mean == pytest.approx(3.75)
    assert st.dimensions["clarity"] == pytest.approx((3.25, 2.5))
    assert st.dimensions["depth"] == pytest.approx((3.75, -0.5))
    assert st.streak == 2  # this week (1 day ago) and last week (7 days ago)
    board = leaderboard(ratings, sessions, now=NOW, tz="UTC", period="all")
    assert board[0].member == "me" and "ghost" not in {line.member for line in board}
    nobody = member_stats("ghost", ratings, sessions, now=NOW, tz="UTC")
    assert nobody.mean is None and nobody.dimensions == {}


PEOPLE = ["ann", "bob", "cat", "dan", "eve"]


@st.composite
def activity(draw):
    ratings = [
        r(draw(st.sampled_from(PEOPLE)), draw(st.sampled_from(PEOPLE)), float(draw(st.integers(1, 5))),
          days_ago=draw(st.floats(-3, 90)), track=draw(st.sampled_from(["coding", "behavioral"])))
        for _ in range(draw(st.integers(0, 25)))
    ]  # fmt: skip
    sessions = [
        s(draw(st.sampled_from(PEOPLE)), days_ago=draw(st.floats(-3, 90)),
          track=draw(st.sampled_from(["coding", "behavioral"])))
        for _ in range(draw(st.integers(0, 15)))
    ]  # fmt: skip
    return ratings, sessions


@settings(max_examples=150, deadline=None)
@given(activity(), st.sampled_from(["week", "month", "all"]), st.sampled_from([None, "coding"]),
       st.sampled_from(["UTC", "America/Los_Angeles", "Asia/Kolkata"]))  # fmt: skip
def test_every_board_is_a_total_order_of_exactly_the_active_members(data, period, track, tz):
    ratings, sessions = data
    result = leaderboard(ratings, sessions, now=NOW, tz=tz, period=period, track=track)
    start = period_start(period, NOW, tz)

    def counts(at, tr):
        return at <= NOW and (start is None or at >= start) and track in (None, tr)

    active = {p.ratee for p in ratings if counts(p.at, p.track)}
    active |= {p.member for p in sessions if counts(p.at, p.track)}
    assert {st.member for st in result} == active
    assert [st.rank for st in result] == list(range(1, len(result) + 1))
    for a, b in zip(result, result[1:], strict=False):
        assert (a.score, b.member) >= (b.score, a.member)
    for row in result:
        assert (row.mean is None) == (row.ratings == 0)


def _streak_by_sets(times, now, tz):
    weeks = {week_start(t, tz) for t in times if t <= now}
    current = week_start(now, tz)
    if current not in weeks:
        current -= timedelta(weeks=1)
    count = 0
    while current in weeks:
        count, current = count + 1, current - timedelta(weeks=1)
    return count


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-20, 24 * 60), max_size=30),
    st.sampled_from(["UTC", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kathmandu"]),
)
def test_streak_agrees_with_counting_weeks_one_by_one(hours_ago, tz):
    times = [NOW - timedelta(hours=h) for h in hours_ago]
    assert streak(times, now=NOW, tz=tz) == _streak_by_sets(times, NOW, tz)
