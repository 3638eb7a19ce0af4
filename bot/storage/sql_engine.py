"""The engine, its SQLite settings and migrations: what every part of the SQL store shares."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.storage import migrations, standings
from bot.storage import schema as t


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cur.execute("PRAGMA synchronous=NORMAL")  # durable at each commit in WAL mode
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


class SqlEngine:
    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_async_engine(url)
        self._dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        if self._dialect == "sqlite":
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)

    async def migrate(self) -> int:
        async with self._engine.begin() as conn:
            before = await conn.run_sync(migrations.current_version)
            after = await conn.run_sync(migrations.migrate)
            if 0 < before < migrations.SUMMARIES_SINCE <= after:
                # the summaries arrived after ratings did: fill them from what is stored
                for community in (
                    await conn.execute(select(t.ratings.c.community).distinct())
                ).scalars():
                    await standings.rebuild(conn, community, await self._timezone(conn, community))
            return after

    async def _timezone(self, conn: AsyncConnection, community: str) -> str:
        row = (
            await conn.execute(
                select(t.communities.c.config).where(t.communities.c.community == community)
            )
        ).first()
        return row[0].get("timezone", "UTC") if row else "UTC"

    async def close(self) -> None:
        await self._engine.dispose()

    def _upsert(self, table, values: dict, keys: Sequence[str]):
        ins = t.insert_for(self._dialect, table).values(**values)
        changed = {k: v for k, v in values.items() if k not in keys}
        return ins.on_conflict_do_update(index_elements=list(keys), set_=changed)
