"""What members send in a real week, as commands for ``Service.handle``.

``Workload`` prepares the live sessions that ratings need (pairs made with
``/mock now``, moved to their first feedback phase by the driver, as the timers
would), then makes each kind of command for a member picked at random. The mix
weights follow a week of a large community: most traffic is reading (help,
status, stats, the leaderboard), then joins and ratings, a few ``now``.
"""

from __future__ import annotations

import asyncio
import itertools
import random

from bench.community import COMMUNITY, member_id
from bot import commands as c
from bot.messages import SCORE_EMOJIS
from bot.model import Phase, UserRef
from bot.sessions.machine import TimeUp, current_key
from bot.storage import codec

MIX = {
    "help": 10,
    "status": 25,
    "stats": 10,
    "leaderboard": 10,
    "join": 15,
    "rate": 10,  # a quick score: a reaction on the feedback post
    "submit": 5,  # the full rubric: the form
    "now": 5,
}
PERIODS = ("week", "month", "all")


def user(k: int) -> UserRef:
    return codec.user(COMMUNITY, member_id(k))


class Workload:
    def __init__(self, app, members: int, seed: int = 11, first: int = 0, mix=MIX) -> None:
        self.app, self.members = app, members
        self.rng = random.Random(seed)
        self.mix = mix
        self.rating: list[tuple[UserRef, str, int, dict]] = []  # interviewer, session, turn, form
        self.reacting: list[tuple[UserRef, object]] = []  # (interviewer, feedback post)
        # each workload on one community takes its own members (``first`` on): its rating
        # pairs from there, and `now` from the middle on, in twos (every second one pairs)
        self.first = first
        self._waiting = itertools.count(members // 2 + 5 * first)

    async def prepare(self, pairs: int = 100) -> None:
        """Live sessions in their first feedback phase: half rated by form, half by reaction."""
        await self._nobody_waits()
        for k in range(pairs):
            a, b = user(self.first + 2 * k), user(self.first + 2 * k + 1)
            for who in (a, b):  # one level, so the pairing rules allow the pair
                await self.app.service.handle(c.Join(actor=who, level="mid"))
                reply = await self.app.service.handle(c.PairNow(actor=who))
                assert not reply.error, reply.text
            sid = await self.app.store.live_session_id(a)
            if sid is None:
                continue  # someone else's `now` took a's partner: no session to rate
            for who in (a, b):
                await self.app.service.handle(c.ConfirmReady(actor=who, session_id=sid))
            s = await self.app.store.get_session(sid)
            while s.phase is not Phase.FEEDBACK and not s.phase.terminal:
                s, _ = await self.app.practice.apply(sid, TimeUp(current_key(s)))
            if s.phase.terminal:
                continue  # paired with someone already waiting, who never came: skip it
            await self.app.practice.sending.deliver()
            if k % 2:
                bank = self.app.bank
                rubric = bank.rubric_for(bank.question(s.turn.question_id))
                form = {d.id: str(1 + (k + i) % 5) for i, d in enumerate(rubric.dimensions)}
                self.rating.append((s.turn.interviewer, sid, s.turn_index, form))
            else:
                post = await self._feedback_post(sid)
                self.reacting.append((s.turn.interviewer, post))

    async def _nobody_waits(self) -> None:
        """A run before may have left members waiting for an on-demand partner (its `now`
        commands): the pairs prepared here must pair with each other, not with them."""
        from sqlalchemy import update

        from bot.storage import schema as t

        async with self.app.store._engine.begin() as conn:
            await conn.execute(
                update(t.members)
                .where(t.members.c.community == COMMUNITY)
                .values(waiting_since=None)
            )

    async def _feedback_post(self, session_id: str):
        from sqlalchemy import select

        from bot.model import MessageRef
        from bot.storage import schema as t

        ml = t.message_links.c
        q = select(ml.platform, ml.workspace, ml.channel, ml.message_id).where(
            ml.session_id == session_id, ml.purpose == "feedback"
        )
        for _ in range(200):  # with replicas, another may be the one sending the post
            async with self.app.store._engine.connect() as conn:
                row = (await conn.execute(q)).first()
            if row is not None:
                return MessageRef(*row)
            await asyncio.sleep(0.05)
        raise RuntimeError(f"no feedback post for {session_id}")

    def anyone(self) -> UserRef:
        return user(self.rng.randrange(self.members))

    def command(self, kind: str) -> c.Command:
        rng = self.rng
        if kind == "help":
            return c.Help(actor=self.anyone())
        if kind == "status":
            return c.ShowStatus(actor=self.anyone())
        if kind == "stats":
            return c.ShowStats(actor=self.anyone())
        if kind == "leaderboard":
            return c.ShowLeaderboard(actor=self.anyone(), period=rng.choice(PERIODS))
        if kind == "join":
            return c.Join(
                actor=self.anyone(),
                level=rng.choice(("junior", "mid", "senior")),
                timezone=rng.choice(("Europe/London", "Asia/Kolkata", "America/New_York")),
            )
        if kind == "rate":
            who, post = rng.choice(self.reacting)
            return c.ReactionAdded(actor=who, message=post, emoji=rng.choice(SCORE_EMOJIS))
        if kind == "submit":
            who, sid, turn, form = rng.choice(self.rating)
            return c.SubmitRating(actor=who, session_id=sid, turn=turn, values=form)
        if kind == "now":
            return c.PairNow(actor=user(next(self._waiting) % self.members))
        raise ValueError(kind)

    def mixed(self) -> tuple[str, c.Command]:
        kind = self.rng.choices(list(self.mix), weights=list(self.mix.values()))[0]
        return kind, self.command(kind)
