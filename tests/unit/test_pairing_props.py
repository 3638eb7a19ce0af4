"""Properties every pairing must have, over generated communities and histories."""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing import match as pairing_match
from bot.pairing import pair as pairing
from bot.pairing.pair import Candidate, PairingRules, PastPair, pair
from bot.pairing.weights import level_of

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Auckland",
]
LEVELS = ["junior", "mid", "senior"]


@st.composite
def rounds(draw, max_size: int = 24, max_weeks: int = 40):
    n = draw(st.integers(0, max_size))
    ids = [f"m{k}" for k in range(n)]
    people = [
        Candidate(
            id=i,
            timezone=draw(st.sampled_from(ZONES)),
            level=draw(st.sampled_from(LEVELS)),
            track=draw(st.sampled_from(["coding", "behavioral"])),
            interviewed=draw(st.integers(0, 4)),
            candidated=draw(st.integers(0, 4)),
            last_sat_out=draw(
                st.none() | st.integers(1, 30).map(lambda w: NOW - timedelta(weeks=w))
            ),
        )
        for i in ids
    ]
    history = []
    if n >= 2:
        pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.integers(1, max_weeks))
        for a, b, weeks in draw(st.lists(pairs, max_size=3 * n)):
            history.append(PastPair(a, b, NOW - timedelta(weeks=weeks)))
    rules = PairingRules(level_gap=draw(st.integers(0, 2)), keep_tracks_apart=draw(st.booleans()))
    return people, history, rules, draw(st.integers(0, 2**31))


def part_of(c: Candidate, rules: PairingRules) -> str:
    return c.track if rules.keep_tracks_apart else ""


def fits(a: Candidate, b: Candidate, rules: PairingRules) -> bool:
    return (
        part_of(a, rules) == part_of(b, rules)
        and abs(level_of(a.level) - level_of(b.level)) <= rules.level_gap
    )


@settings(max_examples=300, deadline=None)
@given(rounds())
def test_every_pairing_is_valid(case):
    people, history, rules, seed = case
    result = pair(people, history, seed=seed, now=NOW, rules=rules)
    by_id = {c.id: c for c in people}

    placed = Counter(m for g in result.groups for m in g.members)
    assert placed.keys().isdisjoint(u.id for u in result.unplaced)
    assert sorted([*placed.elements(), *(u.id for u in result.unplaced)]) == sorted(by_id)
    assert all(n == 1 for n in placed.values())
    assert all(u.reason.strip() for u in result.unplaced)

    trios = Counter()
    for g in result.groups:
        assert len(g.members) in (2, 3)
        members = [by_id[m] for m in g.members]
        for k, a in enumerate(members):
            for b in members[k + 1 :]:
                assert fits(a, b, rules)
        if len(g.members) == 3:
            trios[part_of(members[0], rules)] += 1
    assert all(n == 1 for n in trios.values())

    # nobody is left out who could have been paired with another left-out member
    left = [by_id[u.id] for u in result.unplaced]
    for k, a in enumerate(left):
        for b in left[k + 1 :]:
            assert not fits(a, b, rules)

    # roles: the first candidate never needs the interviewer seat more than the interviewer
    for g in result.groups:
        first, second = by_id[g.members[0]], by_id[g.members[1]]
        need = {m: by_id[m].interviewed - by_id[m].candidated for m in g.members}
        if len(g.members) == 2:
            assert need[first.id] <= need[second.id]
        else:  # the trio's first candidate is whoever is owed the candidate seat most
            assert need[second.id] == max(need.values())

    assert pair(people, history, seed=seed, now=NOW, rules=rules) == result


def _repeat_free_exists(people, met, rules) -> bool:
    """Brute force: can everyone be grouped (pairs, one trio if odd) with no earlier partner?"""

    def ok(a, b):
        return fits(a, b, rules) and frozenset((a.id, b.id)) not in met

    def solve(rest, trio_left):
        if not rest:
            return True
        a, others = rest[0], rest[1:]
        for k, b in enumerate(others):
            if not ok(a, b):
                continue
            remaining = others[:k] + others[k + 1 :]
            if solve(remaining, trio_left):
                return True
            if trio_left:
                for j, x in enumerate(remaining):
                    if ok(a, x) and ok(b, x) and solve(remaining[:j] + remaining[j + 1 :], False):
                        return True
        return False

    return solve(list(people), len(people) % 2 == 1)


@settings(max_examples=200, deadline=None)
@given(rounds(max_size=8, max_weeks=8))
def test_no_repeat_while_a_repeat_free_pairing_exists(case):
    """A meeting within one half-life costs at least half the repeat penalty (500), more
    than the fit of every group in a round of eight can differ by (4 pairs x 99). Older
    meetings are meant to trade against fit, so they are outside this guarantee."""
    people, history, _, seed = case
    rules = PairingRules(level_gap=2)  # one part, every level fits: repeats are the only constraint
    met = {frozenset((h.a, h.b)) for h in history if h.a != h.b}
    if len(people) < 2 or not _repeat_free_exists(people, met, rules):
        return
    result = pair(people, history, seed=seed, now=NOW, rules=rules)
    for g in result.groups:
        for k, a in enumerate(g.members):
            for b in g.members[k + 1 :]:
                assert frozenset((a, b)) not in met


@settings(max_examples=150, deadline=None)
@given(rounds(max_size=40))
def test_the_large_round_route_is_valid_too(case):
    """The block-and-repair route, shrunk so small rounds take it."""
    people, history, rules, seed = case
    small = {"EXACT_LIMIT": 6, "BLOCK": 8, "TOP_K": 3, "RANDOM_K": 1, "STRANDED": 4}
    with ExitStack() as stack:
        for name, value in small.items():
            stack.enter_context(patch.object(pairing_match, name, value))
        stack.enter_context(patch.object(pairing, "ENUMERATE", 1))
        result = pair(people, history, seed=seed, now=NOW, rules=rules)
        assert pair(people, history, seed=seed, now=NOW, rules=rules) == result
    by_id = {c.id: c for c in people}
    placed = [m for g in result.groups for m in g.members]
    assert sorted(placed + [u.id for u in result.unplaced]) == sorted(by_id)
    trios = Counter()
    for g in result.groups:
        assert len(g.members) in (2, 3)
        members = [by_id[m] for m in g.members]
        assert all(fits(a, b, rules) for k, a in enumerate(members) for b in members[k + 1 :])
        trios[part_of(members[0], rules)] += len(g.members) == 3
    assert all(n <= 1 for n in trios.values())
    left = [by_id[u.id] for u in result.unplaced]
    for k, a in enumerate(left):
        for b in left[k + 1 :]:
            assert not fits(a, b, rules)
