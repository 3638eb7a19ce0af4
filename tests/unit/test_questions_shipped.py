"""The question bank that ships with mockround: valid, large enough, and fit for the platforms."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bot.model import LEVELS
from bot.questions.packs import load_bank, validate_paths
from bot.questions.shipped import REPO_QUESTIONS

TRACKS = {"behavioral", "ml-system-design", "system-design", "ml-fundamentals", "coding"}


@pytest.fixture(scope="module")
def bank():
    return load_bank([REPO_QUESTIONS])


def test_every_shipped_pack_is_valid():
    problems = validate_paths([REPO_QUESTIONS])
    assert problems == [], "\n".join(map(str, problems))


def test_every_pack_file_loaded(bank):
    files = sorted(REPO_QUESTIONS.glob("*.y*ml"))
    assert len(bank.packs) == len(files) >= 5


def test_size_and_tracks(bank):
    assert len(bank.questions()) >= 60
    assert set(bank.tracks()) >= TRACKS
    assert bank.tracks()[0] == "behavioral"
    per_track = Counter(q.track for q in bank.questions())
    assert all(per_track[t] >= 12 for t in TRACKS), per_track


def test_every_track_has_every_level(bank):
    for track in TRACKS:
        for level in LEVELS:
            assert bank.questions(track=track, level=level), (track, level)


def test_guides_have_enough_lines(bank):
    for q in bank.questions():
        assert len(q.guide.look_for) >= 3, q.id
        assert len(q.guide.follow_ups) >= 2, q.id
        assert len(q.guide.red_flags) >= 2, q.id


def test_one_rubric_per_track_with_at_most_four_anchored_dimensions(bank):
    rubrics_by_track: dict[str, set[str]] = {}
    for p in bank.packs:
        rubrics_by_track.setdefault(p.track, set()).add(p.rubric.id)
    assert all(len(ids) == 1 for ids in rubrics_by_track.values()), rubrics_by_track
    for p in bank.packs:
        assert 1 <= len(p.rubric.dimensions) <= 4
        for dim in p.rubric.dimensions:
            assert {1, 3, 5} <= set(dim.anchors)


def test_text_fits_discord_and_slack(bank):
    for p in bank.packs:
        for dim in p.rubric.dimensions:
            assert len(dim.name) <= 24, dim.name
            # the rating form shows "5 - <anchor>"; a Slack option holds 75 characters
            assert all(len(f"5 - {a}") <= 75 for a in dim.anchors.values()), dim.id
    for q in bank.questions():
        assert len(q.title) <= 24, q.title
        assert len(q.prompt) <= 1500, q.id
        lines = q.guide.look_for + q.guide.follow_ups + q.guide.red_flags
        assert all(len(line) <= 200 for line in lines), q.id


def test_every_question_is_reachable_by_choose(bank):
    # each question id is unique and each track answers for every level
    assert len({q.id for q in bank.questions()}) == len(bank.questions())
    for track in TRACKS:
        for level in LEVELS:
            q = bank.choose(track=track, level=level, exclude=(), seed=f"{track}:{level}")
            assert q is not None and q.track == track and level in q.levels


def test_schema_levels_match_the_model():
    schema = json.loads((REPO_QUESTIONS / "schema.json").read_text(encoding="utf-8"))
    levels = schema["$defs"]["question"]["properties"]["level"]["items"]["enum"]
    assert tuple(levels) == LEVELS


def test_prompts_are_not_hard_wrapped(bank):
    # chat clients show every newline; a line that stops mid-sentence reads as broken text
    for q in bank.questions():
        for line in q.prompt.splitlines():
            assert line.rstrip().endswith((".", "?", "!", ":", '"')), (q.id, line)
