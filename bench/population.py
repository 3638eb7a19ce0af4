"""Synthetic but realistic communities for the pairing benchmark.

Timezones follow a rough world distribution of software engineers, levels and
tracks are skewed the way study groups are, and the history comes from
timezone-local pairings (what a good pairing bot produced before), so earlier
partners really compete with this week's best candidates.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from bot.pairing.pair import Candidate, PastPair
from bot.pairing.weights import utc_offset_hours

TIMEZONES = {
    "America/Los_Angeles": 11,
    "America/Denver": 2,
    "America/Chicago": 5,
    "America/New_York": 13,
    "America/Toronto": 3,
    "America/Mexico_City": 2,
    "America/Bogota": 2,
    "America/Sao_Paulo": 4,
    "America/Argentina/Buenos_Aires": 2,
    "Europe/London": 7,
    "Europe/Dublin": 1,
    "Europe/Paris": 3,
    "Europe/Berlin": 6,
    "Europe/Amsterdam": 2,
    "Europe/Warsaw": 3,
    "Europe/Kyiv": 2,
    "Europe/Istanbul": 2,
    "Africa/Lagos": 2,
    "Africa/Cairo": 1,
    "Africa/Nairobi": 1,
    "Asia/Dubai": 1,
    "Asia/Karachi": 1,
    "Asia/Kolkata": 12,
    "Asia/Kathmandu": 1,
    "Asia/Dhaka": 1,
    "Asia/Ho_Chi_Minh": 1,
    "Asia/Singapore": 3,
    "Asia/Shanghai": 4,
    "Asia/Seoul": 2,
    "Asia/Tokyo": 2,
    "Australia/Sydney": 2,
    "Pacific/Auckland": 1,
}
LEVELS = {"junior": 35, "mid": 40, "senior": 25}
TRACKS = {"coding": 30, "behavioral": 30, "system-design": 25, "ml-system-design": 15}


def _pick(rng: random.Random, table: dict[str, int], n: int) -> list[str]:
    return rng.choices(list(table), weights=list(table.values()), k=n)


def members(n: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    tzs, levels, tracks = _pick(rng, TIMEZONES, n), _pick(rng, LEVELS, n), _pick(rng, TRACKS, n)
    return [
        Candidate(id=f"m{k:06d}", timezone=tzs[k], level=levels[k], track=tracks[k])
        for k in range(n)
    ]


def local_history(
    people: list[Candidate], weeks: int, now: datetime, seed: int, attendance: float = 0.7
) -> list[PastPair]:
    """Earlier weeks paired neighbours in UTC offset, as a timezone-aware bot would."""
    rng = random.Random(seed)
    offsets = {c.id: utc_offset_hours(c.timezone, now) for c in people}
    history: list[PastPair] = []
    for week in range(weeks, 0, -1):
        when = now - timedelta(weeks=week)
        came = [c.id for c in people if rng.random() < attendance]
        came.sort(key=lambda i: offsets[i] + rng.uniform(-2.0, 2.0))
        for k in range(0, len(came) - 1, 2):
            history.append(PastPair(came[k], came[k + 1], when))
    return history


def with_roles(people: list[Candidate], history: list[PastPair], seed: int) -> list[Candidate]:
    """Give each member interview counts consistent with the history they took part in."""
    rng = random.Random(seed)
    interviewed: Counter[str] = Counter()
    candidated: Counter[str] = Counter()
    for p in history:
        a, b = (p.a, p.b) if rng.random() < 0.5 else (p.b, p.a)
        interviewed[a] += 1
        candidated[b] += 1
    return [
        Candidate(
            c.id, c.timezone, c.level, c.track, interviewed[c.id], candidated[c.id], c.last_sat_out
        )
        for c in people
    ]


def community(n: int, seed: int, now: datetime, weeks: int = 8):
    """``n`` members with ``weeks`` of local history and matching role counts."""
    people = members(n, seed)
    history = local_history(people, weeks, now, seed + 1)
    return with_roles(people, history, seed + 2), history
