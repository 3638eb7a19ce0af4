"""`mockround questions validate` and `mockround questions list` (wired in bot.cli)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.questions.bank import QuestionBank
from bot.questions.packs import scan_paths
from bot.questions.shipped import REPO_QUESTIONS


def validate(paths: Sequence[Path], out: TextIO) -> int:
    """Print each problem on its own line, then a summary; 1 if any problem, else 0."""
    targets = list(paths) or [REPO_QUESTIONS]
    packs, problems = scan_paths(targets)
    for problem in problems:
        print(problem, file=out)
    if problems:
        bad = len({p.file for p in problems})
        print(f"{len(problems)} problem(s) in {bad} file(s)", file=out)
        return 1
    questions = sum(len(p.questions) for p in packs)
    tracks = len({p.track for p in packs})
    print(f"{len(packs)} pack(s) valid: {questions} questions in {tracks} track(s)", file=out)
    return 0


def list_questions(bank: QuestionBank, track: str | None, console: Console) -> int:
    """A table of the bank's questions, optionally one track; an unknown track returns 2."""
    if track is not None and track not in bank.tracks():
        known = ", ".join(bank.tracks()) or "none loaded"
        console.print(Text(f"unknown track {track!r}; tracks: {known}"), soft_wrap=True)
        return 2
    table = Table(title=f"Questions: {track}" if track else "Questions")
    # ids are what admins copy into config: keep each whole on one line, even when narrow
    questions = [q for t in ([track] if track else bank.tracks()) for q in bank.questions(track=t)]
    longest = max((len(q.id) for q in questions), default=2)
    table.add_column("id", no_wrap=True, min_width=longest)
    table.add_column("track", overflow="fold")
    table.add_column("levels")
    table.add_column("minutes", justify="right")
    table.add_column("title", overflow="fold")
    for q in questions:
        table.add_row(
            Text(q.id), Text(q.track), Text(", ".join(q.levels)), str(q.minutes), Text(q.title)
        )
    console.print(table)
    return 0
