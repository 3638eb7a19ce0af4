"""Sending what transitions queued (the outbox): each session's posts in order. A post is
marked tried before it goes and sent once the platform took it; one tried before goes again
with the same key, so the platform keeps or finds the first copy and a crash in between
posts nothing twice.

Several sessions' posts (a batch of a round's spaces) are read in one query and marked in
two statements: each post marked alone cost two transactions.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from contextlib import AsyncExitStack

from bot.ports import ChatPort, Clock

log = logging.getLogger(__name__)

SENDING_AT_ONCE = 16  # sessions whose queued posts a restart sends side by side


async def no_wait() -> None:
    """Work that makes way for nothing (a command's own, or nothing else runs)."""
    return None


class Sender:
    def __init__(self, store, chat: ChatPort, clock: Clock) -> None:
        self.store, self.chat, self.clock = store, chat, clock
        # one sender per session keeps its posts in order
        self._sending: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def deliver(self, *session_ids: str, make_way=no_wait) -> int:
        """Send what the sessions' transitions queued (given none, every session's), each
        session's in order; a failed send stays queued for the next try. Returns how many
        posts went. ``make_way``: awaited before each session's posts (work in the
        background lets members' commands go first)."""
        if session_ids:
            return await self._deliver(session_ids, make_way)
        waiting = iter(await self.store.sessions_with_deliveries())

        async def sender() -> int:  # a few senders taking the next session, not one task each
            return sum([await self._deliver([sid], no_wait) for sid in waiting])

        return sum(await asyncio.gather(*(sender() for _ in range(SENDING_AT_ONCE))))

    async def _deliver(self, session_ids, make_way) -> int:
        """The sessions' posts read in one query, marked tried in one statement and sent in
        another, the sessions one after the other (a round's batches are sent side by
        side by their openers)."""
        ids = sorted(set(session_ids))  # locks taken in one order: no two batches wait in a ring
        sent: list[int] = []
        try:
            async with AsyncExitStack() as held:
                for sid in ids:
                    await held.enter_async_context(self._sending[sid])
                # on PostgreSQL one replica claims a session's queued posts (SKIP LOCKED, a lease)
                posts = await self.store.claim_deliveries(self.clock.now(), *ids)
                fresh = [outbox_id for outbox_id, *_, tried in posts if not tried]
                await self.store.mark_tried(fresh, self.clock.now())
                of_session: dict[str, list] = defaultdict(list)
                for post in posts:
                    of_session[post[2]].append(post)
                for session_posts in of_session.values():
                    await make_way()
                    await self._in_order(session_posts, sent)
                await self.store.mark_delivered(sent, self.clock.now())
        finally:
            for sid in ids:
                forget_if_free(self._sending, sid)
        return len(sent)

    async def _in_order(self, posts: list, sent: list[int]) -> None:
        for outbox_id, community, sid, d, tried in posts:
            if not await self._send(outbox_id, community, sid, d, tried):
                return  # keep the session's messages in order
            sent.append(outbox_id)

    async def _send(self, outbox_id: int, community: str, sid: str, d, tried: bool) -> bool:
        try:
            # the same key on a resend: the platform keeps or finds the first copy
            key = f"mr-outbox-{outbox_id}"
            if d.kind == "post":
                ref = await self.chat.send(d.target, d.msg, key=key, resend=tried)
                if d.link:
                    await self.store.link_message(ref, community, d.link, sid, d.turn)
            elif d.kind == "private":
                await self.chat.send_private(d.target, d.user, d.msg, key=key, resend=tried)
            elif d.kind == "dm":
                await self.chat.send(d.target, d.msg, key=key, resend=tried)
            elif d.kind == "end_voice":
                await self.chat.close_voice(d.target)
            else:
                await self.chat.close_pair_space(d.target, key=key, resend=tried)
        except Exception:
            log.exception("delivery %s for session %s failed; it stays queued", outbox_id, sid)
            return False
        return True


def forget_if_free(locks: dict[str, asyncio.Lock], key: str) -> None:
    """Drop a lock nobody holds or waits for, so a lock table holds live work, not every
    session ever touched (the next user of the key makes a new one)."""
    lock = locks.get(key)
    if lock is not None and not lock.locked() and not getattr(lock, "_waiters", None):
        del locks[key]
