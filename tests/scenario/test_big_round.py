"""A round with more pairs than OPEN_INLINE: the organiser is answered once the round is
saved, the spaces open side by side after it, and a stop in the middle leaves the rest to
the next start."""

from __future__ import annotations

import asyncio
import contextvars
from collections import Counter

from bot.rounds.runner import OPEN_INLINE
from tests.conftest import join, start_round

MEMBERS = [f"m{k:03d}" for k in range(2 * OPEN_INLINE + 12)]


async def test_a_big_round_answers_first_and_opens_every_space_once(app):
    await join(app, *MEMBERS)
    await start_round(app)
    assert app.rounds.openings.running, "a big round opens its spaces after the answer"
    await asyncio.gather(*app.rounds.openings.running)
    rnd = await app.store.latest_round("console:demo")
    sessions = await app.store.round_sessions(rnd.id)
    assert len(sessions) == len(MEMBERS) // 2
    assert all(s.space is not None for s in sessions)
    opened = Counter(e.where for e in app.chat.entries if e.msg.title == "Your mock interview")
    assert len(opened) == len(sessions)
    assert set(opened.values()) == {1}, "every space got one welcome"
    assert await app.store.outbox_backlog() == (0, None)
    assert app.practice.sending._sending == {}, "no sender is kept once the posts are out"


async def test_members_paired_on_demand_while_a_round_is_paired_sit_it_out(app):
    """The race the load benchmark found: a weekly round used to fail ("try again") when
    /mock now paired two of its members between its pairing and its save. Here the store
    reports them in a session from the moment the round's pairing is done."""
    from bot import commands as c
    from bot.rounds.runner import PARTNER_TAKEN
    from tests.conftest import CHANNEL, user

    names = ["ann", "bob", "cat", "dan", "eve", "fay"]
    await join(app, *names)
    original_pair, original_busy = app.rounds._pair, app.store.busy_members
    paired = asyncio.Event()

    async def pair(*args, **kw):
        result = await original_pair(*args, **kw)
        paired.set()
        return result

    async def busy(community, ids=None):
        taken = await original_busy(community, ids)
        return taken | {"ann", "bob"} if paired.is_set() else taken

    app.rounds._pair, app.store.busy_members = pair, busy
    reply = await app.service.handle(
        c.StartRound(actor=user("admin"), is_admin=True, channel=CHANNEL)
    )
    assert not reply.error, reply.text
    rnd = await app.store.latest_round("console:demo")
    in_round = {m.id for s in await app.store.round_sessions(rnd.id) for m in s.members}
    assert not in_round & {"ann", "bob"}
    told = set(rnd.unplaced)
    assert told and all(rnd.unplaced[m] == PARTNER_TAKEN for m in told)
    assert in_round | told | {"ann", "bob"} == set(names)


async def test_a_session_ending_reads_whether_its_round_is_done_not_the_whole_round(app, clock):
    """Every session of a 10,000-member round ending (its intro's no-show) used to read all
    5,000 sessions of the round to see whether it was the last: 2 timers a second
    (bench/replicas.py). Now the last one reads the round, once."""
    from tests.conftest import advance

    await join(app, *MEMBERS[:6])
    await start_round(app)
    rnd = await app.store.latest_round("console:demo")
    first, *others = await app.store.round_sessions(rnd.id)
    from bot import commands as c

    for m in first.members:  # this pair comes; the other two pairs do not
        await app.service.handle(c.ConfirmReady(actor=m))
    reads = []
    original = app.store.round_sessions

    async def counted(round_id):
        reads.append(round_id)
        return await original(round_id)

    app.store.round_sessions = counted
    await advance(app, clock, 11)  # the intros end: two sessions end as no-shows
    ended = [await app.store.get_session(s.id) for s in others]
    assert all(s.phase.terminal for s in ended)
    assert reads == [], "a round with a live session is not read whole"
    assert (await app.store.get_round(rnd.id)).status == "running"


