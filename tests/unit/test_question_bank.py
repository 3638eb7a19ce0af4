"""QuestionBank look-ups and the choice of a question for a turn."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.model import LEVELS, Dimension, Guide, Pack, Question, Rubric
from bot.questions.bank import QuestionBank

GUIDE = Guide(look_for=("a", "b", "c"), follow_ups=("d", "e"), red_flags=("f", "g"))


def make_pack(pack_id: str, track: str, questions: dict[str, tuple[str, ...]]) -> Pack:
    rubric = Rubric(f"{track}-rubric", (Dimension("clarity", "Clarity", {1: "x", 3: "y", 5: "z"}),))
    return Pack(
        id=pack_id,
        title=pack_id,
        track=track,
        rubric=rubric,
        questions=tuple(
            Question(qid, pack_id, track, qid, "prompt", levels, 10, (), GUIDE, rubric.id)
            for qid, levels in questions.items()
        ),
        source=f"{pack_id}.yaml",
    )


PACKS = (
    make_pack(
        "coding-main",
        "coding",
        {
            "c-junior-1": ("junior",),
            "c-junior-2": ("junior",),
            "c-mid-1": ("mid",),
            "c-mid-senior": ("mid", "senior"),
            "c-senior-1": ("senior",),
        },
    ),
    make_pack("coding-extra", "coding", {"x-junior": ("junior",)}),
    make_pack("behavioral-main", "behavioral", {"b-any": ("junior", "mid", "senior")}),
    make_pack("ml-fundamentals-main", "ml-fundamentals", {"m-mid": ("mid",)}),
)
ALL_IDS = {q.id for p in PACKS for q in p.questions}


@pytest.fixture
def bank() -> QuestionBank:
    return QuestionBank(PACKS)


def ids(questions) -> list[str]:
    return [q.id for q in questions]


def test_lookups(bank):
    assert bank.question("c-mid-1").pack == "coding-main"
    with pytest.raises(KeyError, match="nope"):
        bank.question("nope")
    q = bank.question("b-any")
    assert bank.rubric_for(q).id == "behavioral-rubric"
    with pytest.raises(KeyError):
        bank.rubric("missing-rubric")
    assert len(bank) == 8


def test_tracks_sorted_with_behavioral_first(bank):
    assert bank.tracks() == ("behavioral", "coding", "ml-fundamentals")
    assert bank.pack_ids() == (
        "behavioral-main",
        "coding-extra",
        "coding-main",
        "ml-fundamentals-main",
    )


def test_questions_filters(bank):
    assert ids(bank.questions(track="coding", level="junior")) == [
        "c-junior-1",
        "c-junior-2",
        "x-junior",
    ]
    assert ids(bank.questions(level="senior")) == ["c-mid-senior", "c-senior-1", "b-any"]
    assert ids(bank.questions(track="coding", packs={"coding-extra"})) == ["x-junior"]
    assert bank.questions(track="no-such-track") == ()


def test_duplicate_question_ids_are_refused():
    a = make_pack("a", "coding", {"same": ("mid",)})
    b = make_pack("b", "coding", {"same": ("mid",)})
    with pytest.raises(ValueError, match="same"):
        QuestionBank([a, b])


def test_choose_is_deterministic_for_a_seed(bank):
    picks = {
        bank.choose(track="coding", level="junior", exclude=(), seed="round-7:pair-3").id
        for _ in range(20)
    }
    assert len(picks) == 1
    # a fresh bank built in another order picks the same: the choice is over a sorted list
    reordered = QuestionBank(reversed(bank.packs))
    again = reordered.choose(track="coding", level="junior", exclude=(), seed="round-7:pair-3")
    assert again.id == picks.pop()


def test_choose_varies_with_the_seed(bank):
    seen = {
        bank.choose(track="coding", level="junior", exclude=(), seed=f"s{i}").id for i in range(50)
    }
    assert seen == {"c-junior-1", "c-junior-2", "x-junior"}


def test_choose_prefers_the_level(bank):
    for i in range(30):
        q = bank.choose(track="coding", level="senior", exclude=(), seed=str(i))
        assert "senior" in q.levels


def test_choose_never_picks_excluded_while_unseen_remain(bank):
    every = set(ids(bank.questions(track="coding")))
    for i in range(40):
        exclude = set(sorted(every)[: i % len(every)])
        q = bank.choose(track="coding", level="mid", exclude=exclude, seed=f"x{i}")
        assert q.id not in exclude


def test_choose_falls_back_to_adjacent_then_any_level(bank):
    # every senior and mid question seen: the junior ones are two steps away but unseen
    seen = {"c-senior-1", "c-mid-senior", "c-mid-1"}
    q = bank.choose(track="coding", level="senior", exclude=seen, seed="s")
    assert q.id in {"c-junior-1", "c-junior-2", "x-junior"}
    # juniors seen: a mid question (one step) is preferred over a senior-only one
    seen = {"c-junior-1", "c-junior-2", "x-junior"}
    for i in range(20):
        q = bank.choose(track="coding", level="junior", exclude=seen, seed=f"a{i}")
        assert q.id in {"c-mid-1", "c-mid-senior"}


def test_choose_when_everything_was_seen_still_answers(bank):
    every = set(ids(bank.questions(track="coding")))
    first = bank.choose(track="coding", level="mid", exclude=every, seed="again")
    assert first is not None and "mid" in first.levels
    assert bank.choose(track="coding", level="mid", exclude=every, seed="again") == first


def test_choose_respects_enabled_packs(bank):
    q = bank.choose(track="coding", level="senior", exclude=(), seed="p", packs={"coding-extra"})
    assert q.id == "x-junior"
    assert (
        bank.choose(track="coding", level="mid", exclude=(), seed="p", packs={"behavioral-main"})
        is None
    )


def test_choose_returns_none_for_a_track_without_questions(bank):
    assert bank.choose(track="system-design", level="mid", exclude=(), seed="s") is None


def test_choose_refuses_an_unknown_level(bank):
    with pytest.raises(ValueError, match="junior, mid, senior"):
        bank.choose(track="coding", level="expert", exclude=(), seed="s")


@settings(max_examples=150, deadline=None)
@given(
    track=st.sampled_from(["behavioral", "coding", "ml-fundamentals"]),
    level=st.sampled_from(["junior", "mid", "senior"]),
    seen=st.sets(st.sampled_from(sorted(ALL_IDS))),
    seed=st.text(max_size=12),
)
def test_choose_properties(track, level, seen, seed):
    bank = QuestionBank(PACKS)
    q = bank.choose(track=track, level=level, exclude=seen, seed=seed)
    track_ids = {x.id for x in bank.questions(track=track)}
    assert q is not None and q.track == track
    if track_ids - seen:
        assert q.id not in seen
    pool = [x for x in bank.questions(track=track) if x.id not in seen] or bank.questions(
        track=track
    )

    def distance(x):
        return min(abs(LEVELS.index(lv) - LEVELS.index(level)) for lv in x.levels)

    assert distance(q) == min(distance(x) for x in pool)
    assert bank.choose(track=track, level=level, exclude=seen, seed=seed) == q


SHARED = QuestionBank(PACKS)  # one bank for every example: its choices are remembered


@settings(max_examples=200, deadline=None)
@given(
    track=st.sampled_from(["behavioral", "coding", "ml-fundamentals", "design"]),
    level=st.sampled_from(["junior", "mid", "senior"]),
    seen=st.sets(st.sampled_from(sorted(ALL_IDS))),
    packs=st.none() | st.sets(st.sampled_from([p.id for p in PACKS])),
    seed=st.text(max_size=12),
)
def test_choose_is_the_seeded_pick_among_the_closest_unseen_sorted_by_id(
    track, level, seen, packs, seed
):
    """The pick itself, not only its kind: a seed gives the same question in any process
    and in any version, however the bank finds it (it remembers each track's ranking)."""
    import random

    pool = SHARED.questions(track=track, packs=packs)
    candidates = [q for q in pool if q.id not in seen] or list(pool)

    def distance(x):
        return min(abs(LEVELS.index(lv) - LEVELS.index(level)) for lv in x.levels)

    closest = sorted(
        (q for q in candidates if distance(q) == min(map(distance, candidates))),
        key=lambda q: q.id,
    )
    expected = random.Random(seed).choice(closest) if closest else None
    for exclude in (seen, frozenset(seen), sorted(seen)):
        assert (
            SHARED.choose(track=track, level=level, exclude=exclude, seed=seed, packs=packs)
            == expected
        )
