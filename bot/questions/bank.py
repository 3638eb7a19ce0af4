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
        pool = self.questions(track=track, packs=packs)
        if not pool:
            return None
        excluded = set(exclude)
        unseen = [q for q in pool if q.id not in excluded]
        candidates = unseen or list(pool)
        best = min(_level_distance(q, level) for q in candidates)
        closest = sorted(
            (q for q in candidates if _level_distance(q, level) == best), key=lambda q: q.id
        )
        return random.Random(seed).choice(closest)


def _level_distance(question: Question, level: str) -> int:
    want = LEVELS.index(level)
    return min(
        (abs(LEVELS.index(lv) - want) for lv in question.levels if lv in LEVELS),
        default=len(LEVELS),
    )
