"""A big round is paired in a worker process that reads the history itself: it gives the
same groups as pairing in the loop, from the members' ids and a few fields each."""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from bot.pairing.pair import PairingRules
from bot.rounds.matching import Entrant, pairing, pairing_in_worker
from bot.storage.sql import SqlStore
from tests.conftest import advance, join, start_round

NAMES = [f"m{k:02d}" for k in range(23)]


async def test_the_worker_pairs_as_the_loop_does_with_history(app, clock, db_url):
    await join(app, *NAMES[:12], tz="Europe/Berlin")
    await join(app, *NAMES[12:], level="senior", tz="Asia/Kolkata")
    await start_round(app)  # a first round: its meetings are history for the next pairing
    await advance(app, clock, 120)
    members = await app.store.members("console:demo")
    entrants = [Entrant(m.user.id, m.timezone, m.level, m.track) for m in members]
    now, rules = clock.now(), PairingRules()
    here = await pairing(app.store, "console:demo", entrants, seed=7, now=now, rules=rules)
    assert len(await app.store.meetings("console:demo")) >= 10
    with ProcessPoolExecutor(max_workers=1) as pool:
        job = partial(pairing_in_worker, SqlStore, db_url, "console:demo", entrants, 7, now, rules)
        there = await asyncio.get_running_loop().run_in_executor(pool, job)
    assert there.groups == here.groups and there.unplaced == here.unplaced
    # everyone's attendance at once (a weekly round) is the same as asking member by member
    everyone = await app.store.attendance_of("console:demo", None)
    one = await app.store.attendance_of("console:demo", [members[0].user.id])
    assert everyone[members[0].user.id] == one[members[0].user.id]
    assert set(everyone) == {m.user.id for m in members}
