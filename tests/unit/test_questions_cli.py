"""`mockround questions validate` and `mockround questions list`, through their functions."""

from __future__ import annotations

import io

from rich.console import Console

from bot.questions.cli import list_questions, validate
from bot.questions.packs import load_bank
from bot.questions.shipped import REPO_QUESTIONS


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200, color_system=None, force_terminal=False), out


def test_validate_shipped_packs_by_default():
    out = io.StringIO()
    assert validate([], out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert "valid" in lines[0] and "5 track(s)" in lines[0]


def test_validate_broken_directory(tmp_path):
    good = (REPO_QUESTIONS / "coding.yaml").read_text(encoding="utf-8")
    (tmp_path / "coding.yaml").write_text(good, encoding="utf-8")
    broken = good.replace("pack: coding-core", "pack: coding-copy").replace(
        "title: LRU cache", "title: A least-recently-used cache design"
    )
    (tmp_path / "copy.yaml").write_text(broken, encoding="utf-8")
    out = io.StringIO()
    assert validate([tmp_path], out) == 1
    lines = out.getvalue().splitlines()
    copy = str(tmp_path / "copy.yaml")
    assert (
        f"{copy}: question lru-cache: title: 34 characters; at most 24 (a Slack modal title)"
        in lines
    )
    assert lines[-1] == "1 problem(s) in 1 file(s)"


def test_validate_reports_cross_pack_clashes(tmp_path):
    text = (REPO_QUESTIONS / "coding.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text.replace("pack: coding-core", "pack: other"), "utf-8")
    out = io.StringIO()
    assert validate([tmp_path], out) == 1
    body = out.getvalue()
    assert f"{tmp_path / 'b.yaml'}: question lru-cache: id: question id already used" in body


def test_list_filters_by_track():
    bank = load_bank([REPO_QUESTIONS])
    con, out = console()
    assert list_questions(bank, "coding", con) == 0
    text = out.getvalue()
    assert "lru-cache" in text and "LRU cache" in text
    assert "proudest-project" not in text
    coding_rows = [line for line in text.splitlines() if "│ coding │" in line]
    assert len(coding_rows) == len(bank.questions(track="coding"))


def test_list_everything_starts_with_behavioral():
    bank = load_bank([REPO_QUESTIONS])
    con, out = console()
    assert list_questions(bank, None, con) == 0
    text = out.getvalue()
    assert text.index("proudest-project") < text.index("lru-cache")
    assert all(q.id in text for q in bank.questions())


def test_list_unknown_track_names_the_tracks():
    bank = load_bank([REPO_QUESTIONS])
    con, out = console()
    assert list_questions(bank, "cooking", con) == 2
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert "'cooking'" in lines[0] and "behavioral, coding" in lines[0]


def test_list_keeps_ids_whole_on_a_narrow_terminal():
    bank = load_bank([REPO_QUESTIONS])
    out = io.StringIO()
    narrow = Console(file=out, width=80, color_system=None, force_terminal=False)
    assert list_questions(bank, "ml-fundamentals", narrow) == 0
    text = out.getvalue()
    assert all(q.id in text for q in bank.questions(track="ml-fundamentals"))
    assert all(len(line) <= 80 for line in text.splitlines())


def test_list_unknown_track_stays_one_line_when_narrow():
    bank = load_bank([REPO_QUESTIONS])
    out = io.StringIO()
    assert list_questions(bank, "x", Console(file=out, width=40, color_system=None)) == 2
    assert len(out.getvalue().strip().splitlines()) == 1
