"""The nouns of mockround: frozen values that cross every boundary.

Refs are strings only, so nothing platform-specific can ride along with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

LEVELS: tuple[str, ...] = ("junior", "mid", "senior")
PERIODS: tuple[str, ...] = ("week", "month", "all")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True, order=True)
class UserRef:
    platform: str
    workspace: str
    id: str

    @property
    def community(self) -> str:
        return community_key(self.platform, self.workspace)


@dataclass(frozen=True, slots=True, order=True)
class ChannelRef:
    platform: str
    workspace: str
    id: str

    @property
    def community(self) -> str:
        return community_key(self.platform, self.workspace)


@dataclass(frozen=True, slots=True, order=True)
class MessageRef:
    platform: str
    workspace: str
    channel: str
    id: str


def community_key(platform: str, workspace: str) -> str:
    """One string that scopes every stored row: a Discord guild and a Slack team never mix."""
    return f"{platform}:{workspace}"


def platform_of(community: str) -> str:
    """The platform part of a community key: what it can do depends on it."""
    return community.partition(":")[0]


@dataclass(frozen=True, slots=True)
class Member:
    user: UserRef
    name: str
    track: str
    level: str
    timezone: str
    status: str = "active"  # active | paused | left
    paused_until: date | None = None
    joined_at: datetime | None = None
    waiting_since: datetime | None = None  # set by `now`: waiting for an on-demand partner
    slot: int = 1  # the weekly slot the member takes part in
    hide_from_board: bool = False
    stats_private: bool = False
    availability: str | None = None  # when they can meet, in their zone (None: the default)


@dataclass(frozen=True, slots=True)
class Attendance:
    """How reliably a member turns up: sessions whose intro was settled, and how it went."""

    paired: int = 0
    attended: int = 0
    no_shows: int = 0
    recent_no_shows: int = 0  # among the last 4 settled sessions

    @property
    def reliability(self) -> float:
        """Share of sessions attended, starting from a benefit of the doubt (2 of 2)."""
        return (self.attended + 2) / (self.paired + 2)


# --- question bank -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dimension:
    id: str
    name: str
    anchors: Mapping[int, str]  # 1, 3 and 5 anchored in words


@dataclass(frozen=True, slots=True)
class Rubric:
    id: str
    dimensions: tuple[Dimension, ...]


@dataclass(frozen=True, slots=True)
class Guide:
    look_for: tuple[str, ...]
    follow_ups: tuple[str, ...]
    red_flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    pack: str
    track: str
    title: str
    prompt: str
    levels: tuple[str, ...]
    minutes: int
    tags: tuple[str, ...]
    guide: Guide
    rubric_id: str


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    title: str
    track: str
    rubric: Rubric
    questions: tuple[Question, ...]
    source: str  # the file it came from, for error messages


# --- practice sessions -------------------------------------------------------


class Phase(StrEnum):
    PAIRED = "paired"
    BOOKING = "booking"  # window mode: slots proposed, waiting for everyone to accept one
    BOOKED = "booked"  # window mode: a slot was booked; the intro starts at its time
    INTRO = "intro"
    PREP = "prep"
    ANSWER = "answer"
    FEEDBACK = "feedback"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    NOT_MET = "not_met"  # window mode: the window ended with no booking (not a no-show)

    @property
    def terminal(self) -> bool:
        return self in (Phase.DONE, Phase.CANCELLED, Phase.NO_SHOW, Phase.NOT_MET)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A time offered to a pair: by the bot (inside everyone's availability) or a member."""

    at: datetime
    accepted: frozenset[UserRef] = frozenset()
    by: UserRef | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    interviewer: UserRef
    candidate: UserRef
    question_id: str


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    community: str
    round_id: str
    members: tuple[UserRef, ...]
    turns: tuple[Turn, ...]
    phase: Phase = Phase.PAIRED
    turn_index: int = 0
    phase_ends_at: datetime | None = None
    space: ChannelRef | None = None
    confirmed: frozenset[UserRef] = frozenset()
    created_at: datetime | None = None
    ended_at: datetime | None = None
    ended_by: UserRef | None = None  # who cancelled or reported the no-show
    absent: frozenset[UserRef] = frozenset()  # did not press "I'm here": recorded as no-shows
    phase_started_at: datetime | None = None
    # window mode: the booking
    proposals: tuple[Proposal, ...] = ()
    starts_at: datetime | None = None  # the booked start
    window_ends_at: datetime | None = None
    answered: frozenset[UserRef] = frozenset()  # accepted or proposed at least once
    sequence: int = 0  # the calendar invitation's version: raised on each booking and cancel
    place: str | None = None  # where to talk: a meeting link or the voice channel's link
    voice: ChannelRef | None = None  # the pair's voice channel, removed when the session ends

    @property
    def turn(self) -> Turn:
        return self.turns[min(self.turn_index, len(self.turns) - 1)]

    @property
    def present(self) -> tuple[UserRef, ...]:
        """The members still taking part (a trio whose third did not come is a pair)."""
        return tuple(m for m in self.members if m not in self.absent)


