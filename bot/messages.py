"""Neutral outbound content. Adapters render these; the core never formats for a platform.

A message may contain the token ``{deadline}``: each adapter replaces it with its
own way of showing a time (Discord ``<t:UNIX:R>``, Slack ``<!date^...>``, console
"14:05 UTC (in 5 min)"). A moment members must read as a date, such as a booked
session, is written with ``at(when)``: Discord shows it as ``<t:UNIX:F>`` with
``<t:UNIX:R>``, Slack as ``<!date^UNIX^...>``, both in each reader's own zone; the
console in the zones listed in ``zones`` (the readers'), each with its weekday.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.model import UserRef

DEADLINE = "{deadline}"
MOMENT = re.compile(r"\{at:(-?\d+)\}")


def at(when: datetime) -> str:
    """A token for ``when`` that each platform shows in its reader's zone, with the weekday."""
    return f"{{at:{int(when.timestamp())}}}"


def moments(text: str, show) -> str:
    """Replace each ``at()`` token with ``show(datetime)``."""
    return MOMENT.sub(lambda m: show(datetime.fromtimestamp(int(m.group(1)), UTC)), text)


SCORE_EMOJIS: tuple[str, ...] = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")


@dataclass(frozen=True, slots=True)
class Button:
    action_id: str  # encoded by bot.actions, e.g. "mr:rate:<session>:<turn>"
    label: str
    style: str = "secondary"  # primary | secondary | danger


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message: a chart as a PNG, a calendar invitation, an export."""

    name: str  # e.g. "progress.png"
    data: bytes
    mime: str = "image/png"


@dataclass(frozen=True, slots=True)
class OutMessage:
    text: str
    title: str | None = None
    fields: tuple[tuple[str, str], ...] = ()  # (name, value) rows: embed fields, Block Kit sections
    buttons: tuple[Button, ...] = ()
    reactions: tuple[str, ...] = ()  # emoji the bot adds so members can react with one click
    deadline: datetime | None = None  # fills the {deadline} token
    mentions: tuple[UserRef, ...] = ()
    files: tuple[Attachment, ...] = ()
    zones: tuple[str, ...] = ()  # the readers' zones, for a platform that cannot localise
    kind: str = (
        "info"  # info | signup | question | guide | timer | feedback | leaderboard | stats | error
    )


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Field:
    id: str
    label: str
    kind: str = "select"  # select | text
    choices: tuple[Choice, ...] = ()
    required: bool = True
    placeholder: str = ""
    max_length: int = 1000


@dataclass(frozen=True, slots=True)
class Form:
    form_id: str  # action id the submission comes back with
    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the actor sees in answer to a command.

    ``ephemeral`` replies are shown only to the actor; ``error`` marks a refusal or
    bad input (nothing changed). ``field_errors`` maps form field ids to messages,
    so a form can be shown again with the problems next to the fields. A
    ``duplicate`` reply answers a delivery seen before; adapters show nothing new.
    """

    text: str = ""
    message: OutMessage | None = None
    form: Form | None = None
    ephemeral: bool = True
    error: bool = False
    field_errors: Mapping[str, str] = field(default_factory=dict)
    duplicate: bool = False  # a replayed delivery: handled before, so adapters stay quiet

    @classmethod
    def fail(cls, text: str, field_errors: Mapping[str, str] | None = None) -> Reply:
        return cls(text=text, error=True, field_errors=dict(field_errors or {}))

    @classmethod
    def ok(cls, text: str) -> Reply:
        return cls(text=text)
