"""A round with more pairs than OPEN_INLINE: the organiser is answered once the round is
saved, the spaces open side by side after it, and a stop in the middle leaves the rest to
the next start."""

from __future__ import annotations

import asyncio
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
    assert app.practice._sending == {}, "no sender is kept once the posts are out"


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
