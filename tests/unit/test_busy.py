"""Past saturation the bot says so: a command that cannot get a database connection in
time is answered "busy" (and counted), instead of waiting 30 s and failing."""

from __future__ import annotations

from contextlib import AsyncExitStack

from adapters.console.chat import ConsoleChat
from bot import commands as c
from bot.app.bootstrap import build
from bot.app.config import load_settings
from bot.storage.sql import SqlStore
from tests.conftest import user


async def test_a_command_that_gets_no_connection_is_answered_busy(db_url, clock, bank):
    store = SqlStore(db_url, wait=0.05)
    app = await build(
        load_settings(database_url=db_url), ConsoleChat(clock), store=store, clock=clock, bank=bank
    )
    await app.start()
    try:
        async with AsyncExitStack() as held:
            pool = store._engine.sync_engine.pool
            for _ in range(pool.size() + pool._max_overflow):  # every connection is busy
                await held.enter_async_context(store._engine.connect())
            reply = await app.service.handle(c.Join(actor=user("ann")))
            assert reply.error and "busy" in reply.text, reply.text
        # connections free again: the same command goes through
        again = await app.service.handle(c.Join(actor=user("ann")))
        assert not again.error and await store.get_member(user("ann")) is not None
        metrics = (await app.metrics_text()).decode()
        assert 'mockround_commands_total{kind="Join",outcome="busy"} 1.0' in metrics
    finally:
        await app.stop()
