"""Button and form action ids: ``mr:<verb>[:<session>[:<turn>]]``.

The id carries everything needed to act, so a click still works after a restart
(adapters match the ``mr:`` prefix with a pattern instead of a live view object).
"""

from __future__ import annotations

import re

from bot.commands import (
    BadInput,
    Command,
    ConfirmReady,
    EndPhase,
    Join,
    OpenRatingForm,
    ReportNoShow,
    ShowGuide,
)

PATTERN = re.compile(
    r"^mr:(join|ready|done|noshow|rate|guide|form)(?::([A-Za-z0-9_-]{1,40}))?(?::(\d{1,2}))?$"
)


def join() -> str:
    return "mr:join"


def ready(session_id: str) -> str:
    return f"mr:ready:{session_id}"


def done(session_id: str) -> str:
    return f"mr:done:{session_id}"


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


def parse_form_id(action_id: str) -> tuple[str, int]:
    m = PATTERN.match(action_id)
    if not m or m.group(1) != "form" or not m.group(2) or m.group(3) is None:
        raise BadInput(f"not a rating form: {action_id!r}")
    return m.group(2), int(m.group(3))


def decode(action_id: str, **ctx) -> Command:
    """Turn a clicked button's action id into the command it stands for."""
    m = PATTERN.match(action_id)
    if not m:
        raise BadInput(f"unknown button: {action_id!r}")
    verb, session_id, turn = m.groups()
    if verb == "join":
        return Join(**ctx)
    if session_id is None:
        raise BadInput(f"button without a session: {action_id!r}")
    if verb == "ready":
        return ConfirmReady(**ctx, session_id=session_id)
    if verb == "done":
        return EndPhase(**ctx, session_id=session_id)
    if verb == "guide":
        return ShowGuide(**ctx, session_id=session_id)
    if verb == "noshow":
        return ReportNoShow(**ctx, session_id=session_id)
    if verb == "rate":
        return OpenRatingForm(**ctx, session_id=session_id, turn=int(turn) if turn else None)
    raise BadInput(f"'{action_id}' is a form id, not a button")
