"""Holding a fake platform's answer: the call takes effect, then the answer waits.

A crash test holds the answer to a post (or to opening a space) so that it can kill the
bot at the moment the platform has acted and the bot has not yet heard back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hold:
    matches: Callable[[str, Any], bool]  # (method or "VERB /path", arguments)
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    args: Any = None

    def release(self) -> None:
        self.released.set()


class Holds:
    def __init__(self) -> None:
        self._waiting: list[Hold] = []

    def add(self, matches: Callable[[str, Any], bool]) -> Hold:
        """Hold the answer to the next call that ``matches``."""
        hold = Hold(matches)
        self._waiting.append(hold)
        return hold

    async def after_effect(self, call: str, args: Any) -> None:
        """Called once the call has taken effect, before it is answered."""
        for hold in self._waiting:
            if hold.matches(call, args):
                self._waiting.remove(hold)
                hold.args = args
                hold.reached.set()
                await hold.released.wait()
                return

    def release_all(self) -> None:
        for hold in self._waiting:
            hold.release()
        self._waiting.clear()
