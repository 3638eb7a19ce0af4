"""What a session's transition tells its members, as deliveries saved with the new state.

The deliveries are written in the same transaction as the transition (an outbox),
then sent; a crash in between sends them after the restart instead of losing them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import OutMessage
from bot.model import ChannelRef, Phase, Session, UserRef
from bot.questions.bank import QuestionBank
from bot.sessions import machine as sessions
from bot.sessions import presenter


@dataclass(frozen=True, slots=True)
class Delivery:
    kind: str  # post | private | close
    target: ChannelRef | UserRef
    msg: OutMessage | None = None
    user: UserRef | None = None  # private: the one member who sees it
    link: str | None = None  # post: remember the message under this purpose (feedback)
    turn: int | None = None


def for_transition(s: Session, effects, names, bank: QuestionBank) -> list[Delivery]:
    out: list[Delivery] = []
    if s.space is None:
        return out
    for e in effects:
        if isinstance(e, sessions.PhaseEntered):
            out += _phase(s, e, names, bank)
        elif isinstance(e, sessions.Ended):
            out.append(Delivery("post", s.space, presenter.ended(s, names)))
            out.append(Delivery("close", s.space))
    return out


def _phase(s: Session, e: sessions.PhaseEntered, names, bank: QuestionBank) -> list[Delivery]:
    space = s.space
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
