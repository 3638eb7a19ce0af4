"""A big round's spaces open in batches: a batch's spaces are opened side by side, then
recorded in one unit of work, and their posts marked tried and sent in one statement each.
A space the platform refuses, a batch that cannot be recorded, a session that ends while
its space is opened and a post that fails each leave the rest of the batch whole."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import event

from bot.rounds.opening import RETRY, TOGETHER
from bot.sessions.machine import Cancelled
from tests.conftest import join, start_round

MEMBERS = [f"m{k:03d}" for k in range(100)]  # 50 pairs: several batches
PAIRS = len(MEMBERS) // 2


def welcomes(app) -> Counter:
    return Counter(e.where for e in app.chat.entries if e.msg.title == "Your mock interview")


async def opened(app):
    await asyncio.gather(*app.rounds.openings.running)
    rnd = await app.store.latest_round("console:demo")
    return await app.store.round_sessions(rnd.id)


async def retried(app, clock):
    """After RETRY, as the safety poll would."""
    clock.advance(RETRY)
    await app.rounds.openings.poll()
    return await opened(app)


async def test_opening_a_big_round_costs_about_one_statement_a_space(app):
    """Opened one at a time, 50 spaces cost 775 statements (each its session read twice,
    its members' names twice, its writes in three transactions); in batches of 8, 121: a
    batch's statements do not grow with its spaces."""
    await join(app, *MEMBERS)
    gate = asyncio.Event()

    async def held() -> None:
        await gate.wait()

    app.rounds.openings.make_way = held  # the openers wait until the counting starts
    await start_round(app)
    statements: list[str] = []
    engine = app.store._engine.sync_engine
    count = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", count)
    try:
        gate.set()
        sessions = await opened(app)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert all(s.space is not None for s in sessions) and len(welcomes(app)) == PAIRS
    batches = -(-PAIRS // TOGETHER)
    assert len(statements) < 20 * batches < 4 * PAIRS, len(statements)


async def test_a_refused_space_is_tried_again_and_the_rest_of_its_batch_opens(app, clock):
    await join(app, *MEMBERS)
    real, refused = app.chat.open_pair_space, []

    async def refusing(where, users, title, *, reopening=False):
        if not refused:
            refused.append(frozenset(users))
            raise ConnectionError("the platform is away")
        return await real(where, users, title, reopening=reopening)

    app.chat.open_pair_space = refusing
    await start_round(app)
    sessions = await opened(app)
    waiting = [s for s in sessions if s.space is None]
    assert [frozenset(s.members) for s in waiting] == refused
    assert len(welcomes(app)) == PAIRS - 1
    sessions = await retried(app, clock)
    assert all(s.space is not None for s in sessions)
    assert len(welcomes(app)) == PAIRS and set(welcomes(app).values()) == {1}


async def test_a_batch_that_cannot_be_recorded_reopens_its_spaces_later(app, clock):
    """The platform opened the batch's spaces, then the save failed: they are opened again
    later as reopened (the platform finds them), and each is welcomed once."""
    await join(app, *MEMBERS)
    real_apply, real_open = app.practice.apply_together, app.chat.open_pair_space
    failed: list[int] = []
    reopened: list[bool] = []

    async def failing(events, **kw):
        if not failed:
            failed.append(len(events))
            raise ConnectionError("the database went away")
        return await real_apply(events, **kw)

    async def noting(where, users, title, *, reopening=False):
        reopened.append(reopening)
        return await real_open(where, users, title, reopening=reopening)

    app.practice.apply_together, app.chat.open_pair_space = failing, noting
    await start_round(app)
    sessions = await opened(app)
    [lost] = failed  # one batch (the last is smaller)
    assert 0 < lost <= TOGETHER
    assert sum(1 for s in sessions if s.space is None) == lost
    assert len(welcomes(app)) == PAIRS - lost
    sessions = await retried(app, clock)
    assert all(s.space is not None for s in sessions)
    assert reopened.count(True) == lost, "the lost batch's spaces are reopened"
    assert len(welcomes(app)) == PAIRS and set(welcomes(app).values()) == {1}


async def test_a_session_cancelled_while_its_space_opens_leaves_the_rest_of_its_batch(app):
    await join(app, *MEMBERS)
    real, cancelled = app.chat.open_pair_space, []

    async def cancelling(where, users, title, *, reopening=False):
        space = await real(where, users, title, reopening=reopening)
        if not cancelled:
            cancelled.append(users[0])  # the batch's other spaces open meanwhile
            s = await app.practice.current_session(users[0])
            cancelled[0] = s.id
            await app.practice.apply(s.id, Cancelled(None))  # an organiser's cancel
        return space

    app.chat.open_pair_space = cancelling
    await start_round(app)
    sessions = await opened(app)
    gone = [s for s in sessions if s.id in cancelled]
    assert len(gone) == 1 and gone[0].phase.terminal and gone[0].space is None
    assert all(s.space is not None for s in sessions if s.id not in cancelled)
    assert len(welcomes(app)) == PAIRS - 1
    assert await app.store.outbox_backlog() == (0, None)
    pending = await app.store.claim_openings(app.clock.now() + 10 * RETRY, 100)
    assert pending == [], "the cancelled session's opening is retired with its batch"


async def test_a_post_that_fails_waits_in_order_and_its_batch_is_marked_sent(app):
    await join(app, *MEMBERS)
    real, failed = app.chat.send, []

    async def failing(to, msg, *, key=None, resend=False):
        if not failed and msg.title == "Your mock interview":
            failed.append(to.id)
            raise ConnectionError("the platform is away")
        return await real(to, msg, key=key, resend=resend)

    app.chat.send = failing
    await start_round(app)
    await opened(app)
    assert len(welcomes(app)) == PAIRS - 1 and failed[0] not in welcomes(app)
    waiting, _ = await app.store.outbox_backlog()
    queued = await app.store.undelivered()
    assert waiting == len(queued) > 0 and {sid for _, _, sid, _, _ in queued} == {
        s.id for s in await opened(app) if s.space and s.space.id == failed[0]
    }
    assert all(tried for *_, tried in queued[:1]), "the failed post was marked tried"
    await app.practice.sending.deliver()
    assert len(welcomes(app)) == PAIRS and set(welcomes(app).values()) == {1}
    assert await app.store.outbox_backlog() == (0, None)


async def test_making_way_gives_up_the_loop_even_with_no_command_in_flight(app):
    """With nothing to wait for, openers went through a whole batch's spaces in one turn
    of the loop, eight of them together holding it for 60 ms."""
    ran: list[int] = []

    async def other() -> None:
        ran.append(1)

    task = asyncio.ensure_future(other())
    await app.service.quiet()
    assert ran == [1]
    await task


async def test_work_making_way_together_goes_on_one_step_per_turn_of_the_loop(app):
    """Openers let go together when the last command was answered each ran a step in the
    same turn of the loop, and a command arriving then waited for all of them."""
    turn = [0]
    went: list[int] = []

    async def ticking() -> None:
        while True:
            await asyncio.sleep(0)
            turn[0] += 1

    async def step() -> None:
        await app.service.quiet()
        went.append(turn[0])

    ticker = asyncio.ensure_future(ticking())
    await asyncio.sleep(0)
    try:
        await asyncio.gather(*(step() for _ in range(4)))
    finally:
        ticker.cancel()
    assert len(set(went)) == len(went), f"steps went on in turns {went}"
