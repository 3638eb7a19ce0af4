"""What members read: builds neutral messages and forms from sessions and questions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot import actions
from bot.messages import DEADLINE, SCORE_EMOJIS, Button, Choice, Field, Form, OutMessage, at
from bot.model import Phase, Question, Rubric, Session, UserRef

JOIN_EMOJI = "✋"
PHASE_NAMES = {Phase.PREP: "prep", Phase.ANSWER: "answer", Phase.FEEDBACK: "feedback"}

Names = Mapping[UserRef, str]


def _turn_header(session: Session, turn: int, names: Names) -> str:
    t = session.turns[turn]
    return (
        f"Turn {turn + 1} of {len(session.turns)}: {names[t.interviewer]} interviews, "
        f"{names[t.candidate]} is the candidate."
    )


def _controls(session: Session) -> tuple[Button, ...]:
    """ "I'm done" names the phase it ends; only that phase's owner ends it."""
    key = f"{session.phase.value}:{session.turn_index}"
    return (
        Button(actions.done(session.id, key), "I'm done", "primary"),
        Button(actions.guide(session.id), "My guide (interviewer)"),
    )


def signup(starts_at: datetime) -> OutMessage:
    return OutMessage(
        kind="signup",
        title="Mock interview round",
        text=(
            f"This week's practice round starts {at(starts_at)}: everyone who joined is paired then. "
            f"Press Join or react {JOIN_EMOJI} to take part; use /mock join to pick "
            "your track, level and timezone."
        ),
        buttons=(Button(actions.join(), "Join", "primary"),),
        reactions=(JOIN_EMOJI,),
        deadline=starts_at,
    )


def welcome(session: Session, names: Names) -> OutMessage:
    people = ", ".join(names[m] for m in session.members)
    order = "\n".join(_turn_header(session, i, names) for i in range(len(session.turns)))
    place = f"Where to talk: {session.place}.\n" if session.place else ""
    hello = "It is time" if session.sequence else "This space is yours for this round"
    return OutMessage(
        kind="timer",
        title="Your mock interview",
        text=(
            f"Welcome {people}! {hello}.\n{order}\n{place}"
            f'Press "I\'m here" when you are ready; we start when everyone is. Whoever has not '
            f"pressed it when the intro ends ({DEADLINE}) is recorded as a no-show, and the others "
            "go on (or get a rematch)."
        ),
        buttons=(
            Button(actions.ready(session.id), "I'm here", "primary"),
            Button(actions.noshow(session.id), "No-show", "danger"),
        ),
        deadline=session.phase_ends_at,
        mentions=session.members,
    )


def _times_up(by_timer: bool, previous: str) -> str:
    return f"⏰ Time's up for {previous}. " if by_timer else ""


def prep(session: Session, names: Names, by_timer: bool) -> OutMessage:
    turn = session.turn_index
    t = session.turns[turn]
    return OutMessage(
        kind="timer",
        title=f"Turn {turn + 1}: prep",
        text=(
            f"{_times_up(by_timer, 'the previous step')}{_turn_header(session, turn, names)}\n"
            f"{names[t.candidate]}, read your question below and plan your answer; "
            f"prep ends {DEADLINE}. {names[t.interviewer]}, your guide was sent to you "
            "privately (or press 'My guide')."
        ),
        buttons=_controls(session),
        deadline=session.phase_ends_at,
        mentions=(t.candidate, t.interviewer),
    )


def question(q: Question, candidate: str) -> OutMessage:
    return OutMessage(
        kind="question",
        title=q.title,
        text=f"Question for {candidate} ({q.minutes} min answer):\n{q.prompt.strip()}",
        fields=(("Track", q.track), ("Level", ", ".join(q.levels))),
    )


