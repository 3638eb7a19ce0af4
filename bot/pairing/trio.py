"""The odd member out: which pair grows into the round's trio.

Small odd parts try every member as the third (the others matched exactly).
Larger ones take the matching's dummy partner's pick. Either way a local
search follows: swap the third with a paired member, or re-pair the host pair
with another pair, because the dummy cannot see how well its pick fits an
existing pair, and a trio that repeats an earlier partner is the first thing
members notice. Every trio member counts as having sat out, so the host pair's
turn weighs in too.
"""

from __future__ import annotations

import numpy as np

from bot.pairing.weights import NEG, Scorer

ALL_PAIRS = 128  # up to this many pairs every swap is tried
NEAR = 16  # in a larger part, only pairs holding the third's best partners are tried
ROUNDS = 4  # swaps rarely chain further than this


class _Part:
    def __init__(self, scorer: Scorer, size: int, prefs: dict[int, int] | None = None) -> None:
        self.scorer = scorer
        self.everyone = np.arange(size, dtype=np.int64)
        self.index = {mid: k for k, mid in enumerate(scorer.ids)}
        self._rows: dict[int, np.ndarray] = {}
        # everyone in the trio sat out, so the pair it grows from weighs its turn too
        self.pref = np.zeros(size, dtype=np.int64)
        for m, w in (prefs or {}).items():
            self.pref[m] = w

    def fit(self, row: np.ndarray, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """What joining each pair adds; NEG where the rules forbid either link."""
        a, b = row[firsts], row[seconds]
        both = a + b + self.pref[firsts] + self.pref[seconds]
        return np.where((a > NEG // 2) & (b > NEG // 2), both, NEG)

    def row(self, m: int) -> np.ndarray:
        """Scores of ``m`` with every member of the part, penalties included."""
        got = self._rows.get(m)
        if got is None:
            got = self.scorer.block(np.array([m]), self.everyone)[0]
            got[m] = NEG
            for other, pen in self.scorer.met.get(self.scorer.ids[m], {}).items():
                k = self.index.get(other)
                if k is not None:
                    got[k] -= pen
            self._rows[m] = got
        return got


def attach(scorer: Scorer, m: int, pairs: list[tuple[int, int]], size: int) -> int | None:
    """The pair ``m`` fits best as a third, or None if it fits none."""
    if not pairs:
        return None
    part = _Part(scorer, size)
    fit = part.fit(part.row(m), *_columns(pairs))
    k = int(np.argmax(fit))
    return k if fit[k] > NEG // 2 else None


def _columns(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def make_trio(
    scorer: Scorer, pairs: list[tuple[int, int]], third: int, prefs: dict[int, int], size: int
) -> tuple[list[tuple[int, int]], tuple[int, int, int]] | None:
    """Pairs left as pairs, and the trio; None if the third fits no pair."""
    host = attach(scorer, third, pairs, size)
    if host is None:
        return None
    part = _Part(scorer, size, prefs)
    pairs = list(pairs)
    for _ in range(ROUNDS):
        swap = _best_swap(part, pairs, third, host, prefs)
        if swap is not None:
            k, leaving, staying, new_host = swap
            pairs[k] = (third, staying)
            third, host = leaving, new_host
            continue
        mix = _best_remix(part, pairs, third, host)
        if mix is None:
            break
        k, new_host, other = mix
        pairs[host], pairs[k] = new_host, other
    a, b = pairs.pop(host)
    return pairs, (a, b, third)


def _best_remix(part: _Part, pairs, third: int, host: int):
    """Re-pair the host pair's members with another pair's: the third may fit one of
    the new pairs better (or its members may be owed the trio less)."""
    a, b = pairs[host]
    row_x, row_a, row_b = part.row(third), part.row(a), part.row(b)

    def joined(p, q):
        return part.fit(row_x, np.array([p]), np.array([q]))[0]

    current = int(row_a[b]) + int(joined(a, b))
    tried = range(len(pairs)) if len(pairs) <= ALL_PAIRS else _near(pairs, row_x, host)
    best, best_gain = None, 0
    for k in tried:
        if k == host:
            continue
        c, d = pairs[k]
        before = current + int(part.row(c)[d])
        for p1, p2 in (((a, c), (b, d)), ((a, d), (b, c))):
            links = int(row_a[p1[1]]) + int(row_b[p2[1]])
            if row_a[p1[1]] <= NEG // 2 or row_b[p2[1]] <= NEG // 2:
                continue
            for new_host, other in ((p1, p2), (p2, p1)):
                fit = int(joined(*new_host))
                if fit <= NEG // 2:
                    continue
                gain = links + fit - before
                if gain > best_gain:
                    best, best_gain = (k, new_host, other), gain
    return best


def _near(pairs, row_x: np.ndarray, host: int) -> list[int]:
    near = set(np.argpartition(-row_x, NEAR)[:NEAR].tolist())
    return [k for k, (a, b) in enumerate(pairs) if a in near or b in near or k == host]


def _best_swap(part: _Part, pairs, third: int, host: int, prefs: dict[int, int]):
    """The swap of the third with a paired member that raises the total most."""
    firsts, seconds = _columns(pairs)
    row_x = part.row(third)
    current = prefs.get(third, 0) + int(part.fit(row_x, firsts, seconds)[host])
    tried = range(len(pairs)) if len(pairs) <= ALL_PAIRS else _near(pairs, row_x, host)
    best, best_gain = None, 0
    for k in tried:  # the host pair too: the third may take one of its places
        for leaving, staying in (pairs[k], pairs[k][::-1]):
            joined = int(row_x[staying])
            if joined <= NEG // 2:
                continue
            row_y = part.row(leaving)
            # pair k becomes (third, staying): the leaving member may join it too
            fit = part.fit(row_y, firsts, seconds)
            fit[k] = part.fit(row_y, np.array([third]), np.array([staying]))[0]
            new_host = int(np.argmax(fit))
            if fit[new_host] <= NEG // 2:
                continue
            gain = (
                joined - int(row_y[staying]) + prefs.get(leaving, 0) + int(fit[new_host]) - current
            )
            if gain > best_gain:
                best, best_gain = (k, leaving, staying, new_host), gain
    return best


ENUMERATE = 64  # odd parts up to this size try every member as the trio's third


def best_third(scorer: Scorer, members: list[int], prefs: dict[int, int]):
    """For a small odd part: match the others exactly for every choice of third and
    keep the best whole round. The dummy partner cannot see how the third fits the
    pair it joins; at this size trying them all costs a few milliseconds."""
    from bot.pairing.match import _dense_edges, _solve, edge_base

    base = edge_base(scorer)
    edges = _dense_edges(scorer, members, base)
    weight_of = {(a, b): w - base for a, b, w in edges}
    part = _Part(scorer, len(scorer.ids), prefs)
    best_key, best = None, ([], None)
    for x in members:
        rest = [m for m in members if m != x]
        pairs, _ = _solve(rest, [e for e in edges if x != e[0] and x != e[1]], None)
        pairs = sorted((a, b) if a < b else (b, a) for a, b in pairs)
        weight = sum(weight_of[p] for p in pairs)
        fit = part.fit(part.row(x), *_columns(pairs)) if pairs else np.array([NEG])
        host = int(np.argmax(fit))
        joined = bool(fit[host] > NEG // 2)
        # most members placed first, then the round's total score
        total = weight + (int(fit[host]) + prefs.get(x, 0) if joined else 0)
        key = (len(pairs) + joined, total)
        if best_key is None or key > best_key:
            best_key, best = key, (pairs, x)
    return best
