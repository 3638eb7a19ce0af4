"""Can pairs actually meet? Window mode against a live round, in a global community.

    python bench/scheduling.py [--json FILE] [--members N] [--seed S]

A synthetic community of 1,000 members in zones weighted like a real global server, each
with an availability drawn from the kinds people state (evenings, mornings, lunch,
weekends, in their own zone). It runs the production code: the pairing on shared free
hours (bot.rounds.booking.free_hours, bot.pairing.pair) and the slot proposals
(bot.rounds.booking.proposals), and prints:

- window_overlap_share: members whose group shares at least one whole hour of
  availability inside the 6-day window (members left unplaced count as failures);
- window_slot_share: members whose group was proposed at least one slot long enough for a
  whole session;
- live_waking_share: members for whom a live round at the best single weekly hour (the
  most generous choice) falls inside 08:00-22:00 local; live_waking_share_18utc for a
  Tuesday 18:00 UTC round.

Target: window_overlap_share >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import availability  # noqa: E402
from bot.model import CommunityConfig, Member, UserRef  # noqa: E402
from bot.pairing.pair import Candidate, pair  # noqa: E402
from bot.rounds import booking  # noqa: E402

# roughly where the members of large English-speaking interview-prep servers live
ZONES = {
    "America/Los_Angeles": 10,
    "America/Denver": 2,
    "America/Chicago": 6,
    "America/New_York": 14,
    "America/Sao_Paulo": 5,
    "Europe/London": 9,
    "Europe/Berlin": 11,
    "Europe/Moscow": 2,
    "Africa/Lagos": 4,
    "Asia/Dubai": 2,
    "Asia/Kolkata": 15,
    "Asia/Singapore": 6,
    "Asia/Shanghai": 4,
    "Asia/Tokyo": 4,
    "Australia/Sydney": 4,
    "Pacific/Auckland": 2,
}
# what members state, in their own time, and how often
KINDS = [
    (lambda r: f"mon-fri {r.choice([17, 18, 19, 20])}:00-{r.choice([21, 22, 23])}:00", 40),
    (
        lambda r: (
            f"mon-fri 18:00-22:00, sat-sun {r.choice([9, 10, 11])}:00-{r.choice([14, 16, 18])}:00"
        ),
        20,
    ),
    (lambda r: f"sat-sun {r.choice([8, 9, 10, 13])}:00-{r.choice([15, 17, 20])}:00", 10),
    (lambda r: f"weekdays {r.choice([6, 7])}:00-09:00, sun 15:00-19:00", 8),
    (lambda r: f"daily {r.choice([12, 13])}:00-14:00", 7),
    (lambda r: f"tue-thu {r.choice([19, 20])}:00-22:00", 5),
    (lambda r: None, 10),  # never set: the default
]
START = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)  # a Tuesday 18:00 UTC round
LEVELS = ("junior", "mid", "senior")


def community(n: int, seed: int) -> list[Member]:
    r = random.Random(seed)
    zones, zone_weights = list(ZONES), list(ZONES.values())
    kinds, kind_weights = [k for k, _ in KINDS], [w for _, w in KINDS]
    out = []
    for i in range(n):
        tz = r.choices(zones, zone_weights)[0]
        free = r.choices(kinds, kind_weights)[0](r)
        if free is not None:
            free = availability.describe(availability.parse(free))
        user = UserRef("console", "bench", f"m{i}")
        out.append(Member(user, f"M{i}", "behavioral", r.choice(LEVELS), tz, availability=free))
    return out


def waking(at: datetime, tz: str) -> bool:
    return 8 <= at.astimezone(ZoneInfo(tz)).hour < 22


def run(n: int, seed: int) -> dict[str, float]:
    members = community(n, seed)
    cfg = CommunityConfig("console:bench", meet="window")
    started = time.perf_counter()
    free = booking.free_hours(cfg, members, START)
    candidates = [
        Candidate(m.user.id, m.timezone, m.level, m.track, free=free[m.user.id]) for m in members
    ]
    pairing = pair(candidates, [], seed=seed, now=START)
    pair_seconds = time.perf_counter() - started
    by_id = {m.user.id: m for m in members}
    ends = START + timedelta(days=cfg.window_days)
    length = timedelta(minutes=54)  # a whole session with two 15-minute questions
    overlap = slotted = 0
    for g in pairing.groups:
        people = [by_id[x] for x in g.members]
        each = [
            availability.intervals(availability.of(p.availability), p.timezone, START, ends)
            for p in people
        ]
        shared = availability.common(each)
        if any(b - a >= timedelta(hours=1) for a, b in shared):
            overlap += len(people)
        if booking.proposals(people, START, ends, length):
            slotted += len(people)
    best = max(
        sum(waking(START + timedelta(hours=h), m.timezone) for m in members) for h in range(24)
    )
    return {
        "members": n,
        "groups": len(pairing.groups),
        "unplaced": len(pairing.unplaced),
        "window_overlap_share": round(overlap / n, 4),
        "window_slot_share": round(slotted / n, 4),
        "live_waking_share": round(best / n, 4),
        "live_waking_share_18utc": round(sum(waking(START, m.timezone) for m in members) / n, 4),
        "pairing_seconds": round(pair_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    figures = run(args.members, args.seed)
    for key, value in figures.items():
        print(f"{key:28} {value}")
    target = figures["window_overlap_share"] >= 0.95
    print(f"{'target window >= 0.95':28} {'met' if target else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
