"""Ratings: the quick score by reaction, the full rubric by form, and the candidate's
rating of the feedback they received.

One rating per (session, turn, rater, ratee): a later one replaces it while the
turn's feedback window is open, and the same delivery twice stores the same row.
Only the turn's interviewer rates the candidate; a quick reaction never replaces a
form. A rating is checked and saved under the session's lock, so it is either taken
before the feedback closes (and reaches the candidate) or refused.
"""

from __future__ import annotations

from bot import validation
from bot.commands import BadInput, OpenFeedbackForm, OpenRatingForm, ReactionAdded, SubmitRating
from bot.messages import SCORE_EMOJIS, Reply
from bot.model import Phase, Rating, Session, UserRef
from bot.sessions import notices, presenter
from bot.sessions.driver import Practice
from bot.sessions.machine import InvalidTransition

RATING_PHASES = (Phase.ANSWER, Phase.FEEDBACK)


class Ratings:
    def __init__(self, practice: Practice) -> None:
        self.practice = practice
        self.store, self.bank, self.clock = practice.store, practice.bank, practice.clock

    def _check_window(self, s: Session, turn: int, rater: UserRef) -> None:
        if not 0 <= turn < len(s.turns):
            raise InvalidTransition(f"turn must be 1 to {len(s.turns)}")
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
        s = await self.practice.current_session(user)
        if s is not None and s.phase in RATING_PHASES and s.turn.interviewer == user:
            return s
        raise InvalidTransition(
            "nothing to rate right now: you can rate while you are the interviewer, "
            "until the feedback phase ends"
        )

    async def submit(self, cmd: SubmitRating) -> Reply:
        if cmd.about == "feedback":
            return await self._submit_feedback(cmd)
        async with self.practice.locked(cmd.session_id):
            s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
            self._check_window(s, cmd.turn, cmd.actor)
            rubric = self.bank.rubric_for(self.bank.question(s.turns[cmd.turn].question_id))
            scores, errors = {}, {}
            by_label = {d.name.lower(): d.id for d in rubric.dimensions}
            values = {by_label.get(k.lower(), k): v for k, v in cmd.values.items()}
            for d in rubric.dimensions:
                try:
                    scores[d.id] = validation.score(d.name, values.get(d.id))
                except BadInput as exc:
                    errors[d.id] = str(exc)
            unknown = set(values) - {d.id for d in rubric.dimensions}
            if unknown:
                accepted = ", ".join(d.id for d in rubric.dimensions)
                errors[sorted(unknown)[0]] = (
                    f"'{validation.quote(sorted(unknown)[0])}' is not a dimension of this "
                    f"rubric: accepted are {accepted}"
                )
            _check_comment(cmd.comment, errors)
            if errors:
                return Reply.fail("; ".join(errors.values()), field_errors=errors)
            overall = round(sum(scores.values()) / len(scores))
            return await self._save(
                s, cmd.turn, cmd.actor, overall, scores, cmd.comment.strip(), "form"
            )

    async def react(self, cmd: ReactionAdded, session_id: str, turn: int) -> Reply:
        if cmd.emoji not in SCORE_EMOJIS:
            raise BadInput("react with 1️⃣ to 5️⃣ for a quick score")
        async with self.practice.locked(session_id):
            s = await self.practice.live_session_of(cmd.actor, session_id)
            self._check_window(s, turn, cmd.actor)
            given = [
                r
                for r in await self.store.session_ratings(s.id)
                if r.turn == turn and r.rater == cmd.actor and r.about == "answer"
            ]
            if any(r.source == "form" for r in given):
                raise BadInput("you gave the full rubric; press Rate to change it")
            score = SCORE_EMOJIS.index(cmd.emoji) + 1
            return await self._save(s, turn, cmd.actor, score, {}, "", "reaction")

    async def _save(self, s, turn, rater, overall, scores, comment, source, about="answer"):
        t = s.turns[turn]
        track = self.bank.question(t.question_id).track if t.question_id else "unknown"
        rating = Rating(
            session_id=s.id,
            turn=turn,
            rater=rater,
            ratee=t.candidate if about == "answer" else t.interviewer,
            overall=overall,
            scores=scores,
            comment=comment,
            source=source,
            submitted_at=self.clock.now(),
            about=about,
        )
        tz = (await self.store.get_config(s.community)).timezone
        new = await self.store.save_rating(rating, s.community, track, tz)
        verb = "saved" if new else "updated"
        what = "the feedback" if about == "feedback" else f"turn {turn + 1}"
        return Reply.ok(f"Rating {verb}: {overall}/5 for {what}. Thank you!")

    # --- the candidate rates the feedback ---------------------------------------------

    async def _closed_turn(self, actor: UserRef, session_id: str | None, turn: int | None):
        if session_id is None:
            for s in await self.store.sessions_of(actor, limit=3):
                closed = [
                    i for i, t in enumerate(s.turns) if t.candidate == actor and _closed(s, i)
                ]
                if closed:
                    return s, closed[-1]
            raise InvalidTransition("no feedback to rate yet: you can rate it once a turn ends")
        s = await self.store.get_session(session_id)
        if s is None or s.community != actor.community:
            raise InvalidTransition("that session does not exist")
        if turn is None or not 0 <= turn < len(s.turns) or s.turns[turn].candidate != actor:
            raise InvalidTransition("only the candidate of that turn can rate its feedback")
        if not _closed(s, turn):
            raise InvalidTransition("you can rate the feedback once that turn's feedback ends")
        return s, turn

    async def open_feedback_form(self, cmd: OpenFeedbackForm) -> Reply:
        s, turn = await self._closed_turn(cmd.actor, cmd.session_id, cmd.turn)
        names = await self.practice.names(s)
        return Reply(form=notices.feedback_form(s, turn, names[s.turns[turn].interviewer]))

    async def _submit_feedback(self, cmd: SubmitRating) -> Reply:
        s, turn = await self._closed_turn(cmd.actor, cmd.session_id, cmd.turn)
        errors: dict[str, str] = {}
        try:
            score = validation.score("the feedback", cmd.values.get("useful"))
        except BadInput as exc:
            errors["useful"] = str(exc)
        unknown = set(cmd.values) - {"useful"}
        if unknown:
            errors[sorted(unknown)[0]] = "the feedback form takes useful=1-5 and a comment"
        _check_comment(cmd.comment, errors)
        if errors:
            return Reply.fail("; ".join(errors.values()), field_errors=errors)
        return await self._save(
            s, turn, cmd.actor, score, {"useful": score}, cmd.comment.strip(), "form", "feedback"
        )


def _closed(s: Session, turn: int) -> bool:
    """Whether the feedback of ``turn`` is over."""
    return turn < s.turn_index or s.phase is Phase.DONE


def _check_comment(comment: str, errors: dict[str, str]) -> None:
    if len(comment) > 1000:
        errors["comment"] = "keep the comment under 1000 characters"
