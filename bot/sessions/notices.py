"""What members read about attendance and feedback: who did not come, rematch offers,
a request to the phase's owner, and the candidate's scores when a turn's feedback closes."""

from __future__ import annotations

from collections.abc import Sequence

from bot import actions
from bot.messages import Button, Choice, Field, Form, OutMessage
from bot.model import Phase, Question, Rating, Rubric, Session, UserRef
from bot.sessions.presenter import PHASE_NAMES, Names


def _people(users: Sequence[UserRef], names: Names) -> str:
    return " and ".join(names[u] for u in users)


def going_on(present: Sequence[UserRef], absent: Sequence[UserRef], names: Names) -> OutMessage:
    return OutMessage(
        kind="info",
        text=(
            f"{_people(absent, names)} did not come (recorded as a no-show). "
            f"{_people(present, names)}: you go on as a pair, each with your own question."
        ),
        mentions=tuple(present),
    )


def rematch_offer(names: Names, s: Session) -> OutMessage:
    away = _people([m for m in s.members if m in s.absent], names) or "your partner"
    return OutMessage(
        kind="info",
        title="Your partner did not come",
        text=(
            f"Sorry: {away} did not show up, and that is recorded against them, not you. "
            "Press Find me a partner (or type /mock now) to be paired at once with someone "
            "else who is waiting."
        ),
        buttons=(Button(actions.rematch(), "Find me a partner", "primary"),),
    )


def owner_asked(asker: UserRef, owner: UserRef, phase: Phase, names: Names) -> OutMessage:
    what = PHASE_NAMES.get(phase, phase.value)
    return OutMessage(
        kind="info",
        text=(
            f"{names[asker]} is ready to move on. {names[owner]}, the {what} is yours to end: "
            "press I'm done when you are ready (or let the timer run)."
        ),
        mentions=(owner,),
    )


def feedback_received(
    s: Session,
    turn: int,
    q: Question,
    rubric: Rubric,
    ratings: Sequence[Rating],
    names: Names,
) -> OutMessage:
    """The candidate's scores and comment for one turn, with the dimension names of the form."""
    t = s.turns[turn]
    mine = next((r for r in ratings if r.rater == t.interviewer and r.ratee == t.candidate), None)
    button = (Button(actions.rate_feedback(s.id, turn), "Rate this feedback"),)
    title = f"Your feedback: {q.title}"
    if mine is None:
        return OutMessage(
            kind="feedback_received",
            title=title,
            text=(
                f"{names[t.interviewer]} left no scores for your answer. How useful was their "
                "spoken feedback? Rate it below."
            ),
            buttons=button,
        )
    rows = [(d.name, f"{mine.scores[d.id]}/5") for d in rubric.dimensions if d.id in mine.scores]
    rows.append(("Overall", f"{mine.overall}/5"))
    if mine.comment:
        rows.append(("Comment", mine.comment))
    how = "full rubric" if mine.source == "form" else "quick score"
    return OutMessage(
        kind="feedback_received",
        title=title,
        text=(
            f"{names[t.interviewer]} rated your answer ({how}). Only you see this. "
            "How useful was their feedback? Rate it below."
        ),
        fields=tuple(rows),
        buttons=button,
    )


FEEDBACK_SCALE = {
    1: "not useful",
    2: "a little useful",
    3: "useful",
    4: "very useful",
    5: "exceptionally useful",
}


def feedback_form(s: Session, turn: int, interviewer: str) -> Form:
    usefulness = Field(
        id="useful",
        label="How useful was the feedback?",
        kind="select",
        choices=tuple(Choice(str(n), f"{n} - {label}") for n, label in FEEDBACK_SCALE.items()),
        placeholder="Score the feedback from 1 to 5",
    )
    comment = Field(
        id="comment",
        label=f"A note for {interviewer}"[:45],
        kind="text",
        required=False,
        placeholder="What made the feedback useful, or what would have helped more?",
        max_length=1000,
    )
    return Form(
        form_id=actions.feedback_form(s.id, turn),
        title="Rate the feedback",
        fields=(usefulness, comment),
    )
