"""A round's pairing, from its members' ids: the history it needs is read where the
matcher runs. For a big round that is the worker process, on its own database
connection, so the event loop never builds or pickles hundreds of thousands of past
meetings (it sends a few fields per member and gets the groups back)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.model import Attendance
from bot.pairing.pair import Candidate, Pairing, PairingRules, PastPair, pair

# a meeting's penalty halves every few weeks; past this it no longer changes any pairing
HISTORY = timedelta(weeks=80)


@dataclass(frozen=True, slots=True)
class Entrant:
    """What the matcher needs of a member that the history does not hold."""

    id: str
    timezone: str
    level: str
    track: str
    free: int = 0  # window mode: the member's free hours in the window, as a mask


async def pairing(
    store, community: str, entrants: list[Entrant], *, seed: int, now: datetime, rules
) -> Pairing:
    ids = [e.id for e in entrants]  # the store reads only their history, however many
    roles = await store.role_history(community, ids)
    attendance = await store.attendance_of(community, ids)
    history = [
        PastPair(a, b, at) for a, b, at in await store.meetings(community, now - HISTORY, ids)
    ]
    candidates = [
        Candidate(
            e.id,
            e.timezone,
            e.level,
            e.track,
            *roles.get(e.id, (0, 0, None)),
            reliability=attendance.get(e.id, Attendance()).reliability,
            free=e.free,
        )
        for e in entrants
    ]
    return pair(candidates, history, seed=seed, now=now, rules=rules)


def pairing_in_worker(
    store_type, url: str, community: str, entrants: list[Entrant], seed: int, now: datetime,
    rules: PairingRules,
) -> Pairing:  # fmt: skip
    """The same, in a worker process: its own store (of the loop's store's type, on the
    same database), opened and closed here."""

    async def run() -> Pairing:
        store = store_type(url)
        try:
            return await pairing(store, community, entrants, seed=seed, now=now, rules=rules)
        finally:
            await store.close()

    return asyncio.run(run())
