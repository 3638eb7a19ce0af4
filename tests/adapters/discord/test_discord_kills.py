"""The real `mockround run discord` against the fake Discord, killed at ten points of a round
(tests/adapters/kill_sweep.py), then stopped with SIGTERM."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.model import UserRef
from bot.storage.sql import SqlStore
from tests.adapters.bot_process import BotProcess, eventually
from tests.adapters.kill_sweep import Sweep
from tests.fakes.discord_fake import TOKEN, FakeDiscord, custom_ids, text_of
from tests.fakes.holds import Hold

EMOJI = {4: "4️⃣"}


class DiscordDriver:
    def __init__(self, fake: FakeDiscord, db: Path) -> None:
        self.fake, self.community = fake, f"discord:{fake.guild_id}"
        url = f"sqlite+aiosqlite:///{db}"
        env = {
            "DISCORD_TOKEN": TOKEN,
            "MOCKROUND_DISCORD_API_URL": fake.api_url,
            "MOCKROUND_DISCORD_GATEWAY_URL": fake.gateway_url,
            "MOCKROUND_DISCORD_GUILD_READY_TIMEOUT": "0.05",
            "MOCKROUND_DATABASE_URL": url,
        }
        self.bot = BotProcess("discord", env, "mockround is connected to Discord")
        self.store = SqlStore(url)  # the test reads what the process saved
        self.members = [fake.add_member(n) for n in ("ada", "bob", "cy", "dee")]

    async def join_all(self) -> None:
        for uid in self.members:
            joined = await self.fake.answered(
                await self.fake.slash(uid, "join", track="behavioral", timezone="Asia/Tokyo"),
                within=20,
            )
            assert "behavioral" in joined.text, joined.text

    async def start_round(self) -> None:
        await self.fake.slash(self.fake.owner_id, "round", action="start")

    def hold_space_opening(self) -> Hold:
        return self.fake.holds.add(
            lambda call, body: call.startswith("POST /channels/") and call.endswith("/threads")
        )

    def hold_post(self, space: str) -> Hold:
        return self.fake.holds.add(lambda call, body: call == f"POST /channels/{space}/messages")

    def hold_dm(self) -> Hold:
        def to_a_dm(call: str, body: Any) -> bool:
            verb, _, path = call.partition(" ")
            parts = path.split("/")
            if verb != "POST" or len(parts) != 4 or parts[3] != "messages":
                return False
            return self.fake.channels.get(int(parts[2]), {}).get("type") == 1

        return self.fake.holds.add(to_a_dm)

    def _newest_with(self, space: str, action: str) -> tuple[dict[str, Any], str] | None:
        for msg in reversed(self.fake.messages_in(int(space))):
            for cid in custom_ids(msg):
                if cid.startswith(action):
                    return msg, cid
        return None

    async def press(self, member: UserRef, action: str, space: str) -> None:
        msg, custom_id = await eventually(
            lambda: self._newest_with(space, action), f"a {action} button"
        )
        await self.fake.click(int(member.id), msg, custom_id)

    async def quick_score(self, member: UserRef, space: str, turn: int, score: int) -> None:
        msg, _ = self._newest_with(space, "mr:rate:")
        await self.fake.react(int(member.id), msg, EMOJI[score])

    def conversations(self) -> dict[str, list[str]]:
        return {
            str(cid): [text_of(m) for m in self.fake.messages_in(cid)]
            for cid in self.fake.channel_messages
        }

    def spaces(self) -> int:
        return len(self.fake.threads())

    def closed(self, space: str) -> bool:
        return bool(self.fake.channels[int(space)]["thread_metadata"]["archived"])


@pytest.fixture
async def driver(tmp_path: Path) -> DiscordDriver:
    # the bot is another process, out of the reach of the in-process network guard: the
    # fake itself checks that every request came from this machine
    fake = await FakeDiscord().start()
    d = DiscordDriver(fake, tmp_path / "mockround.db")
    try:
        yield d
    finally:
        await d.bot.kill()
        fake.holds.release_all()
        await d.store.close()
        await fake.stop()
    assert fake.peers and set(fake.peers) == {"127.0.0.1"}, set(fake.peers)


async def test_a_round_survives_a_kill_at_each_of_ten_points(driver: DiscordDriver) -> None:
    sweep = Sweep(driver)
    await sweep.run()
    assert len(sweep.kills) == 10 and driver.bot.starts == 12
