"""A whole weekly round through the console adapter, asserting on what each member saw."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import actions
from bot import commands as c
from bot.messages import SCORE_EMOJIS
from bot.model import Phase
from tests.conftest import CHANNEL, advance, join, user

NAMES = ("ana", "ben", "cy", "dee", "eli")


async def test_a_scheduled_round_from_signup_to_leaderboard(app, clock):
    chat = app.chat
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))  # Monday
    reply = await app.service.handle(
        c.SetSchedule(
            actor=user("ana"),
            is_admin=True,
            channel=CHANNEL,
            weekday="tue",
            time="18:00",
            timezone="UTC",
        )
    )
    assert "tue at 18:00" in reply.text and not reply.error
    await advance(app, clock, 60)
    signup = chat.last("signup")
    assert signup.where == "#mock" and signup.reactions == ["✋"]

    await join(app, *NAMES[:4])
    # the fifth member joins by reacting to the signup post
    r = await app.service.handle(
        c.ReactionAdded(actor=user("eli"), actor_name="Eli", message=signup.ref, emoji="✋")
    )
    assert "joined" in r.text

    await advance(app, clock, 24 * 60)  # Tuesday 18:00: the round fires
    rnd = await app.store.latest_round("console:demo")
    sessions = await app.store.round_sessions(rnd.id)
    assert sorted(len(s.members) for s in sessions) == [2, 3]  # five members: a pair and a trio
    assert sorted(m.id for s in sessions for m in s.members) == sorted(NAMES)
    for s in sessions:
        assert s.phase is Phase.INTRO
        assert chat.spaces[s.space.id] == {m.id for m in s.members}  # private to the group

    # everyone presses "I'm here" on their welcome message
    for s in sessions:
        for m in s.members:
            r = await app.service.handle(actions.decode(actions.ready(s.id), actor=m))
            assert not r.error, r.text

    pair = next(s for s in sessions if len(s.members) == 2)
    first = pair.turns[0]
    # the candidate sees the question; only the interviewer sees the guide
    guide_entries = [
        e for e in chat.entries if e.msg.kind == "guide" and e.ref.channel == pair.space.id
    ]
    assert [sorted(e.audience) for e in guide_entries] == [[first.interviewer.id]]
    question = app.bank.question(first.question_id)
    cand_texts = chat.texts_seen_by(first.candidate.id)
    assert any(question.prompt.strip()[:40] in t for t in cand_texts)
    assert not any(t.startswith("**Interviewer guide") for t in cand_texts)
    outsider = next(m for s in sessions if s is not pair for m in s.members)
    assert not any(question.title in t for t in chat.texts_seen_by(outsider.id))

    # the candidate ends the answer early; the interviewer's press only asks them to
    await advance(app, clock, 2)
    s = await app.store.get_session(pair.id)
    assert s.phase is Phase.ANSWER
    asked = await app.service.handle(c.EndPhase(actor=first.interviewer))
    assert (
        asked.text.startswith("asked")
        and (await app.store.get_session(pair.id)).phase is Phase.ANSWER
    )
    await app.service.handle(c.EndPhase(actor=first.candidate))
    s = await app.store.get_session(pair.id)
    assert s.phase is Phase.FEEDBACK

    feedback = chat.last("feedback", pair.space.id)
    assert feedback.reactions == list(SCORE_EMOJIS)
    r = await app.service.handle(
        c.ReactionAdded(actor=first.interviewer, message=feedback.ref, emoji="4️⃣")
    )
    assert "saved: 4/5" in r.text

    # turn 2: the full rubric form
    await app.service.handle(c.EndPhase(actor=first.interviewer))  # feedback over
    s = await app.store.get_session(pair.id)
    assert (s.phase, s.turn_index) == (Phase.PREP, 1)
    second = s.turns[1]
    assert second.interviewer == first.candidate and second.question_id != first.question_id
    await app.service.handle(c.EndPhase(actor=second.candidate))
    await app.service.handle(c.EndPhase(actor=second.candidate))
    form = (await app.service.handle(c.OpenRatingForm(actor=second.interviewer))).form
    assert form is not None and form.form_id == actions.form(pair.id, 1)
    values = {f.id: "5" for f in form.fields if f.kind == "select"}
    r = await app.service.handle(
        c.SubmitRating(
            actor=second.interviewer, session_id=pair.id, turn=1, values=values, comment="great"
        )
    )
    assert "saved: 5/5" in r.text

    await advance(app, clock, 4 * 60)  # the trio's three turns run on the clock
    assert all(s.phase is Phase.DONE for s in await app.store.round_sessions(rnd.id))
    assert (await app.store.latest_round("console:demo")).status == "done"
    for name in NAMES:
        texts = chat.texts_seen_by(name)
        assert any("Session complete" in t for t in texts), name
        assert any(t.startswith("**Your mock interview**") for t in texts), name

    board = (await app.service.handle(c.ShowLeaderboard(actor=user("ana"), period="all"))).message
    assert board.kind == "leaderboard" and len(board.fields) == 5
    ratings = await app.store.session_ratings(pair.id)
    assert sorted((r.turn, r.overall, r.source) for r in ratings) == [
        (0, 4, "reaction"),
        (1, 5, "form"),
    ]
    # the next weekly round is armed for the following Tuesday
    pending = [t for t in await app.store.pending_timers() if t.kind == "weekly_round"]
    assert [t.due_at for t in pending] == [datetime(2026, 3, 10, 18, 0, tzinfo=UTC)]
