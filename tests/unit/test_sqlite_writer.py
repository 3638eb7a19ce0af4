"""SQLite has one writer: this process's writers queue for it in the order they came, each
let in when the last commits, and one kept waiting too long is told the bot is busy.
Left to SQLite, a waiting writer slept and looked again (up to 100 ms a time, whoever
looked first won), so under load some writes waited over a second behind later ones."""

from __future__ import annotations

import asyncio
import contextvars

from adapters.console.chat import ConsoleChat
from bot import commands as c
from bot.app.bootstrap import build
from bot.app.config import load_settings
from bot.model import Member
from bot.storage.sql import SqlStore
from tests.conftest import user


def member(name: str) -> Member:
    return Member(user(name), name.title(), "coding", "mid", "UTC")


async def queued(store: SqlStore, count: int) -> None:
    """Until ``count`` writers wait for the writer (each first borrows a connection)."""
    for _ in range(100_000):
        if len(store._writer._waiters or ()) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{count} writers never queued")


async def test_writers_are_let_in_in_the_order_they_came(tmp_path):
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    await store.migrate()
    holding, release = asyncio.Event(), asyncio.Event()
    done: list[str] = []

    async def first() -> None:
        async with store.unit_of_work():
            await store.save_member(member("first"))
            holding.set()
            await release.wait()
        done.append("first")

    async def then(name: str) -> None:
        async with store.unit_of_work():
            await store.save_member(member(name))
        done.append(name)

    holder = asyncio.create_task(first())
    await holding.wait()
    names = [f"w{k}" for k in range(6)]
    waiting = []
    for name in names:  # each asks for the writer after the one before
        waiting.append(asyncio.create_task(then(name)))
        await queued(store, len(waiting))
    release.set()
    await asyncio.gather(holder, *waiting)
    assert done == ["first", *names]
    assert len(await store.members(user("x").community)) == 7
    await store.close()


async def test_a_writer_kept_waiting_too_long_is_answered_busy(tmp_path, clock, bank):
    url = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    store = SqlStore(url, wait=0.05)
    app = await build(
        load_settings(database_url=url), ConsoleChat(clock), store=store, clock=clock, bank=bank
    )
    await app.start()
    try:
        async with store.unit_of_work():  # a long write holds the writer
            await store.save_member(member("long"))
            # another task, outside this unit: a member's command
            join = app.service.handle(c.Join(actor=user("ann")))
            reply = await asyncio.create_task(join, context=contextvars.Context())
            assert reply.error and "busy" in reply.text, reply.text
        assert await store.get_member(user("ann")) is None, "the busy answer changed nothing"
        again = await app.service.handle(c.Join(actor=user("ann")))
        assert not again.error and await store.get_member(user("ann")) is not None
    finally:
        await app.stop()


async def test_a_write_outside_a_unit_takes_its_connection_before_the_writer(tmp_path):
    """The load benchmark's standstill: every connection was held by a command waiting for
    the writer, and the writer by a write outside any unit (a delivery mark, a claim) that
    had taken it first and then waited for a connection; each returned connection went to
    the next command in line. Nothing moved until the pool's wait ran out."""
    from bot.storage.sql_engine import SQLITE_POOL

    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", wait=0.5)
    await store.migrate()
    holding, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with store.unit_of_work():
            await store.save_member(member("first"))
            holding.set()
            await release.wait()

    async def unit(name: str) -> None:
        async with store.unit_of_work():
            await store.save_member(member(name))

    holder = asyncio.create_task(first())
    await holding.wait()
    outside = asyncio.create_task(store.save_member(member("outside")))
    await queued(store, 1)  # after the holder: the writer is the outside write's next
    units = [asyncio.create_task(unit(f"u{k}")) for k in range(2 * SQLITE_POOL)]
    for _ in range(50):  # every connection taken; the last unit waits for one
        await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(holder, outside, *units, return_exceptions=True)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(await store.members(user("x").community)) == 2 + 2 * SQLITE_POOL
    await store.close()


async def test_a_unit_apart_commits_whatever_the_unit_around_it_does(tmp_path):
    """A big round's parts: each commits on its own, inside the command's unit of work; in a
    unit that already holds the writer, a unit apart joins it (else it waited for ever)."""
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    await store.migrate()
    try:
        async with store.unit_of_work():
            async with store.apart():
                await store.save_member(member("kept"))
            assert not store._writer.locked(), "the part gave the writer back at its commit"
            raise RuntimeError("the command fails after the part")
    except RuntimeError:
        pass
    try:
        async with store.unit_of_work():
            await store.save_member(member("first"))
            async with store.apart():
                await asyncio.wait_for(store.save_member(member("joined")), 5)
            raise RuntimeError("the command fails: both writes go")
    except RuntimeError:
        pass
    assert [m.user.id for m in await store.members("console:demo")] == ["kept"]
    await store.close()
