"""One replica against three on one PostgreSQL: opening a 10,000-member round, the timers
that follow it, and the open-loop command mix.

    python bench/replicas.py POSTGRES_URL [--json FILE] [--members N] [--rates 50,100,200]

Each replica is a real process (``bench/replica.py``): the bot with the real store, clock
and scheduler. Their chat platform is one server in this process that starts at most 50
calls a second for all of them together and answers each after 50 ms (a bot token's rate
limit and a realistic round trip); ``--free`` takes the limit off. The community is
written once in bulk (``bench/community.py``, one week of past), kept as a template
database, and copied for each run.

Opening: an admin starts the weekly round on the first replica; every replica opens
spaces (each claims a few at a time); with three, once more with the first replica killed
(SIGKILL) half a minute in. Timer lag: in live mode with a one-minute intro and no one
confirming, each session's intro ends a minute after its space opened, on whichever
replica claims it; the lag is each timer's fired minus due time, read from the database.
It is measured through a free platform, so it is the bot's own lag (through the paced
one, each timer's no-show posts queue behind the platform's rate). The open-loop mix
is ``bench/load.py``'s, spread evenly over the replicas (as a load balancer spreads
requests); latency runs from each command's arrival.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench import community  # noqa: E402
from bench.chat import Pace  # noqa: E402
from bench.openloop import pct, run_and_report  # noqa: E402
from bot.model import CommunityConfig  # noqa: E402
from bot.questions.packs import load_bank  # noqa: E402
from bot.questions.shipped import REPO_QUESTIONS  # noqa: E402
from bot.storage import schema as t  # noqa: E402
from bot.storage.sql import SqlStore  # noqa: E402

HERE = Path(__file__).resolve().parent
TEMPLATE = "mockround_replicas_{members}"
RUN = "mockround_replicas_run"


class Platform:
    """The chat platform all replicas share: one pace for every call, whoever makes it."""

    def __init__(self, rate: float | None, latency: float) -> None:
        self.pace = Pace(rate, latency)
        self.calls = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _call(self, request: web.Request) -> web.Response:
        self.calls += 1
        await self.pace.call()
        return web.Response(text=f"{request.match_info['name']}-{self.calls}")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{name}", self._call)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        await self.runner.cleanup()


class Replica:
    def __init__(self, url: str, platform: str, *extra: str) -> None:
        self.args = [sys.executable, str(HERE / "replica.py"), url, platform, *extra]
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        await self.answer()  # ready

    async def tell(self, line: str) -> dict:
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self.answer()

    async def answer(self) -> dict:
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"replica {self.args[2:]} ended: {await self.proc.wait()}")
        return json.loads(line)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.stdin.close()
            await self.proc.wait()

    def kill(self) -> None:
        self.proc.kill()


async def admin(url: str):
    import asyncpg

    return await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))


async def fresh_copy(server: str, members: int) -> str:
    """A new database copied from the community's template (built the first time)."""
    template = TEMPLATE.format(members=members)
    base = server.rsplit("/", 1)[0]
    conn = await admin(server)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template):
            started = time.perf_counter()
            await conn.execute(f"CREATE DATABASE {template}_part")
            store = SqlStore(f"{base}/{template}_part")
            await store.migrate()
            questions = [q.id for q in load_bank([REPO_QUESTIONS]).questions()]
            await community.build(store, members, 1, questions)
            await store.close()
            await conn.execute(f"ALTER DATABASE {template}_part RENAME TO {template}")
            print(f"  built the {members:,}-member community in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        # a replica killed by the run before leaves its connection until the server notices
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", RUN
        )
        await conn.execute(f"DROP DATABASE IF EXISTS {RUN}")
        await conn.execute(f"CREATE DATABASE {RUN} TEMPLATE {template}")
    finally:
        await conn.close()
    return f"{base}/{RUN}"


async def live_with_short_intro(url: str) -> None:
    store = SqlStore(url)
    cfg = await store.get_config(community.COMMUNITY) or CommunityConfig(community.COMMUNITY)
    from dataclasses import replace

    await store.save_config(replace(cfg, meet="live", intro_minutes=1, grace_minutes=1))
    await store.close()


async def progress(url: str, since: datetime) -> tuple[int, int, list[float]]:
    """(sessions of the round, opened, each fired intro timer's lag in ms)."""
    store = SqlStore(url)
    sc, tc = t.sessions.c, t.timers.c
    async with store._engine.connect() as conn:
        total, opened = (
            await conn.execute(
                select(func.count(), func.count(sc.space)).where(sc.created_at >= since)
            )
        ).one()
        fired = (
            await conn.execute(
                select(tc.due_at, tc.fired_at).where(
                    tc.kind == "phase_end", tc.fired_at.is_not(None), tc.due_at >= since
                )
            )
        ).all()
    await store.close()
    lags = [(f - d).total_seconds() * 1000 for d, f in fired]
    return total, opened, lags