def guide(q: Question, rubric: Rubric, candidate: str) -> OutMessage:
    def bullets(items) -> str:
        return "\n".join(f"• {i}" for i in items)

    anchors = "\n".join(
        f"{d.name}: 1 = {d.anchors[1]}; 3 = {d.anchors[3]}; 5 = {d.anchors[5]}"
        for d in rubric.dimensions
    )
    return OutMessage(
        kind="guide",
        title=f"Interviewer guide: {q.title}",
        text=f"Only you see this. {candidate} answers: {q.prompt.strip()}",
        fields=(
            ("What good looks like", bullets(q.guide.look_for)),
            ("Follow-ups", bullets(q.guide.follow_ups)),
            ("Red flags", bullets(q.guide.red_flags)),
            ("Rubric", anchors),
        ),
    )


def answer(session: Session, names: Names, by_timer: bool) -> OutMessage:
    t = session.turn
    return OutMessage(
        kind="timer",
        title=f"Turn {session.turn_index + 1}: answer",
        text=(
            f"{_times_up(by_timer, 'prep')}{names[t.candidate]}, you have the floor: answer ends "
            f"{DEADLINE}. {names[t.interviewer]}, probe with the follow-ups from your guide."
        ),
        buttons=_controls(session),
        deadline=session.phase_ends_at,
        mentions=(t.candidate,),
    )


def feedback(session: Session, names: Names, by_timer: bool) -> OutMessage:
    t = session.turn
    return OutMessage(
        kind="feedback",
        title=f"Turn {session.turn_index + 1}: feedback",
        text=(
            f"{_times_up(by_timer, 'the answer')}{names[t.interviewer]}, give {names[t.candidate]} "
            f"your feedback; feedback ends {DEADLINE}. Quick score: react 1-5 on this message. "
            f"Full rubric: press Rate. {names[t.candidate]} receives the scores and your comment "
            "privately when the feedback ends."
        ),
        buttons=(
            Button(actions.rate(session.id, session.turn_index), "Rate", "primary"),
            *_controls(session),
        ),
        reactions=SCORE_EMOJIS,
        deadline=session.phase_ends_at,
        mentions=(t.interviewer,),
    )


def checkpoint(session: Session, minutes_left: int) -> OutMessage:
    phase = PHASE_NAMES.get(session.phase, session.phase.value)
    return OutMessage(
        kind="timer",
        text=f"⏳ {minutes_left} min left in {phase} (ends {DEADLINE}).",
        deadline=session.phase_ends_at,
    )


def ended(session: Session, names: Names) -> OutMessage:
    by = names.get(session.ended_by, "someone") if session.ended_by else None
    away = " and ".join(names[m] for m in session.members if m in session.absent)
    texts = {
        Phase.DONE: "✅ Session complete: well done, everyone! See /mock stats for your progress.",
        Phase.CANCELLED: f"Session cancelled{f' by {by}' if by else ''}.",
        Phase.NO_SHOW: (
            f"Session ended: {away} never answered a proposed time in this round's window "
            "(recorded as a no-show)."
            if session.window_ends_at and not session.starts_at and session.absent
            else f"Session ended: {away} did not come (recorded as a no-show)."
            if len(session.absent) < len(session.members)
            else 'Session ended: nobody pressed "I\'m here" in time.'
        ),
        Phase.NOT_MET: (
            "This round's window ended with no time booked: the session is closed as "
            '"did not meet" (not a no-show). You are paired again next round.'
        ),
    }
    return OutMessage(kind="info", text=texts[session.phase])


def rating_form(session: Session, turn: int, rubric: Rubric, candidate: str) -> Form:
    fields = tuple(
        Field(
            id=d.id,
            label=d.name,
            kind="select",
            choices=tuple(
                Choice(str(n), f"{n} - {d.anchors[n]}" if n in d.anchors else str(n))
                for n in range(1, 6)
            ),
            placeholder=f"Score {d.name} from 1 to 5",
        )
        for d in rubric.dimensions
    )
    comment = Field(
        id="comment",
        label="Comment for the candidate",
        kind="text",
        required=False,
        placeholder=f"What should {candidate} keep or change?",
        max_length=1000,
    )
    return Form(
        form_id=actions.form(session.id, turn), title="Rate the answer", fields=(*fields, comment)
    )
