"""The two moves every transition is made of: entering a timed phase (with the one timer
it needs) and ending a session (closing a turn's feedback, cancelling an invitation)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.model import Phase, Session, UserRef
from bot.sessions.events import (
    ArmTimer,
    Effect,
    Ended,
    FeedbackClosed,
    InvitationCancelled,
    PhaseEntered,
    Timings,
    timer_key,
)


def enter(
    session: Session, phase: Phase, turn: int, now: datetime, timings: Timings, by_timer: bool
) -> tuple[Session, list[Effect]]:
    ends_at = now + timings.length(phase, turn)
    moved = replace(
        session, phase=phase, turn_index=turn, phase_ends_at=ends_at, phase_started_at=now
    )
    return moved, [
        PhaseEntered(phase, turn, ends_at, by_timer),
        ArmTimer(timer_key(phase, turn), ends_at),
    ]


def end(session: Session, phase: Phase, now: datetime, by: UserRef | None = None):
    ended = replace(session, phase=phase, phase_ends_at=None, ended_at=now, ended_by=by)
    effects: list[Effect] = []
    if session.phase is Phase.FEEDBACK:
        effects.append(FeedbackClosed(session.turn_index))
    if session.sequence and session.phase in (Phase.BOOKING, Phase.BOOKED):
        ended = replace(ended, sequence=session.sequence + 1)
        effects.append(InvitationCancelled())
    return ended, [*effects, Ended(phase)]
