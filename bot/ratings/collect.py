"""Ratings: the quick score by reaction and the full rubric by form.

One rating per (session, turn, rater, ratee): a later one replaces it while the
turn's feedback window is open, and the same delivery twice stores the same row.
Only the turn's interviewer rates the candidate.
"""

from __future__ import annotations

from bot import validation
from bot.commands import BadInput, OpenRatingForm, ReactionAdded, SubmitRating
from bot.messages import SCORE_EMOJIS, Reply
from bot.model import Phase, Rating, Session, UserRef
from bot.sessions import presenter
from bot.sessions.driver import Practice
from bot.sessions.machine import InvalidTransition

RATING_PHASES = (Phase.ANSWER, Phase.FEEDBACK)


class Ratings:
    def __init__(self, practice: Practice) -> None:
        self.practice = practice
        self.store, self.bank, self.clock = practice.store, practice.bank, practice.clock

    def _check_window(self, s: Session, turn: int, rater: UserRef) -> None:
        if not 0 <= turn < len(s.turns):
            raise InvalidTransition(f"turn must be 0 to {len(s.turns) - 1}")
        if s.turns[turn].interviewer != rater:
            raise InvalidTransition("only the interviewer of that turn can rate the candidate")
        if s.turn_index != turn or s.phase not in RATING_PHASES:
            raise InvalidTransition(
                "the feedback window for that turn is closed: ratings are taken until its feedback ends"
            )

    async def open_form(self, cmd: OpenRatingForm) -> Reply:
        if cmd.session_id is None:
            s = await self._latest_interviewing(cmd.actor)
        else:
            s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
        turn = s.turn_index if cmd.turn is None else cmd.turn
        self._check_window(s, turn, cmd.actor)
        q = self.bank.question(s.turns[turn].question_id)
        names = await self.practice.names(s)
        form = presenter.rating_form(
            s, turn, self.bank.rubric_for(q), names[s.turns[turn].candidate]
        )
        return Reply(form=form)

    async def _latest_interviewing(self, user: UserRef) -> Session:
        for s in await self.store.sessions_of(user, limit=3):
            if s.phase in RATING_PHASES and s.turn.interviewer == user:
                return s
        raise InvalidTransition(
            "nothing to rate right now: you can rate while you are the interviewer, "
            "until the feedback phase ends"
        )

    async def submit(self, cmd: SubmitRating) -> Reply:
        s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
        self._check_window(s, cmd.turn, cmd.actor)
        rubric = self.bank.rubric_for(self.bank.question(s.turns[cmd.turn].question_id))
        scores, errors = {}, {}
        for d in rubric.dimensions:
            try:
                scores[d.id] = validation.score(d.name, cmd.values.get(d.id))
            except BadInput as exc:
                errors[d.id] = str(exc)
        unknown = set(cmd.values) - {d.id for d in rubric.dimensions}
        if unknown:
            errors[sorted(unknown)[0]] = "not a dimension of this rubric"
        if len(cmd.comment) > 1000:
            errors["comment"] = "keep the comment under 1000 characters"
        if errors:
            return Reply.fail("; ".join(errors.values()), field_errors=errors)
        overall = round(sum(scores.values()) / len(scores))
        return await self._save(
            s, cmd.turn, cmd.actor, overall, scores, cmd.comment.strip(), "form"
        )

    async def react(self, cmd: ReactionAdded, session_id: str, turn: int) -> Reply:
        if cmd.emoji not in SCORE_EMOJIS:
            raise BadInput("react with 1️⃣ to 5️⃣ for a quick score")
        s = await self.practice.live_session_of(cmd.actor, session_id)
        self._check_window(s, turn, cmd.actor)
        score = SCORE_EMOJIS.index(cmd.emoji) + 1
        return await self._save(s, turn, cmd.actor, score, {}, "", "reaction")

    async def _save(self, s, turn, rater, overall, scores, comment, source) -> Reply:
        t = s.turns[turn]
        track = self.bank.question(t.question_id).track if t.question_id else "unknown"
        rating = Rating(
            session_id=s.id,
            turn=turn,
            rater=rater,
            ratee=t.candidate,
            overall=overall,
            scores=scores,
            comment=comment,
            source=source,
            submitted_at=self.clock.now(),
        )
        tz = (await self.store.get_config(s.community)).timezone
        new = await self.store.save_rating(rating, s.community, track, tz)
        verb = "saved" if new else "updated"
        return Reply.ok(f"Rating {verb}: {overall}/5 for turn {turn + 1}. Thank you!")
