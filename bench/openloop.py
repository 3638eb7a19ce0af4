"""Open-loop load: commands arrive at a fixed rate whether or not earlier ones finished,
as members' clicks do; each latency runs from the moment the command arrived."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Run:
    rate: float
    seconds: float
    latencies: list[float] = field(default_factory=list)  # ms, answered commands
    kinds: dict[str, list[float]] = field(default_factory=dict)
    sent: int = 0
    errors: int = 0

    def figures(self) -> dict[str, float]:
        return {
            "rate": self.rate,
            "p50_ms": pct(self.latencies, 50),
            "p95_ms": pct(self.latencies, 95),
            "p99_ms": pct(self.latencies, 99),
            "answered_share": len(self.latencies) / self.sent if self.sent else 1.0,
            "answered_per_s": len(self.latencies) / self.seconds,
            "errors": self.errors,
        }


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


async def open_loop(
    handle, next_command: Callable[[], tuple[str, object]], rate: float, seconds: float,
    grace: float = 5.0,
) -> Run:  # fmt: skip
    """Send ``rate`` commands a second for ``seconds``; wait ``grace`` more for answers."""
    run = Run(rate, seconds)
    tasks = []
    start = time.perf_counter()

    async def one(kind: str, cmd, due: float) -> None:
        reply = await handle(cmd)
        spent = (time.perf_counter() - due) * 1000
        run.latencies.append(spent)
        run.kinds.setdefault(kind, []).append(spent)
        if reply.error and not reply.text.startswith(EXPECTED_REFUSALS):
            run.errors += 1

    count = int(rate * seconds)
    for i in range(count):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        kind, cmd = next_command()
        tasks.append(asyncio.create_task(one(kind, cmd, due)))
        run.sent += 1
    done, pending = await asyncio.wait(tasks, timeout=grace) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return run


# answers a member gets in a normal week: not failures of the bot
EXPECTED_REFUSALS = ("you are already in a session", "the rating window", "you gave the full")


class LagMonitor:
    """The event loop's longest stall: a task that asks to wake every ``tick`` seconds and
    records how late it woke."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick, self.worst, self.samples = tick, 0.0, []
        self._task: asyncio.Task | None = None

    async def _watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.tick)
            late = (time.perf_counter() - before - self.tick) * 1000
            self.samples.append(late)
            self.worst = max(self.worst, late)

    def __enter__(self) -> LagMonitor:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *exc) -> None:
        assert self._task is not None
        self._task.cancel()

    def p99(self) -> float:
        return pct(self.samples, 99)


def run_and_report(main, args) -> None:
    """Run a benchmark's ``main(args)``; print its top-level figures as one JSON line, and
    write them all to ``args.json`` when given."""
    started = time.perf_counter()
    figures = asyncio.run(main(args))
    figures["total_s"] = round(time.perf_counter() - started)
    print(json.dumps({k: v for k, v in figures.items() if not isinstance(v, dict | list)}))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