@dataclass(frozen=True, slots=True)
class Rating:
    session_id: str
    turn: int
    rater: UserRef
    ratee: UserRef
    overall: int  # 1-5
    scores: Mapping[str, int] = field(default_factory=dict)  # per rubric dimension
    comment: str = ""
    source: str = "form"  # form | reaction
    submitted_at: datetime | None = None
    about: str = "answer"  # answer: the interviewer rates the candidate; feedback: the reverse


@dataclass(frozen=True, slots=True)
class Round:
    id: str
    community: str
    seed: int
    kind: str  # weekly | on_demand
    status: str  # running | done | cancelled
    created_at: datetime
    unplaced: Mapping[str, str] = field(default_factory=dict)  # member id -> why
    slot: int = 0  # the weekly slot it belongs to; 0: started by hand or on demand
    channel: ChannelRef | None = None  # where its spaces open (also after a restart)


@dataclass(frozen=True, slots=True)
class Timer:
    """A persisted alarm: the database is the truth, the in-process scheduler only wakes us."""

    id: int
    community: str
    kind: str  # phase_end | weekly_round
    subject: str  # session id, or the community for weekly rounds
    key: str  # what the timer was armed for, e.g. "answer:0"; stale keys do nothing
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    """One weekly round slot; a community may have several (say Asia-Pacific and Americas)."""

    weekday: str  # mon..sun
    time: str  # HH:MM
    timezone: str
    channel: ChannelRef
    every: int = 1  # weeks between rounds: 2 = every other week
    since: date | None = None  # the week counting starts from (every other week)


@dataclass(frozen=True, slots=True)
class CommunityConfig:
    community: str
    intro_minutes: int = 5
    prep_minutes: int = 2
    answer_minutes: int | None = None  # None: the question's own minutes
    feedback_minutes: int = 5
    packs: tuple[str, ...] | None = None  # None: every loaded pack
    slots: tuple[Schedule, ...] = ()  # weekly round slots, numbered from 1
    level_gap: int = 1  # pair levels at most this far apart
    keep_tracks_apart: bool = False
    timezone: str = "UTC"  # the community's week, for streaks and leaderboards
    grace_minutes: int = 10  # a no-show can be reported only after this; the intro lasts as long
    noshow_pause: int = 2  # no-shows in a member's last 4 sessions that pause them (0: never)
    organiser_role: str | None = None  # a Discord role id or Slack user group id: admin rights
    report_channel: ChannelRef | None = None  # where round reports go (organisers only)
    meet: str = "window"  # window: each pair books a time in its window | live: at the round time
    window_days: int = 6  # window mode: days a pair has to meet
    meeting: str | None = None  # a meeting link template with {session}, e.g. a Jitsi room
    voice_category: ChannelRef | None = None  # Discord: the category pair voice channels go in

    @property
    def schedule(self) -> Schedule | None:
        """The first slot: where rounds not tied to a slot are announced."""
        return self.slots[0] if self.slots else None

    def slot(self, number: int) -> Schedule | None:
        return self.slots[number - 1] if 1 <= number <= len(self.slots) else None
