"""Time and peak memory of one pairing peer at one size, in a fresh process.

    python -m bench.timing mockround 100000

prints one JSON object: wall seconds (median of the runs), CPU seconds, and
the process's peak resident memory (inputs and interpreter included).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM rather than ru_maxrss: the latter
    keeps the parent's figure across fork and exec, so every child would report it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(peer: str, n: int, repeat: int) -> dict:
    from bench.population import community
    from bench.rounds import PEERS

    people, history = community(n, seed=21, now=NOW)
    before_mb = peak_mb()
    walls, cpus = [], []
    for k in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        PEERS[peer](people, history, k, NOW)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "seconds": statistics.median(walls),
        "cpu_seconds": statistics.median(cpus),
        "peak_mb": peak_mb(),
        "inputs_mb": before_mb,
    }


def measure(peer: str, n: int, repeat: int = 1, timeout: float = 240) -> dict | None:
    """Run in a child process so each figure has its own clean peak memory."""
    cmd = [sys.executable, "-m", "bench.timing", peer, str(n), str(repeat)]
    try:
        out = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=True
        )
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    peer, size = sys.argv[1], int(sys.argv[2])
    times = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    print(json.dumps(run(peer, size, times)))
