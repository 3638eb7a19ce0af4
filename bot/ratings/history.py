"""A member's past sessions: when, with whom, which question in which role, and the
scores and comments they received, with every time in the member's own zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from bot.messages import OutMessage
from bot.model import Phase, Rating, Session, UserRef
from bot.questions.bank import QuestionBank

OUTCOMES = {
    Phase.DONE: "completed",
    Phase.CANCELLED: "cancelled",
    Phase.NO_SHOW: "no-show",
}


def history_message(
    me: UserRef,
    past: Sequence[Session],
    ratings: Sequence[Rating],
    names: Mapping[str, str],
    bank: QuestionBank,
    tz: str,
) -> OutMessage:
    if not past:
        return OutMessage(
            kind="history",
            title="Your sessions",
            text="No finished sessions yet: /mock now pairs you on demand.",
        )
    zone = ZoneInfo(tz)
    rows = []
    for s in past:
        when = (s.ended_at or s.created_at).astimezone(zone)
        partners = ", ".join(names.get(m.id, m.id) for m in s.members if m != me)
        outcome = OUTCOMES.get(s.phase, s.phase.value)
        if me in s.absent:
            outcome = "you did not come"
        lines = []
        for i, t in enumerate(s.turns):
            if me not in (t.candidate, t.interviewer) or i > s.turn_index:
                continue
            title = _title(bank, t.question_id)
            role = "candidate" if t.candidate == me else "interviewer"
            got = [r for r in ratings if r.session_id == s.id and r.turn == i and r.ratee == me]
            lines.append(f"{role}: {title}" + "".join(f" · {_rating(r)}" for r in got))
        rows.append(
            (
                f"{when:%a %d %b %Y %H:%M} ({tz}) with {partners or 'nobody'}: {outcome}",
                "\n".join(lines) or "no turn was played",
            )
        )
    return OutMessage(kind="history", title="Your sessions", text="", fields=tuple(rows))


def _title(bank: QuestionBank, question_id: str) -> str:
    try:
        return bank.question(question_id).title
    except KeyError:
        return question_id  # the pack was removed since


def _rating(r: Rating) -> str:
    what = "feedback rated" if r.about == "feedback" else "scored"
    scores = ", ".join(f"{k} {v}" for k, v in r.scores.items() if k != "useful")
    text = f"{what} {r.overall}/5" + (f" ({scores})" if scores else "")
    return text + (f': "{r.comment}"' if r.comment else "")
