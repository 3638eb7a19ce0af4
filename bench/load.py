"""What commands cost at 1,000 to 100,000 members, under open-loop load, while a round starts.

    python bench/load.py [--json FILE] [--quick] [--postgres URL] [--cache DIR]

Each community is written in bulk with the core's table objects (``bench/community.py``:
per weekly round the rows the bot writes, then the leaderboard summaries from the store's
own ``standings.rebuild``). The bot is the real one: ``bootstrap.build`` with the worker
pool, the real store and the system clock; only the chat platform is ``bench/chat.py``
(free, or paced at 50 requests/s with answers after 50 ms). Commands go through
``Service.handle`` with a platform delivery id, as the adapters send them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import community  # noqa: E402
from bench.chat import BenchChat  # noqa: E402
from bench.openloop import LagMonitor, open_loop, pct, run_and_report  # noqa: E402
from bench.workload import MIX, Workload  # noqa: E402
from bot import commands as c  # noqa: E402
from bot.app.bootstrap import build, settle_startup  # noqa: E402
from bot.app.config import load_settings  # noqa: E402
from bot.model import ChannelRef, UserRef  # noqa: E402
from bot.questions.packs import load_bank  # noqa: E402
from bot.questions.shipped import REPO_QUESTIONS  # noqa: E402
from bot.storage.sql import SqlStore  # noqa: E402

ADMIN = UserRef("discord", "load", "admin")
CHANNEL = ChannelRef("discord", "load", "rounds")
WEEKS = 52  # the headline community: a year of weekly rounds
SCALE_WEEKS = 5  # the 1,000 / 10,000 / 100,000 comparison: the same past per member
RATES = (50, 100, 200, 400)


class Place:
    """Where communities are built: SQLite files kept in a cache and copied per run, or
    fresh PostgreSQL databases."""

    def __init__(self, cache: Path, postgres: str | None, work: Path) -> None:
        self.cache, self.postgres, self.work = cache, postgres, work
        self.questions = [q.id for q in load_bank([REPO_QUESTIONS]).questions()]

    async def community(self, members: int, weeks: int, on: str = "sqlite") -> str:
        if on == "postgres":
            return await self._postgres(members, weeks)
        kept = self.cache / f"community-{members}-{weeks}.db"
        if not kept.exists():
            for leftover in self.cache.glob(f"{kept.name}.part*"):
                leftover.unlink()  # a build that was stopped half-way
            await self._fill(f"sqlite+aiosqlite:///{kept}.part", members, weeks)
            os.replace(f"{kept}.part", kept)
        run = self.work / "run.db"
        for leftover in self.work.glob("run.db*"):
            leftover.unlink()
        shutil.copy(kept, run)
        return f"sqlite+aiosqlite:///{run}"

    async def _postgres(self, members: int, weeks: int) -> str:
        import asyncpg

        name = f"mockround_load_{members}_{weeks}"
        server = self.postgres.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(server)
        await conn.execute(f"DROP DATABASE IF EXISTS {name}")
        await conn.execute(f"CREATE DATABASE {name}")
        await conn.close()
        url = self.postgres.rsplit("/", 1)[0] + f"/{name}"
        await self._fill(url, members, weeks)
        return url

    async def _fill(self, url: str, members: int, weeks: int) -> None:
        started = time.perf_counter()
        store = SqlStore(url)
        await store.migrate()
        ratings = await community.build(store, members, weeks, self.questions)
        await store.close()
        print(f"  built {members:,} members, {weeks} weeks, {ratings:,} ratings in "
              f"{time.perf_counter() - started:.0f} s ({url.split(':')[0]})", flush=True)  # fmt: skip


async def bot(url: str, chat: BenchChat | None = None):
    app = await build(load_settings(database_url=url), chat or BenchChat())
    await app.start()
    return app


def delivered(cmd, n=[0]):  # noqa: B006 - a counter shared by every call
    n[0] += 1
    return type(cmd)(**{**cmd.__dict__, "event_id": f"bench-{n[0]}"})


async def medians(app, members: int, repeat: int = 40) -> dict[str, float]:
    """Each kind alone, one at a time: its median in ms."""
    work = Workload(app, members)
    await work.prepare(pairs=40)
    out = {}
    for kind in MIX:
        spent = []
        for _ in range(repeat):
            cmd = delivered(work.command(kind))
            start = time.perf_counter()
            await app.service.handle(cmd)
            spent.append((time.perf_counter() - start) * 1000)
        out[kind] = round(statistics.median(spent), 2)
    return out


async def load_rates(app, members: int, rates, seconds: float, mix=MIX, first=200):
    work = Workload(app, members, seed=29, first=first, mix=mix)
    await work.prepare(pairs=60)
    out = []
    for rate in rates:
        run = await open_loop(app.service.handle, lambda: _mixed(work), rate, seconds)
        figures = run.figures()
        out.append(figures)
        print(f"    {rate:>4}/s  p50 {figures['p50_ms']:7.1f}  p95 {figures['p95_ms']:7.1f}  "
              f"p99 {figures['p99_ms']:8.1f} ms  answered {figures['answered_share']:.3f}",
              flush=True)  # fmt: skip
        if figures["p99_ms"] > 1000:
            break  # saturated: higher rates only say so again
    return out


def _mixed(work: Workload):
    kind, cmd = work.mixed()
    return kind, delivered(cmd)


def max_rate(runs: list[dict]) -> float:
    held = [r["rate"] for r in runs if r["p99_ms"] <= 50 and r["answered_share"] == 1.0]
    return max(held, default=0)


async def round_start(app, chat: BenchChat, *, load_rate: float = 0, members: int = 0):
    """Start a weekly round; time until every space is open and its posts sent, the loop's
    longest stall meanwhile, and (with ``load_rate``) the commands answered meanwhile."""
    work = None
    if load_rate:
        work = Workload(app, members, seed=41, first=400)
        await work.prepare(pairs=30)
    chat.calls.clear()
    with LagMonitor() as lag:
        start = time.perf_counter()
        loading = None
        if work is not None:
            loading = asyncio.create_task(
                open_loop(app.service.handle, lambda: _mixed(work), load_rate, 3600)
            )
        reply = await app.service.handle(c.StartRound(actor=ADMIN, is_admin=True, channel=CHANNEL))
        answered = time.perf_counter() - start
        await asyncio.gather(*app.rounds.openings.running)
        opened = time.perf_counter() - start
        if loading is not None:
            loading.cancel()
    rnd = await app.store.latest_round(community.COMMUNITY, kind="weekly")
    sessions = await app.store.round_sessions(rnd.id)
    calls = sum(chat.calls.values())
    out = {
        "reply": reply.text[:80],
        "answered_s": round(answered, 2),
        "opened_s": round(opened, 2),
        "sessions": len(sessions),
        "unopened": sum(1 for s in sessions if s.space is None),
        "calls": calls,
        "calls_per_pair": round(calls / max(1, len(sessions)), 2),
        "calls_per_s": round(calls / opened, 1),
        "lag_max_ms": round(lag.worst, 1),
        "lag_p99_ms": round(lag.p99(), 1),
        "locks_held": len(app.practice._locks),
    }
    return out, work


async def during_round_start(place: Place, members: int, rate: float) -> dict:
    """Commands at ``rate`` a second while a round of ``members`` starts: their p99."""
    url = await place.community(members, SCALE_WEEKS)
    chat = BenchChat()
    app = await bot(url, chat)
    try:
        work = Workload(app, members, seed=43, first=600)
        await work.prepare(pairs=30)
        latencies: list[float] = []

        async def load():
            while True:
                run = await open_loop(app.service.handle, lambda: _mixed(work), rate, 1.0, 2.0)
                latencies.extend(run.latencies)

        loading = asyncio.create_task(load())
        await asyncio.sleep(1.0)  # the load is running before the round starts
        figures, _ = await round_start(app, chat)
        loading.cancel()
        figures["p99_ms_during_round_start"] = round(pct(latencies, 99), 1)
        figures["p50_ms_during_round_start"] = round(pct(latencies, 50), 1)
        figures["rss_mb"] = round(resident_mb(), 1)  # the round running, every space open
        return figures
    finally:
        await app.stop()


async def cold_start(place: Place, members: int) -> dict:
    """A bot restarted with a running round of ``members`` in live mode (a timer per pair):
    seconds to ready, and resident memory once it runs."""
    url = await place.community(members, 1)
    app = await bot(url)
    await app.service.handle(c.Configure(actor=ADMIN, is_admin=True, settings={"meet": "live"}))
    figures, _ = await round_start(app, BenchChat())
    pending = await _pending_timers(app)
    await app.stop()
    start = time.perf_counter()
    again = await bot(url)
    ready = time.perf_counter() - start
    rss = resident_mb()
    await again.stop()
    return {"cold_start_s": round(ready, 2), "rss_mb": round(rss, 1), "timers": pending,
            "round": figures}  # fmt: skip


async def _pending_timers(app) -> int:
    from sqlalchemy import func, select

    from bot.storage import schema as t

    async with app.store._engine.connect() as conn:
        q = select(func.count()).select_from(t.timers).where(t.timers.c.fired_at.is_(None))
        return (await conn.execute(q)).scalar_one()


def resident_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def db_size(url: str) -> float:
    path = url.split("///", 1)[1]
    return sum(os.path.getsize(p) for p in Path(path).parent.glob(Path(path).name + "*")) / 1e6


async def main(args) -> dict:
    settle_startup()  # as ``mockround run`` does before the bot starts
    work = Path(tempfile.mkdtemp(prefix="mockround-load-"))
    place = Place(Path(args.cache), args.postgres, work)
    out: dict = {"machine": f"{os.cpu_count()} cores"}
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)

    print("Command medians (ms), one at a time, SQLite; the same past per member", flush=True)
    scale = {}
    for n in sizes:
        app = await bot(await place.community(n, SCALE_WEEKS))
        scale[n] = await medians(app, n)
        await app.stop()
        print(f"  {n:>7,}: " + "  ".join(f"{k} {v}" for k, v in scale[n].items()), flush=True)
    out["median_ms_by_size"] = scale
    out["ratio_largest_smallest"] = {
        k: round(scale[sizes[-1]][k] / scale[sizes[0]][k], 2) for k in MIX
    }

    weeks = SCALE_WEEKS if args.quick else WEEKS
    print(f"\nThe headline community: 10,000 members, {weeks} weekly rounds", flush=True)
    url = await place.community(10_000, weeks)
    out["db_mb_year_10000"] = round(db_size(url), 1)
    app = await bot(url)
    out["median_ms"] = await medians(app, 10_000)
    print("  medians: " + "  ".join(f"{k} {v}" for k, v in out["median_ms"].items()))
    print("  open loop, SQLite:", flush=True)
    out["open_loop_sqlite"] = await load_rates(app, 10_000, RATES, args.seconds)
    out["max_rate_p99_50ms_sqlite"] = max_rate(out["open_loop_sqlite"])
    # the same without stats, whose answer carries a chart drawn in the worker (~100 ms)
    print("  open loop, SQLite, the mix without stats:", flush=True)
    no_stats = {k: v for k, v in MIX.items() if k != "stats"}
    out["open_loop_sqlite_no_stats"] = await load_rates(
        app, 10_000, RATES, args.seconds, no_stats, first=400
    )
    out["max_rate_p99_50ms_sqlite_no_stats"] = max_rate(out["open_loop_sqlite_no_stats"])
    await app.stop()
    if args.postgres:
        print("  open loop, PostgreSQL:", flush=True)
        app = await bot(await place.community(10_000, weeks, on="postgres"))
        out["median_ms_postgres"] = await medians(app, 10_000)
        print("  medians: " + "  ".join(f"{k} {v}" for k, v in out["median_ms_postgres"].items()))
        out["open_loop_postgres"] = await load_rates(app, 10_000, RATES, args.seconds)
        out["max_rate_p99_50ms_postgres"] = max_rate(out["open_loop_postgres"])
        await app.stop()

    print("\nStarting rounds", flush=True)
    for n in (20_000,):
        app_chat = BenchChat()
        app = await bot(await place.community(n, 1), app_chat)
        figures, _ = await round_start(app, app_chat)
        await app.stop()
        out[f"round_{n}_free"] = figures
        print(f"  {n:,} members, free port: {figures}", flush=True)
    out["lag_max_ms_20000"] = out["round_20000_free"]["lag_max_ms"]
    out["open_s_10000_free"] = None
    for n in (1_000, 10_000):
        chat = BenchChat()
        app = await bot(await place.community(n, 1), chat)
        free, _ = await round_start(app, chat)
        await app.stop()
        if n == 10_000:
            out["open_s_10000_free"] = free["opened_s"]
        paced = BenchChat(rate=50, latency=0.05)
        app = await bot(await place.community(n, 1), paced)
        figures, _ = await round_start(app, paced)
        await app.stop()
        figures["rate_share"] = round(figures["calls_per_s"] / 50, 3)
        out[f"round_{n}_paced"] = figures
        print(f"  {n:,} members, free port: opened in {free['opened_s']} s; at 50 requests/s "
              f"and 50 ms: {figures}", flush=True)  # fmt: skip
    out["open_rate_share"] = min(out[f"round_{n}_paced"]["rate_share"] for n in (1_000, 10_000))
    out["calls_per_pair"] = out["round_10000_paced"]["calls_per_pair"]

    during = await during_round_start(place, 10_000, args.during_rate)
    out["round_10000_under_load"] = during
    out["p99_ms_during_round_start"] = during["p99_ms_during_round_start"]
    print(f"  10,000-member round under {args.during_rate} commands/s: {during}", flush=True)

    cold = await cold_start(place, 20_000)  # 10,000 pairs: 10,000 pending timers
    out["cold_start_s"], out["rss_mb_10000"] = cold["cold_start_s"], during["rss_mb"]
    out["cold_start"] = cold
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"  cold start with {cold['timers']:,} pending timers: {cold['cold_start_s']} s to "
          f"ready; resident memory with the round running {cold['rss_mb']} MB", flush=True)  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer rates")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (postgresql+asyncpg://...)")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "mockround-bench"))
    parser.add_argument("--seconds", type=float, default=10.0, help="each open-loop rate's run")
    parser.add_argument("--during-rate", type=float, default=100.0)
    args = parser.parse_args()
    Path(args.cache).mkdir(parents=True, exist_ok=True)
    run_and_report(main, args)
