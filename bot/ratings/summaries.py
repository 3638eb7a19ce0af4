"""Leaderboard summaries computed in one pass: what the SQL summary tables should
hold for a community, with rater leniencies fitted on every rating at once.

Pure, so ``bot.storage.standings.rebuild`` only reads and writes rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.ratings import scoring

SUMS = ("ratings", "rating_sum", "calibrated_sum", "sessions")
ALL_TIME = date(1970, 1, 1)  # the one bucket of the "all" period
ALL_TRACKS = ""  # the row that sums a member's tracks, so no board needs a GROUP BY


def local_day(at: datetime, tz: str) -> date:
    return at.astimezone(ZoneInfo(tz)).date()


def buckets(day: date) -> list[tuple[str, date]]:
    """The three periods a local day counts towards."""
    return [
        ("week", day - timedelta(days=day.weekday())),
        ("month", day.replace(day=1)),
        ("all", ALL_TIME),
    ]


def summarise(ratings: Iterable[Any], sessions: Iterable[Any], tz: str) -> dict[str, list[dict]]:
    """Rows per summary table (without the community column).

    ``ratings`` have session_id, turn, rater, ratee, overall, track, submitted_at;
    ``sessions`` are (member, completed_at, track) of completed participations.
    """
    ratings = list(ratings)
    points = [
        scoring.RatingPoint(r.rater, r.ratee, r.overall, r.submitted_at, r.track) for r in ratings
    ]
    mean, skill, lenient = scoring.fit_effects(points)
    days: dict[tuple, dict[str, float]] = {}
    contrib, given = [], {}
    for r in ratings:
        day = local_day(r.submitted_at, tz)
        cal = r.overall - lenient.get(r.rater, 0.0)
        sums = days.setdefault((r.ratee, r.track, day), dict.fromkeys(SUMS, 0))
        sums["ratings"] += 1
        sums["rating_sum"] += r.overall
        sums["calibrated_sum"] += cal
        given[r.rater] = given.get(r.rater, 0) + 1
        contrib.append(
            dict(session_id=r.session_id, turn=r.turn, rater=r.rater, ratee=r.ratee,
                 track=r.track, day=day, overall=r.overall, calibrated=cal,
                 deviation=r.overall - mean - skill.get(r.ratee, 0.0))
        )  # fmt: skip
    weeks: dict[str, set[date]] = {}
    for member, at, track in sessions:
        sums = days.setdefault((member, track, local_day(at, tz)), dict.fromkeys(SUMS, 0))
        sums["sessions"] += 1
        weeks.setdefault(member, set()).add(scoring.week_start(at, tz))
    periods: dict[tuple, dict[str, float]] = {}
    for (member, track, day), sums in days.items():
        for kind, start in buckets(day):
            for tr in dict.fromkeys((track, ALL_TRACKS)):  # a track named "" counts once
                into = periods.setdefault((kind, start, tr, member), dict.fromkeys(SUMS, 0))
                for k in SUMS:
                    into[k] += sums[k]
    return {
        "standing_periods": [
            dict(kind=k, start=s, track=tr, member=m, **v) for (k, s, tr, m), v in periods.items()
        ],
        "standing_contrib": contrib,
        # stored so that deviation_sum / (given + prior) is the fitted leniency
        "rater_leniency": [
            dict(rater=r, given=n, deviation_sum=lenient[r] * (n + scoring.RATER_PRIOR))
            for r, n in given.items()
        ],
        "standing_community": (
            [dict(ratings=len(points), rating_sum=sum(p.overall for p in points))] if points else []
        ),
        "member_streaks": [
            dict(member=m, last_week=max(w), weeks=_run(w)) for m, w in weeks.items()
        ],
    }


def _run(weeks: set[date]) -> int:
    """Length of the run of consecutive weeks ending at the newest one."""
    current, count = max(weeks), 0
    while current in weeks:
        count += 1
        current -= timedelta(weeks=1)
    return count
