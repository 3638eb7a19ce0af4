"""Rating rules: one per (session, turn, rater, ratee), interviewer only, open window only."""

from __future__ import annotations

import pytest

from bot import commands as c
from bot.model import Phase
from tests.conftest import join, start_round


@pytest.fixture
async def feedback(app):
    """A pair in turn 1's feedback phase; returns (session, interviewer, candidate, feedback entry)."""
    await join(app, "ann", "bob")
    await start_round(app)
    (s,) = await app.store.round_sessions((await app.store.latest_round("console:demo")).id)
    for m in s.members:
        await app.service.handle(c.ConfirmReady(actor=m))
    for _ in range(2):  # the candidate ends prep and answer
        await app.service.handle(c.EndPhase(actor=s.turns[0].candidate))
    s = await app.store.get_session(s.id)
    assert s.phase is Phase.FEEDBACK
    t = s.turns[0]
    return s, t.interviewer, t.candidate, app.chat.last("feedback", s.space.id)


def dims(app, s, score="4"):
    rubric = app.bank.rubric_for(app.bank.question(s.turns[0].question_id))
    return {d.id: score for d in rubric.dimensions}


async def test_a_later_submission_replaces_the_earlier_one(app, feedback):
    s, interviewer, candidate, _ = feedback
    first = await app.service.handle(
        c.SubmitRating(actor=interviewer, session_id=s.id, turn=0, values=dims(app, s, "2"))
    )
    second = await app.service.handle(
        c.SubmitRating(actor=interviewer, session_id=s.id, turn=0, values=dims(app, s, "5"))
    )
    assert first.text.startswith("Rating saved") and second.text.startswith("Rating updated")
    (r,) = await app.store.session_ratings(s.id)
    assert (r.overall, r.ratee, r.source) == (5, candidate, "form")
    assert set(r.scores.values()) == {5}


async def test_the_same_reaction_delivered_twice_counts_once(app, feedback):
    s, interviewer, _, entry = feedback
    for _ in range(2):
        await app.service.handle(c.ReactionAdded(actor=interviewer, message=entry.ref, emoji="3️⃣"))
    ratings = await app.store.session_ratings(s.id)
    assert [(r.overall, r.source) for r in ratings] == [(3, "reaction")]


async def test_only_the_interviewer_rates(app, feedback):
    s, _, candidate, entry = feedback
    by_reaction = await app.service.handle(
        c.ReactionAdded(actor=candidate, message=entry.ref, emoji="5️⃣")
    )
    by_form = await app.service.handle(
        c.SubmitRating(actor=candidate, session_id=s.id, turn=0, values=dims(app, s))
    )
    opened = await app.service.handle(c.OpenRatingForm(actor=candidate, session_id=s.id, turn=0))
    for reply in (by_reaction, by_form, opened):
        assert reply.error and "only the interviewer" in reply.text
    assert await app.store.session_ratings(s.id) == []


async def test_the_window_closes_with_the_feedback_phase(app, feedback):
    s, interviewer, candidate, entry = feedback
    await app.service.handle(c.EndPhase(actor=interviewer))  # feedback over: turn 2 prep
    late = await app.service.handle(
        c.SubmitRating(actor=interviewer, session_id=s.id, turn=0, values=dims(app, s))
    )
    late_reaction = await app.service.handle(
        c.ReactionAdded(actor=interviewer, message=entry.ref, emoji="4️⃣")
    )
    assert late.error and "feedback window for that turn is closed" in late.text
    assert late_reaction.error
    assert await app.store.session_ratings(s.id) == []


async def test_missing_or_bad_scores_come_back_as_field_errors(app, feedback):
    s, interviewer, _, _ = feedback
    values = dims(app, s)
    missing, bad = list(values)[:2]
    values.pop(missing)
    values[bad] = "7"
    reply = await app.service.handle(
        c.SubmitRating(actor=interviewer, session_id=s.id, turn=0, values=values)
    )
    assert reply.error and set(reply.field_errors) == {missing, bad}
    assert "choose a score from 1 to 5, not 7" in reply.field_errors[bad]
    assert await app.store.session_ratings(s.id) == []


async def test_other_emoji_and_unknown_messages_are_refused(app, feedback):
    s, interviewer, _, entry = feedback
    wrong = await app.service.handle(
        c.ReactionAdded(actor=interviewer, message=entry.ref, emoji="🎉")
    )
    assert wrong.error and "1️⃣ to 5️⃣" in wrong.text
    other = c.ReactionAdded(
        actor=interviewer, message=entry.ref.__class__("console", "demo", "x", "999"), emoji="4️⃣"
    )
    assert (await app.service.handle(other)).error
    assert await app.store.session_ratings(s.id) == []


async def test_rate_opens_the_rubric_form_for_my_current_turn(app, feedback):
    s, interviewer, _, _ = feedback
    form = (await app.service.handle(c.OpenRatingForm(actor=interviewer))).form
    rubric = app.bank.rubric_for(app.bank.question(s.turns[0].question_id))
    assert [f.id for f in form.fields] == [d.id for d in rubric.dimensions] + ["comment"]
    assert len(form.fields) <= 5 and len(form.title) <= 24
    assert all(len(ch.label) <= 75 for f in form.fields for ch in f.choices)
