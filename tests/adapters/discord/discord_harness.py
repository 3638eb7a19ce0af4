"""A bot under test: the real runner, core and discord.py client against the fake Discord,
on a SQLite file and a FakeClock, with helpers to move time and find what was posted."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from adapters.discord.runner import DiscordBot
from bot.app.config import Settings
from bot.clock import FakeClock
from bot.model import UserRef
from tests.fakes.discord_fake import TOKEN, FakeDiscord, custom_ids, text_of


class Harness:
    def __init__(self, fake: FakeDiscord, tmp_path: Path) -> None:
        self.fake = fake
        self.db = tmp_path / "mockround.db"
        self.clock = FakeClock()
        self.bot: DiscordBot | None = None

    def settings(self) -> Settings:
        return Settings(
            discord_token=TOKEN,
            discord_api_url=self.fake.api_url,
            discord_gateway_url=self.fake.gateway_url,
            discord_guild_ready_timeout=0.05,
            database_url=f"sqlite+aiosqlite:///{self.db}",
        )

    async def start(self) -> Harness:
        self.bot = DiscordBot(self.settings(), clock=self.clock)
        await self.bot.start(ready_timeout=10)
        return self

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    async def restart(self) -> None:
        """A new process in all but name: new client, new core, same database file."""
        await self.stop()
        await self.start()

    @property
    def app(self) -> Any:
        assert self.bot is not None and self.bot.app is not None
        return self.bot.app

    async def tick(self, **delta: float) -> int:
        """Move the clock and run every timer that fell due, as the alarm would."""
        self.clock.advance(**delta)
        return await self.app.run_due()

    async def until(
        self, check: Callable[[], Awaitable[Any]], what: str, within: float = 5.0
    ) -> Any:
        """Poll an async check (a store query) until it holds; fail after ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.005)

    @property
    def community(self) -> str:
        return f"discord:{self.fake.guild_id}"

    def ref(self, uid: int) -> UserRef:
        return UserRef("discord", str(self.fake.guild_id), str(uid))

    # --- finding what the bot posted --------------------------------------------------

    def with_button(self, channel: int, prefix: str) -> dict[str, Any]:
        found = [
            m
            for m in self.fake.messages_in(channel)
            if any(c.startswith(prefix) for c in custom_ids(m))
        ]
        assert found, f"no message with a {prefix!r} button in {channel}: {self.texts(channel)}"
        return found[-1]

    def texts(self, channel: int) -> list[str]:
        return [text_of(m) for m in self.fake.messages_in(channel)]

    def button_id(self, msg: dict[str, Any], prefix: str) -> str:
        return next(c for c in custom_ids(msg) if c.startswith(prefix))

    async def join(self, uid: int, **options: Any) -> str:
        inter = await self.fake.answered(await self.fake.slash(uid, "join", **options))
        return inter.text

    async def pair(self, a: int, b: int) -> tuple[int, str]:
        """Two members join and ask for a partner now: their private thread and session id."""
        track = self.app.bank.tracks()[0]
        for uid in (a, b):
            await self.join(uid, track=track, level="mid", timezone="UTC")
        for uid in (a, b):
            await self.fake.answered(await self.fake.slash(uid, "now"))
        thread = await self.fake.wait_for(lambda: self.fake.threads(), what="a pair thread")
        tid = int(thread[-1]["id"])
        welcome = await self.fake.wait_for(
            lambda: any(
                c.startswith("mr:ready:") for m in self.fake.messages_in(tid) for c in custom_ids(m)
            ),
            what="the welcome message",
        )
        assert welcome
        session_id = self.button_id(self.with_button(tid, "mr:ready:"), "mr:ready:").split(":")[2]
        return tid, session_id

    async def confirm_both(self, tid: int, session_id: str) -> None:
        welcome = self.with_button(tid, "mr:ready:")
        for uid in sorted(self.fake.thread_members[tid] - {self.fake.bot_id}):
            await self.fake.answered(await self.fake.click(uid, welcome, f"mr:ready:{session_id}"))
