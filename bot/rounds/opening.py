"""Opening the pair spaces of a saved round: work any replica may take.

A round is saved with one opening per session (a row among the timers: it has their lease).
Openers side by side claim a few at a time; each opens a batch's spaces on the platform one
after the other, then records them all and retires their openings in one unit of work (a
round of thousands saved space by space spent most of its time in a dozen statements per
space). So a space is opened by one replica at a time; a replica that dies leaves its claims
to run out, and every replica looks for openings at its safety poll, so the others finish
the round without waiting for a restart.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.model import ChannelRef, CommunityConfig, Member, Round, Session, Timer
from bot.rounds import booking
from bot.sessions.driver import Practice, members_by_community
from bot.sessions.machine import SpaceOpened
from bot.sessions.sending import no_wait

log = logging.getLogger(__name__)

# openers side by side, each opening a batch of spaces one after the other and saving them
# together: enough calls in flight to keep a platform's rate busy through its round trips,
# few enough tasks that members' commands are not queued behind many, and connections left
# to commands, timers and sends
AT_ONCE = 4
TOGETHER = 8  # spaces one opener opens and saves together: a unit of work of a few ms
CLAIMED_AHEAD = 64  # openings claimed per statement: a second's work, far inside a lease
RETRY = timedelta(minutes=5)  # a space the platform refused is tried again after this


class Openings:
    def __init__(self, practice: Practice) -> None:
        self.practice = practice
        self.store, self.chat, self.clock = practice.store, practice.chat, practice.clock
        self.token = booking.unguessable  # meeting link ids (the demo seeds its own)
        self.running: set[asyncio.Task] = set()  # this replica's openers, at most one set
        self._again = False  # woken while the openers were finishing: they look once more
        self._stopping = False
        self._saving = asyncio.Lock()
        # awaited before each space of a big round: the composition root lets members'
        # commands go first (a round of thousands would otherwise fill the loop for minutes)
        self.make_way = no_wait

    async def in_order(self, rnd: Round, cfg: CommunityConfig, count: int) -> None:
        """A small round's spaces, one after the other: its posts come in the pairs' order.
        The round and its settings are the command's own: not read again."""
        claimed = await self.store.claim_openings(self.clock.now(), count, round_id=rnd.id)
        known: dict = {("round", rnd.id): rnd, ("config", cfg.community): cfg}
        for start in range(0, len(claimed), TOGETHER):  # the command's own work: no make_way
            await self._open_together(claimed[start : start + TOGETHER], known, no_wait)

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
        """Every opening this replica can claim, AT_ONCE openers each taking the next batch:
        a round of thousands is not thousands of tasks created in one go."""
        claimed: list[tuple[Timer, bool]] = []
        refill = asyncio.Lock()
        known: dict = {}  # rounds and configs read once per run, not once per space

        async def take() -> list[tuple[Timer, bool]]:
            async with refill:
                if self._stopping:
                    return []  # what this replica claimed waits for its lease to run out
                if not claimed:
                    try:
                        now = self.clock.now()
                        claimed.extend(await self.store.claim_openings(now, CLAIMED_AHEAD))
                    except Exception:  # the database is busy or away: the next poll retries
                        log.exception("could not claim spaces to open; looking again later")
                batch = claimed[:TOGETHER]
                del claimed[:TOGETHER]
                return batch

        async def opener() -> None:
            while batch := await take():
                await self.make_way()  # in the background: members' commands first
                try:
                    await self._open_together(batch, known, self.make_way)
                except Exception:  # their claims run out, and a replica tries them again then
                    log.exception("could not open spaces %s", [o.subject for o, _ in batch])

        await asyncio.gather(*(opener() for _ in range(AT_ONCE)))

    async def stop(self) -> None:
        """Stopping: the spaces being opened are finished (never cut off between the
        platform's answer and the save); the rest wait for their claims to run out."""
        self._stopping = True
        await asyncio.gather(*self.running, return_exceptions=True)

    async def _open_together(self, batch, known: dict, make_way) -> None:
        """Open a batch's spaces on the platform, then record them all and retire their
        openings in one unit of work; a space the platform refused is tried again later.
        ``make_way``: in the background, members' commands go first before each space,
        before the writer is taken and before each space's posts (a batch's spaces opened
        side by side queued dozens of steps ahead of each step of a command)."""
        found = await self.store.get_sessions([opening.subject for opening, _ in batch])
        retired, waiting = [], []
        for opening, tried in batch:
            s = found.get(opening.subject)
            if s is None or s.space is not None or s.phase.terminal:
                retired.append(opening)  # opened before a crash could retire it, or cancelled
            else:
                waiting.append((opening, tried, s))
        people = await self._people([s for _, _, s in waiting])
        opened = [
            await self._open(opening, tried, s, people, known, make_way)
            for opening, tried, s in waiting
        ]
        await make_way()  # before taking the writer
        opened = [x for x in opened if x is not None]
        try:
            # the spaces and the retirements in one unit; one batch's save per turn of the
            # loop: the openers, let go together once members' commands were answered, all
            # ran their saves in one turn (60 ms). The lock is let go before the commit, so
            # the posts sent after it go out side by side.
            async with self.store.unit_of_work(), self._saving:
                await asyncio.sleep(0)
                if opened:
                    # a session that ended meanwhile refuses its space: it is retired too
                    events = [(s.id, event) for _, s, event in opened]
                    await self.practice.apply_together(events, make_way=make_way)
                done = retired + [opening for opening, _, _ in opened]
                await self.store.claim_timers([o.id for o in done], self.clock.now())
        except Exception:
            log.exception("could not record %d opened spaces; tried again later", len(opened))
            for opening, _, _ in opened:
                await self.store.postpone_opening(opening.id, self.clock.now() + RETRY)

    async def _open(self, opening: Timer, tried: bool, s: Session, people, known, make_way):
        """(opening, session, SpaceOpened), or None when the platform refused: tried later."""
        rnd, cfg = await self._round(opening.key, s.community, known)
        await make_way()
        try:
            members = [people.get((s.community, m.id)) for m in s.members]
            names = [p.name if p else m.id for m, p in zip(s.members, members, strict=True)]
            title = ("Mock interview: " + " & ".join(names))[:90]
            # tried before: a crash may have come between opening the space and saving it
            space = await self.chat.open_pair_space(
                _where(rnd, cfg), s.members, title, reopening=tried
            )
            people_in = [p for p in members if p is not None]
            return opening, s, await self._opened(cfg, s, rnd, space, title, tried, people_in)
        except Exception:
            log.exception("could not open a space for session %s; tried again later", s.id)
            await self.store.postpone_opening(opening.id, self.clock.now() + RETRY)
            return None

    async def _people(self, many: list[Session]) -> dict[tuple[str, str], Member]:
        """(community, member id) -> Member of every member of ``many``: one read per
        community (their names title the spaces, their availability gives the times)."""
        out = {}
        for community, ids in members_by_community(many).items():
            for m in await self.store.members_by_id(community, ids):
                out[community, m.user.id] = m
        return out

    async def _round(self, round_id: str, community: str, known: dict):
        if ("round", round_id) not in known:
            known["round", round_id] = await self.store.get_round(round_id)
        if ("config", community) not in known:
            known["config", community] = await self.store.get_config(community)
        return known["round", round_id], known["config", community]

    async def _opened(self, cfg, s: Session, rnd: Round | None, space, title, reopening, people):
        """The space is open: in window mode, the times to propose and where to talk. A pair
        made on demand meets now: both asked for a partner at this moment."""
        if cfg.meet != "window" or (rnd is not None and rnd.kind == "on_demand"):
            return SpaceOpened(space)
        place, voice = await booking.place_to_talk(
            self.chat, cfg, s.members, title, reopening=reopening, token=self.token
        )
        now = self.clock.now()
        ends = booking.window_end(cfg, s, now)
        length = self.practice.timings(s, cfg).whole
        slots = booking.proposals(people, now, ends, length)
        return SpaceOpened(space, slots, ends, place, voice)


def _where(rnd: Round | None, cfg: CommunityConfig) -> ChannelRef | None:
    """Where the round was started; rounds from before that was kept: their slot's channel."""
    if rnd is not None and rnd.channel is not None:
        return rnd.channel
    slot = cfg.slot(rnd.slot if rnd is not None else 0) or cfg.schedule
    return slot.channel if slot else None
