"""Replicas started together on one PostgreSQL: one migrates, the others wait and find the
schema up to date (without the lock, two CREATE TABLEs race and a replica fails to start)."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.storage.migrations import MIGRATIONS
from bot.storage.sql import SqlStore

URL = os.environ.get("MOCKROUND_TEST_POSTGRES_URL")


@pytest.mark.skipif(URL is None, reason="needs the PostgreSQL that .ci/run starts")
async def test_three_replicas_migrating_at_once_all_start():
    import asyncpg

    server = URL.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(server)
    await admin.execute("DROP DATABASE IF EXISTS mockround_migrate_race")
    await admin.execute("CREATE DATABASE mockround_migrate_race")
    stores = [SqlStore(URL.rsplit("/", 1)[0] + "/mockround_migrate_race") for _ in range(3)]
    try:
        versions = await asyncio.gather(*(s.migrate() for s in stores))
        assert versions == [MIGRATIONS[-1][0]] * 3
    finally:
        for s in stores:
            await s.close()
        await admin.execute("DROP DATABASE mockround_migrate_race")
        await admin.close()
