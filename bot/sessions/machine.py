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

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.model import ChannelRef, Phase, Session, Turn, UserRef


class InvalidTransition(ValueError):
    """The event does not apply to the session now; the message is for the member."""


@dataclass(frozen=True, slots=True)
class Timings:
    intro: timedelta
    prep: timedelta
    answers: tuple[timedelta, ...]  # one per turn: the question's minutes, or the community's
    feedback: timedelta
    grace: timedelta = timedelta(minutes=10)

    @property
    def whole(self) -> timedelta:
        """A whole session, intro to the last feedback: what a booked slot must fit."""
        turns = sum(self.answers, timedelta()) + (self.prep + self.feedback) * len(self.answers)
        return max(self.intro, self.grace) + turns

    def length(self, phase: Phase, turn: int) -> timedelta:
        if phase is Phase.INTRO:
            return max(self.intro, self.grace)
        if phase is Phase.PREP:
            return self.prep
        if phase is Phase.ANSWER:
            return self.answers[min(turn, len(self.answers) - 1)]
        return self.feedback


# --- events -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpaceOpened:
    space: ChannelRef
    # window mode: the times offered inside everyone's availability, and the window's end
    proposals: tuple[datetime, ...] = ()
    window_ends: datetime | None = None
    place: str | None = None  # where to talk (a meeting link, a voice channel's link)
    voice: ChannelRef | None = None


@dataclass(frozen=True, slots=True)
class Confirmed:
    user: UserRef


@dataclass(frozen=True, slots=True)
class TimeUp:
    key: str


@dataclass(frozen=True, slots=True)
class EndedEarly:
    user: UserRef
    key: str  # the phase the member meant to end ("answer:0"); a stale one changes nothing


@dataclass(frozen=True, slots=True)
class Cancelled:
    by: UserRef | None  # None: the round was cancelled by an admin


@dataclass(frozen=True, slots=True)
class NoShowReported:
    reporter: UserRef


@dataclass(frozen=True, slots=True)
class Accepted:
    user: UserRef
    number: int  # the proposal's number as shown, from 1


@dataclass(frozen=True, slots=True)
class Proposed:
    user: UserRef
    at: datetime


@dataclass(frozen=True, slots=True)
class Rescheduled:
    user: UserRef


Event = (
    SpaceOpened
    | Confirmed
    | TimeUp
    | EndedEarly
    | Cancelled
    | NoShowReported
    | Accepted
    | Proposed
    | Rescheduled
)


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
    kind: str = "phase_end"  # phase_end | reminder | nudge


@dataclass(frozen=True, slots=True)
class Ended:
    phase: Phase  # done | cancelled | no_show


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """Nothing moved (e.g. one of two members confirmed); tell the actor so."""

    note: str


@dataclass(frozen=True, slots=True)
class AttendanceSettled:
    """The intro is over: who came and who did not (recorded against them)."""

    present: tuple[UserRef, ...]
    absent: tuple[UserRef, ...]


@dataclass(frozen=True, slots=True)
class StoodUp:
    """Members who came while nobody else did: they are offered a rematch."""

    members: tuple[UserRef, ...]


@dataclass(frozen=True, slots=True)
class OwnerAsked:
    """A member pressed "I'm done" for a phase someone else ends: ask that member."""

    asker: UserRef
    owner: UserRef
    phase: Phase


@dataclass(frozen=True, slots=True)
class FeedbackClosed:
    """A turn's feedback is over: the candidate receives their scores."""

    turn: int


@dataclass(frozen=True, slots=True)
class SlotProposed:  # a member offered another time (the proposal's number, from 1)
    number: int


@dataclass(frozen=True, slots=True)
class Booked:  # everyone accepted one slot: invitations go out (an update if booked before)
    at: datetime


@dataclass(frozen=True, slots=True)
class InvitationCancelled:  # it ended after an invitation went out: calendars get a CANCEL
    pass


Effect = (
    PhaseEntered
    | ArmTimer
    | Ended
    | Acknowledged
    | AttendanceSettled
    | StoodUp
    | OwnerAsked
    | FeedbackClosed
    | SlotProposed
    | Booked
    | InvitationCancelled
)


def timer_key(phase: Phase, turn: int) -> str:
    return f"{phase.value}:{turn}"


def current_key(session: Session) -> str:
    return timer_key(session.phase, session.turn_index)


def owner(session: Session) -> UserRef:
    """Who ends the current phase early: the candidate in prep and answer, else the interviewer."""
    t = session.turn
    return t.candidate if session.phase in (Phase.PREP, Phase.ANSWER) else t.interviewer


def grace_ends(session: Session, timings: Timings) -> datetime | None:
    if session.phase is not Phase.INTRO or session.phase_started_at is None:
        return None
    return session.phase_started_at + timings.grace


def _enter(
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


def _end(session: Session, phase: Phase, now: datetime, by: UserRef | None = None):
    ended = replace(session, phase=phase, phase_ends_at=None, ended_at=now, ended_by=by)
    effects: list[Effect] = []
    if session.phase is Phase.FEEDBACK:
        effects.append(FeedbackClosed(session.turn_index))
    if session.sequence and session.phase in (Phase.BOOKING, Phase.BOOKED):
        ended = replace(ended, sequence=session.sequence + 1)
        effects.append(InvitationCancelled())
    return ended, [*effects, Ended(phase)]


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
        from bot.sessions import booking

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
            from bot.sessions import booking

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
        from bot.sessions import booking

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
