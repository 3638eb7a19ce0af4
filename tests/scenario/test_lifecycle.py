"""Regression tests for the session lifecycle where it meets storage, concurrency and time:
each drives the real Service on a real SQLite file with the console chat and a fake clock."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot import actions
from bot import commands as c
from bot.messages import SCORE_EMOJIS
from bot.model import Phase, UserRef
from bot.sessions.machine import current_key
from bot.storage import schema
from tests.conftest import CHANNEL, advance, console_play, join, start_round, user

COMMUNITY = "console:demo"


async def _only_session(app, community=COMMUNITY):
    (s,) = await app.store.round_sessions((await app.store.latest_round(community)).id)
    return s


async def _to_phase(app, phase: Phase):
    """A started pair, moved by its owners to ``phase`` of turn 1."""
    s = await _only_session(app)
    for m in s.members:
        await app.service.handle(c.ConfirmReady(actor=m))
    s = await app.store.get_session(s.id)
    while s.phase is not phase:
        owner = s.turn.candidate if s.phase in (Phase.PREP, Phase.ANSWER) else s.turn.interviewer
        r = await app.service.handle(c.EndPhase(actor=owner))
        assert not r.error, r.text
        s = await app.store.get_session(s.id)
    return s


# --- 1: one "I'm here" no longer leaves the session stuck --------------------------


async def test_the_console_steps_of_a_late_partner_end_with_alice_free_and_bob_recorded(
    clock, db_url, bank
):
    app, chat, play, out = await console_play(clock, db_url, bank)
    for line in (
        "alice: join coding mid Europe/Berlin",
        "bob: join coding mid Europe/Paris",
        "admin: round start",
        "alice: ready",
        "tick",  # the intro's reminder: its timer is still armed
        "tick 600",
    ):
        assert await play.line(line)
    text = out.getvalue()
    assert "nothing is scheduled" not in text and "1 min left in intro" in text
    s = await _only_session(app, "console:local")
    assert s.phase is Phase.NO_SHOW and {m.id for m in s.absent} == {"bob"}
    alice, bob = (UserRef("console", "local", n) for n in ("alice", "bob"))
    assert (await app.store.attendance(bob)).no_shows == 1
    assert (await app.store.attendance(alice)).attended == 1
    assert (await app.store.latest_round("console:local")).status == "done"
    assert any(
        "Find me a partner" in e.text for e in chat.seen_by("alice") if e.where == "DM"
    )  # the rematch offer
    await play.line("alice: now")
    assert "You're in the queue" in out.getvalue()
    await play.line("admin: round start")
    assert "a round is already running" not in out.getvalue()
    await app.stop()


async def test_a_partial_confirmation_keeps_the_intro_timer(app):
    await join(app, "ann", "bob")
    await start_round(app)
    s = await _only_session(app)
    await app.service.handle(c.ConfirmReady(actor=s.members[0]))
    pending = [t for t in await app.store.pending_timers() if t.subject == s.id]
    assert ("phase_end", "intro:0") in [(t.kind, t.key) for t in pending]
    assert {t.key for t in pending} == {"intro:0"}


# --- 2: two presses of "I'm done" end one phase -------------------------------------


async def test_both_pressing_im_done_ends_the_answer_only(app):
    await join(app, "ann", "bob")
    await start_round(app)
    s = await _to_phase(app, Phase.ANSWER)
    button = actions.done(s.id, current_key(s))
    first, second = [
        await app.service.handle(actions.decode(button, actor=m))
        for m in (s.turn.candidate, s.turn.candidate)
    ]
    assert not first.error and second.error and "already ended" in second.text
    assert (await app.store.get_session(s.id)).phase is Phase.FEEDBACK


async def test_concurrent_presses_of_one_button_end_one_phase(app):
    await join(app, "ann", "bob")
    await start_round(app)
    s = await _to_phase(app, Phase.ANSWER)
    button = actions.done(s.id, current_key(s))
    replies = await asyncio.gather(
        *[app.service.handle(actions.decode(button, actor=m)) for m in (*s.members, *s.members)]
    )
    assert sum(not r.error and r.text == "moving on" for r in replies) == 1
    after = await app.store.get_session(s.id)
    assert (after.phase, after.turn_index) == (Phase.FEEDBACK, 0)


# --- 3: one live session per member, one running round per community ---------------


async def test_ten_members_sending_now_at_once_are_each_in_one_session(app):
    names = [f"m{i}" for i in range(10)]
    await join(app, *names)
    replies = await asyncio.gather(
        *[app.service.handle(c.PairNow(actor=user(n), channel=CHANNEL)) for n in names]
    )
    assert not [r.text for r in replies if r.error and "try again" not in r.text]
    seen: dict[str, int] = {}
    for rnd_s in await app.store.sessions_live(COMMUNITY):
        for m in rnd_s.members:
            seen[m.id] = seen.get(m.id, 0) + 1
    assert seen and max(seen.values()) == 1


async def test_two_admins_starting_a_round_at_once_start_one(app):
    await join(app, "ann", "bob", "cat", "dan")
    start = c.StartRound(actor=user("admin"), is_admin=True, channel=CHANNEL)
    replies = await asyncio.gather(app.service.handle(start), app.service.handle(start))
    assert sorted(r.error for r in replies) == [False, True]
    assert "already running" in next(r.text for r in replies if r.error)
    live = await app.store.sessions_live(COMMUNITY)
    assert len(live) == 2 and len({s.round_id for s in live}) == 1


# --- 4: a join and a leave at once keep the join's settings ----------------------------


async def test_a_leave_that_read_before_a_join_landed_keeps_the_joins_settings(app, monkeypatch):
    await join(app, "ann", track="behavioral", level="mid")
    change = c.Join(actor=user("ann"), track="coding", level="senior", timezone="Asia/Tokyo")
    joined = asyncio.Event()
    real = app.store.get_member

    async def leave_reads_first(who):
        m = await real(who)
        if asyncio.current_task() is leaving:  # the join lands between the read and the write
            await asyncio.wait_for(joined.wait(), 5)
        return m

    async def join_then_tell():
        await app.service.handle(change)
        joined.set()

    monkeypatch.setattr(app.store, "get_member", leave_reads_first)
    leaving = asyncio.ensure_future(app.service.handle(c.Leave(actor=user("ann"))))
    await asyncio.gather(leaving, join_then_tell())
    m = await real(user("ann"))
    assert (m.track, m.level, m.timezone) == ("coding", "senior", "Asia/Tokyo")


# --- 5: the delivery id is remembered with the effect ------------------------------------


async def test_a_failure_after_the_delivery_arrived_leaves_it_for_the_redelivery(app, monkeypatch):
    await join(app, "ann", "bob")
    await start_round(app)
    s = await _to_phase(app, Phase.FEEDBACK)
    feedback = app.chat.last("feedback", s.space.id)
    react = c.ReactionAdded(
        actor=s.turn.interviewer, message=feedback.ref, emoji=SCORE_EMOJIS[3], event_id="ev-1"
    )
    real = app.store.save_rating
    calls = 0

    async def crash_once(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("the database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(app.store, "save_rating", crash_once)
    first = await app.service.handle(react)
    assert first.error and await app.store.session_ratings(s.id) == []
    again = await app.service.handle(react)  # the platform redelivers
    assert not again.duplicate and "saved: 4/5" in again.text
    third = await app.service.handle(react)
    assert third.duplicate
    assert [r.overall for r in await app.store.session_ratings(s.id)] == [4]


# --- 6: reactions never lose or wipe ratings ----------------------------------------------


async def test_a_quick_score_changed_back_counts_and_never_replaces_the_form(app):
    await join(app, "ann", "bob")
    await start_round(app)
    s = await _to_phase(app, Phase.FEEDBACK)
    feedback = app.chat.last("feedback", s.space.id)
    rater = s.turn.interviewer
    for emoji in ("3️⃣", "4️⃣", "3️⃣"):
        r = await app.service.handle(
            c.ReactionAdded(actor=rater, message=feedback.ref, emoji=emoji)
        )
        assert not r.error, r.text
    assert [x.overall for x in await app.store.session_ratings(s.id)] == [3]
    rubric = app.bank.rubric_for(app.bank.question(s.turn.question_id))
    values = {d.id: "5" for d in rubric.dimensions}
    await app.service.handle(
        c.SubmitRating(actor=rater, session_id=s.id, turn=0, values=values, comment="calm")
    )
    late = await app.service.handle(c.ReactionAdded(actor=rater, message=feedback.ref, emoji="1️⃣"))
    assert late.error and "you gave the full rubric; press Rate to change it" in late.text
    (kept,) = await app.store.session_ratings(s.id)
    assert (kept.overall, kept.source, kept.comment) == (5, "form", "calm")


# --- 7: solo practice never shows a live session's question or guide ------------------


async def test_solo_practice_never_offers_the_live_sessions_questions(app, clock):
    await join(app, "ann", "bob", track="coding", level="mid")
    await start_round(app)
    s = await _only_session(app)
    live = {t.question_id for t in s.turns}
    # use up the rest of the track, so only the live questions would be left to offer
    async with app.store._engine.begin() as conn:
        for q in app.bank.questions(track="coding"):
            if q.id not in live:
                await conn.execute(
                    schema.answered.insert().values(
                        community=COMMUNITY, user_id="ann", question_id=q.id, at=clock.now()
                    )
                )
    for minute in range(20):
        clock.advance(seconds=61)
        r = await app.service.handle(c.PracticeQuestion(actor=user("ann")))
        if not r.error:
            assert r.message.fields == ()  # the guide is behind a button
            (button,) = r.message.buttons
            assert button.action_id.split(":")[2] not in live, minute
    for qid in live:
        r = await app.service.handle(c.ShowSoloGuide(actor=user("ann"), question_id=qid))
        assert r.error and "live session" in r.text


async def test_everyone_in_the_round_ends_once_time_runs_out(app, clock):
    await join(app, "ann", "bob", "cat")
    await start_round(app)
    await advance(app, clock, 60 * 24)
    assert await app.store.sessions_live(COMMUNITY) == []
    assert await app.store.busy_members(COMMUNITY) == set()


async def test_nothing_grows_without_bound_locks_posts_and_timers(app, clock):
    """The per-session lock table holds live work only; sent posts and fired timers older
    than the retention period are purged by the daily housekeeping."""
    await join(app, "ann", "bob")
    await start_round(app)
    (s,) = await app.store.sessions_live("console:demo")
    for m in s.members:
        await app.service.handle(c.ConfirmReady(actor=m))
    await advance(app, clock, 24 * 60)  # the session runs out
    assert (await app.store.get_session(s.id)).phase.terminal
    assert app.practice._locks == {}  # no lock kept for a finished session
    sent = await app.store.outbox_backlog()
    assert sent == (0, None)
    await advance(app, clock, 31 * 24 * 60)
    await app.forget_old_events()
    async with app.store._engine.connect() as conn:
        posts = (await conn.execute(select(func.count()).select_from(schema.outbox))).scalar()
        fired = (
            await conn.execute(
                select(func.count())
                .select_from(schema.timers)
                .where(schema.timers.c.fired_at.is_not(None))
            )
        ).scalar()
    assert posts == 0 and fired == 0
