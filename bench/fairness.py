"""Does the leaderboard order members by skill? A simulation with known truth.

Members have a true skill; as raters they have a leniency and some noise; a
rating is the rounded, clipped sum (the 1-5 a member gives). Attendance varies,
so some members have few ratings. Reported: Spearman rank correlation between
true skill and (a) a plain average of ratings, (b) mockround's calibrated score.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.ratings import scoring
from bot.ratings.scoring import RatingPoint, SessionPoint, leaderboard


def spearman(x: list[float], y: list[float]) -> float:
    def ranks(v):
        v = np.asarray(v, dtype=float)
        order = v.argsort(kind="stable")
        out = np.empty(len(v))
        out[order] = np.arange(len(v), dtype=float)
        for value in np.unique(v):  # ties share their average rank
            same = v == value
            out[same] = out[same].mean()
        return out

    rx, ry = ranks(x), ranks(y)
    return float(np.corrcoef(rx, ry)[0, 1])


def simulate(members: int = 300, weeks: int = 12, seed: int = 3):
    rng = random.Random(seed)
    ids = [f"m{k:04d}" for k in range(members)]
    skill = {m: rng.gauss(0.0, 0.6) for m in ids}
    leniency = {m: rng.gauss(0.0, 0.6) for m in ids}
    noise = {m: abs(rng.gauss(0.5, 0.2)) for m in ids}
    attendance = {m: rng.uniform(0.15, 1.0) for m in ids}
    start = datetime(2026, 8, 3, 17, 0, tzinfo=UTC)
    ratings, sessions = [], []
    for week in range(weeks):
        at = start + timedelta(weeks=week)
        came = [m for m in ids if rng.random() < attendance[m]]
        rng.shuffle(came)
        for k in range(0, len(came) - 1, 2):
            a, b = came[k], came[k + 1]
            for rater, ratee in ((a, b), (b, a)):
                value = 3.2 + skill[ratee] + leniency[rater] + rng.gauss(0.0, noise[rater])
                ratings.append(
                    RatingPoint(rater, ratee, float(min(5, max(1, round(value)))), at, "coding")
                )
                sessions.append(SessionPoint(ratee, at, "coding"))
    now = start + timedelta(weeks=weeks)
    return skill, ratings, sessions, now


def rank_correlations(members: int = 300, weeks: int = 12, seed: int = 3) -> dict[str, float]:
    skill, ratings, sessions, now = simulate(members, weeks, seed)
    received: dict[str, list[float]] = {}
    for r in ratings:
        received.setdefault(r.ratee, []).append(r.overall)
    rated = sorted(received)
    truth = [skill[m] for m in rated]
    plain = [sum(received[m]) / len(received[m]) for m in rated]
    board = {
        st.member: st.score
        for st in leaderboard(ratings, sessions, now=now, tz="UTC", period="all")
    }
    calibrated = [board[m] for m in rated]
    # shrinkage alone, no leniency removed: how much of the gain is calibration
    mean = sum(r.overall for r in ratings) / len(ratings)
    shrunk = [
        mean + sum(v - mean for v in received[m]) / (len(received[m]) + scoring.MEMBER_PRIOR)
        for m in rated
    ]
    return {
        "plain": spearman(truth, plain),
        "shrunk_only": spearman(truth, shrunk),
        "calibrated": spearman(truth, calibrated),
    }


if __name__ == "__main__":
    for seed in range(3):
        print(seed, rank_correlations(seed=seed))
