"""MOCKROUND_DISCORD_SHARDS: a replica connects the gateway shards it is given (discord.py's
AutoShardedClient), and a guild's events reach only the replica holding its shard."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from adapters.discord.runner import run
from bot.app.config import Settings, SettingsError, load_settings
from tests.fakes.discord_fake import TOKEN, FakeDiscord
from tests.fakes.discord_fake_gateway import shard_of


def _settings(fake: FakeDiscord, db: str, shards: str) -> Settings:
    return Settings(
        discord_token=TOKEN,
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        discord_guild_ready_timeout=0.05,
        discord_shards=shards,
        database_url=db,
    )


async def _stop(*tasks: asyncio.Task) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_one_replica_with_two_shards_answers(fake: FakeDiscord, tmp_path) -> None:
    task = asyncio.create_task(
        run(_settings(fake, f"sqlite+aiosqlite:///{tmp_path / 'm.db'}", "0,1/2"))
    )
    try:
        # discord.py identifies one shard after the other, 5 s apart (Discord's limit)
        await fake.wait_for(lambda: fake.gateway.shard_ids() == [0, 1], 20, what="two shards")
        shards = sorted(p["d"]["shard"] for p in fake.gateway.received if p.get("op") == 2)
        assert shards == [[0, 2], [1, 2]]
        await fake.wait_for(lambda: fake.commands, what="the commands synced")
        helped = await fake.answered(await fake.slash(fake.add_member("alice"), "help"))
        assert "/mock join" in helped.text
    finally:
        await _stop(task)


async def test_two_replicas_split_the_shards_and_the_guild_reaches_its_own(
    fake: FakeDiscord, tmp_path
) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    # one after the other: on SQLite (one process in production) two first migrations race;
    # PostgreSQL replicas take an advisory lock for it (tests/contract/test_migrate_together.py)
    replicas = [asyncio.create_task(run(_settings(fake, db, "0/2")))]
    try:
        await fake.wait_for(lambda: fake.gateway.shard_ids() == [0], 20, what="replica 0")
        replicas.append(asyncio.create_task(run(_settings(fake, db, "1/2"))))
        await fake.wait_for(lambda: fake.gateway.shard_ids() == [0, 1], 20, what="both replicas")
        await fake.wait_for(lambda: fake.commands, what="the commands synced")
        joined = await fake.answered(await fake.slash(fake.add_member("bob"), "join"))
        assert "Welcome" in joined.text, joined.text
        mine = shard_of(fake.guild_id, 2)
        names = {k: [e[1] for e in fake.gateway.live[k].events] for k in (0, 1)}
        assert "GUILD_CREATE" in names[mine] and "INTERACTION_CREATE" in names[mine]
        assert names[1 - mine] == ["READY"], "the other replica sees none of this guild"
    finally:
        await _stop(*replicas)


@pytest.mark.parametrize("bad", ["2/2", "0,0/2", "a/2", "0-3/2", "1", "0/0"])
def test_a_bad_shard_setting_is_one_line_saying_the_form(bad: str) -> None:
    with pytest.raises(SettingsError, match=r'shard ids and the total count, e.g. "0,1/4"'):
        load_settings(discord_shards=bad)


def test_shards_are_read_as_ids_and_a_count() -> None:
    assert load_settings(discord_shards="0-1,3/4").shards == ((0, 1, 3), 4)
    assert load_settings().shards is None
