"""What a pair reads while it books a time: the proposed slots, a member's proposal, the
booking with its calendar invitation, reminders, a nudge. Every time is an ``at()``
token, shown by each platform in its reader's own zone with the weekday."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot import actions
from bot.messages import Button, OutMessage, at
from bot.model import Session, UserRef
from bot.sessions import invitations

Names = Mapping[UserRef, str]


def _minutes(length: timedelta) -> int:
    return round(length.total_seconds() / 60)


def _who(users: Sequence[UserRef], names: Names) -> str:
    return " and ".join(names[u] for u in users)


def where(s: Session) -> str:
    return f"Where to talk: {s.place}." if s.place else ""


def title(s: Session, names: Names) -> str:
    return "Mock interview: " + " & ".join(names[m] for m in s.members)


def _slot_buttons(s: Session, numbers: Sequence[int]) -> tuple[Button, ...]:
    return tuple(Button(actions.accept(s.id, n), f"Slot {n} works", "primary") for n in numbers)


def booking_open(s: Session, names: Names, zones: Sequence[str], length: timedelta) -> OutMessage:
    ends = at(s.window_ends_at) if s.window_ends_at else "the end of the round"
    again = s.sequence > 0
    lines = [
        "Booking is open again: pick a new time."
        if again
        else (
            f"Welcome {_who(s.members, names)}! This space is yours for this round: you have "
            f"until {ends} to meet for about {_minutes(length)} minutes."
        ),
        where(s),
    ]
    open_slots = [(n, p) for n, p in enumerate(s.proposals, start=1)]
    if open_slots:
        lines.append(
            "These times fit everyone's availability. Press each one that works for you: "
            "the first slot everyone accepts is booked."
        )
    else:
        lines.append(
            "Your availabilities share no time in this window long enough for a whole session."
        )
    lines.append("None fits? /mock propose <day> <HH:MM> offers another time, in your own zone.")
    return OutMessage(
        kind="booking",
        title="Booking is open again" if again else "Your mock interview: pick a time",
        text="\n".join(line for line in lines if line),
        fields=tuple((f"Slot {n}", at(p.at)) for n, p in open_slots),
        buttons=_slot_buttons(s, [n for n, _ in open_slots]),
        mentions=s.members,
        zones=tuple(zones),
    )


def slot_proposed(s: Session, number: int, names: Names, zones: Sequence[str]) -> OutMessage:
    p = s.proposals[number - 1]
    by = names[p.by] if p.by else "The bot"
    others = tuple(m for m in s.present if m not in p.accepted)
    return OutMessage(
        kind="booking",
        text=(
            f"{by} proposes {at(p.at)} (slot {number}). {_who(others, names)}: press "
            f"Slot {number} works to book it, or /mock propose another time."
        ),
        buttons=_slot_buttons(s, [number]),
        mentions=others,
        zones=tuple(zones),
    )


def booked(
    s: Session, names: Names, zones: Sequence[str], length: timedelta, now: datetime
) -> OutMessage:
    assert s.starts_at is not None
    update = " (an update of the earlier one)" if s.sequence > 1 else ""
    ics = invitations.invitation(
        s,
        starts=s.starts_at,
        length=length,
        title=title(s, names),
        details=_details(s, names),
        now=now,
    )
    return OutMessage(
        kind="booking",
        title="Booked",
        text=(
            f"📅 Booked: {at(s.starts_at)}, about {_minutes(length)} minutes. "
            f"The calendar invitation is attached{update}; reminders come 24 hours and "
            f"15 minutes before. {where(s)}\nNeed another time? /mock reschedule, until an "
            "hour before it starts."
        ),
        mentions=s.members,
        files=(ics,),
        zones=tuple(zones),
    )


def invitation_cancelled(s: Session, names: Names, starts: datetime, now: datetime) -> OutMessage:
    ics = invitations.invitation(
        s,
        starts=starts,
        length=timedelta(hours=1),
        title=title(s, names),
        details="Cancelled.",
        now=now,
        cancel=True,
    )
    return OutMessage(
        kind="booking",
        text="The calendar entry for this session is cancelled: open the attached file to "
        "remove it from your calendar.",
        files=(ics,),
    )


def reminder(s: Session, names: Names, zones: Sequence[str], lead: timedelta) -> OutMessage:
    assert s.starts_at is not None
    soon = "in 15 minutes" if lead <= timedelta(hours=1) else "tomorrow"
    return OutMessage(
        kind="reminder",
        title="Reminder",
        text=(
            f"⏰ Your mock interview starts {soon}: {at(s.starts_at)}. {where(s)}\n"
            'Press "I\'m here" in this space when it begins.'
        ),
        mentions=s.members,
        zones=tuple(zones),
    )


def nudge(s: Session, names: Names, zones: Sequence[str]) -> OutMessage:
    silent = tuple(m for m in s.present if m not in s.answered) or s.present
    ends = at(s.window_ends_at) if s.window_ends_at else "soon"
    return OutMessage(
        kind="reminder",
        text=(
            f"Nothing is booked yet and this round's window ends {ends}. "
            f"{_who(silent, names)}: press a slot that works for you, or /mock propose a "
            "time. Someone who never answers by then is recorded as a no-show."
        ),
        mentions=silent,
        zones=tuple(zones),
    )


def _details(s: Session, names: Names) -> str:
    turns = "\n".join(
        f"Turn {i + 1}: {names[t.interviewer]} interviews {names[t.candidate]}"
        for i, t in enumerate(s.turns)
    )
    place = f"\nWhere to talk: {s.place}" if s.place else ""
    return f"A mock interview practice session.\n{turns}{place}"
