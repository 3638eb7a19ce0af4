"""The pairings mockround is measured against, and the yardstick for all of them.

- shuffle: a random shuffle into pairs, ignoring history (the Recurse Center bot's way)
- greedy: history-aware greedy, the usual coffee-chat bot: take the next member,
  give them the first one they have not met yet
- exact: the true optimum of mockround's own score, rustworkx on the full graph
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from bot.pairing.match import _dense_edges, _solve, edge_base
from bot.pairing.pair import Candidate, Group, PairingRules, PastPair
from bot.pairing.weights import Scorer, repeat_penalties


def shuffle_pairs(people: Sequence[Candidate], seed: int) -> list[tuple[str, ...]]:
    ids = [c.id for c in people]
    random.Random(seed).shuffle(ids)
    groups = [tuple(ids[k : k + 2]) for k in range(0, len(ids) - 1, 2)]
    if len(ids) % 2 and groups:
        groups[-1] = (*groups[-1], ids[-1])
    return groups


def greedy_pairs(
    people: Sequence[Candidate], history: Sequence[PastPair], seed: int
) -> list[tuple[str, ...]]:
    met: dict[str, set[str]] = defaultdict(set)
    for p in history:
        met[p.a].add(p.b)
        met[p.b].add(p.a)
    ids = [c.id for c in people]
    random.Random(seed).shuffle(ids)
    taken = [False] * len(ids)
    groups: list[tuple[str, ...]] = []
    for i, a in enumerate(ids):
        if taken[i]:
            continue
        taken[i] = True
        first, partner, seen = None, None, 0
        # scan a bounded window of the free members so a large community stays linear
        for j in range(i + 1, len(ids)):
            if taken[j]:
                continue
            first = j if first is None else first
            if ids[j] not in met[a]:
                partner = j
                break
            seen += 1
            if seen == 200:
                break
        chosen = partner if partner is not None else first
        if chosen is None:
            if groups:
                groups[-1] = (*groups[-1], a)  # the odd one joins the last pair
            continue
        taken[chosen] = True
        groups.append((a, ids[chosen]))
    return groups


def exact_pairs(
    people: Sequence[Candidate], history: Sequence[PastPair], now: datetime, rules: PairingRules
) -> list[tuple[str, ...]]:
    """The optimum of the pair score on the full graph (even counts only: quality runs)."""
    scorer = Scorer(
        people, rules, now, repeat_penalties(history, {c.id for c in people}, now, rules)
    )
    members = list(range(len(people)))
    pairs, _ = _solve(members, _dense_edges(scorer, members, edge_base(scorer)), None)
    groups = [(people[a].id, people[b].id) for a, b in pairs]
    placed = {m for g in groups for m in g}
    left = [c.id for c in people if c.id not in placed]
    if len(left) == 1 and groups:
        groups[-1] = (*groups[-1], left[0])
    else:
        groups.extend(tuple(left[k : k + 2]) for k in range(0, len(left) - 1, 2))
    return groups


def members_of(groups: Sequence[Group]) -> list[tuple[str, ...]]:
    return [g.members for g in groups]


def pair_links(group: tuple[str, ...]) -> list[tuple[str, str]]:
    """Who meets whom in a group: a trio is three pairs."""
    if len(group) == 2:
        return [group]
    return [(group[k], group[(k + 1) % len(group)]) for k in range(len(group))]


def total_score(
    groups: Sequence[tuple[str, ...]],
    people: Sequence[Candidate],
    history: Sequence[PastPair],
    now: datetime,
    rules: PairingRules,
) -> tuple[int, int]:
    """(sum of pair scores, pairs the rules forbid). A forbidden pair still counts
    its plain level misfit so a peer that ignores levels is not scored as -infinity."""
    loose = PairingRules(
        level_gap=9,
        repeat_penalty=rules.repeat_penalty,
        repeat_half_life_weeks=rules.repeat_half_life_weeks,
        timezone_weight=rules.timezone_weight,
        level_weight=rules.level_weight,
        role_weight=rules.role_weight,
    )
    met = repeat_penalties(history, {c.id for c in people}, now, rules)
    scorer = Scorer(people, loose, now, met)  # scores forbidden pairs by their plain misfit
    where = {c.id: k for k, c in enumerate(people)}
    total, forbidden = 0, 0
    for group in groups:
        if len(group) != 2:
            continue  # quality runs use even counts; a trio's third is not a pair score
        i, j = where[group[0]], where[group[1]]
        gap = abs(int(scorer.levels[i]) - int(scorer.levels[j]))
        forbidden += gap > rules.level_gap
        total += int(scorer.block(np.array([i]), np.array([j]))[0, 0]) - scorer.penalty(i, j)
    return total, forbidden
