"""One replica for ``bench/replicas.py``: the real bot on a shared PostgreSQL, with the real
clock and scheduler; its chat platform is the bench's platform server, shared by every
replica (so the platform's rate limit is one for all, as a bot token's is).

    python bench/replica.py URL PLATFORM [--load RATE --seconds S --first K --members N]

It prints one JSON line when ready, waits for a line on stdin ("go", or "round" to start a
weekly round), prints its figures as one JSON line, and stops when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402  (discord.py's HTTP client, installed with the bot)

from bench.chat import BenchChat  # noqa: E402
from bench.load import ADMIN, CHANNEL, _mixed  # noqa: E402
from bench.openloop import open_loop  # noqa: E402
from bench.workload import Workload  # noqa: E402
from bot import commands as c  # noqa: E402
from bot.app.bootstrap import build  # noqa: E402
from bot.app.config import load_settings  # noqa: E402


class PlatformChat(BenchChat):
    """Every port call is a request to the shared platform server, which paces them."""

    def __init__(self, platform: str) -> None:
        super().__init__()
        self.platform = platform
        self.http: aiohttp.ClientSession | None = None

    async def _call(self, name: str) -> str:
        self.calls[name] += 1
        if self.http is None:
            self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        async with self.http.post(f"{self.platform}/{name}") as answer:
            return await answer.text()


async def main(args) -> None:
    chat = PlatformChat(args.platform)
    app = await build(load_settings(database_url=args.url), chat)
    await app.start()
    work = None
    if args.load:
        work = Workload(app, args.members, seed=47 + args.first, first=args.first)
        await work.prepare(pairs=20)
    lines = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(lines), sys.stdin)
    print(json.dumps({"ready": True}), flush=True)
    out: dict = {}
    while line := (await lines.readline()).decode().strip():
        if line == "round":
            start = time.perf_counter()
            reply = await app.service.handle(
                c.StartRound(actor=ADMIN, is_admin=True, channel=CHANNEL)
            )
            out = {"answered_s": round(time.perf_counter() - start, 2), "reply": reply.text[:60]}
        elif line == "go" and work is not None:
            run = await open_loop(app.service.handle, lambda: _mixed(work), args.load, args.seconds)
            out = {"latencies": [round(x, 2) for x in run.latencies], "sent": run.sent,
                   "errors": run.errors}  # fmt: skip
        print(json.dumps(out), flush=True)
    await app.stop()
    if chat.http is not None:
        await chat.http.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("platform")
    parser.add_argument("--load", type=float, default=0.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--members", type=int, default=10_000)
    asyncio.run(main(parser.parse_args()))
