"""The wheel the project builds installs into a fresh virtual environment and runs there:
the demo and the pack check, with the question packs shipped inside, and no packaging
warnings along the way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


def warnings_in(output: str) -> list[str]:
    # pip's own notes about this machine's package index locations are not the package's
    return [
        line
        for line in output.splitlines()
        if ("warning" in line.lower() or "deprecat" in line.lower())
        and "is ignored: it is neither a file nor a directory" not in line
    ]


def test_the_wheel_installs_and_runs_the_demo_from_a_fresh_venv(tmp_path):
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        ROOT,
        "--no-deps",
        "-w",
        tmp_path / "dist",
        cwd=tmp_path,
    )
    assert not warnings_in(built.stdout + built.stderr)
    (wheel,) = (tmp_path / "dist").glob("mockround-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    installed = run(venv / "bin" / "pip", "install", "--quiet", wheel, cwd=tmp_path)
    assert not warnings_in(installed.stdout + installed.stderr)

    # run away from the checkout, so nothing can be imported from it
    away = tmp_path / "elsewhere"
    away.mkdir()
    packs = run(venv / "bin" / "mockround", "questions", "validate", cwd=away)
    assert "pack(s) valid" in packs.stdout, packs.stdout
    demo = run(venv / "bin" / "mockround", "demo", "--members", "4", cwd=away)
    assert "**Booked**" in demo.stdout and "Leaderboard" in demo.stdout, demo.stdout[-1500:]
    shipped = run(
        venv / "bin" / "python",
        "-c",
        "import bot.questions.shipped as s; print(s.REPO_QUESTIONS)",
        cwd=away,
    )
    assert str(venv) in shipped.stdout
