"""Stopping cleanly on SIGTERM (systemd, docker stop) as on Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable


@contextlib.contextmanager
def stop_on_sigterm(stop: asyncio.Event):
    """systemd and docker stop with SIGTERM: finish cleanly (close the socket and the database)."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def until_closed_or_stopped(closed: Awaitable[object], stop: asyncio.Event) -> None:
    """Wait for the platform connection to end (raising what ended it) or for ``stop``."""
    ended = asyncio.ensure_future(closed)
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({ended, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if ended in done:
        ended.result()


class Answering:
    """Answers being written back to members. The core's drain ends when a command is
    handled; the answer still has to reach the platform before the connection closes."""

    def __init__(self) -> None:
        self._count = 0
        self._none = asyncio.Event()
        self._none.set()

    @contextlib.asynccontextmanager
    async def one(self):
        self._count += 1
        self._none.clear()
        try:
            yield
        finally:
            self._count -= 1
            if not self._count:
                self._none.set()

    async def finished(self, within: float) -> bool:
        """Wait until no answer is being written, ``within`` seconds at most."""
        try:
            await asyncio.wait_for(self._none.wait(), within)
        except TimeoutError:
            return False
        return True
