"""Button and form action ids: ``mr:<verb>[:<subject>[:<phase>][:<turn>]]``.

The id carries everything needed to act, so a click still works after a restart
(adapters match the ``mr:`` prefix with a pattern instead of a live view object).
A "done" button names the phase it ends, so a late or second press cannot end the
phase after it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.commands import (
    AcceptSlot,
    BadInput,
    Command,
    ConfirmReady,
    EndPhase,
    ForgetMe,
    Join,
    OpenFeedbackForm,
    OpenRatingForm,
    PairNow,
    ReportNoShow,
    ShowGuide,
    ShowSoloGuide,
    SubmitRating,
)

PATTERN = re.compile(
    r"^mr:(join|ready|done|noshow|rate|guide|form|fbrate|fbform|rematch|solo|accept|forget)"
    r"(?::([A-Za-z0-9_-]{1,40}))?(?::(prep|answer|feedback))?(?::(\d{1,2}))?$"
)
EXPIRED = "that button is no longer valid: use /mock help to see what you can do now"


def join() -> str:
    return "mr:join"


def ready(session_id: str) -> str:
    return f"mr:ready:{session_id}"


def done(session_id: str, phase_key: str) -> str:
    """Ends the phase ``phase_key`` ("answer:0") of the session, and only that one."""
    phase, _, turn = phase_key.partition(":")
    return f"mr:done:{session_id}:{phase}:{turn}"


def noshow(session_id: str) -> str:
    return f"mr:noshow:{session_id}"


def guide(session_id: str) -> str:
    """Shows the interviewer the current turn's guide again, privately."""
    return f"mr:guide:{session_id}"


def rate(session_id: str, turn: int) -> str:
    return f"mr:rate:{session_id}:{turn}"


def form(session_id: str, turn: int) -> str:
    """The id a rating form submission comes back with."""
    return f"mr:form:{session_id}:{turn}"


def rate_feedback(session_id: str, turn: int) -> str:
    """The candidate's button to rate the feedback they received."""
    return f"mr:fbrate:{session_id}:{turn}"


def feedback_form(session_id: str, turn: int) -> str:
    return f"mr:fbform:{session_id}:{turn}"


def accept(session_id: str, number: int) -> str:
    """Accepts the session's proposed slot ``number`` (from 1)."""
    return f"mr:accept:{session_id}:{number}"


def forget() -> str:
    """Confirms that the member who presses it is to be forgotten."""
    return "mr:forget"


def rematch() -> str:
    return "mr:rematch"


def solo_guide(question_id: str) -> str:
    return f"mr:solo:{question_id}"


def opens_form(action_id: str) -> bool:
    """Whether the button answers with a form (platforms must open it at once)."""
    return action_id.startswith(("mr:rate:", "mr:fbrate:"))


def submission(form_id: str, values: Mapping[str, str], comment: str = "", **ctx) -> SubmitRating:
    """A submitted form (rating of an answer, or of the feedback) as the command it carries."""
    m = PATTERN.match(form_id)
    if not m or m.group(1) not in ("form", "fbform") or not m.group(2) or m.group(4) is None:
        raise BadInput("that form is no longer valid: press Rate again")
    about = "feedback" if m.group(1) == "fbform" else "answer"
    return SubmitRating(
        **ctx,
        session_id=m.group(2),
        turn=int(m.group(4)),
        values=dict(values),
        comment=comment,
        about=about,
    )


def decode(action_id: str, **ctx) -> Command:
    """Turn a clicked button's action id into the command it stands for."""
    m = PATTERN.match(action_id)
    if not m:
        raise BadInput(EXPIRED)
    verb, subject, phase, turn = m.groups()
    if verb == "join":
        return Join(**ctx)
    if verb == "rematch":
        return PairNow(**ctx)
    if verb == "forget":
        return ForgetMe(**ctx, confirmed=True)
    if subject is None:
        raise BadInput(EXPIRED)
    if verb == "solo":
        return ShowSoloGuide(**ctx, question_id=subject)
    if verb == "ready":
        return ConfirmReady(**ctx, session_id=subject)
    if verb == "done":
        key = f"{phase}:{turn}" if phase and turn is not None else None
        return EndPhase(**ctx, session_id=subject, phase_key=key)
    if verb == "guide":
        return ShowGuide(**ctx, session_id=subject)
    if verb == "noshow":
        return ReportNoShow(**ctx, session_id=subject)
    if verb == "rate":
        return OpenRatingForm(**ctx, session_id=subject, turn=int(turn) if turn else None)
    if verb == "accept" and turn is not None:
        return AcceptSlot(**ctx, session_id=subject, number=int(turn))
    if verb == "fbrate" and turn is not None:
        return OpenFeedbackForm(**ctx, session_id=subject, turn=int(turn))
    raise BadInput(EXPIRED)
