"""A crash mid-answer: a new process on the same database advances the overdue phase once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from adapters.console.chat import ConsoleChat
from bot import commands as c
from bot.app.bootstrap import build
from bot.app.config import load_settings
from bot.model import Phase
from tests.conftest import join, start_round, user


async def test_killed_during_an_answer_phase_resumes_exactly_once(clock, db_url):
    settings = load_settings(database_url=db_url)
    chat1 = ConsoleChat(clock)
    first = await build(settings, chat1, clock=clock)
    await first.start()
    await join(first, "ana", "ben")
    await start_round(first)
    (s,) = await first.store.round_sessions((await first.store.latest_round("console:demo")).id)
    for m in s.members:
        await first.service.handle(c.ConfirmReady(actor=m))
    await first.service.handle(c.EndPhase(actor=user("ana")))  # prep over: the answer phase runs
    s = await first.store.get_session(s.id)
    assert s.phase is Phase.ANSWER
    interviewer = s.turns[0].interviewer
    ack = await first.service.handle(c.OpenRatingForm(actor=interviewer))
    values = {f.id: "3" for f in ack.form.fields if f.kind == "select"}
    saved = await first.service.handle(
        c.SubmitRating(actor=interviewer, session_id=s.id, turn=0, values=values, comment="kept")
    )
    assert saved.text.startswith("Rating saved")
    # the process dies here: no stop(), no shutdown; only the database file survives

    clock.set(s.phase_ends_at + timedelta(minutes=1))
    chat2 = ConsoleChat(clock)
    second = await build(settings, chat2, clock=clock)
    await second.start()  # runs what fell due while we were down
    await second.run_due()  # and a second alarm for the same moment changes nothing
    await second.run_due()

    after = await second.store.get_session(s.id)
    assert (after.phase, after.turn_index) == (Phase.FEEDBACK, 0)
    posted = [e.msg.kind for e in chat2.entries]
    assert posted == ["feedback"], posted  # one "time's up" feedback post, nothing repeated
    assert chat2.entries[0].text.startswith("**Turn 1: feedback**\n⏰ Time's up")
    ratings = await second.store.session_ratings(s.id)
    assert [(r.overall, r.comment) for r in ratings] == [(3, "kept")]
    pending = [t for t in await second.store.pending_timers() if t.subject == s.id]
    assert sorted((t.kind, t.key) for t in pending) == [
        ("checkpoint", "feedback:0"),
        ("phase_end", "feedback:0"),
    ]
    await second.stop()
    await first.store.close()


async def test_a_round_saved_before_its_spaces_opened_opens_them_after_restart(
    clock, db_url, monkeypatch
):
    settings = load_settings(database_url=db_url)
    first = await build(settings, ConsoleChat(clock), clock=clock)
    await first.start()
    await join(first, "ana", "ben")
    await first.service.handle(
        c.SetSchedule(
            actor=user("ana"),
            is_admin=True,
            channel=c.ChannelRef("console", "demo", "mock"),
            weekday="fri",
            time="10:00",
        )
    )

    async def crash(*args, **kwargs):
        raise ConnectionError("platform unreachable")

    monkeypatch.setattr(first.chat, "open_pair_space", crash)
    await start_round(first)
    (s,) = await first.store.round_sessions((await first.store.latest_round("console:demo")).id)
    assert s.phase is Phase.PAIRED and s.space is None

    chat2 = ConsoleChat(clock)
    second = await build(settings, chat2, clock=clock)
    await second.start()
    await asyncio.gather(*second.rounds.openings.running)
    s = await second.store.get_session(s.id)
    assert s.phase is Phase.INTRO and s.space is not None
    assert [e.msg.title for e in chat2.entries] == ["Your mock interview"]
    await second.stop()
    await first.store.close()


async def test_announcements_saved_with_a_transition_go_out_after_a_crash(
    clock, db_url, monkeypatch
):
    settings = load_settings(database_url=db_url)
    first = await build(settings, ConsoleChat(clock), clock=clock)
    await first.start()
    await join(first, "ana", "ben")
    await start_round(first)
    (s,) = await first.store.round_sessions((await first.store.latest_round("console:demo")).id)
    await first.service.handle(c.ConfirmReady(actor=s.members[0]))

    async def down(*args, **kwargs):
        raise ConnectionError("platform unreachable")

    monkeypatch.setattr(first.chat, "send", down)  # the platform drops out, then we die
    await first.service.handle(c.ConfirmReady(actor=s.members[1]))
    assert (await first.store.get_session(s.id)).phase is Phase.PREP
    queued = await first.store.undelivered(s.id)
    assert [d.kind for _, _, _, d, _ in queued] == ["post", "post", "private"]

    chat2 = ConsoleChat(clock)
    chat2.spaces = dict(first.chat.spaces)  # the platform still has the pair's space
    second = await build(settings, chat2, clock=clock)
    await second.start()
    await second.start()  # a second start (or alarm) sends nothing twice
    turn = s.turns[0]
    assert [(e.msg.kind, e.where) for e in chat2.entries] == [
        ("timer", s.space.id),
        ("question", s.space.id),
        ("guide", f"{s.space.id} (only you)"),
    ]
    assert chat2.entries[2].audience == {turn.interviewer.id}
    assert await second.store.undelivered() == []
    await second.stop()
    await first.store.close()


async def test_a_round_started_by_hand_reopens_its_spaces_in_its_own_channel(
    clock, db_url, monkeypatch
):
    """No schedule: the round's channel is kept with the round, not guessed after a crash."""
    settings = load_settings(database_url=db_url)
    first = await build(settings, ConsoleChat(clock), clock=clock)
    await first.start()
    await join(first, "ana", "ben")

    async def crash(*args, **kwargs):
        raise ConnectionError("killed while opening the space")

    monkeypatch.setattr(first.chat, "open_pair_space", crash)
    await start_round(first)  # typed in #mock by an admin; there is no weekly schedule
    chat2 = ConsoleChat(clock)
    opened_in = []
    real = chat2.open_pair_space

    async def spy(where, users, title, *, reopening):
        opened_in.append((where, reopening))
        return await real(where, users, title)

    chat2.open_pair_space = spy
    second = await build(settings, chat2, clock=clock)
    await second.start()
    await asyncio.gather(*second.rounds.openings.running)
    # not None (a group DM), and the platform is asked to find a space the crash opened
    assert opened_in == [(c.ChannelRef("console", "demo", "mock"), True)]
    await second.stop()
    await first.store.close()
