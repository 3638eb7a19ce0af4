"""A saved round's spaces to open are work one replica at a time may claim, with a lease: on
every backend, and across stores (replicas) on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest

from bot.model import Round
from bot.storage.sql import SqlStore
from bot.storage.sql_replicas import LEASE
from tests.contract.test_store import NOW, _wipe, member, session

PG = os.environ.get("MOCKROUND_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG else [])
PAIRS = 40


@pytest.fixture(params=BACKENDS)
async def stores(request, tmp_path):
    """Three stores on one database: three replicas on PostgreSQL, three openers of one
    process on SQLite (a second process is refused there)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite" else PG
    made = [SqlStore(url) for _ in range(3)]
    await made[0].migrate()
    if request.param == "postgresql":
        await _wipe(made[0])
    for i, s in enumerate(made):
        s.replica = f"replica-{i}"
    yield made
    for s in made:
        await s.close()


async def saved_round(store: SqlStore, opening_due=None) -> list[str]:
    names = [f"m{k:03d}" for k in range(2 * PAIRS)]
    for n in names:
        await store.save_member(member(n))
    built = [session(f"r1-{k}", members=(names[2 * k], names[2 * k + 1])) for k in range(PAIRS)]
    rnd = Round("r1", "discord:w1", 7, "weekly", "running", NOW)
    await store.create_round(rnd, built, {s.id: "coding" for s in built}, opening_due)
    return [s.id for s in built]


async def test_a_small_rounds_spaces_are_its_commands_until_they_fall_due(stores):
    """A pair made on demand opens its space right after its command commits. A replica's
    background opener that looked for work at that moment took it first, and the command's
    own opening found nothing: the pair waited for the background (the console test caught
    it). Such openings fall due later: the command claims them by round, others when due."""
    ids = await saved_round(stores[0], opening_due=NOW + LEASE)
    assert await stores[1].claim_openings(NOW, 100) == [], "not for the background yet"
    own = await stores[0].claim_openings(NOW, 100, round_id="r1")
    assert [o.subject for o, _ in own[:2]] == ids[:2] and len(own) == len(ids)
    assert not any(tried for _, tried in own)


async def test_a_small_rounds_spaces_are_taken_by_others_once_due(stores):
    """The command's replica died before opening them: any replica opens them when due."""
    ids = await saved_round(stores[0], opening_due=NOW + LEASE)
    later = NOW + LEASE + timedelta(seconds=1)
    assert sorted(o.subject for o, _ in await stores[1].claim_openings(later, 100)) == sorted(ids)


async def test_each_space_is_claimed_by_one_opener_at_a_time(stores):
    ids = await saved_round(stores[0])
    first = await stores[0].claim_openings(NOW, 5)
    assert [o.subject for o, _ in first] == ids[:5], "in the order the round was paired"
    assert not any(tried for _, tried in first)
    # the others claim at the same moment: every space goes to exactly one of them
    batches = await asyncio.gather(*(s.claim_openings(NOW, 10) for s in stores for _ in range(2)))
    taken = [o.subject for batch in batches for o, _ in batch] + [o.subject for o, _ in first]
    assert len(taken) == len(set(taken)), "no space went to two openers"
    rest = [o.subject for o, _ in await stores[1].claim_openings(NOW, 100)]
    assert sorted(taken + rest) == sorted(ids), "what none took is still there, once"
    assert await stores[2].claim_openings(NOW, 100) == [], "nothing free before the leases end"


async def test_a_dead_openers_claims_are_taken_over_once_its_lease_runs_out(stores):
    ids = await saved_round(stores[0])
    dead = await stores[0].claim_openings(NOW, 3)
    later = NOW + LEASE + timedelta(seconds=1)
    rest = await stores[1].claim_openings(later, 100)
    assert sorted(o.subject for o, _ in rest) == sorted(ids)
    tried = {o.subject for o, was_tried in rest if was_tried}
    assert tried == {o.subject for o, _ in dead}, "the platform is asked to find those spaces"


async def test_a_retired_opening_is_never_claimed_again_and_a_failed_one_waits(stores):
    await saved_round(stores[0])
    (done, _), (failed, _) = await stores[0].claim_openings(NOW, 2)
    await stores[0].claim_timer(done.id, NOW)
    await stores[0].postpone_opening(failed.id, NOW + timedelta(minutes=5))
    soon = NOW + LEASE + timedelta(seconds=1)
    again = {o.subject for o, _ in await stores[2].claim_openings(soon, 100)}
    assert done.subject not in again and failed.subject not in again
    await stores[2].retry_openings(soon)  # a restart: what failed is tried now
    retried = await stores[1].claim_openings(soon + LEASE * 2, 100)
    assert failed.subject in {o.subject for o, _ in retried}
    assert done.subject not in {o.subject for o, _ in retried}


async def test_openings_are_not_timers_the_scheduler_runs(stores):
    await saved_round(stores[0])
    later = NOW + timedelta(hours=1)
    assert await stores[0].pending_timers(due_by=later) == []
    assert await stores[1].claim_due_timers(later) == []
