"""Every command costs what it touches: `now` reads the waiting members and their own
history, `stats` finds one member's ratings by index, whatever the community's size."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, text

from bot import commands as c
from bot.storage.sql_engine import IDS_IN_QUERY
from tests.conftest import CHANNEL, join, user


async def _plan(app, sql: str, **params) -> str:
    async with app.store._engine.connect() as conn:
        rows = (await conn.execute(text("EXPLAIN QUERY PLAN " + sql), params)).all()
    return " | ".join(r[-1] for r in rows)


async def test_stats_and_now_queries_use_their_indexes(app):
    ratee = await _plan(
        app,
        "SELECT overall FROM ratings WHERE community = :c AND ratee = :r AND about = 'answer'",
        c="x",
        r="y",
    )
    assert "ix_ratings_ratee" in ratee, ratee
    waiting = await _plan(
        app,
        "SELECT user_id FROM members WHERE community = :c AND waiting_since >= :w",
        c="x",
        w="2026-01-01",
    )
    assert "ix_members_waiting" in waiting, waiting
    met = await _plan(
        app,
        "SELECT b FROM meetings WHERE community = :c AND a IN ('a', 'b') AND b IN ('a', 'b')",
        c="x",
    )
    assert "ix_meetings_member" in met, met


async def test_history_for_a_few_members_is_only_theirs(app, clock):
    await join(app, "ann", "bob", "cat", "dan")
    reply = await app.service.handle(
        c.StartRound(actor=user("admin"), is_admin=True, channel=CHANNEL)
    )
    assert not reply.error, reply.text
    everyone = await app.store.meetings("console:demo")
    assert len(everyone) == 2
    a, b, _ = everyone[0]
    assert await app.store.meetings("console:demo", ids=[a, b]) == [everyone[0]]
    assert await app.store.meetings("console:demo", ids=[a, everyone[1][0]]) == []
    assert set(await app.store.role_history("console:demo", [a])) == {a}
    assert len(await app.store.role_history("console:demo")) == 4
    assert await app.store.busy_members("console:demo", [a, "nobody"]) == {a}
    # past IDS_IN_QUERY ids (a weekly round's) the read takes the community's rows and keeps
    # the members asked about: the same answers, without a list past the parameter limits
    many = [a, b, *(f"absent{k}" for k in range(IDS_IN_QUERY))]
    assert await app.store.meetings("console:demo", ids=many) == [everyone[0]]
    assert set(await app.store.role_history("console:demo", many)) == {a, b}
    assert await app.store.busy_members("console:demo", many) == {a, b}
    assert set(await app.store.attendance_of("console:demo", many)) <= {a, b}


async def test_now_sees_only_members_waiting_within_two_hours(app, clock):
    await join(app, "ann", "bob", "cat")
    await app.service.handle(c.PairNow(actor=user("ann"), channel=CHANNEL))
    clock.advance(timedelta(hours=3))  # ann's wait ran out
    reply = await app.service.handle(c.PairNow(actor=user("bob"), channel=CHANNEL))
    assert "queue" in reply.text, reply.text
    waiting = await app.store.waiting_members("console:demo", clock.now() - timedelta(hours=2))
    assert [m.user.id for m in waiting] == ["bob"]
    reply = await app.service.handle(c.PairNow(actor=user("cat"), channel=CHANNEL))
    assert reply.text.startswith("Paired!"), reply.text


async def test_a_read_writes_nothing_even_with_a_delivery_id(app):
    await join(app, "ann")
    seen = await app.store.seen_event("console:demo", "read-1")
    reply = await app.service.handle(c.ShowStatus(actor=user("ann"), event_id="read-1"))
    again = await app.service.handle(c.ShowStatus(actor=user("ann"), event_id="read-1"))
    assert not reply.error and not again.duplicate, "a replayed read is answered again"
    assert seen is False and await app.store.seen_event("console:demo", "read-1") is False
    # a change is remembered: its replay is answered "already handled"
    first = await app.service.handle(c.Pause(actor=user("ann"), weeks=1, event_id="w-1"))
    replay = await app.service.handle(c.Pause(actor=user("ann"), weeks=1, event_id="w-1"))
    assert not first.duplicate and replay.duplicate


async def test_a_pair_made_now_opens_its_space_without_reading_its_round_again(app):
    """The command that pairs hands its round and settings to the space's opening: read
    again, they were two of a pairing `now`'s forty statements."""
    await join(app, "ann", "bob")
    await app.service.handle(c.PairNow(actor=user("ann"), channel=CHANNEL))
    statements: list[str] = []
    engine = app.store._engine.sync_engine
    count = lambda *args: statements.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", count)
    try:
        reply = await app.service.handle(c.PairNow(actor=user("bob"), channel=CHANNEL))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert reply.text.startswith("Paired!"), reply.text
    assert (await app.practice.current_session(user("bob"))).space is not None
    reads = [s for s in statements if s.startswith("SELECT")]
    assert not [s for s in reads if " FROM rounds " in s + " "], reads
    settings = [s for s in reads if " FROM communities " in s + " "]
    assert len(settings) == 2, settings  # the command's unit, and the space's save
