"""The practice-session state machine as a pure function: (session, event, now) -> (session, effects).

paired -> intro -> [prep -> answer -> feedback] per turn -> done           (live mode)
paired -> booking <-> booked -> intro -> ...                              (window mode)
any live phase -> cancelled | no_show | not_met (the booking window ended)

No I/O here: the driver persists the new session and carries out the effects.
Every timer is armed with a key ("answer:0"); a timer whose key no longer matches
the session's phase is stale and does nothing, which makes late or repeated
alarms harmless. A transition that moves nothing keeps the timer it still needs.

The intro settles attendance: it lasts at least the grace period; when it ends (or
a present member reports a no-show after the grace period) whoever did not press
"I'm here" is absent. Two or more present members go on (a trio becomes a pair);
one alone is stood up and offered a rematch.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.model import Phase, Session, Turn, UserRef
from bot.sessions import booking
from bot.sessions.events import (  # noqa: F401 - the machine's vocabulary, named from here too
    Accepted,
    Acknowledged,
    ArmTimer,
    AttendanceSettled,
    Booked,
    Cancelled,
    Confirmed,
    Effect,
    Ended,
    EndedEarly,
    Event,
    FeedbackClosed,
    InvalidTransition,
    InvitationCancelled,
    NoShowReported,
    OwnerAsked,
    PhaseEntered,
    Proposed,
    Rescheduled,
    SlotProposed,
    SpaceOpened,
    StoodUp,
    TimeUp,
    Timings,
    current_key,
    timer_key,
)
from bot.sessions.steps import end as _end
from bot.sessions.steps import enter as _enter


def owner(session: Session) -> UserRef:
    """Who ends the current phase early: the candidate in prep and answer, else the interviewer."""
    t = session.turn
    return t.candidate if session.phase in (Phase.PREP, Phase.ANSWER) else t.interviewer


def grace_ends(session: Session, timings: Timings) -> datetime | None:
    if session.phase is not Phase.INTRO or session.phase_started_at is None:
        return None
    return session.phase_started_at + timings.grace


def replan(turns: tuple[Turn, ...], present: tuple[UserRef, ...]) -> tuple[Turn, ...]:
    """The turns among the present members: each keeps the question meant for them."""
    if len(present) >= 3:
        return turns
    kept = [t for t in turns if t.candidate in present]
    return tuple(
        Turn(next(p for p in present if p != t.candidate), t.candidate, t.question_id) for t in kept
    )


def _settle(session: Session, present: set[UserRef], now: datetime, timings: Timings, by_timer):
    """End the intro: the present go on (if two or more), the absent are recorded."""
    here = tuple(m for m in session.members if m in present)
    away = tuple(m for m in session.members if m not in present)
    settled = AttendanceSettled(here, away)
    s = replace(session, confirmed=frozenset(here), absent=frozenset(away))
    if len(here) >= 2:
        s = replace(s, turns=replan(session.turns, here))
        moved, effects = _enter(s, Phase.PREP, 0, now, timings, by_timer)
        return moved, [settled, *effects]
    ended, effects = _end(s, Phase.NO_SHOW, now)
    return ended, [settled, *([StoodUp(here)] if here else []), *effects]


def _next(session: Session, now: datetime, timings: Timings, by_timer: bool):
    """Where the current phase leads when it is over."""
    phase, turn = session.phase, session.turn_index
    if phase is Phase.INTRO:
        return _settle(session, set(session.confirmed), now, timings, by_timer)
    if phase is Phase.BOOKED:  # the booked time has come
        return _enter(session, Phase.INTRO, 0, now, timings, by_timer)
    if phase is Phase.BOOKING:  # the window ended with nothing booked
        return booking.window_over(session, now)
    if phase is Phase.PREP:
        return _enter(session, Phase.ANSWER, turn, now, timings, by_timer)
    if phase is Phase.ANSWER:
        return _enter(session, Phase.FEEDBACK, turn, now, timings, by_timer)
    if phase is Phase.FEEDBACK:
        if turn + 1 < len(session.turns):
            moved, effects = _enter(session, Phase.PREP, turn + 1, now, timings, by_timer)
            return moved, [FeedbackClosed(turn), *effects]
        return _end(session, Phase.DONE, now)
    raise InvalidTransition(f"the session is in phase '{phase}', which has no next phase")


def advance(
    session: Session, event: Event, now: datetime, timings: Timings
) -> tuple[Session, list[Effect]]:
    """Apply one event. Raises InvalidTransition (nothing changes) when it does not apply."""
    if session.phase.terminal:
        if isinstance(event, TimeUp):
            return session, []  # a late alarm for a finished session: harmless
        if isinstance(event, EndedEarly):
            raise InvalidTransition("that phase already ended: the session is over")
        raise InvalidTransition(f"this session is already over ({session.phase.value})")

    if isinstance(event, TimeUp):
        if event.key != current_key(session) or session.phase is Phase.PAIRED:
            return session, []  # stale alarm: the phase was already left
        return _next(session, now, timings, by_timer=True)

    if isinstance(event, SpaceOpened):
        if session.phase is not Phase.PAIRED:
            raise InvalidTransition("the session's space is already open")
        opened = replace(session, space=event.space, place=event.place, voice=event.voice)
        if event.window_ends is not None:
            return booking.open_booking(opened, event, now)
        return _enter(opened, Phase.INTRO, 0, now, timings, False)

    if isinstance(event, Cancelled):
        if event.by is not None and event.by not in session.present:
            raise InvalidTransition("only a member of this session can cancel it")
        return _end(session, Phase.CANCELLED, now, event.by)

    actor = event.reporter if isinstance(event, NoShowReported) else event.user
    if actor not in session.present:
        raise InvalidTransition("you are not a member of this session")
    if session.phase is Phase.PAIRED:
        raise InvalidTransition("the session has not started yet: its space is being opened")
    if isinstance(event, Accepted | Proposed | Rescheduled):
        return booking.advance_booking(session, event, now, timings)
    if session.phase in (Phase.BOOKING, Phase.BOOKED):
        raise InvalidTransition(
            "the session starts at the booked time: /mock status shows when"
            if session.phase is Phase.BOOKED
            else "the session starts once a time is booked: accept a slot or /mock propose one"
        )

    if isinstance(event, NoShowReported):
        return _no_show(session, actor, now, timings)
    if isinstance(event, Confirmed):
        return _confirm(session, actor, now, timings)
    return _end_early(session, event, now, timings)


def _no_show(session: Session, reporter: UserRef, now: datetime, timings: Timings):
    if session.phase is not Phase.INTRO:
        raise InvalidTransition(
            "a no-show can only be reported during the intro, while someone has not "
            'pressed "I\'m here"'
        )
    here = set(session.confirmed) | {reporter}
    if here >= set(session.members):
        raise InvalidTransition('everyone has pressed "I\'m here": nobody is missing')
    grace_end = grace_ends(session, timings)
    if grace_end is not None and now < grace_end:
        left = max(1, round((grace_end - now).total_seconds() / 60))
        raise InvalidTransition(
            f"give your partner a little longer: a no-show can be reported after the "
            f"{round(timings.grace.total_seconds() / 60)}-minute grace period "
            f"(in {left} min)"
        )
    ended, effects = _settle(session, here, now, timings, by_timer=False)
    return replace(ended, ended_by=reporter if ended.phase.terminal else None), effects


def _confirm(session: Session, actor: UserRef, now: datetime, timings: Timings):
    if session.phase is not Phase.INTRO:
        raise InvalidTransition("the session is already under way")
    if actor in session.confirmed:
        return session, [Acknowledged("you already said you are here")]
    confirmed = replace(session, confirmed=session.confirmed | {actor})
    if set(confirmed.confirmed) >= set(session.members):
        return _next(confirmed, now, timings, by_timer=False)
    waiting = len(session.members) - len(confirmed.confirmed)
    return confirmed, [Acknowledged(f"noted: waiting for {waiting} more to say they are here")]


def _end_early(session: Session, event: EndedEarly, now: datetime, timings: Timings):
    if event.key != current_key(session):
        raise InvalidTransition("that phase already ended")
    if session.phase is Phase.INTRO:
        raise InvalidTransition('the session starts when everyone presses "I\'m here"')
    who = owner(session)
    if event.user != who:
        return session, [OwnerAsked(event.user, who, session.phase)]
    return _next(session, now, timings, by_timer=False)
