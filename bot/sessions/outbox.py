"""What a session's transition tells its members, as deliveries saved with the new state.

The deliveries are written in the same transaction as the transition (an outbox),
then sent; a crash in between sends them after the restart instead of losing them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.messages import OutMessage
from bot.model import ChannelRef, Phase, Rating, Session, UserRef
from bot.questions.bank import QuestionBank
from bot.sessions import booking_notes, notices, presenter
from bot.sessions import machine as sessions


@dataclass(frozen=True, slots=True)
class Delivery:
    kind: str  # post | private | dm | close | end_voice (remove a pair voice channel)
    target: ChannelRef | UserRef
    msg: OutMessage | None = None
    user: UserRef | None = None  # private: the one member who sees it
    link: str | None = None  # post: remember the message under this purpose (feedback)
    turn: int | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """A session's new state as saved: with it, in the same transaction, the timers it arms
    (kind, key, due), what its members are told, and (settled intro) who came and who not."""

    session: Session
    arm: Sequence[tuple[str, str, datetime]] = ()
    deliveries: Sequence[Delivery] = ()
    tz: str = "UTC"  # the community's: a finished session counts in its local week
    settled: tuple[Sequence[UserRef], Sequence[UserRef]] | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What members' messages need beyond the session: their names and zones, the length
    of a whole session (a booking's end), and now (an invitation's stamp)."""

    names: Mapping[UserRef, str]
    zone_of: Mapping[UserRef, str]
    length: timedelta
    now: datetime

    @property
    def zones(self) -> tuple[str, ...]:
        """Every member's zone, once each, in the members' order: a space's readers."""
        return tuple(dict.fromkeys(self.zone_of.values()))


def _in_zones(d: Delivery, ctx: Context) -> Delivery:
    """Every message carries its readers' zones, for a platform that cannot show each
    reader their own (the console): a DM's reader is one member, a space's are all."""
    if d.msg is None or d.msg.zones:
        return d
    reader = {"private": d.user, "dm": d.target}.get(d.kind)
    zone = ctx.zone_of.get(reader) if isinstance(reader, UserRef) else None
    return replace(d, msg=replace(d.msg, zones=(zone,) if zone else ctx.zones))


def for_transition(
    s: Session,
    effects,
    ctx: Context,
    bank: QuestionBank,
    ratings: Mapping[int, Sequence[Rating]],
) -> list[Delivery]:
    """``ratings``: the candidate's ratings of each turn whose feedback closed."""
    out: list[Delivery] = []
    names = ctx.names
    if s.space is None:
        return out
    for e in effects:
        if isinstance(e, sessions.PhaseEntered):
            out += _phase(s, e, ctx, bank)
        elif isinstance(e, sessions.SlotProposed):
            msg = booking_notes.slot_proposed(s, e.number, names, ctx.zones)
            out.append(Delivery("post", s.space, msg))
        elif isinstance(e, sessions.Booked):
            msg = booking_notes.booked(s, names, ctx.zones, ctx.length, ctx.now)
            out.append(Delivery("post", s.space, msg))
        elif isinstance(e, sessions.InvitationCancelled):
            # ending keeps the booked time (after a reschedule there is none: now will do,
            # since a calendar matches the cancellation by its UID)
            msg = booking_notes.invitation_cancelled(s, names, s.starts_at or ctx.now, ctx.now)
            out.append(Delivery("post", s.space, msg))
        elif isinstance(e, sessions.AttendanceSettled) and e.absent and not s.phase.terminal:
            out.append(Delivery("post", s.space, notices.going_on(e.present, e.absent, names)))
        elif isinstance(e, sessions.StoodUp):
            out += [Delivery("dm", m, notices.rematch_offer(names, s)) for m in e.members]
        elif isinstance(e, sessions.OwnerAsked):
            out.append(
                Delivery("post", s.space, notices.owner_asked(e.asker, e.owner, e.phase, names))
            )
        elif isinstance(e, sessions.FeedbackClosed):
            turn = s.turns[e.turn]
            q = bank.question(turn.question_id)
            msg = notices.feedback_received(
                s, e.turn, q, bank.rubric_for(q), ratings.get(e.turn, ()), names
            )
            out.append(Delivery("dm", turn.candidate, msg))
        elif isinstance(e, sessions.Ended):
            out.append(Delivery("post", s.space, presenter.ended(s, names)))
            out.append(Delivery("close", s.space))
            if s.voice is not None:
                out.append(Delivery("end_voice", s.voice))
    return [_in_zones(d, ctx) for d in out]


def _phase(s: Session, e: sessions.PhaseEntered, ctx: Context, bank) -> list[Delivery]:
    space, names = s.space, ctx.names
    if e.phase is Phase.BOOKING:
        msg = booking_notes.booking_open(s, names, ctx.zones, ctx.length)
        return [Delivery("post", space, msg)]
    if e.phase is Phase.INTRO:
        return [Delivery("post", space, presenter.welcome(s, names))]
    if e.phase is Phase.PREP:
        turn = s.turns[e.turn]
        q = bank.question(turn.question_id)
        guide = presenter.guide(q, bank.rubric_for(q), names[turn.candidate])
        return [
            Delivery("post", space, presenter.prep(s, names, e.by_timer)),
            Delivery("post", space, presenter.question(q, names[turn.candidate])),
            Delivery("private", space, guide, user=turn.interviewer),
        ]
    if e.phase is Phase.ANSWER:
        return [Delivery("post", space, presenter.answer(s, names, e.by_timer))]
    if e.phase is Phase.FEEDBACK:
        msg = presenter.feedback(s, names, e.by_timer)
        return [Delivery("post", space, msg, link="feedback", turn=e.turn)]
    return []
