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
NEG = -(10**12)  # a forbidden pair: far below any real score, never an edge


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


ENOUGH_FREE_HOURS = 6  # shared free hours beyond this add nothing: three slots fit already


def free_overlap_scores(masks: Sequence[int], weight: int) -> np.ndarray:
    """Scores of every pair of availability masks (bit = a free hour in the window): more
    shared hours score higher, up to enough for three proposals; none shared is heavily
    penalised, since such a pair could only meet outside what both said."""
    n = len(masks)
    out = np.empty((n, n), dtype=np.int64)
    for i, a in enumerate(masks):
        for j in range(i, n):
            shared = (a & masks[j]).bit_count()
            score = round(weight * min(shared, ENOUGH_FREE_HOURS) / ENOUGH_FREE_HOURS)
            out[i, j] = out[j, i] = score if shared else -3 * weight
    return out


def alone_in_their_hours(masks: Sequence[int]) -> list[int]:
    """Positions of members whose free hours nobody else shares (an empty mask included)."""
    n = len(masks)
    before, after = [0] * (n + 1), [0] * (n + 1)
    for i in range(n):
        before[i + 1] = before[i] | masks[i]
        after[n - 1 - i] = after[n - i] | masks[n - 1 - i]
    return [i for i in range(n) if not masks[i] & (before[i] | after[i + 1])]


def level_of(level: str) -> int:
    return LEVEL_INDEX.get(level, 1)  # an unknown level is treated as mid: it fits everyone


def repeat_penalties(history: Iterable, ids: set[str], now: datetime, rules) -> dict:
    """Who met whom before, as ``{id: {other id: penalty}}`` (both directions).

    Each earlier meeting costs ``rules.repeat_penalty`` halved every
    ``repeat_half_life_weeks``; a pair's meetings add up, capped at four
    fresh meetings because beyond that more history changes nothing.
    """
    decay: dict[datetime, float] = {}  # rounds share a few dates: decay each date once
    raw: dict[tuple[str, str], float] = {}
    for p in history:
        a, b = p.a, p.b
        if a == b or a not in ids or b not in ids:
            continue
        cost = decay.get(p.when)
        if cost is None:
            weeks = max(0.0, (now - p.when).total_seconds() / (7 * 86400.0))
            cost = rules.repeat_penalty * 0.5 ** (weeks / rules.repeat_half_life_weeks)
            decay[p.when] = cost
        if cost < 0.5:
            continue  # ten half-lives on, a meeting no longer moves the integer score
        key = (a, b) if a < b else (b, a)
        raw[key] = raw.get(key, 0.0) + cost
    cap = 4 * rules.repeat_penalty
    met: dict[str, dict[str, int]] = {}
    for (a, b), cost in raw.items():
        pen = min(int(round(cost)), cap)
        if pen:
            met.setdefault(a, {})[b] = pen
            met.setdefault(b, {})[a] = pen
    return met


class Scorer:
    """Pair scores for one part of a round, vectorised over members.

    ``met`` is ``repeat_penalties(...)``: ids to ids to the integer penalty.
    """

    def __init__(
        self, candidates: Sequence, rules, now: datetime, met: dict, seed: int = 0
    ) -> None:
        self.rules = rules
        self.seed = seed  # breaks ties in the sparse graph, so a seed replays a round exactly
        self.ids = [c.id for c in candidates]
        offsets = {tz: utc_offset_hours(tz, now) for tz in {c.timezone for c in candidates}}
        self.offsets = np.array([offsets[c.timezone] for c in candidates], dtype=np.float64)
        self.levels = np.array([level_of(c.level) for c in candidates], dtype=np.int64)
        self.need = np.array([c.interviewed - c.candidated for c in candidates], dtype=np.int64)
        self.reliability = np.array([c.reliability for c in candidates], dtype=np.float64)
        self.met = met
        # zone and level take few values: score every (zone, level) class pair once and
        # gather, instead of recomputing overlaps for each of the block's pairs
        levels = len(LEVEL_INDEX)
        if any(c.free for c in candidates):
            # window mode: the hours both are free inside the window, not generic waking hours
            masks = sorted({c.free for c in candidates})
            index = {m: k for k, m in enumerate(masks)}
            zone_of = np.array([index[c.free] for c in candidates], dtype=np.int64)
            tz = free_overlap_scores(masks, rules.timezone_weight)
        else:
            zones, zone_of = np.unique(self.offsets, return_inverse=True)
            overlap = waking_overlap_hours(zones[:, None], zones[None, :])
            tz = np.rint(rules.timezone_weight * overlap / WAKING_HOURS).astype(np.int64)
        classes = tz.shape[0]
        self.klass = zone_of.astype(np.int64) * levels + self.levels
        gap = np.abs(np.arange(levels)[:, None] - np.arange(levels)[None, :])
        fit = np.where(gap > rules.level_gap, NEG, rules.level_weight * (1 - gap))
        self.table = (tz[:, None, :, None] + fit[None, :, None, :]).reshape(
            classes * levels, classes * levels
        )

    def penalty(self, i: int, j: int) -> int:
        return self.met.get(self.ids[i], {}).get(self.ids[j], 0)

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Scores of rows x cols without repeat penalties; forbidden pairs are ``-inf``-like."""
        score = self.table[self.klass[rows][:, None], self.klass[cols][None, :]]
        role_gap = np.minimum(np.abs(self.need[rows][:, None] - self.need[cols][None, :]), 2)
        score += (self.rules.role_weight * role_gap) // 2  # NEG stays far below NEG // 2
        # like meets like: a member who turns up is not left waiting for one who rarely does
        trust_gap = np.abs(self.reliability[rows][:, None] - self.reliability[cols][None, :])
        score -= np.rint(self.rules.reliability_weight * trust_gap).astype(np.int64)
        return score
