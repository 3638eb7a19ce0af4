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
    assert app.rounds.opening, "a big round opens its spaces after the answer"
    await asyncio.gather(*app.rounds.opening)
    rnd = await app.store.latest_round("console:demo")
    sessions = await app.store.round_sessions(rnd.id)
    assert len(sessions) == len(MEMBERS) // 2
    assert all(s.space is not None for s in sessions)
    opened = Counter(e.where for e in app.chat.entries if e.msg.title == "Your mock interview")
    assert len(opened) == len(sessions)
    assert set(opened.values()) == {1}, "every space got one welcome"
    assert await app.store.outbox_backlog() == (0, None)
    assert app.practice._sending == {}, "no sender is kept once the posts are out"
