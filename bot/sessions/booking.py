"""Booking a time in window mode, as pure transitions of the session machine.

The space opens with slots inside everyone's availability; the first slot every present
member accepted is booked. A member may offer another time, and reschedule a booking up
to an hour before it starts. When the window ends with nothing booked the pair did not
meet: not a no-show, unless someone never answered any proposal.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.model import Phase, Proposal, Session
from bot.sessions.events import (
    Accepted,
    Acknowledged,
    ArmTimer,
    AttendanceSettled,
    Booked,
    InvalidTransition,
    PhaseEntered,
    Proposed,
    Rescheduled,
    SlotProposed,
    StoodUp,
    Timings,
    timer_key,
)
from bot.sessions.steps import end

RESCHEDULE_UNTIL = timedelta(hours=1)
REMINDERS = (timedelta(hours=24), timedelta(minutes=15))
NUDGE_AFTER = timedelta(hours=48)
MAX_PROPOSALS = 8
SOONEST = timedelta(minutes=15)  # a proposed time leaves everyone a moment to see it


def open_booking(s: Session, opened, now: datetime):
    ends = opened.window_ends
    s = replace(
        s,
        phase=Phase.BOOKING,
        proposals=tuple(Proposal(at) for at in opened.proposals),
        window_ends_at=ends,
        phase_started_at=now,
        phase_ends_at=ends,
        turn_index=0,
    )
    key = timer_key(Phase.BOOKING, 0)
    effects = [PhaseEntered(Phase.BOOKING, 0, ends, False), ArmTimer(key, ends)]
    if now + NUDGE_AFTER < ends:
        effects.append(ArmTimer(key, now + NUDGE_AFTER, "nudge"))
    return s, effects


def advance_booking(s: Session, event, now: datetime, timings: Timings):
    if isinstance(event, Rescheduled):
        return _reschedule(s, now)
    if s.phase is Phase.BOOKED:
        raise InvalidTransition(
            "your session is booked already: /mock reschedule reopens booking "
            "(until an hour before it starts)"
        )
    if s.phase is not Phase.BOOKING:
        raise InvalidTransition("the session is under way: there is nothing to book")
    if isinstance(event, Accepted):
        return _accept(s, event, now, timings)
    return _propose(s, event, now, timings)


def _accept(s: Session, event: Accepted, now: datetime, timings: Timings):
    n = event.number
    if not 1 <= n <= len(s.proposals):
        shown = f"1-{len(s.proposals)}" if s.proposals else "none yet: /mock propose one"
        raise InvalidTransition(f"there is no slot {n}: open slots are {shown}")
    p = s.proposals[n - 1]
    if p.at <= now:
        raise InvalidTransition(f"slot {n} has passed: accept another or /mock propose a time")
    if event.user in p.accepted:
        return s, [Acknowledged(f"you accepted slot {n} already")]
    p = replace(p, accepted=p.accepted | {event.user})
    proposals = (*s.proposals[: n - 1], p, *s.proposals[n:])
    s = replace(s, proposals=proposals, answered=s.answered | {event.user})
    if p.accepted >= set(s.present):
        return _book(s, p.at, now)
    waiting = len(set(s.present) - p.accepted)
    return s, [Acknowledged(f"noted: slot {n} is booked when {waiting} more accept it")]


def _propose(s: Session, event: Proposed, now: datetime, timings: Timings):
    at = event.at
    if at < now + SOONEST:
        raise InvalidTransition("propose a time at least 15 minutes from now")
    ends = s.window_ends_at
    if ends is not None and at + timings.whole > ends:
        raise InvalidTransition(
            "that time leaves too little of this round's window for a whole session "
            f"({round(timings.whole.total_seconds() / 60)} min): propose an earlier one"
        )
    for n, p in enumerate(s.proposals, start=1):
        if p.at == at:
            return _accept(s, Accepted(event.user, n), now, timings)
    if len(s.proposals) >= MAX_PROPOSALS:
        raise InvalidTransition(f"{MAX_PROPOSALS} times are proposed already: accept one of them")
    p = Proposal(at, frozenset({event.user}), event.user)
    s = replace(s, proposals=(*s.proposals, p), answered=s.answered | {event.user})
    if p.accepted >= set(s.present):
        return _book(s, at, now)
    return s, [SlotProposed(len(s.proposals))]


def _book(s: Session, at: datetime, now: datetime):
    s = replace(
        s,
        phase=Phase.BOOKED,
        starts_at=at,
        sequence=s.sequence + 1,
        phase_started_at=now,
        phase_ends_at=at,
    )
    key = timer_key(Phase.BOOKED, 0)
    effects = [Booked(at), PhaseEntered(Phase.BOOKED, 0, at, False), ArmTimer(key, at)]
    effects += [ArmTimer(key, at - lead, "reminder") for lead in REMINDERS if at - lead > now]
    return s, effects


def _reschedule(s: Session, now: datetime):
    if s.phase is Phase.BOOKING:
        raise InvalidTransition("nothing is booked yet: accept a slot or /mock propose a time")
    if s.phase is not Phase.BOOKED or s.starts_at is None:
        raise InvalidTransition("the session is under way: it can no longer be rescheduled")
    if now > s.starts_at - RESCHEDULE_UNTIL:
        raise InvalidTransition(
            "it is less than an hour before the session: it can no longer be rescheduled "
            "(cancel it from the space if you cannot come)"
        )
    kept = tuple(replace(p, accepted=frozenset()) for p in s.proposals if p.at > now + SOONEST)
    ends = s.window_ends_at or s.starts_at
    s = replace(
        s,
        phase=Phase.BOOKING,
        proposals=kept,
        starts_at=None,
        phase_started_at=now,
        phase_ends_at=ends,
    )
    key = timer_key(Phase.BOOKING, 0)
    return s, [PhaseEntered(Phase.BOOKING, 0, ends, False), ArmTimer(key, ends)]


def window_over(s: Session, now: datetime):
    """Nothing was booked: who never answered any proposal did not come; else nobody's fault."""
    silent = tuple(m for m in s.present if m not in s.answered)
    if not silent:
        return end(s, Phase.NOT_MET, now)
    here = tuple(m for m in s.present if m in s.answered)
    s = replace(s, absent=s.absent | frozenset(silent), confirmed=frozenset(here))
    ended, effects = end(s, Phase.NO_SHOW, now)
    return ended, [AttendanceSettled(here, silent), *([StoodUp(here)] if here else []), *effects]
