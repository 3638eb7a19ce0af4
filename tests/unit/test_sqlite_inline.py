"""SQLite's statements run on the event loop's thread (a trip to a connection's thread
cost more than the statement), so the store keeps every step short: a read of thousands
of rows and a round's thousands of inserts let the loop answer between their parts."""

from __future__ import annotations

import asyncio
import threading

from bot.model import Round
from bot.storage.sql import SqlStore
from tests.contract.test_store import NOW, member, session

MANY = 2_500  # pairs: 5,000 members are five pages of the members' read


async def store_with_members(tmp_path, count: int) -> SqlStore:
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    await store.migrate()
    async with store.unit_of_work():
        for k in range(count):
            await store.save_member(member(f"m{k:05d}"))
    return store


async def ticks_during(work) -> int:
    """How often another task ran while ``work`` ran."""
    ticks, done = 0, False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    running = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    try:
        await work
    finally:
        done = True
        await running
    return ticks - before


async def test_statements_run_on_the_loops_thread(tmp_path):
    store = await store_with_members(tmp_path, 1)
    ran_on = set()
    async with store._engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        raw.set_trace_callback(lambda _sql: ran_on.add(threading.get_ident()))
        await conn.exec_driver_sql("SELECT count(*) FROM members")
        raw.set_trace_callback(None)
    assert ran_on == {threading.get_ident()}
    await store.close()


async def test_reading_thousands_of_members_lets_the_loop_answer_between_pages(tmp_path):
    store = await store_with_members(tmp_path, 2 * MANY)
    got = []

    async def read() -> None:
        got.extend(await store.members("discord:w1"))

    assert await ticks_during(read()) >= 5, "once a page at least"
    assert len(got) == 2 * MANY
    await store.close()


async def test_reading_the_members_makes_way_between_pages_as_the_caller_asks(tmp_path):
    """A weekly round reads every member: between pages, the round lets members' commands
    go first (the 10,000 members' read made them wait up to 90 ms)."""
    store = await store_with_members(tmp_path, 2 * MANY)
    asked = []

    async def make_way() -> None:
        asked.append(1)

    members = await store.members("discord:w1", between=make_way)
    assert len(members) == 2 * MANY
    assert len(asked) == 5, "once a page of 1,000"
    await store.close()


async def test_saving_a_big_round_lets_the_loop_answer_between_chunks(tmp_path):
    store = await store_with_members(tmp_path, 2 * MANY)
    ids = [f"m{k:05d}" for k in range(2 * MANY)]
    built = [session(f"r1-{k}", members=(ids[2 * k], ids[2 * k + 1])) for k in range(MANY)]
    rnd = Round("r1", "discord:w1", 7, "weekly", "running", NOW)
    save = store.create_round(rnd, built, {s.id: "coding" for s in built})
    assert await ticks_during(save) >= 20, "between parts of 50 sessions"
    assert len(await store.round_sessions("r1")) == MANY
    await store.close()


async def test_the_log_is_copied_into_the_database_beside_the_loop(tmp_path):
    """SQLite copies its log inside the commit that passes 1,000 pages: on the loop's thread
    that commit stalled every command for up to 300 ms. The copy runs on a thread of its
    own once the log is past its limit; no connection of the store makes one."""
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'log.db'}")
    await store.migrate()
    store.checkpoints.limit = 64 << 10
    async with store._engine.connect() as conn:
        (never,) = (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).first()
    assert never == 0
    # the connections count commits themselves: a listener on the engine's commits made
    # SQLAlchemy run its hooks around every statement
    assert not store._engine.sync_engine._has_events
    for k in range(400):  # a commit each: the log grows past the limit
        await store.save_member(member(f"m{k:05d}"))
    await store.checkpoints.finished()
    assert store.checkpoints.ran_on is not None, "a checkpoint ran"
    assert store.checkpoints.ran_on != threading.get_ident()
    assert len(await store.members("discord:w1")) == 400
    await store.close()


async def test_a_big_commit_runs_beside_the_loop(tmp_path):
    """A weekly round's commit writes megabytes: on the loop's thread, 50 ms of stall."""
    from bot.storage.sqlite_inline import BIG_COMMIT

    store = await store_with_members(tmp_path, 1)
    commits = []

    async def watched() -> None:
        raw = (await store._unit().conn.get_raw_connection()).driver_connection
        raw.set_trace_callback(
            lambda sql: commits.append(threading.get_ident()) if sql == "COMMIT" else None
        )

    async with store.unit_of_work():
        await watched()
        await store.save_member(member("small"))
    async with store.unit_of_work():
        await watched()
        for k in range(BIG_COMMIT):
            await store.save_member(member(f"big{k:05d}"))
    assert len(commits) == 2
    assert commits[0] == threading.get_ident(), "a command's commit stays on the loop"
    assert commits[1] != threading.get_ident(), "a big one goes to a thread"
    assert len(await store.members("discord:w1")) == 2 + BIG_COMMIT
    await store.close()


async def test_reading_a_big_rounds_sessions_lets_the_loop_answer_between_pages(tmp_path):
    store = await store_with_members(tmp_path, 2 * MANY)
    ids = [f"m{k:05d}" for k in range(2 * MANY)]
    built = [session(f"r1-{k}", members=(ids[2 * k], ids[2 * k + 1])) for k in range(MANY)]
    await store.create_round(
        Round("r1", "discord:w1", 7, "weekly", "running", NOW), built, {s.id: "c" for s in built}
    )
    got = []

    async def read() -> None:
        got.extend(await store.round_sessions("r1"))

    assert await ticks_during(read()) >= 5, "once a page at least (3 without)"
    assert [s.id for s in got] == sorted(s.id for s in built)
    await store.close()


async def test_the_members_waiting_for_a_partner_are_found_by_their_index(tmp_path):
    """Asked to sort by id, SQLite walked every member in id order instead of the few
    waiting: `/mock now` took 28 ms at 100,000 members, 13 at 1,000."""
    from datetime import timedelta

    store = await store_with_members(tmp_path, 3_000)
    for name in ("m02999", "m00001"):
        await store.set_waiting(member(name).user, NOW)
    async with store._engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")  # a database that knows its tables, as a year's
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    async with store.unit_of_work():
        raw = (await store._unit().conn.get_raw_connection()).driver_connection
        raw.set_progress_handler(count, 100)  # every 100 steps of SQLite's machine
        waiting = await store.waiting_members("discord:w1", NOW - timedelta(minutes=5))
        raw.set_progress_handler(None, 100)
    assert [m.user.id for m in waiting] == ["m00001", "m02999"], "in id order"
    assert steps < 20, f"{steps * 100} steps: every member read"
    await store.close()
