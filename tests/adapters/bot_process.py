"""`mockround run <platform>` as a real child process that a test kills and starts again.

The platform is a local fake served by the test's own event loop, so the test can hold
the fake's answer to a call (the platform acted, the bot has not heard back) and send
SIGKILL at exactly that moment, as a power cut or an OOM kill would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
START_WITHIN = 60.0  # seconds: a cold interpreter on a loaded CI machine
WAIT_WITHIN = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotProcess:
    def __init__(self, platform: str, env: dict[str, str], ready_line: str) -> None:
        self.platform, self.ready_line = platform, ready_line
        # the child sees only what the test sets, never the developer's tokens or database
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("MOCKROUND_", "SLACK_"))}
        keep.pop("DISCORD_TOKEN", None)
        self.env = {
            **keep,
            "MOCKROUND_LOG_LEVEL": "INFO",
            "MOCKROUND_MEET_DEFAULT": "live",  # the sweeps play a club night: all meet at once
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []  # every line the child printed, across restarts
        self.starts = 0
        self._ready = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._ready.clear()
        self.starts += 1
        self.lines.append(f"--- start {self.starts} ---")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            *self.platform.split(),
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read(self.proc))
        ready = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._reader}, timeout=START_WITHIN, return_when=asyncio.FIRST_COMPLETED
        )
        ready.cancel()
        if not self._ready.is_set():
            await self.kill()
            raise AssertionError(f"the bot did not start:\n{self.log}")

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if self.ready_line in line:
                self._ready.set()

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, nothing is closed."""
        await self._end(signal.SIGKILL)

    async def terminate(self) -> int:
        """SIGTERM, as Docker and systemd stop a service; the exit code."""
        return await self._end(signal.SIGTERM)

    async def _end(self, sig: signal.Signals) -> int:
        if self.proc is None:
            return 0
        proc, self.proc = self.proc, None
        if proc.returncode is None:
            proc.send_signal(sig)
        code = await asyncio.wait_for(proc.wait(), WAIT_WITHIN)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, WAIT_WITHIN)
        return code

    async def restart_after_kill(self) -> None:
        await self.kill()
        await self.start()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def since_last_start(self) -> str:
        marker = f"--- start {self.starts} ---"
        return self.log[self.log.rindex(marker) :]


async def eventually(check: Callable[[], Any], what: str, within: float = WAIT_WITHIN) -> Any:
    """Poll ``check`` (sync or async) until it is truthy: the child works at its own pace."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def reached(hold: Any, what: str) -> None:
    try:
        await asyncio.wait_for(hold.reached.wait(), WAIT_WITHIN)
    except TimeoutError:
        raise AssertionError(f"the bot never made the call to hold: {what}") from None
