"""A chat platform for benchmarks: every port call answers after ``latency`` seconds, and
at most ``rate`` calls start per second (a platform's rate limit; None: no limit).
Calls may overlap, as HTTP requests to a platform do."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter

from bot.model import ChannelRef, MessageRef
from bot.ports import Capabilities, VoiceRoom


class Pace:
    """Start times spaced 1/rate apart: a call waits for its turn, then for the answer."""

    def __init__(self, rate: float | None, latency: float) -> None:
        self.rate, self.latency = rate, latency
        self.next_free = 0.0

    async def call(self) -> None:
        if self.rate:
            now = time.monotonic()
            start = max(now, self.next_free)
            self.next_free = start + 1 / self.rate
            if start > now:
                await asyncio.sleep(start - now)
        if self.latency:
            await asyncio.sleep(self.latency)


class BenchChat:
    capabilities = Capabilities(private_spaces=True, live_timestamps=True)

    def __init__(self, rate: float | None = None, latency: float = 0.0) -> None:
        self.pace = Pace(rate, latency)
        self.calls: Counter[str] = Counter()
        self._ids = itertools.count()

    def capabilities_for(self, platform: str) -> Capabilities:
        return self.capabilities

    async def _call(self, name: str) -> str:
        self.calls[name] += 1
        await self.pace.call()
        return str(next(self._ids))

    async def send(self, to, msg, *, key=None, resend=False) -> MessageRef:
        channel = to.id if isinstance(to, ChannelRef) else "dm"
        return MessageRef(to.platform, to.workspace, channel, await self._call("send"))

    async def send_private(self, space, user, msg, *, key=None, resend=False) -> None:
        await self._call("send_private")

    async def edit(self, ref, msg) -> None:
        await self._call("edit")

    async def add_reactions(self, ref, emojis) -> None:
        await self._call("add_reactions")

    async def open_pair_space(self, where, users, title, *, reopening=False) -> ChannelRef:
        first = users[0]
        return ChannelRef(first.platform, first.workspace, await self._call("open_pair_space"))

    async def close_pair_space(self, space, *, key=None, resend=False) -> None:
        await self._call("close_pair_space")

    async def open_voice(self, category, users, title, *, reopening=False) -> VoiceRoom | None:
        return None  # the community's meeting link is where pairs talk

    async def close_voice(self, channel) -> None:
        await self._call("close_voice")

    async def in_group(self, user, group) -> bool:
        return False
