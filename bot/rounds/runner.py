"""Rounds: who takes part, pairing, question choice; the spaces open in ``opening``.

A small round and its sessions are saved in one transaction with the command that started
it; a big one in parts of its own (short holds of SQLite's one writer). Each space to open
is saved with its session as work any replica may claim.
Weekly rounds are timers with a deterministic round id, so a round that fires
twice (a crash between saving it and retiring its timer) is started once.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from bot.messages import OutMessage
from bot.model import ChannelRef, CommunityConfig, Member, Round, Session, Turn
from bot.pairing.pair import PairingRules
from bot.rounds import booking
from bot.rounds.matching import Entrant, pairing, pairing_in_worker
from bot.rounds.opening import Openings
from bot.sessions.driver import Practice
from bot.sessions.machine import Cancelled, InvalidTransition
from bot.sessions.sending import no_wait
from bot.storage.sql_rounds import Conflict

log = logging.getLogger(__name__)

POOL_THRESHOLD = 400  # above this, pair in a worker process so the loop keeps answering
# a round with more pairs opens after the answer, so the command (or the weekly timer) is
# not held for minutes
OPEN_INLINE = 25
OPENED_BY_COMMAND_WITHIN = timedelta(minutes=1)
SAVED_TOGETHER = 20  # a big round's sessions saved per transaction: a few ms of the writer
PART_ATTEMPTS = 3
BUILT_BETWEEN_YIELDS = 25  # sessions built (questions chosen) before the loop looks around
ENTRANTS_BETWEEN_YIELDS = 2_000  # members made entrants of the pairing, likewise
ANSWERED_PER_READ = 500  # members whose answered questions are read at once
PARTNER_TAKEN = (
    "your partner started a session on demand just as this round began: /mock now finds you another"
)


class Rounds:
    def __init__(self, practice: Practice, settings, executor: Executor | None = None) -> None:
        self.practice, self.settings, self.executor = practice, settings, executor
        self.store, self.chat, self.clock, self.bank = (
            practice.store,
            practice.chat,
            practice.clock,
            practice.bank,
        )
        self._arm = practice.arm
        practice.on_ended = self._session_ended
        self.on_done = None  # set by the composition root: the organisers' round report
        self.openings = Openings(practice)
        # awaited between a big round's steps: the composition root lets members' commands
        # go first (its building and saving took the loop from them for seconds)
        self.make_way = no_wait

    # --- starting a round ----------------------------------------------------------------

    async def eligible(self, cfg: CommunityConfig, slot: int = 0) -> list[Member]:
        """Active members (of the slot, if one is given), plus paused ones whose pause is
        over (they are reactivated)."""
        today = self.clock.now().date()
        busy = await self.store.busy_members(cfg.community)
        out = []
        everyone = await self.store.members(
            cfg.community, statuses=("active", "paused"), between=self.make_way
        )
        for m in everyone:
            if m.user.id in busy:
                continue  # still in a session (e.g. on demand): next round
            if slot and (m.slot if cfg.slot(m.slot) else 1) != slot:
                continue  # another slot's member (a removed slot's members go to the first)
            if m.status == "paused":
                if m.paused_until is None or m.paused_until > today:
                    continue  # paused until a date, or until they come back themselves
                m = replace(m, status="active", paused_until=None)
                # a transaction of its own: the command's unit must not hold the writer
                # while a big round's parts are saved apart from it
                async with self.store.apart():
                    await self.store.set_member_status(m.user, "active")
            out.append(m)
        return out

    async def start(
        self,
        cfg: CommunityConfig,
        *,
        kind: str,
        where: ChannelRef | None,
        members: list[Member] | None = None,
        round_id: str | None = None,
        slot: int = 0,
    ) -> tuple[Round, list[Session]]:
        """Pair ``members`` (default: everyone eligible, or the slot's members) and save the
        round; spaces open once it is committed. Raises Conflict when the slot already runs
        a round or a member is already in a live session."""
        resume = pause_collections()  # the round's thousands of objects, built and saved
        try:
            return await self._start(cfg, kind, where, members, round_id, slot)
        finally:
            # they die with the command: a collection before then scanned them all (60 ms);
            # inside a unit of work the collector starts again at its end
            if not self.store.at_end(resume):
                resume()

    async def _start(self, cfg, kind, where, members, round_id, slot):
        members = await self.eligible(cfg, slot) if members is None else members
        now = self.clock.now()
        # the seed is stored with the round, so its pairing can be replayed
        seed = random.Random(f"{cfg.community}:{now.isoformat()}:{kind}:{round_id}").randrange(
            2**31
        )
        # ids only need to be unique: two on-demand pairs may start in the same second
        round_id = round_id or f"{kind[0]}{now:%y%m%d%H%M}{uuid.uuid4().hex[:8]}"
        pairing = await self._pair(cfg, members, seed, now, kind)
        by_id = {m.user.id: m for m in members}
        placed = [x for group in pairing.groups for x in group.members]
        answered = {}  # a few reads, not one a pair; commands first between them
        async for part in _in_turns(placed, ANSWERED_PER_READ, self.make_way):
            answered.update(await self.store.answered_by(cfg.community, part))
        built, tracks = [], {}
        groups = list(enumerate(pairing.groups))
        async for part in _in_turns(groups, BUILT_BETWEEN_YIELDS, self.make_way):
            for i, group in part:
                seen = set().union(*(answered.get(x, ()) for x in group.members))
                members_of = [by_id[x] for x in group.members]
                s = self._session(cfg, round_id, i, members_of, seen, seed, now)
                built.append(s)
                tracks[s.id] = members_of[0].track
        unplaced = {u.id: u.reason for u in pairing.unplaced}

        def the_round(running: bool) -> Round:
            status = "running" if running else "done"
            return Round(
                round_id, cfg.community, seed, kind, status, now, dict(unplaced), slot, where
            )

        # a small round's spaces open right after the commit, by this command; other openers
        # take them only if it never did (this replica died first)
        opened_here = len(built) <= OPEN_INLINE
        if opened_here:
            # who is still free and the round's save, with no pair made on demand between
            # them: else the save fails and the whole round is paired again
            await self.store.hold_writer()
            built = await self._still_free(cfg, built, unplaced)
            rnd = the_round(bool(built))
            due = now + OPENED_BY_COMMAND_WITHIN
            await self.store.create_round(rnd, built, tracks, due)  # Conflict: someone was first
        else:
            rnd, built = await self._save_in_parts(cfg, the_round, built, tracks, unplaced)

        # what the announcement needs, and no more: it outlives the command's frames, and
        # the round's members and sessions kept alive past the collector's pause were all
        # scanned by its next collection (50 ms at 20,000 members)
        count, told = len(built), {u: (by_id[u].user, why) for u, why in unplaced.items()}

        async def announce() -> None:
            if opened_here:
                await self.openings.in_order(rnd, cfg, count)
            else:
                self.openings.wake()  # and the other replicas join at their next poll
            for member_id, (user, reason) in told.items():
                try:
                    await self.chat.send(user, _unplaced_message(reason))
                except Exception:  # closed DMs: the round itself must not fail for it
                    log.warning("could not tell %s why they sit out this round", member_id)

        await self.store.after_commit(announce)
        return rnd, built

    async def _save_in_parts(self, cfg, the_round, built: list[Session], tracks, unplaced):
        """A big round saved SAVED_TOGETHER sessions at a time, each part in a transaction of
        its own: in one, a 10,000-member round held SQLite's writer for a second, and every
        command that writes (and, their connections all taken, the reads) waited behind it.
        Each part looks again at who is still free, a pair made on demand between parts
        taking its members out. A crash part-way leaves a smaller round running: each saved
        part is whole (sessions, places, meetings, counts, spaces to open); the members of
        the rest were told nothing and wait for the next round."""
        rnd, saved = the_round(True), []
        for start in range(0, len(built), SAVED_TOGETHER):
            if start:  # commands first: the writer is free between parts
                await asyncio.sleep(0)
                await self.make_way()
            part = built[start : start + SAVED_TOGETHER]
            for attempt in range(1, PART_ATTEMPTS + 1):
                try:
                    async with self.store.apart():
                        await self.store.hold_writer()
                        kept = await self._still_free(cfg, part, unplaced)
                        save = self.store.add_to_round if start else self.store.create_round
                        await save(rnd, kept, tracks, rnd.created_at)
                    break
                except Conflict:  # PostgreSQL: a pair made on demand between look and save
                    if attempt == PART_ATTEMPTS:
                        raise
            saved += kept
        if dict(rnd.unplaced) != unplaced:  # partners of members taken between parts
            await self.store.set_round_unplaced(rnd.id, unplaced)
        if not saved:
            await self.store.set_round_status(rnd.id, "done")
        return the_round(bool(saved)), saved

    async def _pair(self, cfg, members: list[Member], seed: int, now: datetime, kind: str):
        # a pair made on demand meets now: the hours set for weekly rounds do not apply
        free = {} if kind == "on_demand" else booking.free_hours(cfg, members, now)
        entrants = []
        # 20,000 at once: 40 ms
        async for part in _in_turns(members, ENTRANTS_BETWEEN_YIELDS, self.make_way):
            entrants += [
                Entrant(m.user.id, m.timezone, m.level, m.track, free.get(m.user.id, 0))
                for m in part
            ]
        s = self.settings
        rules = PairingRules(
            level_gap=cfg.level_gap,
            keep_tracks_apart=cfg.keep_tracks_apart,
            repeat_penalty=s.pair_repeat_penalty,
            repeat_half_life_weeks=s.pair_repeat_half_life_weeks,
            timezone_weight=s.pair_timezone_weight,
            level_weight=s.pair_level_weight,
            role_weight=s.pair_role_weight,
            reliability_weight=s.pair_reliability_weight,
        )
        if len(entrants) > POOL_THRESHOLD and self.executor is not None:
            loop = asyncio.get_running_loop()
            job = partial(
                pairing_in_worker,
                type(self.store), self.store.url, cfg.community, entrants, seed, now, rules,
            )  # fmt: skip
            return await loop.run_in_executor(self.executor, job)
        return await pairing(self.store, cfg.community, entrants, seed=seed, now=now, rules=rules)

    async def _still_free(self, cfg, built: list[Session], unplaced: dict[str, str]):
        """Members paired on demand while this round was paired sit it out, and so do their
        partners (told why): the database would refuse the whole round for them."""
        ids = [m.id for s in built for m in s.members]
        busy = await self.store.busy_members(cfg.community, ids)
        if busy.isdisjoint(ids):
            return built
        kept = []
        for s in built:
            if busy.isdisjoint(m.id for m in s.members):
                kept.append(s)
                continue
            for m in s.members:
                if m.id not in busy:
                    unplaced[m.id] = PARTNER_TAKEN
        return kept

    def _session(self, cfg, round_id, index, group: list[Member], seen, seed, now) -> Session:
        """``seen``: the questions any of ``group`` has answered."""
        users = tuple(m.user for m in group)
        turns = []
        for turn, interviewer in enumerate(group):
            candidate = group[(turn + 1) % len(group)]
            q = self._question(cfg, candidate, seen, f"{seed}:{index}:{turn}")
            seen = seen | {q.id}
            turns.append(Turn(interviewer.user, candidate.user, q.id))
        return Session(
            id=f"{round_id}-{index}",
            community=cfg.community,
            round_id=round_id,
            members=users,
            turns=tuple(turns),
            created_at=now,
        )

    def _question(self, cfg: CommunityConfig, candidate: Member, seen: set[str], seed: str):
        """The candidate's track first; if the community's packs have none there, another
        enabled track rather than a disabled pack."""
        tracks = self.bank.tracks()
        for track in (candidate.track, *[t for t in tracks if t != candidate.track]):
            q = self.bank.choose(
                track=track, level=candidate.level, exclude=seen, seed=seed, packs=cfg.packs
            )
            if q is not None:
                return q
        raise InvalidTransition("no question packs are enabled: /mock config packs=all")

    async def resume(self) -> None:
        """After a restart or a reconnection: close the rounds whose last session ended just
        before a crash, and open what waits to be opened, failed ones too (in the background:
        a round of thousands takes minutes; ``openings.running`` are its openers)."""
        for rnd in await self.store.running_rounds():
            await self._close_if_done(rnd)
        await self.store.retry_openings(self.clock.now())
        self.openings.wake()

    async def cancel(self, rnd: Round) -> int:
        live = [s for s in await self.store.round_sessions(rnd.id) if not s.phase.terminal]
        async with AsyncExitStack() as held:
            # every session's lock before the first write, in one order: no command on one of
            # them can hold its lock while waiting for the database behind this cancel
            for s in sorted(live, key=lambda s: s.id):
                await held.enter_async_context(self.practice.locked(s.id))
            cancelled = 0
            for s in live:
                try:
                    await self.practice.apply(s.id, Cancelled(None))
                    cancelled += 1
                except InvalidTransition:
                    continue  # it ended meanwhile
            await self.store.set_round_status(rnd.id, "cancelled")
        return cancelled

    async def _session_ended(self, s: Session) -> None:
        rnd = await self.store.get_round(s.round_id)
        if rnd is not None and rnd.status == "running":
            await self._close_if_done(rnd)

    async def _close_if_done(self, rnd: Round) -> None:
        """The round's last session has ended: the round is done. One indexed look, not a
        read of its thousands of sessions (each session's end, and every start, asks)."""
        if not await self.store.round_has_live_sessions(rnd.id):
            await self.store.set_round_status(rnd.id, "done")
            if self.on_done is not None:
                await self.on_done(rnd)


_pauses = 0  # rounds starting now, each with the collector paused


def pause_collections() -> Callable[[], None]:
    """No cyclic garbage collection while a round is built and saved: its members, pairs and
    sessions (a million objects at 20,000 members) made Python's full collections scan them
    again and again, each a stop of the loop for up to 280 ms. They go by reference count
    once the round is saved. Returns what starts the collector again (once the last round
    has started)."""
    global _pauses
    _pauses += 1
    gc.disable()

    def resume() -> None:
        global _pauses
        _pauses -= 1
        if not _pauses:
            gc.enable()

    return resume


async def _in_turns(items: list, size: int, make_way):
    """``items`` in parts of ``size``, the loop answering commands between parts: a round of
    thousands built in one go held it for tens of milliseconds."""
    for start in range(0, len(items), size):
        if start:
            await asyncio.sleep(0)
            await make_way()
        yield items[start : start + size]


def _unplaced_message(reason: str) -> OutMessage:
    return OutMessage(
        kind="info",
        text=f"No partner for you this round: {reason}. You keep your place for the next one.",
    )