async def opening(
    server: str, members: int, replicas: int, rate, kill_at: float | None, timers: bool
):
    """Start the round on the first replica; seconds until every space is open, then (with
    ``timers``) the intro timers' lag once they have all fired."""
    url = await fresh_copy(server, members)
    if timers:
        await live_with_short_intro(url)
    platform = Platform(rate, 0.05 if rate else 0.0)
    await platform.start()
    bots = [Replica(url, platform.url) for _ in range(replicas)]
    await asyncio.gather(*(b.start() for b in bots))
    since = datetime.now(UTC)
    start = time.perf_counter()
    started = await bots[0].tell("round")
    killed = False
    total = opened = 0
    while True:
        await asyncio.sleep(0.5)
        total, opened, _ = await progress(url, since)
        spent = time.perf_counter() - start
        if kill_at is not None and not killed and spent >= kill_at:
            bots[0].kill()  # the replica that started the round dies mid-opening
            killed = True
        if total and opened == total:
            break
    opened_s = time.perf_counter() - start
    calls_per_s = platform.calls / opened_s
    # every intro ends a minute after its space opened: wait for the last to fire
    while timers:
        await asyncio.sleep(2)
        _, _, lags = await progress(url, since)
        if len(lags) >= total or time.perf_counter() - start > opened_s + 150:
            break
    lags = (await progress(url, since))[2]
    for b in bots:
        await b.stop()
    await platform.stop()
    return {
        "replicas": replicas,
        "sessions": total,
        "answered_s": started["answered_s"],
        "opened_s": round(opened_s, 1),
        "calls_per_s": round(calls_per_s, 1),
        "killed_opener_at_s": kill_at,
        "timers_fired": len(lags),
        "timer_lag_p50_ms": round(pct(lags, 50), 1),
        "timer_lag_p99_ms": round(pct(lags, 99), 1),
        "timer_lag_max_ms": round(max(lags, default=float("nan")), 1),
    }


async def load(server: str, members: int, replicas: int, rate: float, seconds: float):
    """The open-loop mix at ``rate`` commands a second, spread evenly over the replicas."""
    url = await fresh_copy(server, members)
    platform = Platform(None, 0.0)
    await platform.start()
    bots = [
        Replica(url, platform.url, "--load", str(rate / replicas), "--seconds", str(seconds),
                "--first", str(200 * i), "--members", str(members))
        for i in range(replicas)
    ]  # fmt: skip
    for b in bots:  # one after the other: each pairs its own members for ratings first
        await b.start()
    runs = await asyncio.gather(*(b.tell("go") for b in bots))
    for b in bots:
        await b.stop()
    await platform.stop()
    latencies = [x for r in runs for x in r["latencies"]]
    sent = sum(r["sent"] for r in runs)
    return {
        "replicas": replicas,
        "rate": rate,
        "p50_ms": round(pct(latencies, 50), 1),
        "p99_ms": round(pct(latencies, 99), 1),
        "answered_share": round(len(latencies) / sent, 3),
        "errors": sum(r["errors"] for r in runs),
    }


async def main(args) -> dict:
    out: dict = {}
    if "opening" in args.parts:
        await _opening(args, out)
    if "timers" in args.parts:
        await _timers(args, out)
    if "load" in args.parts:
        await _load(args, out)
    return out


async def _opening(args, out: dict) -> None:
    print(f"Opening a {args.members:,}-member round; platform: 50 requests/s, answers "
          "after 50 ms", flush=True)  # fmt: skip
    for replicas, kill_at in ((1, None), (3, None), (3, args.kill_at)):
        figures = await opening(args.server, args.members, replicas, 50.0, kill_at, False)
        key = f"open_{replicas}" + ("_opener_killed" if kill_at else "")
        out[key] = figures
        print(f"  {key}: {figures}", flush=True)


async def _timers(args, out: dict) -> None:
    print("Timer lag: intros of one minute ending as the spaces open; a free platform")
    for replicas in (1, 3):
        figures = await opening(args.server, args.members, replicas, None, None, True)
        out[f"timers_{replicas}"] = figures
        out[f"timer_lag_p99_ms_{replicas}"] = figures["timer_lag_p99_ms"]
        print(f"  {replicas} replica(s): {figures}", flush=True)


async def _load(args, out: dict) -> None:
    print("Open-loop mix, PostgreSQL", flush=True)
    for replicas in (1, 3):
        runs = []
        for r in args.rates:
            figures = await load(args.server, args.members, replicas, r, args.seconds)
            runs.append(figures)
            print(f"  {replicas} replica(s) at {r}/s: {figures}", flush=True)
        out[f"load_{replicas}"] = runs
        held = [x["rate"] for x in runs if x["p99_ms"] <= 50 and x["answered_share"] == 1.0]
        out[f"max_rate_p99_50ms_{replicas}"] = max(held, default=0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="a PostgreSQL URL (postgresql+asyncpg://...)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--kill-at", type=float, default=30.0, help="s after the round starts")
    parser.add_argument("--rates", type=lambda s: [float(x) for x in s.split(",")],
                        default=[50.0, 100.0, 200.0])  # fmt: skip
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--parts", type=lambda s: s.split(","), default=["opening", "timers", "load"],
                        help="which to run: opening, timers, load (comma-separated)")  # fmt: skip
    args = parser.parse_args()
    run_and_report(main, args)
