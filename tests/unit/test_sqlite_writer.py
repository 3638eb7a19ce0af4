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
