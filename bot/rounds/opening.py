"""Opening the pair spaces of a saved round: work any replica may take.

A round is saved with one opening per session (a row among the timers: it has their lease).
An opener claims a few at a time, opens each space, records it and retires the opening in
one unit of work. So a space is opened by one replica at a time; a replica that dies leaves
its claims to run out, and every replica looks for openings at its safety poll, so the
others finish the round without waiting for a restart.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.model import ChannelRef, CommunityConfig, Round, Session, Timer
from bot.rounds import booking
from bot.sessions.driver import Practice
from bot.sessions.machine import InvalidTransition, SpaceOpened

log = logging.getLogger(__name__)

# spaces opened side by side: enough to keep a platform's rate busy through its round
# trips, few enough to leave database connections to commands, timers and sends
AT_ONCE = 8
CLAIMED_AHEAD = 32  # openings claimed per statement: a second's work, far inside a lease
RETRY = timedelta(minutes=5)  # a space the platform refused is tried again after this


async def no_wait() -> None:
    return None


class Openings:
    def __init__(self, practice: Practice) -> None:
        self.practice = practice
        self.store, self.chat, self.clock = practice.store, practice.chat, practice.clock
        self.token = booking.unguessable  # meeting link ids (the demo seeds its own)
        self.running: set[asyncio.Task] = set()  # this replica's openers, at most one set
        self._again = False  # woken while the openers were finishing: they look once more
        self._stopping = False
        # awaited before each space of a big round: the composition root lets members'
        # commands go first (a round of thousands would otherwise fill the loop for minutes)
        self.make_way = no_wait

    async def in_order(self, round_id: str, count: int) -> None:
        """A small round's spaces, one after the other: its posts come in the pairs' order."""
        claimed = await self.store.claim_openings(self.clock.now(), count, round_id=round_id)
        known: dict = {}
        for opening, tried in claimed:
            await self._open(opening, tried, known, no_wait)  # the command's own work

    def wake(self) -> None:
        """Open whatever waits, in the background: a big round just saved, a round whose
        opener died, a space to try again. One set of openers per replica."""
        self._again = True
        if not self.running and not self._stopping:
            task = asyncio.create_task(self._open_while_woken())
            self.running.add(task)
            task.add_done_callback(self.running.discard)

    async def poll(self) -> None:
        self.wake()

    async def _open_while_woken(self) -> None:
        while self._again and not self._stopping:
            self._again = False
            await self.open_waiting()

    async def open_waiting(self) -> None:
        """Every opening this replica can claim, AT_ONCE side by side, each opener taking
        the next: a round of thousands is not thousands of tasks created in one go."""
        claimed: list[tuple[Timer, bool]] = []
        refill = asyncio.Lock()
        known: dict = {}  # rounds and configs read once per run, not once per space

        async def take() -> tuple[Timer, bool] | None:
            async with refill:
                if self._stopping:
                    return None  # what this replica claimed waits for its lease to run out
                if not claimed:
                    try:
                        now = self.clock.now()
                        claimed.extend(await self.store.claim_openings(now, CLAIMED_AHEAD))
                    except Exception:  # the database is busy or away: the next poll retries
                        log.exception("could not claim spaces to open; looking again later")
                return claimed.pop(0) if claimed else None

        async def opener() -> None:
            while (next_one := await take()) is not None:
                await self.make_way()
                try:
                    await self._open(*next_one, known, self.make_way)
                except Exception:  # its claim runs out, and a replica tries it again then
                    log.exception("could not open space %s", next_one[0].subject)

        await asyncio.gather(*(opener() for _ in range(AT_ONCE)))

    async def stop(self) -> None:
        """Stopping: the spaces being opened are finished (never cut off between the
        platform's answer and the save); the rest wait for their claims to run out."""
        self._stopping = True
        await asyncio.gather(*self.running, return_exceptions=True)

    async def _open(self, opening: Timer, tried: bool, known: dict, make_way) -> None:
        s = await self.store.get_session(opening.subject)
        if s is None or s.space is not None or s.phase.terminal:
            # opened before a crash could retire it, or cancelled before its turn
            await self.store.claim_timer(opening.id, self.clock.now())
            return
        rnd, cfg = await self._round(opening.key, s.community, known)
        try:
            names = await self.practice.names(s)
            title = ("Mock interview: " + " & ".join(names[m] for m in s.members))[:90]
            # tried before: a crash may have come between opening the space and saving it
            space = await self.chat.open_pair_space(
                _where(rnd, cfg), s.members, title, reopening=tried
            )
            opened = await self._opened(cfg, s, rnd, space, title, tried)
            await make_way()  # in the background: commands first, before taking the writer
            async with self.store.unit_of_work():  # the space and the retirement together
                await self.practice.apply(s.id, opened)
                await self.store.claim_timer(opening.id, self.clock.now())
        except InvalidTransition:
            await self.store.claim_timer(opening.id, self.clock.now())  # it ended meanwhile
        except Exception:
            log.exception("could not open a space for session %s; tried again later", s.id)
            await self.store.postpone_opening(opening.id, self.clock.now() + RETRY)

    async def _round(self, round_id: str, community: str, known: dict):
        if ("round", round_id) not in known:
            known["round", round_id] = await self.store.get_round(round_id)
        if ("config", community) not in known:
            known["config", community] = await self.store.get_config(community)
        return known["round", round_id], known["config", community]

    async def _opened(self, cfg, s: Session, rnd: Round | None, space, title, reopening):
        """The space is open: in window mode, the times to propose and where to talk. A pair
        made on demand meets now: both asked for a partner at this moment."""
        if cfg.meet != "window" or (rnd is not None and rnd.kind == "on_demand"):
            return SpaceOpened(space)
        place, voice = await booking.place_to_talk(
            self.chat, cfg, s.members, title, reopening=reopening, token=self.token
        )
        now = self.clock.now()
        ends = booking.window_end(cfg, s, now)
        people = [m for u in s.members if (m := await self.store.get_member(u)) is not None]
        length = self.practice.timings(s, cfg).whole
        slots = booking.proposals(people, now, ends, length)
        return SpaceOpened(space, slots, ends, place, voice)


def _where(rnd: Round | None, cfg: CommunityConfig) -> ChannelRef | None:
    """Where the round was started; rounds from before that was kept: their slot's channel."""
    if rnd is not None and rnd.channel is not None:
        return rnd.channel
    slot = cfg.slot(rnd.slot if rnd is not None else 0) or cfg.schedule
    return slot.channel if slot else None
