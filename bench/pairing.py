"""mockround's pairing and leaderboard figures, side by side with the usual alternatives.

    python bench/pairing.py [--json FILE] [--quick]

Peers: ``shuffle`` (random pairs, as the Recurse Center bot does), ``greedy``
(history-aware greedy, the typical coffee-chat bot) and ``exact`` (the true
optimum of mockround's score, rustworkx on the full graph; "n/a" where it is
too slow). Runs in a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fairness import rank_correlations  # noqa: E402
from bench.leaderboard import leaderboard_figures  # noqa: E402
from bench.rounds import PEERS, quality, repeats  # noqa: E402
from bench.timing import measure  # noqa: E402

TARGETS = {
    "repeat_share_30_all": "0 if avoidable",
    "repeat_share_30_70": "0 if avoidable",
    "repeat_share_200": "0 if avoidable",
    "quality_1000": ">= 0.995",
    "quality_2000": ">= 0.995",
    "seconds_1000": "<= 0.5",
    "seconds_10000": "<= 2",
    "seconds_100000": "<= 15",
    "peak_mb_100000": "< 1024",
    "leaderboard_ms": "<= 100",
    "rank_corr_plain": "",
    "rank_corr_calibrated": "> plain",
}
EXACT_LIMIT = 2000  # the full graph above this takes minutes


def collect(quick: bool) -> dict:
    figures: dict[str, dict] = {name: {} for name in PEERS}
    details: dict[str, object] = {}
    started = time.perf_counter()

    for key, n, attendance in (("30_all", 30, 1.0), ("30_70", 30, 0.7), ("200", 200, 1.0)):
        got = repeats(n, attendance)
        for name, result in got.items():
            figures[name][f"repeat_share_{key}"] = result["share"]
            figures[name][f"avoidable_repeats_{key}"] = result["avoidable"]
    for n in (1000,) if quick else (1000, 2000):
        for name, got in quality(n).items():
            figures[name][f"quality_{n}"] = got["quality"]
            figures[name][f"forbidden_pairs_{n}"] = got["forbidden_pairs"]
            figures[name][f"shared_waking_hours_{n}"] = got["shared_waking_hours"]

    sizes = (1000, 10000) if quick else (1000, 10000, 100000)
    for name in PEERS:
        for n in sizes:
            if name == "exact" and n > EXACT_LIMIT:
                figures[name][f"seconds_{n}"] = None
                continue
            got = measure(name, n, repeat=3 if n <= 10000 else 1)
            figures[name][f"seconds_{n}"] = got["seconds"] if got else None
            figures[name][f"cpu_seconds_{n}"] = got["cpu_seconds"] if got else None
            if n == sizes[-1]:
                figures[name][f"peak_mb_{n}"] = got["peak_mb"] if got else None

    board = leaderboard_figures(ratings=100_000 if quick else 1_000_000)
    details["leaderboard"] = board
    figures["mockround"]["leaderboard_ms"] = board["leaderboard_ms"]
    figures["mockround"]["leaderboard_full_ms"] = max(
        board[f"{p}_full_ms"] for p in ("week", "month", "all")
    )
    figures["mockround"]["record_rating_ms"] = board["record_rating_ms"]

    corr = rank_correlations(members=1000)
    figures["mockround"]["rank_corr_plain"] = corr["plain"]
    figures["mockround"]["rank_corr_calibrated"] = corr["calibrated"]
    details["rank_corr_shrunk_only"] = corr["shrunk_only"]
    for name in PEERS:  # every peer carries every headline key; null where it does not apply
        for key in TARGETS:
            figures[name].setdefault(key, None)
    details["seconds_total"] = time.perf_counter() - started
    return {**figures["mockround"], **figures, "targets": TARGETS, "details": details}


def show(result: dict) -> None:
    keys = [k for k in result["mockround"] if not k.startswith("cpu_")]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text is enough
        Console = None
    rows = []
    for key in keys:
        rows.append(
            [key] + [_fmt(result[name].get(key)) for name in PEERS] + [TARGETS.get(key, "")]
        )
    header = ["figure", *PEERS, "target"]
    if Console is None:
        for row in [header, *rows]:
            print("  ".join(f"{cell:>22}" for cell in row))
    else:
        table = Table(title="mockround pairing and leaderboard benchmark")
        for name in header:
            table.add_column(name, justify="left" if name == "figure" else "right", no_wrap=True)
        for row in rows:
            table.add_row(*row)
        Console(width=max(120, Console().width)).print(table)
    board = result["details"]["leaderboard"]
    print(
        "leaderboard detail (ms): "
        + ", ".join(f"{k}={v:.1f}" for k, v in board.items() if k.endswith("_ms"))
    )
    print(
        f"rank correlation with shrinkage alone: {result['details']['rank_corr_shrunk_only']:.4f}"
    )
    print(f"total benchmark time: {result['details']['seconds_total']:.0f} s")


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    result = collect(args.quick)
    show(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
