"""The loaded questions: look-ups, filters, and the choice of a question for a practice turn."""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable

from bot.model import LEVELS, Pack, Question, Rubric

FIRST_TRACK = "behavioral"


class QuestionBank:
    def __init__(self, packs: Iterable[Pack] = ()) -> None:
        self.packs: tuple[Pack, ...] = tuple(packs)
        self._questions: dict[str, Question] = {}
        self._rubrics: dict[str, Rubric] = {}
        # (track, level, packs) -> the track's questions by closeness to the level: a round
        # chooses for every pair, and filtering the packs each time was half its pairing
        self._ranked: dict[tuple, tuple[tuple[Question, ...], ...]] = {}
        for pack in self.packs:
            self._rubrics.setdefault(pack.rubric.id, pack.rubric)
            for q in pack.questions:
                if q.id in self._questions:
                    raise ValueError(
                        f"question id {q.id!r} is in two packs: {pack.id} and "
                        f"{self._questions[q.id].pack}"
                    )
                self._questions[q.id] = q

    def __len__(self) -> int:
        return len(self._questions)

    def question(self, question_id: str) -> Question:
        try:
            return self._questions[question_id]
        except KeyError:
            raise KeyError(f"unknown question id {question_id!r}") from None

    def rubric(self, rubric_id: str) -> Rubric:
        try:
            return self._rubrics[rubric_id]
        except KeyError:
            raise KeyError(f"unknown rubric id {rubric_id!r}") from None

    def rubric_for(self, question: Question) -> Rubric:
        return self.rubric(question.rubric_id)

    def dimension_names(self) -> dict[str, str]:
        """Rubric dimension ids -> the names the rating form shows."""
        return {d.id: d.name for r in self._rubrics.values() for d in r.dimensions}

    def tracks(self) -> tuple[str, ...]:
        return tuple(sorted({p.track for p in self.packs}, key=lambda t: (t != FIRST_TRACK, t)))

    def pack_ids(self) -> tuple[str, ...]:
        return tuple(sorted(p.id for p in self.packs))

    def questions(
        self,
        *,
        track: str | None = None,
        level: str | None = None,
        packs: Collection[str] | None = None,
    ) -> tuple[Question, ...]:
        """In pack order, then file order; every filter given must hold."""
        return tuple(
            q
            for p in self.packs
            if (packs is None or p.id in packs) and (track is None or p.track == track)
            for q in p.questions
            if level is None or level in q.levels
        )

    def choose(
        self,
        *,
        track: str,
        level: str,
        exclude: Collection[str],
        seed: str,
        packs: Collection[str] | None = None,
    ) -> Question | None:
        """A question of the track for someone at `level`.

        Questions in `exclude` (those either member has answered) are used only once the
        track has no other; among the rest the closest level wins (the level itself, then
        one step away, then any). The pick is random.Random(seed) over a sorted list, so
        the same seed gives the same question in any process.
        """
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; accepted: {', '.join(LEVELS)}")
        ranked = self._by_closeness(track, level, packs)
        if not ranked:
            return None
        excluded = exclude if isinstance(exclude, set | frozenset) else set(exclude)
        for group in ranked:
            unseen = [q for q in group if q.id not in excluded]
            if unseen:
                return random.Random(seed).choice(unseen)
        return random.Random(seed).choice(ranked[0])

    def _by_closeness(
        self, track: str, level: str, packs: Collection[str] | None
    ) -> tuple[tuple[Question, ...], ...]:
        """The track's questions in groups of one distance from ``level``, the closest
        first, each group sorted by id."""
        key = (track, level, None if packs is None else frozenset(packs))
        if key not in self._ranked:
            groups: dict[int, list[Question]] = {}
            for q in self.questions(track=track, packs=packs):
                groups.setdefault(_level_distance(q, level), []).append(q)
            self._ranked[key] = tuple(
                tuple(sorted(groups[d], key=lambda q: q.id)) for d in sorted(groups)
            )
        return self._ranked[key]


def _level_distance(question: Question, level: str) -> int:
    want = LEVELS.index(level)
    return min(
        (abs(LEVELS.index(lv) - want) for lv in question.levels if lv in LEVELS),
        default=len(LEVELS),
    )
