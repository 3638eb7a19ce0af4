"""Leaderboard query time on SQLite: 10,000 members, 1,000,000 ratings over a year.

The summary tables are filled in bulk with exactly what ``record_rating`` and
``record_session`` would have accumulated; the raw ratings go into the core's
``ratings`` table too, so the file has its real size and the raw aggregate can
be timed next to the summaries.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage import board, schema, standings
from bot.storage.ranks import Ranks

COMMUNITY = "discord:bench"
TRACKS = ["coding", "behavioral", "system-design", "ml-system-design"]
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
DAYS = 365


def build(path: Path, members: int, ratings: int, seed: int = 5) -> None:
    engine = create_engine(f"sqlite:///{path}")
    schema.metadata.create_all(engine)
    engine.dispose()
    rng = np.random.default_rng(seed)
    rater = rng.integers(0, members, ratings)
    ratee = (rater + rng.integers(1, members, ratings)) % members
    track = rng.integers(0, len(TRACKS), ratings)
    day = rng.integers(0, DAYS, ratings)  # days before NOW
    lenient = rng.normal(0.0, 0.4, members)
    overall = np.clip(np.rint(3.6 + rng.normal(0, 0.6, members)[ratee] + lenient[rater]), 1, 5)
    calibrated = overall - lenient[rater]
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    at = [(NOW - timedelta(days=int(d), seconds=int(s))).strftime("%Y-%m-%d %H:%M:%S.%f")
          for d, s in zip(day, rng.integers(0, 86400, ratings), strict=True)]  # fmt: skip
    con.executemany(
        "INSERT INTO ratings (community, session_id, turn, rater, ratee, overall, scores, comment,"
        " source, track, submitted_at) VALUES (?, ?, 0, ?, ?, ?, '{}', '', 'reaction', ?, ?)",
        (
            (COMMUNITY, f"s{k}", f"u{rater[k]}", f"u{ratee[k]}", float(overall[k]), TRACKS[track[k]], at[k])
            for k in range(ratings)
        ),
    )  # fmt: skip
    # what the running summaries hold: per period, track and member (a rating came with a session)
    first = NOW.date()
    local = [first - timedelta(days=d) for d in range(DAYS)]
    starts = {
        "week": [d - timedelta(days=d.weekday()) for d in local],
        "month": [d.replace(day=1) for d in local],
        "all": [standings.ALL_TIME] * DAYS,
    }
    names = [*TRACKS, standings.ALL_TRACKS]
    every_track = np.full(ratings, len(TRACKS))
    for kind, start_of in starts.items():
        labels = sorted(set(start_of))
        bucket = np.array([labels.index(s) for s in start_of])[day]
        for by_track in (track, every_track):
            key = (bucket * len(names) + by_track) * members + ratee
            keys, inverse = np.unique(key, return_inverse=True)
            count, raw, cal = (np.bincount(inverse, w) for w in (None, overall, calibrated))
            rest, m = np.divmod(keys, members)
            b, tr = np.divmod(rest, len(names))
            con.executemany(
                "INSERT INTO standing_periods VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((COMMUNITY, kind, labels[b[k]].isoformat(), names[tr[k]], f"u{m[k]}",
                  int(count[k]), float(raw[k]), float(cal[k]), int(count[k]))
                 for k in range(len(keys))),
            )  # fmt: skip
    con.execute(
        "INSERT INTO standing_community VALUES (?, ?, ?)",
        (COMMUNITY, ratings, float(overall.sum())),
    )
    this_week = NOW.date() - timedelta(days=NOW.date().weekday())
    con.executemany(
        "INSERT INTO member_streaks VALUES (?, ?, ?, ?)",
        ((COMMUNITY, f"u{k}", (this_week - timedelta(weeks=k % 3)).isoformat(), 1 + k % 9)
         for k in range(members)),
    )  # fmt: skip
    con.commit()
    con.execute("ANALYZE")
    con.close()


async def _time(fn, repeat: int = 7) -> float:
    await fn()  # warm the page cache, as a running bot has it
    spent = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent) * 1000


async def measure(path: Path) -> dict[str, float]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    out: dict[str, float] = {}
    async with engine.connect() as conn:
        for period in ("week", "month", "all"):
            for track in (None, "coding"):
                for limit in (10, None):  # the top ten the bot shows; every member ranked

                    async def query(period=period, track=track, limit=limit):
                        return await board.leaderboard(
                            conn, COMMUNITY, period=period, track=track, now=NOW, tz="UTC",
                            limit=limit,
                        )  # fmt: skip

                    name = f"{period}{'' if track is None else '_track'}"
                    name += "_top10_ms" if limit else "_full_ms"
                    out[name] = await _time(query)

        async def one_line():
            return await Ranks().standing_of(
                conn, COMMUNITY, "u4242", period="all", track=None, now=NOW, tz="UTC"
            )

        out["standing_of_ms"] = await _time(one_line)
        since = (NOW - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
        raw_sql = (
            "SELECT ratee, COUNT(*), SUM(overall) FROM ratings WHERE community = ? "
            "AND submitted_at >= ? GROUP BY ratee"
        )

        async def raw():
            return (await conn.exec_driver_sql(raw_sql, (COMMUNITY, since))).all()

        async def raw_all():
            return (await conn.exec_driver_sql(raw_sql, (COMMUNITY, "0"))).all()

        out["raw_month_ms"] = await _time(raw, 3)
        out["raw_all_ms"] = await _time(raw_all, 3)
    out["record_rating_ms"] = await _record_cost(engine)
    await engine.dispose()
    return out


async def _record_cost(engine, count: int = 300) -> float:
    """One rating saved and summarised per transaction, as the store does it."""
    start = time.perf_counter()
    for k in range(count):
        async with engine.begin() as conn:
            await standings.record_rating(
                conn, community=COMMUNITY, session_id=f"new{k}", turn=0, rater=f"u{k}",
                ratee=f"u{k + 1}", overall=4.0, track="coding", at=NOW, tz="UTC",
            )  # fmt: skip
    return (time.perf_counter() - start) / count * 1000


def leaderboard_figures(members: int = 10_000, ratings: int = 1_000_000) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "board.db"
        start = time.perf_counter()
        build(path, members, ratings)
        built = time.perf_counter() - start
        out = asyncio.run(measure(path))
    out["build_seconds"] = built
    # the headline: the slowest period's top-ten board, as the leaderboard command asks for it
    out["leaderboard_ms"] = max(out[f"{p}_top10_ms"] for p in ("week", "month", "all"))
    return out


if __name__ == "__main__":
    print(leaderboard_figures())
