"""Charts and round reports at community size, and how the bot answers meanwhile.

A community of 10,000 members with 1,000,000 ratings (two rubric dimensions each) and
8 weekly rounds of 10,000 members (5,000 sessions each) is written in bulk with SQL
that matches the schema (the store's migrations create it first). Then, through the
real composition root (system clock, so charts are drawn in the worker process pool):

- ``chart_ms``: ``/mock stats`` of one member (about 100 ratings), chart included;
- ``report_ms``: the organisers' report of the latest round, participation chart included;
- ``answer_p50_ms`` / ``answer_p99_ms`` / ``answer_max_ms``: ``/mock help`` and
  ``/mock status`` sent every 5 ms while stats and reports are being drawn.

    python bench/reporting.py [--members 10000] [--ratings 1000000] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.console.chat import ConsoleChat  # noqa: E402
from bot import commands as c  # noqa: E402
from bot.app.bootstrap import build  # noqa: E402
from bot.app.config import load_settings  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.model import UserRef  # noqa: E402
from bot.storage.sql import SqlStore  # noqa: E402

COMMUNITY = "console:bench"
ROUNDS = 8
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def fill(path: Path, members: int, ratings: int, seed: int = 12) -> None:
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.executemany(
        "INSERT INTO members (community, user_id, name, track, level, timezone, status,"
        " joined_at, interviewed, candidated, slot) VALUES (?, ?, ?, 'behavioral', 'mid',"
        " 'Europe/Berlin', 'active', ?, 0, 0, 1)",
        ((COMMUNITY, f"u{i}", f"Member {i}", now.strftime(STAMP)) for i in range(members)),
    )
    questions = ("time-pressure-delivery", "conflict-with-a-peer")
    for r in range(ROUNDS):
        rid = f"w{r}"
        at = (now - timedelta(weeks=ROUNDS - r)).strftime(STAMP)
        con.execute(
            "INSERT INTO rounds (id, community, seed, kind, status, created_at, unplaced, slot)"
            " VALUES (?, ?, 1, 'weekly', 'done', ?, '{}', 1)",
            (rid, COMMUNITY, at),
        )
        order = rng.permutation(members)
        sessions, parts = [], []
        for k in range(members // 2):
            a, b = f"u{order[2 * k]}", f"u{order[2 * k + 1]}"
            came = rng.random() > 0.05
            turns = json.dumps([[a, b, questions[0]], [b, a, questions[1]]])
            sessions.append(
                (f"{rid}-{k}", COMMUNITY, rid, json.dumps([a, b]), turns,
                 "done" if came else "no_show", 1, "[]", at, at,
                 "[]" if came else json.dumps([b]))
            )  # fmt: skip
            parts += [(COMMUNITY, a, f"{rid}-{k}", at, "behavioral", at if came else None, 1),
                      (COMMUNITY, b, f"{rid}-{k}", at, "behavioral", at if came else None,
                       1 if came else 0)]  # fmt: skip
        con.executemany(
            "INSERT INTO sessions (id, community, round_id, members, turns, phase, turn_index,"
            " confirmed, created_at, ended_at, absent) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            sessions,
        )
        con.executemany(
            "INSERT INTO participants (community, user_id, session_id, created_at, track,"
            " completed_at, attended) VALUES (?,?,?,?,?,?,?)",
            parts,
        )
    rater = rng.integers(0, members, ratings)
    ratee = (rater + rng.integers(1, members, ratings)) % members
    score = rng.integers(1, 6, (ratings, 2))
    sessions_made = ROUNDS * (members // 2)
    con.executemany(
        "INSERT INTO ratings (community, session_id, turn, rater, ratee, overall, scores, comment,"
        " source, track, submitted_at, about) VALUES (?, ?, 0, ?, ?, ?, ?, '', 'form',"
        " 'behavioral', ?, 'answer')",
        (
            (COMMUNITY, f"w{k % ROUNDS}-{k % (sessions_made // ROUNDS)}x{k}", f"u{rater[k]}",
             f"u{ratee[k]}", float(round(score[k].mean())),
             json.dumps({"structure": int(score[k][0]), "impact": int(score[k][1])}),
             (now - timedelta(minutes=int(k % 500_000))).strftime(STAMP))
            for k in range(ratings)
        ),
    )  # fmt: skip
    con.commit()
    con.close()


async def timed(coro) -> tuple[float, object]:
    start = time.perf_counter()
    out = await coro
    return (time.perf_counter() - start) * 1000, out


async def measure(url: str, members: int) -> dict:
    chat = ConsoleChat(SystemClock(), workspace="bench", files_dir=Path(tempfile.mkdtemp()))
    app = await build(load_settings(database_url=url), chat)  # real clock: a worker process
    await app.start()
    me = UserRef("console", "bench", "u1")
    rnd = await app.store.latest_round(COMMUNITY)
    try:
        await app.service.handle(c.ShowStats(actor=me))  # warm the worker process up
        charts = [(await timed(app.service.handle(c.ShowStats(actor=me))))[0] for _ in range(5)]
        reports = [(await timed(app.service.reports.build(rnd)))[0] for _ in range(3)]
        latencies: list[float] = []
        drawing = asyncio.ensure_future(
            asyncio.gather(
                app.service.reports.build(rnd),
                *[
                    app.service.handle(c.ShowStats(actor=UserRef("console", "bench", f"u{i}")))
                    for i in range(2, 6)
                ],
            )  # fmt: skip
        )
        k = 0
        while not drawing.done():
            cmd = c.Help(actor=me) if k % 2 else c.ShowStatus(actor=me)
            latencies.append((await timed(app.service.handle(cmd)))[0])
            k += 1
            await asyncio.sleep(0.005)
        await drawing
    finally:
        await app.stop()
    latencies.sort()
    return {
        "members": members,
        "chart_ms": round(statistics.median(charts), 1),
        "report_ms": round(statistics.median(reports), 1),
        "answers_during_render": len(latencies),
        "answer_p50_ms": round(latencies[len(latencies) // 2], 2),
        "answer_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        "answer_max_ms": round(latencies[-1], 2),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--members", type=int, default=10_000)
    p.add_argument("--ratings", type=int, default=1_000_000)
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        start = time.perf_counter()

        async def migrate() -> None:
            store = SqlStore(url)
            await store.migrate()
            await store.close()

        asyncio.run(migrate())
        fill(path, args.members, args.ratings)
        built = time.perf_counter() - start
        figures = asyncio.run(measure(url, args.members))
        figures["build_s"] = round(built, 1)
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
