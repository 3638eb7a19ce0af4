"""The practice-session state machine as a pure function: (session, event, now) -> (session, effects).

paired -> intro -> [prep -> answer -> feedback] per turn -> done
any live phase -> cancelled | no_show

No I/O here: the service persists the new session and carries out the effects.
Every timer is armed with a key ("answer:0"); a timer whose key no longer matches
the session's phase is stale and does nothing, which makes late or repeated
alarms harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.model import ChannelRef, Phase, Session, UserRef


class InvalidTransition(ValueError):
    """The event does not apply to the session now; the message is for the member."""


@dataclass(frozen=True, slots=True)
class Timings:
    intro: timedelta
    prep: timedelta
    answers: tuple[timedelta, ...]  # one per turn: the question's minutes, or the community's
    feedback: timedelta

    def length(self, phase: Phase, turn: int) -> timedelta:
        if phase is Phase.INTRO:
            return self.intro
        if phase is Phase.PREP:
            return self.prep
        if phase is Phase.ANSWER:
            return self.answers[turn]
        return self.feedback


# --- events -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpaceOpened:
    space: ChannelRef


@dataclass(frozen=True, slots=True)
class Confirmed:
    user: UserRef


@dataclass(frozen=True, slots=True)
class TimeUp:
    key: str


@dataclass(frozen=True, slots=True)
class EndedEarly:
    user: UserRef


@dataclass(frozen=True, slots=True)
class Cancelled:
    by: UserRef | None  # None: the round was cancelled by an admin


@dataclass(frozen=True, slots=True)
class NoShowReported:
    reporter: UserRef


Event = SpaceOpened | Confirmed | TimeUp | EndedEarly | Cancelled | NoShowReported


# --- effects ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhaseEntered:
    phase: Phase
    turn: int
    ends_at: datetime | None
    by_timer: bool  # entered because time ran out (say "time's up"), not by a member


@dataclass(frozen=True, slots=True)
class ArmTimer:
    key: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Ended:
    phase: Phase  # done | cancelled | no_show


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """Nothing moved (e.g. one of two members confirmed); tell the actor so."""

    note: str


Effect = PhaseEntered | ArmTimer | Ended | Acknowledged


def timer_key(phase: Phase, turn: int) -> str:
    return f"{phase.value}:{turn}"


def current_key(session: Session) -> str:
    return timer_key(session.phase, session.turn_index)


def _enter(
    session: Session, phase: Phase, turn: int, now: datetime, timings: Timings, by_timer: bool
) -> tuple[Session, list[Effect]]:
    ends_at = now + timings.length(phase, turn)
    moved = replace(session, phase=phase, turn_index=turn, phase_ends_at=ends_at)
    return moved, [
        PhaseEntered(phase, turn, ends_at, by_timer),
        ArmTimer(timer_key(phase, turn), ends_at),
    ]


def _end(session: Session, phase: Phase, now: datetime, by: UserRef | None = None):
    ended = replace(session, phase=phase, phase_ends_at=None, ended_at=now, ended_by=by)
    return ended, [Ended(phase)]


def _next(session: Session, now: datetime, timings: Timings, by_timer: bool):
    """Where the current phase leads when it is over."""
    phase, turn = session.phase, session.turn_index
    if phase is Phase.INTRO:
        if not session.confirmed:
            return _end(session, Phase.NO_SHOW, now)
        return _enter(session, Phase.PREP, 0, now, timings, by_timer)
    if phase is Phase.PREP:
        return _enter(session, Phase.ANSWER, turn, now, timings, by_timer)
    if phase is Phase.ANSWER:
        return _enter(session, Phase.FEEDBACK, turn, now, timings, by_timer)
    if phase is Phase.FEEDBACK:
        if turn + 1 < len(session.turns):
            return _enter(session, Phase.PREP, turn + 1, now, timings, by_timer)
        return _end(session, Phase.DONE, now)
    raise InvalidTransition(f"the session is in phase '{phase}', which has no next phase")


def advance(
    session: Session, event: Event, now: datetime, timings: Timings
) -> tuple[Session, list[Effect]]:
    """Apply one event. Raises InvalidTransition (nothing changes) when it does not apply."""
    if session.phase.terminal:
        if isinstance(event, TimeUp):
            return session, []  # a late alarm for a finished session: harmless
        raise InvalidTransition(f"this session is already over ({session.phase.value})")

    if isinstance(event, TimeUp):
        if event.key != current_key(session) or session.phase is Phase.PAIRED:
            return session, []  # stale alarm: the phase was already left
        return _next(session, now, timings, by_timer=True)

    if isinstance(event, SpaceOpened):
        if session.phase is not Phase.PAIRED:
            raise InvalidTransition("the session's space is already open")
        return _enter(replace(session, space=event.space), Phase.INTRO, 0, now, timings, False)

    if isinstance(event, Cancelled):
        if event.by is not None and event.by not in session.members:
            raise InvalidTransition("only a member of this session can cancel it")
        return _end(session, Phase.CANCELLED, now, event.by)

    actor = event.user if isinstance(event, Confirmed | EndedEarly) else event.reporter
    if actor not in session.members:
        raise InvalidTransition("you are not a member of this session")

    if isinstance(event, NoShowReported):
        if session.phase is Phase.FEEDBACK or session.turn_index > 0:
            raise InvalidTransition("a no-show can only be reported before the first answer ends")
        return _end(session, Phase.NO_SHOW, now, actor)

    if session.phase is Phase.PAIRED:
        raise InvalidTransition("the session has not started yet")

    if isinstance(event, Confirmed):
        if session.phase is not Phase.INTRO:
            raise InvalidTransition("the session is already under way")
        if actor in session.confirmed:
            return session, [Acknowledged("you already said you are here")]
        confirmed = replace(session, confirmed=session.confirmed | {actor})
        if set(confirmed.confirmed) >= set(session.members):
            return _next(confirmed, now, timings, by_timer=False)
        waiting = len(session.members) - len(confirmed.confirmed)
        return confirmed, [Acknowledged(f"noted: waiting for {waiting} more to say they are here")]

    # EndedEarly
    if session.phase is Phase.INTRO:
        raise InvalidTransition("the session starts when everyone presses 'I'm here'")
    return _next(session, now, timings, by_timer=False)
