"""How much we want two members to meet: one integer score per pair.

Integer weights because the matching is exact only on integers. The score is
kept separate from the matching so the benchmark and the tests judge a
pairing by the same yardstick the algorithm maximises.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

LEVEL_INDEX = {"junior": 0, "mid": 1, "senior": 2}
WAKING_HOURS = 14.0  # 08:00-22:00 local: the window in which a session can be booked
FORBIDDEN = None


@lru_cache(maxsize=4096)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def utc_offset_hours(timezone: str, now: datetime) -> float:
    """The zone's offset at ``now``; an unknown zone counts as UTC rather than failing the round."""
    zone = _zone(timezone)
    if zone is None:
        return 0.0
    offset = now.astimezone(zone).utcoffset()
    return offset.total_seconds() / 3600.0 if offset is not None else 0.0


def waking_overlap_hours(offset_a: float | np.ndarray, offset_b: float | np.ndarray):
    """Hours a day both members are awake. Two 14-hour windows on a 24-hour
    circle always share at least 4 hours, so the shorter way round decides."""
    diff = np.abs(np.asarray(offset_a) - np.asarray(offset_b)) % 24.0
    diff = np.minimum(diff, 24.0 - diff)
    return np.maximum(0.0, WAKING_HOURS - diff) + np.maximum(0.0, diff - (24.0 - WAKING_HOURS))


def level_of(level: str) -> int:
    return LEVEL_INDEX.get(level, 1)  # an unknown level is treated as mid: it fits everyone


def repeat_penalty(
    whens: Iterable[datetime], now: datetime, penalty: int, half_life_weeks: float
) -> int:
    """Each earlier meeting costs ``penalty`` halved every ``half_life_weeks``."""
    total = 0.0
    for when in whens:
        weeks = max(0.0, (now - when).total_seconds() / (7 * 86400.0))
        total += penalty * 0.5 ** (weeks / half_life_weeks)
    return int(round(total))


class Scorer:
    """Pair scores for one part of a round, vectorised over members.

    ``history`` maps a frozenset pair of ids to the integer repeat penalty.
    """

    def __init__(self, candidates: Sequence, rules, now: datetime, history: dict) -> None:
        self.rules = rules
        self.ids = [c.id for c in candidates]
        self.offsets = np.array([utc_offset_hours(c.timezone, now) for c in candidates])
        self.levels = np.array([level_of(c.level) for c in candidates], dtype=np.int64)
        self.need = np.array([c.interviewed - c.candidated for c in candidates], dtype=np.int64)
        self.tracks = [c.track for c in candidates]
        self.history = history

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Scores of rows x cols without repeat penalties; forbidden pairs are ``-inf``-like."""
        r = self.rules
        overlap = waking_overlap_hours(self.offsets[rows][:, None], self.offsets[cols][None, :])
        tz = np.rint(r.timezone_weight * overlap / WAKING_HOURS).astype(np.int64)
        gap = np.abs(self.levels[rows][:, None] - self.levels[cols][None, :])
        level = r.level_weight * (1 - gap)
        role_gap = np.minimum(np.abs(self.need[rows][:, None] - self.need[cols][None, :]), 2)
        role = (r.role_weight * role_gap) // 2
        score = tz + level + role
        score[gap > r.level_gap] = NEG
        return score

    def allowed(self, i: int, j: int) -> bool:
        return i != j and abs(int(self.levels[i]) - int(self.levels[j])) <= self.rules.level_gap

    def score(self, i: int, j: int) -> int | None:
        """The full score of one pair, or None when the rules forbid it."""
        if not self.allowed(i, j):
            return FORBIDDEN
        base = int(self.block(np.array([i]), np.array([j]))[0, 0])
        return base - self.history.get(frozenset((self.ids[i], self.ids[j])), 0)


NEG = -(10**12)  # a forbidden pair: far below any real score, never an edge
