"""Who meets whom this round. Pure: no I/O, no clock, no global randomness.

One total score is maximised (see ``bot.pairing.weights``): a decaying penalty for
having met before, a bonus for shared waking hours, a level fit and a role
balance. Every candidate ends in exactly one group or in ``unplaced`` with a
reason the member is told.

With ``keep_tracks_apart`` each track is its own part; an odd part gets its
own trio, so nobody is left out only because their track has an odd count.
A part of one member leaves that member unplaced with a reason.

``pair`` is a top-level function over frozen dataclasses so a large round can
run in a process pool (the matching holds the GIL).
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.pairing.match import match
from bot.pairing.trio import ENUMERATE, attach, best_third, make_trio
from bot.pairing.weights import Scorer, alone_in_their_hours, repeat_penalties


@dataclass(frozen=True)
class Candidate:
    id: str  # member id
    timezone: str  # IANA name, e.g. "Europe/Berlin"
    level: str  # junior | mid | senior
    track: str
    interviewed: int = 0  # times this member was interviewer so far
    candidated: int = 0  # times this member was candidate so far
    last_sat_out: datetime | None = None  # last time in a trio: favour others for the trio
    reliability: float = 1.0  # share of sessions attended: reliable members meet each other
    free: int = 0  # window mode: bit i = free the whole hour i of the window (0: live mode)


@dataclass(frozen=True)
class PastPair:
    a: str
    b: str
    when: datetime


@dataclass(frozen=True)
class PairingRules:
    level_gap: int = 1  # levels at most this far apart (0 = same level only)
    keep_tracks_apart: bool = False  # if True, only members of the same track meet
    repeat_penalty: int = 1000
    repeat_half_life_weeks: float = 8.0
    timezone_weight: int = 40
    level_weight: int = 30
    role_weight: int = 10
    reliability_weight: int = 40  # cost of pairing a fully reliable member with a never-there one


@dataclass(frozen=True)
class Group:
    # members[0] interviews first, members[1] is the first candidate;
    # a trio rotates: 0 interviews 1, 1 interviews 2, 2 interviews 0
    members: tuple[str, ...]


@dataclass(frozen=True)
class Unplaced:
    id: str
    reason: str  # one line the member is told


@dataclass(frozen=True)
class Pairing:
    groups: tuple[Group, ...]
    unplaced: tuple[Unplaced, ...]


TRIO_TRIES = 16  # leftovers tried as the trio's third before the rest are told why
NO_SHARED_HOURS = (
    "your availability shares no hour with anyone else's in this round's window: "
    "widen it with /mock availability (for example evenings or a weekend day)"
)
LEVEL_WORDS = {0: "the same level", 1: "one level", 2: "two levels"}


def pair(
    candidates: Sequence[Candidate],
    history: Sequence[PastPair],
    *,
    seed: int,
    now: datetime,
    rules: PairingRules = PairingRules(),  # noqa: B008 - frozen, safe as a default
) -> Pairing:
    """Groups of two (one trio per odd part) maximising the total score; the same
    inputs and seed give the same pairing in any process. A member listed twice is
    placed once, by their first entry."""
    seen: set[str] = set()
    unique: list[Candidate] = []
    unplaced: list[Unplaced] = []
    for c in candidates:
        if c.id not in seen:
            seen.add(c.id)
            unique.append(c)
    # the seed decides the order members are considered in, so equal scores break differently
    rng = random.Random(seed)
    rng.shuffle(unique)
    if any(c.free for c in unique):
        alone = set(alone_in_their_hours([c.free for c in unique]))
        unplaced += [Unplaced(unique[i].id, NO_SHARED_HOURS) for i in sorted(alone)]
        unique = [c for i, c in enumerate(unique) if i not in alone]
    penalties = repeat_penalties(history, seen, now, rules)
    parts: dict[str, list[Candidate]] = defaultdict(list)
    for c in unique:
        parts[c.track if rules.keep_tracks_apart else ""].append(c)
    groups: list[Group] = []
    for track in sorted(parts):
        got, left = _pair_part(parts[track], track, penalties, now, rules, seed)
        groups.extend(got)
        unplaced.extend(left)
    groups.sort(key=lambda g: g.members)
    unplaced.sort(key=lambda u: u.id)
    return Pairing(tuple(groups), tuple(unplaced))


def _pair_part(members, track, penalties, now, rules, seed):
    if len(members) == 1:
        where = f"in track '{track}'" if track else "signed up"
        return [], [Unplaced(members[0].id, f"nobody else {where} this round")]
    if not members:
        return [], []
    scorer = Scorer(members, rules, now, penalties, seed & 0xFFFFFFFF)
    everyone = list(range(len(members)))
    dummy = _trio_preference(members, now, rules) if len(members) % 2 else None
    if dummy is not None and len(members) <= ENUMERATE:
        pairs, third = best_third(scorer, everyone, dummy)
    else:
        pairs, third = match(scorer, everyone, dummy)
    # the solver's output order is not stable across processes: fix it before anything reads it
    pairs = sorted((a, b) if a < b else (b, a) for a, b in pairs)
    placed = {m for p in pairs for m in p}
    # the dummy's pick first, then anyone the rules left without a partner
    left = sorted((m for m in everyone if m not in placed), key=lambda m: (m != third, m))
    groups: list[tuple[int, ...]] = list(pairs)
    unplaced = []
    trio_made = False
    for tries, m in enumerate(left):
        # a few tries find the trio; beyond that the rules strand these members anyway
        if not trio_made and tries < TRIO_TRIES:
            if m == third:
                made = make_trio(scorer, pairs, m, dummy or {}, len(members))
            else:
                host = attach(scorer, m, pairs, len(members))
                made = None if host is None else _grow(pairs, host, m)
            if made is not None:
                rest, trio = made
                groups = [*rest, trio]
                trio_made = True
                continue
        unplaced.append(Unplaced(members[m].id, _reason(members[m], rules, track)))
    return [_roles(scorer, members, g, seed) for g in groups], unplaced


def _grow(pairs: list[tuple[int, int]], host: int, m: int):
    rest = list(pairs)
    a, b = rest.pop(host)
    return rest, (a, b, m)


def _trio_preference(members, now, rules) -> dict[int, int]:
    """Dummy-edge weights: whoever sat out longest ago (or never) is favoured for the trio."""
    weight = 4 * max(1, rules.role_weight)
    prefs = {}
    for k, c in enumerate(members):
        if c.last_sat_out is None:
            prefs[k] = weight
        else:
            weeks = max(0.0, (now - c.last_sat_out).total_seconds() / (7 * 86400.0))
            prefs[k] = int(round(weight * min(1.0, weeks / 12.0)))
    return prefs


def _reason(c: Candidate, rules: PairingRules, track: str) -> str:
    where = f" in track '{track}'" if track else ""
    if rules.level_gap >= 2:
        return f"odd one out{where} and no group could take a third this round"
    if rules.level_gap <= 0:
        return f"no other {c.level} member{where} was free to pair this round"
    span = LEVEL_WORDS.get(rules.level_gap, f"{rules.level_gap} levels")
    return f"nobody within {span} of {c.level}{where} was free to pair this round"


def _tie(seed: int, member: str) -> bytes:
    """A per-seed coin for equal role needs, independent of the order groups are built in."""
    return hashlib.blake2b(f"{seed}:{member}".encode(), digest_size=8).digest()


def _roles(scorer: Scorer, members, group: tuple[int, ...], seed: int) -> Group:
    """Whoever interviewed more than they were interviewed is the first candidate."""
    need = {m: int(scorer.need[m]) for m in group}
    tie = {m: _tie(seed, members[m].id) for m in group}
    if len(group) == 2:
        a, b = sorted(group, key=lambda m: (need[m], tie[m]))
        return Group((members[a].id, members[b].id))
    # trio: the neediest candidate goes first as candidate (position 1)
    ordered = sorted(group, key=lambda m: (-need[m], tie[m]))
    first_candidate, rest = ordered[0], ordered[1:]
    interviewer = min(rest, key=lambda m: (need[m], tie[m]))
    last = next(m for m in rest if m != interviewer)
    return Group((members[interviewer].id, members[first_candidate].id, members[last].id))
