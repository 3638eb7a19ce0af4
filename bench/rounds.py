"""Repeat and quality figures: many weekly rounds, every peer side by side."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import rustworkx as rx

from bench.peers import (
    exact_pairs,
    greedy_pairs,
    members_of,
    pair_links,
    shuffle_pairs,
    total_score,
)
from bench.population import community, members
from bot.pairing.pair import Candidate, PairingRules, PastPair, pair
from bot.pairing.weights import level_of, utc_offset_hours, waking_overlap_hours

Peer = Callable[[Sequence[Candidate], Sequence[PastPair], int, datetime], list[tuple[str, ...]]]
RULES = PairingRules()


def mockround_peer(people, history, seed, now):
    return members_of(pair(people, history, seed=seed, now=now, rules=RULES).groups)


PEERS: dict[str, Peer] = {
    "mockround": mockround_peer,
    "shuffle": lambda people, history, seed, now: shuffle_pairs(people, seed),
    "greedy": lambda people, history, seed, now: greedy_pairs(people, history, seed),
    "exact": lambda people, history, seed, now: exact_pairs(people, history, now, RULES),
}


def repeat_free_exists(people: Sequence[Candidate], met: set[frozenset]) -> bool:
    """Could everyone (all but one, if odd) be paired within the rules with nobody new to them?"""
    graph = rx.PyGraph()
    graph.add_nodes_from(range(len(people)))
    for i, a in enumerate(people):
        for j in range(i + 1, len(people)):
            b = people[j]
            if frozenset((a.id, b.id)) in met:
                continue
            if abs(level_of(a.level) - level_of(b.level)) <= RULES.level_gap:
                graph.add_edge(i, j, None)
    return len(rx.max_weight_matching(graph, max_cardinality=True)) == len(people) // 2


def repeats(n: int, attendance: float, rounds: int = 20, seed: int = 7) -> dict[str, dict]:
    """Share of meetings that repeat an earlier partner over ``rounds`` weekly rounds,
    and how many of those repeats a repeat-free pairing could have avoided."""
    everyone = members(n, seed)
    start = datetime(2026, 6, 1, 17, 0, tzinfo=datetime.now().astimezone().tzinfo).astimezone()
    out = {}
    for name, peer in PEERS.items():
        rng = random.Random(seed)
        history: list[PastPair] = []
        met: set[frozenset] = set()
        links = repeated = avoidable = 0
        for week in range(rounds):
            now = start + timedelta(weeks=week)
            came = (
                [c for c in everyone if rng.random() < attendance] if attendance < 1 else everyone
            )
            free = repeat_free_exists(came, met)
            for group in peer(came, history, seed * 1000 + week, now):
                for a, b in pair_links(group):
                    key = frozenset((a, b))
                    links += 1
                    if key in met:
                        repeated += 1
                        avoidable += free
                    history.append(PastPair(a, b, now))
                for a, b in pair_links(group):
                    met.add(frozenset((a, b)))
        out[name] = {"share": repeated / links, "avoidable": avoidable}
    return out


def quality(n: int, seed: int = 11) -> dict[str, dict[str, float]]:
    """Per peer: total score as a fraction of the exact optimum, pairs the level rules
    forbid, and the mean waking hours a pair shares."""
    now = datetime(2026, 11, 23, 17, 0).astimezone()
    people, history = community(n, seed, now)
    exact = exact_pairs(people, history, now, RULES)
    best, _ = total_score(exact, people, history, now, RULES)
    offset = {c.id: utc_offset_hours(c.timezone, now) for c in people}
    out = {}
    for name, peer in PEERS.items():
        groups = exact if name == "exact" else peer(people, history, seed, now)
        got, forbidden = total_score(groups, people, history, now, RULES)
        links = [link for g in groups for link in pair_links(g)]
        shared = [float(waking_overlap_hours(offset[a], offset[b])) for a, b in links]
        out[name] = {
            "quality": got / best,
            "forbidden_pairs": forbidden,
            "shared_waking_hours": sum(shared) / len(shared),
        }
    return out
