"""Leaderboard, streaks and member stats. Pure: every input is passed in, `now` included.

A member's score is a Bayesian average of rater-calibrated ratings plus points
for completed sessions:

- Raters differ in leniency. Ratings are modelled as community mean + ratee
  effect + rater effect; both effects are estimated together from every rating
  (alternating shrunk averages), so a rater who only met strong members is not
  mistaken for a generous one. The rater effect is removed before averaging.
- Each member's calibrated average is shrunk towards the community mean as if
  it held ``MEMBER_PRIOR`` extra ratings at the mean: one 5 does not beat ten 4.5s.
- Completed sessions add up to ``SESSION_POINTS``, half of it at ``SESSION_HALF``
  sessions: showing up counts without drowning out how the sessions went. (A
  rational curve rather than a logarithm so SQL can rank by the same score.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

MEMBER_PRIOR = 3.0  # ratings' worth of community mean mixed into each member's average
RATER_PRIOR = 2.0  # ratings' worth of "no leniency" mixed into each rater's effect
# while fitting rater effects, ratee effects are shrunk only lightly: shrinking them as
# hard as the board does would leave a strong member's excess in the rater's effect
FIT_PRIOR = 1.0
SESSION_POINTS = 0.3  # the most that completed sessions can add to a score
SESSION_HALF = 4.0  # sessions that earn half of SESSION_POINTS
NEUTRAL = 3.0  # the community mean before anyone has been rated (middle of the 1-5 scale)
ITERATIONS = 10  # alternating estimates settle within a few rounds


@dataclass(frozen=True)
class RatingPoint:
    rater: str
    ratee: str
    overall: float
    at: datetime
    track: str
    scores: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionPoint:
    member: str  # one completed session of this member
    at: datetime
    track: str


@dataclass(frozen=True)
class Standing:
    member: str
    rank: int
    score: float
    mean: float | None  # plain average of the ratings in the period, for display
    ratings: int
    sessions: int
    streak: int


@dataclass(frozen=True)
class MemberStats:
    member: str
    sessions: int
    ratings: int
    mean: float | None
    dimensions: Mapping[str, tuple[float, float]]  # dim -> (average, recent half minus older half)
    streak: int


# --- time ---------------------------------------------------------------------------------


def week_start(at: datetime, tz: str) -> date:
    """The Monday of ``at``'s week in the community's timezone."""
    local = at.astimezone(ZoneInfo(tz)).date()
    return local - timedelta(days=local.weekday())


def period_start(period: str, now: datetime, tz: str) -> datetime | None:
    """Local midnight starting this week (Monday) or month; None for all time."""
    if period == "all":
        return None
    if period not in ("week", "month"):
        raise ValueError(f"unknown period {period!r}: use week, month or all")
    zone = ZoneInfo(tz)
    local = now.astimezone(zone).date()
    first = local - timedelta(days=local.weekday()) if period == "week" else local.replace(day=1)
    return datetime(first.year, first.month, first.day, tzinfo=zone)


def streak(session_times: Sequence[datetime], *, now: datetime, tz: str) -> int:
    """Consecutive weeks (Monday to Sunday in ``tz``) with a completed session, counting
    back from this week; an empty current week does not break the streak yet."""
    zone = ZoneInfo(tz)
    expected = week_start(now, tz)
    count = 0
    # newest first, stopping at the first gap: only the run's own sessions are converted
    for t in sorted((t for t in session_times if t <= now), reverse=True):
        local = t.astimezone(zone).date()
        week = local - timedelta(days=local.weekday())
        if week == expected:
            count += 1
            expected -= timedelta(weeks=1)
        elif week < expected:
            if count == 0 and week == expected - timedelta(weeks=1):
                count, expected = 1, week - timedelta(weeks=1)  # this week still empty
            else:
                break
    return count


# --- calibration --------------------------------------------------------------------------


def fit_effects(
    ratings: Sequence[RatingPoint],
) -> tuple[float, dict[str, float], dict[str, float]]:
    """(community mean, ratee effects, rater leniencies) fitted together on every rating."""
    if not ratings:
        return NEUTRAL, {}, {}
    raters = {r: k for k, r in enumerate(dict.fromkeys(p.rater for p in ratings))}
    ratees = {r: k for k, r in enumerate(dict.fromkeys(p.ratee for p in ratings))}
    ri = np.fromiter((raters[p.rater] for p in ratings), dtype=np.int64, count=len(ratings))
    ei = np.fromiter((ratees[p.ratee] for p in ratings), dtype=np.int64, count=len(ratings))
    value = np.fromiter((p.overall for p in ratings), dtype=np.float64, count=len(ratings))
    mean = float(value.mean())
    given = np.bincount(ri, minlength=len(raters)) + RATER_PRIOR
    received = np.bincount(ei, minlength=len(ratees)) + FIT_PRIOR
    skill = np.zeros(len(ratees))
    lenient = np.zeros(len(raters))
    for _ in range(ITERATIONS):
        skill = np.bincount(ei, value - mean - lenient[ri], minlength=len(ratees)) / received
        lenient = np.bincount(ri, value - mean - skill[ei], minlength=len(raters)) / given
    return (
        mean,
        {r: float(skill[k]) for r, k in ratees.items()},
        {r: float(lenient[k]) for r, k in raters.items()},
    )


def rater_effects(ratings: Sequence[RatingPoint]) -> tuple[float, dict[str, float]]:
    """(community mean, each rater's shrunk leniency) from every rating given."""
    mean, _, lenient = fit_effects(ratings)
    return mean, lenient


def participation(sessions: int) -> float:
    return SESSION_POINTS * sessions / (sessions + SESSION_HALF)


def leaderboard(
    ratings: Sequence[RatingPoint],
    sessions: Sequence[SessionPoint],
    *,
    now: datetime,
    tz: str,
    period: str = "week",
    track: str | None = None,
) -> list[Standing]:
    """Everyone rated or with a completed session in the period (and track), best first;
    ranks 1..n with ties broken by member id."""
    start = period_start(period, now, tz)
    mean, lenient = rater_effects([r for r in ratings if r.at <= now])
    deviation: dict[str, float] = defaultdict(float)
    raw: dict[str, list[float]] = defaultdict(list)
    for r in ratings:
        if r.at <= now and (start is None or r.at >= start) and track in (None, r.track):
            deviation[r.ratee] += r.overall - lenient.get(r.rater, 0.0) - mean
            raw[r.ratee].append(r.overall)
    done: dict[str, int] = defaultdict(int)
    times: dict[str, list[datetime]] = defaultdict(list)
    for s in sessions:
        times[s.member].append(s.at)
        if s.at <= now and (start is None or s.at >= start) and track in (None, s.track):
            done[s.member] += 1
    rows = []
    for member in set(raw) | set(done):
        got = raw.get(member, [])
        score = mean + deviation.get(member, 0.0) / (len(got) + MEMBER_PRIOR)
        score += participation(done.get(member, 0))
        rows.append((round(score, 9), member, got))
    rows.sort(key=lambda row: (-row[0], row[1]))
    return [
        Standing(
            member=member,
            rank=k,
            score=score,
            mean=sum(got) / len(got) if got else None,
            ratings=len(got),
            sessions=done.get(member, 0),
            streak=streak(times.get(member, []), now=now, tz=tz),
        )
        for k, (score, member, got) in enumerate(rows, start=1)
    ]


def member_stats(
    member: str,
    ratings: Sequence[RatingPoint],
    sessions: Sequence[SessionPoint],
    *,
    now: datetime,
    tz: str,
) -> MemberStats:
    """All-time figures for one member; each rubric dimension with its trend
    (average of the newer half of its scores minus the older half). The member's place
    on the board is the leaderboard's (the store keeps it)."""
    mine = sorted((r for r in ratings if r.ratee == member and r.at <= now), key=lambda r: r.at)
    done = [s.at for s in sessions if s.member == member and s.at <= now]
    per_dim: dict[str, list[int]] = defaultdict(list)
    for r in mine:
        for dim, value in r.scores.items():
            per_dim[dim].append(value)
    dimensions = {dim: (sum(v) / len(v), _trend(v)) for dim, v in per_dim.items()}
    return MemberStats(
        member=member,
        sessions=len(done),
        ratings=len(mine),
        mean=sum(r.overall for r in mine) / len(mine) if mine else None,
        dimensions=dimensions,
        streak=streak(done, now=now, tz=tz),
    )


def _trend(values: list[int]) -> float:
    half = len(values) // 2
    if half == 0:
        return 0.0
    older, recent = values[:half], values[-half:]
    return sum(recent) / half - sum(older) / half
