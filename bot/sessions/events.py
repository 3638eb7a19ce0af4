"""The session machine's vocabulary: the events it takes, the effects it returns, the
timings it runs on, and the keys its timers carry. Pure values; the transitions live in
``bot.sessions.machine`` and ``bot.sessions.booking``."""

from __future__ import annotations

from dataclasses import dataclass
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
