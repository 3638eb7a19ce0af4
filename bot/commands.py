"""Neutral inbound commands and events, plus the text syntax shared by console and Slack.

Adapters build these from slash commands, buttons, reactions and form submissions.
Values arrive as the user typed them; ``bot.app.service`` validates them so every
platform refuses the same bad input with the same one-line message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.model import ChannelRef, MessageRef, UserRef


class BadInput(ValueError):
    """A one-line message that says what is accepted. Nothing was changed."""


@dataclass(frozen=True, kw_only=True)
class Command:
    actor: UserRef
    actor_name: str = ""
    is_admin: bool = False
    channel: ChannelRef | None = None
    event_id: str | None = None  # platform delivery id: a replayed event is handled once


@dataclass(frozen=True, kw_only=True)
class Join(Command):
    track: str | None = None
    level: str | None = None
    timezone: str | None = None
    slot: str | None = None  # the weekly slot to take part in


@dataclass(frozen=True, kw_only=True)
class Leave(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class Pause(Command):
    weeks: str | int = 1


@dataclass(frozen=True, kw_only=True)
class PairNow(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class PracticeQuestion(Command):
    track: str | None = None
    level: str | None = None


@dataclass(frozen=True, kw_only=True)
class OpenRatingForm(Command):
    session_id: str | None = None  # None: my latest session
    turn: int | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitRating(Command):
    session_id: str
    turn: int
    values: Mapping[str, str] = field(default_factory=dict)  # dimension id -> "1".."5"
    comment: str = ""
    about: str = "answer"  # answer: the interviewer rates; feedback: the candidate rates back


@dataclass(frozen=True, kw_only=True)
class OpenFeedbackForm(Command):
    """The candidate rates the feedback they received for one turn."""

    session_id: str | None = None  # None: my latest session with feedback to rate
    turn: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReactionAdded(Command):
    message: MessageRef
    emoji: str


@dataclass(frozen=True, kw_only=True)
class ConfirmReady(Command):
    session_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class EndPhase(Command):
    session_id: str | None = None
    phase_key: str | None = None  # "answer:0" from a button; typed: the phase now


@dataclass(frozen=True, kw_only=True)
class ReportNoShow(Command):
    session_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ShowGuide(Command):
    session_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ShowSoloGuide(Command):
    question_id: str


@dataclass(frozen=True, kw_only=True)
class ShowHistory(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class ShowLeaderboard(Command):
    period: str = "week"
    track: str | None = None


@dataclass(frozen=True, kw_only=True)
class ShowStats(Command):
    member: UserRef | None = None  # None: the actor


@dataclass(frozen=True, kw_only=True)
class Help(Command):
    topic: str | None = None  # a command name: its details and an example


@dataclass(frozen=True, kw_only=True)
class Resume(Command):
    """Come back from a pause (or a pause for missed sessions) at once."""


@dataclass(frozen=True, kw_only=True)
class ShowStatus(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class SetPrivacy(Command):
    leaderboard: str | None = None  # show | hide
    stats: str | None = None  # public | private


@dataclass(frozen=True, kw_only=True)
class ShowMembers(Command):
    page: str | int = 1


@dataclass(frozen=True, kw_only=True)
class RemoveMember(Command):
    member: UserRef


@dataclass(frozen=True, kw_only=True)
class SetSchedule(Command):
    weekday: str
    time: str
    timezone: str = "UTC"
    target: ChannelRef | None = None  # None: the channel the command was typed in
    slot: str | int = 1  # which slot: an existing one is replaced, the next one is added
    every: str | int = 1  # weeks between rounds


@dataclass(frozen=True, kw_only=True)
class StartRound(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class CancelRound(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class ShowRoundReport(Command):
    """The latest finished round's report, again."""


@dataclass(frozen=True, kw_only=True)
class Configure(Command):
    settings: Mapping[str, str] = field(default_factory=dict)  # empty: show the current config


@dataclass(frozen=True, kw_only=True)
class SetAvailability(Command):
    text: str | None = None  # None: show the current availability


@dataclass(frozen=True, kw_only=True)
class AcceptSlot(Command):
    number: str | int = ""
    session_id: str | None = None  # from a button; typed: the member's live session


@dataclass(frozen=True, kw_only=True)
class ProposeTime(Command):
    day: str = ""  # a weekday (the next one in the window) or a date, in the member's zone
    time: str = ""  # HH:MM in the member's zone


@dataclass(frozen=True, kw_only=True)
class ExportData(Command):
    whose: str = "community"  # community (organisers) | me
    form: str = "csv"  # csv | json


@dataclass(frozen=True, kw_only=True)
class ForgetMe(Command):
    confirmed: bool = False  # the first ask explains and offers a confirmation button


@dataclass(frozen=True, kw_only=True)
class Reschedule(Command):
    session_id: str | None = None


ADMIN_COMMANDS = (
    SetSchedule,
    StartRound,
    CancelRound,
    ShowRoundReport,
    Configure,
    ShowMembers,
    RemoveMember,
)

# commands that only read: a replayed delivery is answered again, harmlessly, so their
# delivery ids are not written down and a read never waits behind a writer
READS = (
    Help,
    ShowStatus,
    ShowStats,
    ShowLeaderboard,
    ShowHistory,
    ShowGuide,
    ShowSoloGuide,
    ShowMembers,
    ShowRoundReport,
    OpenRatingForm,
    OpenFeedbackForm,
    PracticeQuestion,
    ExportData,
)


def quote(value: object, limit: int = 100) -> str:
    """What was typed, short enough to repeat in a one-line answer."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
