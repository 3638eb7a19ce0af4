"""One whole round of the real `mockround run <platform>` process, killed at ten points.

Each point is a moment where a crash used to lose or repeat something: the platform has
opened a space or taken a post and the bot has not saved that it did; a member has just
pressed a button; a rating was just saved. After each SIGKILL the process starts again
and the round goes on. At the end: every session ended once, every post is there once,
every queued post went out, the rating survived. Then a SIGTERM stops the bot cleanly.

The platform driver (Discord or Slack) says how members act and how the fake is held;
this script is the same for both.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Protocol

from bot.model import Phase, Session, UserRef
from bot.storage.sql import SqlStore
from tests.adapters.bot_process import BotProcess, eventually, reached
from tests.fakes.holds import Hold

MEMBERS = 4  # two pairs: one is driven through the kills, the other finishes at the end


class Platform(Protocol):
    bot: BotProcess
    store: SqlStore
    community: str

    async def join_all(self) -> None: ...
    async def start_round(self) -> None: ...
    def hold_space_opening(self) -> Hold: ...
    def hold_post(self, space: str) -> Hold: ...
    def hold_dm(self) -> Hold: ...
    async def press(self, member: UserRef, action: str, space: str) -> None: ...
    async def quick_score(self, member: UserRef, space: str, turn: int, score: int) -> None: ...
    def conversations(self) -> dict[str, list[str]]:
        """Every post the bot made, by conversation (ephemeral messages excepted)."""
        ...

    def spaces(self) -> int:
        """How many pair spaces the platform holds."""
        ...

    def closed(self, space: str) -> bool: ...


class Sweep:
    def __init__(self, p: Platform) -> None:
        self.p = p
        self.kills: list[str] = []

    async def kill_and_restart(self, at: str, hold: Hold | None = None) -> None:
        self.kills.append(at)
        await self.p.bot.kill()
        if hold is not None:
            hold.release()  # the fake's answer goes nowhere now: the process is gone
        await self.p.bot.start()

    async def session(self, sid: str) -> Session:
        s = await self.p.store.get_session(sid)
        assert s is not None
        return s

    async def in_phase(self, sid: str, phase: Phase, turn: int) -> Session:
        async def check() -> Session | None:
            s = await self.session(sid)
            return s if (s.phase, s.turn_index) == (phase, turn) else None

        return await eventually(check, f"{sid} in {phase.value} of turn {turn + 1}")

    async def all_sent(self) -> None:
        async def check() -> bool:
            return await self.p.store.undelivered() == []

        await eventually(check, "every queued post to go out")

    async def run(self) -> None:
        p = self.p
        await p.bot.start()
        await p.join_all()

        # 1. round start: the platform opened the first pair's space, the bot never heard
        hold = p.hold_space_opening()
        await p.start_round()
        await reached(hold, "opening the first pair space")
        await self.kill_and_restart("space opened, not saved", hold)

        async def opened() -> list[Session] | None:
            rnd = await p.store.latest_round(p.community)
            sessions = await p.store.round_sessions(rnd.id) if rnd else []
            ready = len(sessions) == MEMBERS // 2 and all(s.space for s in sessions)
            return sessions if ready else None

        first, second = await eventually(opened, "both pairs' spaces")
        await self.all_sent()
        assert p.spaces() == MEMBERS // 2, "a space was opened twice"
        sid, space = first.id, first.space.id
        a, b = first.members

        # 2. intro: one member is here, the other not yet
        await p.press(a, f"mr:ready:{sid}", space)

        async def a_confirmed() -> bool:
            return a in (await self.session(sid)).confirmed

        await eventually(a_confirmed, "the first 'I'm here'")
        await self.kill_and_restart("one member confirmed")

        # 3. the second "I'm here": turn 1 starts; its first post is taken, not acknowledged
        hold = p.hold_post(space)
        await p.press(b, f"mr:ready:{sid}", space)
        await reached(hold, "turn 1's first post")
        await self.kill_and_restart("turn 1 post taken", hold)
        s = await self.in_phase(sid, Phase.PREP, 0)
        await self.all_sent()

        turn = s.turns[0]
        await p.press(turn.candidate, f"mr:done:{sid}:prep:0", space)
        await self.in_phase(sid, Phase.ANSWER, 0)
        await self.all_sent()

        # 4. answer phase: a kill with nothing in flight
        await self.kill_and_restart("answer phase, idle")

        # 5. the answer ends: the feedback post (with its score reactions) is taken
        hold = p.hold_post(space)
        await p.press(turn.candidate, f"mr:done:{sid}:answer:0", space)
        await reached(hold, "the feedback post")
        await self.kill_and_restart("feedback post taken", hold)
        await self.in_phase(sid, Phase.FEEDBACK, 0)
        await self.all_sent()

        # 6. a quick score was saved: the member was told so; it must survive
        await p.quick_score(turn.interviewer, space, 0, 4)

        async def scored() -> bool:
            return any(r.overall == 4 for r in await p.store.session_ratings(sid))

        await eventually(scored, "the quick score")
        await self.kill_and_restart("quick score saved")

        # 7. feedback ends: the candidate's scores go by DM, taken, not acknowledged
        hold = p.hold_dm()
        await p.press(turn.interviewer, f"mr:done:{sid}:feedback:0", space)
        await reached(hold, "the candidate's feedback DM")
        await self.kill_and_restart("feedback DM taken", hold)
        s = await self.in_phase(sid, Phase.PREP, 1)
        await self.all_sent()

        # 8. turn 2's answer post is taken, not acknowledged
        turn2 = s.turns[1]
        hold = p.hold_post(space)
        await p.press(turn2.candidate, f"mr:done:{sid}:prep:1", space)
        await reached(hold, "turn 2's answer post")
        await self.kill_and_restart("turn 2 answer post taken", hold)
        await self.in_phase(sid, Phase.ANSWER, 1)

        # SIGTERM while a post is in flight: it is finished and marked sent, then the exit
        hold = p.hold_post(space)
        await p.press(turn2.candidate, f"mr:done:{sid}:answer:1", space)
        await reached(hold, "turn 2's feedback post")
        stopping = asyncio.ensure_future(p.bot.terminate())
        await eventually(lambda: "stopping" in p.bot.since_last_start(), "the bot to stop")
        hold.release()
        assert await stopping == 0
        stopped = p.bot.since_last_start()
        assert "Traceback" not in stopped and "CancelledError" not in stopped, stopped
        assert not any("still in flight" in line for line in stopped.splitlines()), stopped
        await p.bot.start()
        await self.in_phase(sid, Phase.FEEDBACK, 1)
        await self.all_sent()

        # 9. the session ends: the closing post is taken, not acknowledged
        hold = p.hold_post(space)
        await p.press(turn2.interviewer, f"mr:done:{sid}:feedback:1", space)
        await reached(hold, "the closing post")
        await self.kill_and_restart("closing post taken", hold)
        await self.in_phase(sid, Phase.DONE, 1)
        await self.all_sent()

        # 10. the other pair: a kill in the middle of its intro, then it finishes too
        other, c, d = second.id, *second.members
        await p.press(c, f"mr:ready:{other}", second.space.id)

        async def c_confirmed() -> bool:
            return c in (await self.session(other)).confirmed

        await eventually(c_confirmed, "the second pair's first 'I'm here'")
        await self.kill_and_restart("second pair, one confirmed")
        await p.press(d, f"mr:ready:{other}", second.space.id)
        await self.finish(await self.in_phase(other, Phase.PREP, 0))

        self.check_nothing_twice()
        assert await p.store.undelivered() == []
        (rating,) = [r for r in await p.store.session_ratings(sid) if r.turn == 0]
        assert (rating.overall, rating.source) == (4, "reaction")
        assert all(p.closed(s) for s in (space, second.space.id))

        # a clean stop: SIGTERM ends the process with 0 and no traceback
        assert await p.bot.terminate() == 0
        last = p.bot.since_last_start()
        assert "Traceback" not in last and "CancelledError" not in last, last

    async def finish(self, s: Session) -> None:
        space = s.space.id
        for turn_index, turn in enumerate(s.turns):
            for phase, who in (("prep", turn.candidate), ("answer", turn.candidate)):
                await self.in_phase(s.id, Phase(phase), turn_index)
                await self.p.press(who, f"mr:done:{s.id}:{phase}:{turn_index}", space)
            await self.in_phase(s.id, Phase.FEEDBACK, turn_index)
            await self.p.press(turn.interviewer, f"mr:done:{s.id}:feedback:{turn_index}", space)
        await self.in_phase(s.id, Phase.DONE, len(s.turns) - 1)
        await self.all_sent()

    def check_nothing_twice(self) -> None:
        for where, texts in self.p.conversations().items():
            twice = {t[:80]: n for t, n in Counter(texts).items() if n > 1}
            assert not twice, f"posted more than once in {where}: {twice}\n{self.kills}"
