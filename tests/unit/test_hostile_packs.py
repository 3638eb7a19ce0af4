"""Hostile community packs are refused in one line each, checked before anything is built,
and a bad pack is skipped at start-up while the good ones load."""

from __future__ import annotations

import io
import logging
import shutil
import time

import pytest

from bot.questions.cli import validate
from bot.questions.packs import load_bank
from bot.questions.shipped import REPO_QUESTIONS
from bot.questions.validation import MAX_PACK_BYTES

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{b}: &{b} [{', '.join(['*' + a] * 9)}]"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)
HOSTILE = {
    "complex-key.yaml": ("pack: a\n? [1, 2]\n: x\n", "a key that is not a plain value"),
    "date-keys.yaml": (
        "pack: b\nrubric: {id: r, dimensions: [{id: d, name: D, anchors: {1: abc, 2026-01-05: b}}]}\n",
        "unknown field '2026-01-05'",
    ),
    "float-key.yaml": (
        "pack: c\nrubric: {id: r, dimensions: [{id: d, name: D, anchors: {1.5: abc}}]}\n",
        "unknown field '1.5'",
    ),
    "deep.yaml": ("x: " + "[" * 20_000 + "]" * 20_000 + "\n", "nests deeper than 32 levels"),
    "bomb.yaml": (BOMB + "\n", "uses an alias (*name)"),
    "huge.yaml": (
        "pack: h\n" + "# padding\n" * (MAX_PACK_BYTES // 10 + 1),
        "a pack may be 1,000,000",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_pack_is_refused_in_lines_that_name_it(tmp_path, name):
    text, expected = HOSTILE[name]
    (tmp_path / name).write_text(text)
    out = io.StringIO()
    start = time.perf_counter()
    assert validate([tmp_path], out) == 1
    assert time.perf_counter() - start < 10  # the bomb used to run out of memory after 34 s
    lines = out.getvalue().splitlines()
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(str(tmp_path / name)) for line in lines[:-1])


def test_bad_packs_are_skipped_at_start_up_with_one_line_each(tmp_path, caplog):
    shutil.copy(REPO_QUESTIONS / "coding.yaml", tmp_path / "coding.yaml")
    for name, (text, _) in HOSTILE.items():
        (tmp_path / name).write_text(text)
    with caplog.at_level(logging.ERROR):
        bank = load_bank([tmp_path])
    assert bank.tracks() == ("coding",)
    skipped = [r.getMessage() for r in caplog.records if "skipped question pack" in r.getMessage()]
    assert len(skipped) == len(HOSTILE) and all("\n" not in m for m in skipped)