async def test_a_big_rounds_openers_make_way_before_each_step(app):
    from bot.rounds.opening import AT_ONCE, TOGETHER

    await join(app, *MEMBERS)
    pairs = len(MEMBERS) // 2
    batches = -(-pairs // TOGETHER)
    waiting, go = [], asyncio.Event()
    all_waiting = asyncio.Event()

    async def make_way():
        waiting.append(1)
        if len(waiting) == min(AT_ONCE, batches):
            all_waiting.set()
        await go.wait()

    app.rounds.openings.make_way = make_way
    await start_round(app)
    await asyncio.wait_for(all_waiting.wait(), 10)
    opened = lambda: sum(1 for e in app.chat.entries if e.msg.title == "Your mock interview")  # noqa: E731
    assert opened() == 0, "every opener waits before its batch of spaces"
    go.set()
    await asyncio.gather(*app.rounds.openings.running)
    assert opened() == pairs
    # before each batch, each space, taking the writer, and each space's posts
    assert len(waiting) == batches + pairs + batches + pairs


async def test_quiet_waits_for_commands_in_flight_at_most_a_while(app, monkeypatch):
    from bot import commands as c
    from tests.conftest import user

    await join(app, "ann")
    release = asyncio.Event()
    real = app.store.live_session_id

    answering = asyncio.Event()

    async def slow(who):
        answering.set()
        await release.wait()  # the member's command is still being answered
        return await real(who)

    monkeypatch.setattr(app.store, "live_session_id", slow)
    status = asyncio.create_task(app.service.handle(c.ShowStatus(actor=user("ann"))))
    await asyncio.wait_for(answering.wait(), 5)
    await asyncio.wait_for(app.service.quiet(0.01), 5)  # held no longer than asked
    assert not status.done()
    quiet = asyncio.create_task(app.service.quiet(30))
    await asyncio.sleep(0)
    assert not quiet.done(), "background work waits while a command is answered"
    release.set()
    await asyncio.wait_for(quiet, 5)
    assert not (await status).error


async def test_a_pair_made_on_demand_opens_its_space_without_making_way(app):
    """The pair's space is the command's own work: it never waits for itself to finish."""
    from bot import commands as c
    from tests.conftest import user

    await join(app, "ann", "bob")
    await asyncio.gather(*app.rounds.openings.running)  # the start's look for openings

    async def never():
        await asyncio.Event().wait()

    app.rounds.openings.make_way = never
    await app.service.handle(c.PairNow(actor=user("ann")))
    reply = await asyncio.wait_for(app.service.handle(c.PairNow(actor=user("bob"))), 10)
    assert reply.text.startswith("Paired! 2 of you"), reply.text
    s = await app.store.get_session(await app.store.live_session_id(user("bob")))
    assert s.space is not None


async def test_a_pair_made_on_demand_while_a_round_saves_waits_for_it(app):
    """The load benchmark's next race: between the round's check of who is still free and
    its save, a /mock now committed a pair of its members, the save failed, and the round
    was paired again (and again, then "try again"). Now the round holds the writer from its
    check to its commit: the pair made on demand comes after it, and the round pairs once."""
    from bot import commands as c
    from tests.conftest import CHANNEL, user

    names = ["ann", "bob", "cat", "dan", "eve", "fay"]
    await join(app, *names)
    original_pair, original_busy = app.rounds._pair, app.store.busy_members
    pairings, late = [], []

    async def pair(*args, **kw):
        pairings.append(1)
        return await original_pair(*args, **kw)

    async def busy(community, ids=None):
        taken = await original_busy(community, ids)
        if ids is not None and not late:  # the round's check: two members ask at that moment
            for who in ("ann", "bob"):
                ask = app.service.handle(c.PairNow(actor=user(who)))
                late.append(asyncio.create_task(ask, context=contextvars.Context()))
            for _ in range(100_000):  # they run as far as they can: done, or held back
                if all(t.done() for t in late) or app.store._writer._waiters:
                    break
                await asyncio.sleep(0)
        return taken

    app.rounds._pair, app.store.busy_members = pair, busy
    reply = await app.service.handle(
        c.StartRound(actor=user("admin"), is_admin=True, channel=CHANNEL)
    )
    assert not reply.error, reply.text
    assert len(pairings) == 1, "the round was paired once"
    rnd = await app.store.latest_round("console:demo")
    in_round = {m.id for s in await app.store.round_sessions(rnd.id) for m in s.members}
    assert in_round == set(names)
    answers = [r.text for r in await asyncio.gather(*late)]
    assert not any(a.startswith("Paired") for a in answers), answers
    for who in ("ann", "bob"):  # their one live session is the round's
        assert (await app.store.live_session_id(user(who))).startswith(rnd.id)


async def test_no_garbage_collection_while_a_round_is_built_and_saved(app):
    """Python's full collections scanned a big round's million objects again and again while
    it was built: loop stalls of up to 280 ms at 20,000 members. The collector rests from
    the pairing to the save, and works again once the round has started."""
    import gc

    await join(app, "ann", "bob", "cat", "dan")
    seen = []
    original_pair, original_save = app.rounds._pair, app.store.create_round

    async def pair(*args, **kw):
        seen.append(("pairing", gc.isenabled()))
        return await original_pair(*args, **kw)

    async def save(*args, **kw):
        seen.append(("saving", gc.isenabled()))
        return await original_save(*args, **kw)

    app.rounds._pair, app.store.create_round = pair, save
    await start_round(app)
    assert seen == [("pairing", False), ("saving", False)]
    assert gc.isenabled()


async def test_a_big_round_is_saved_in_parts_and_members_commands_write_between_them(
    app, monkeypatch
):
    """Saved in one transaction, a 10,000-member round held SQLite's writer for a second, and
    every command that writes waited behind it. A big round is saved a part at a time: two
    members who ask for a partner on demand while it is saved are paired between its parts,
    the round takes them out (their partners are told why) and is paired once."""
    from bot import commands as c
    from bot.rounds import runner
    from tests.conftest import CHANNEL, user

    monkeypatch.setattr(runner, "SAVED_TOGETHER", 10)
    monkeypatch.setattr(runner, "ANSWERED_PER_READ", 10)
    await join(app, *MEMBERS)
    original_pair, original_add = app.rounds._pair, app.store.add_to_round
    pairings, asked, made_way = [], [], []
    original_answered, reads = app.store.answered_by, []

    async def answered_by(community, ids):
        reads.append(len(ids))
        return await original_answered(community, ids)

    monkeypatch.setattr(app.store, "answered_by", answered_by)
    original_way = app.rounds.make_way

    async def pair(*args, **kw):
        pairings.append(args[-1])  # the kind: the pair made on demand is paired too
        return await original_pair(*args, **kw)

    async def add(rnd, sessions, *args, **kw):
        if not asked:  # the second part: two members of a later one ask now
            saved = await app.store.busy_members("console:demo")
            saved |= {m.id for s in sessions for m in s.members}
            x, y = sorted(set(MEMBERS) - saved)[:2]
            for who in (x, y):
                ask = app.service.handle(c.PairNow(actor=user(who)))
                asked.append((who, asyncio.create_task(ask, context=contextvars.Context())))
        return await original_add(rnd, sessions, *args, **kw)

    async def make_way():
        made_way.append(1)
        await original_way()

    app.rounds._pair, app.store.add_to_round, app.rounds.make_way = pair, add, make_way
    reply = await app.service.handle(
        c.StartRound(actor=user("admin"), is_admin=True, channel=CHANNEL)
    )
    assert not reply.error, reply.text
    assert pairings.count("weekly") == 1, "the round was paired once"
    # the round's 62 members' answered questions, a few at a time (the pair made on demand
    # reads its two)
    assert sorted(reads) == [2, 2] + [10] * 6
    # between the reads (6), the parts (3) and the sessions built (1)
    assert len(made_way) >= 10, "commands go first between the round's steps"
    answers = [(await task).text for _, task in asked]
    assert answers[1].startswith("Paired! 2 of you"), answers
    x, y = (who for who, _ in asked)
    assert await app.store.live_session_id(user(x)) == await app.store.live_session_id(user(y))
    rnd = await app.store.latest_round("console:demo", kind="weekly")
    in_round = {m.id for s in await app.store.round_sessions(rnd.id) for m in s.members}
    assert not in_round & {x, y}, "paired on demand between two parts of the round"
    told = set(rnd.unplaced)
    assert all(rnd.unplaced[m] == runner.PARTNER_TAKEN for m in told)
    assert in_round | told | {x, y} == set(MEMBERS)
    assert reply.text.startswith(f"Round started: {len(in_round) // 2} sessions"), reply.text


async def test_a_round_start_failing_part_way_leaves_a_smaller_round_whole(app, monkeypatch):
    """A crash between two parts of a big round's save: the parts saved are a round of their
    own (sessions, places, role counts, spaces opened after the restart); the members of
    the rest were told nothing and are free to pair."""
    from bot import commands as c
    from bot.rounds import runner
    from tests.conftest import CHANNEL, user

    monkeypatch.setattr(runner, "SAVED_TOGETHER", 10)
    await join(app, *MEMBERS)
    original_add, parts = app.store.add_to_round, []

    async def add(*args, **kw):
        parts.append(1)
        if len(parts) == 2:
            raise RuntimeError("the process dies here")
        return await original_add(*args, **kw)

    app.store.add_to_round = add
    reply = await app.service.handle(
        c.StartRound(actor=user("admin"), is_admin=True, channel=CHANNEL)
    )
    assert reply.error
    rnd = await app.store.latest_round("console:demo", kind="weekly")
    assert rnd.status == "running"
    sessions = await app.store.round_sessions(rnd.id)
    assert len(sessions) == 20, "two parts of ten sessions"
    in_round = {m.id for s in sessions for m in s.members}
    assert await app.store.busy_members("console:demo") == in_round
    counts = await app.store.role_history("console:demo")
    assert {u for u, (i, k, _) in counts.items() if i or k} == in_round
    await app.rounds.resume()  # as at a restart
    await asyncio.gather(*app.rounds.openings.running)
    assert all(s.space is not None for s in await app.store.round_sessions(rnd.id))
    free = sorted(set(MEMBERS) - in_round)[:2]
    await app.service.handle(c.PairNow(actor=user(free[0])))
    reply = await app.service.handle(c.PairNow(actor=user(free[1])))
    assert reply.text.startswith("Paired! 2 of you"), reply.text


async def test_a_command_that_makes_way_waits_for_the_others_not_for_itself(app, monkeypatch):
    """An organiser's round start lets members' commands go first between its steps: it
    waits while others are in flight, never for its own (0.1 s a step, thousands of steps)."""
    from bot import commands as c
    from tests.conftest import user

    await join(app, "ann")
    real = app.store.live_session_id
    waited = []

    async def making_way(who):
        started = asyncio.get_running_loop().time()
        await app.service.quiet(30)
        waited.append(asyncio.get_running_loop().time() - started)
        return await real(who)

    monkeypatch.setattr(app.store, "live_session_id", making_way)
    reply = await asyncio.wait_for(app.service.handle(c.ShowStatus(actor=user("ann"))), 5)
    assert not reply.error, reply.text
    assert waited and waited[0] < 1, "it did not wait for itself"


async def test_the_collector_starts_again_once_the_rounds_sessions_are_gone(app, monkeypatch):
    """The announcement after a round's commit kept its members and sessions alive: the
    collector, paused while they were made, then scanned them all at its first young
    collection (50 ms at 20,000 members). It keeps only whom to tell what."""
    import gc

    from bot.model import Member, Session
    from bot.rounds import runner

    await join(app, *MEMBERS)
    alive = []
    original = runner.pause_collections

    def pause():
        resume = original()

        def counted():
            alive.append(sum(isinstance(o, Session | Member) for o in gc.get_objects()))
            resume()

        return counted

    monkeypatch.setattr(runner, "pause_collections", pause)
    await start_round(app)
    assert alive == [0], "the round's sessions and members outlived its command"
