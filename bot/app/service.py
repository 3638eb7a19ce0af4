"""The one entry point adapters call: ``await service.handle(command) -> Reply``.

Each command runs in one unit of work: what it writes, and the platform's delivery
id, commit together or not at all, so bad input changes nothing and a replayed
delivery is handled once. A command that loses a race the database decides (two
``now`` at once, two admins starting a round) rolls back and runs again against
what the other committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace

from bot import commands as c
from bot import logs, validation
from bot.app.admin import CommunityAdmin
from bot.app.booking import BookingDesk
from bot.app.followups import ChartFollowUps
from bot.app.membership import Membership
from bot.app.roster import Roster
from bot.app.status import MemberStatus
from bot.app.your_data import YourData
from bot.commands import BadInput
from bot.help_text import help_message
from bot.messages import Reply
from bot.model import Phase
from bot.ratings.boards import Boards
from bot.ratings.collect import Ratings
from bot.ratings.history import history_message
from bot.ratings.report import Draw, RoundReports
from bot.rounds.runner import Rounds
from bot.rounds.slots import WeeklySlots
from bot.sessions import presenter
from bot.sessions.driver import Practice
from bot.sessions.machine import (
    Acknowledged,
    AttendanceSettled,
    Confirmed,
    EndedEarly,
    InvalidTransition,
    NoShowReported,
    OwnerAsked,
    current_key,
)
from bot.storage.sql_engine import AlreadyHandled, Busy
from bot.storage.sql_rounds import Conflict

log = logging.getLogger(__name__)


def _outcome(reply: Reply | None) -> str:
    if reply is None:
        return "failed"
    if reply.duplicate:
        return "duplicate"
    if reply.error and reply.text == BUSY:
        return "busy"
    if reply.error:
        return "failed" if reply.text.startswith("something went wrong") else "refused"
    return "ok"


ATTEMPTS = 3  # a command that keeps losing races this often is answered "try again"
BUSY = "mockround is busy right now: please try again in a moment"
YIELD_AT_MOST = 0.1  # seconds background work waits for commands to finish
ANSWER_MAX = 400  # an error answer is one line; what was typed is quoted short inside it


class Service:
    def __init__(
        self,
        practice: Practice,
        rounds: Rounds,
        slots: WeeklySlots,
        ratings: Ratings,
        boards: Boards,
        reports: RoundReports,
        draw: Draw,
    ) -> None:
        self.practice, self.rounds, self.ratings, self.boards = practice, rounds, ratings, boards
        self.store, self.clock, self.bank = practice.store, practice.clock, practice.bank
        self.reports, self.draw = reports, draw
        self.admin = CommunityAdmin(rounds, slots)
        self.status = MemberStatus(practice)
        self.roster = Roster(self.store, self.clock)
        self.accepting = True  # False while stopping: in-flight commands finish, new ones wait
        self.metrics = None  # set by the composition root: commands by kind, outcome, latency
        self.idle = asyncio.Event()
        self.idle.set()
        self._one_ended = asyncio.Event()  # set as each command ends: see quiet()
        self._one_step = asyncio.Lock()  # background work let go one step per turn: quiet()
        # the tasks answering a command now: one command at a time each (adapters await it)
        self._handling: set[asyncio.Task] = set()
        self.members = Membership(practice, rounds)
        self.booking = BookingDesk(practice)
        self.data = YourData(practice, self._organiser)
        self.charts = ChartFollowUps(practice.chat, draw)

    async def handle(self, cmd: c.Command) -> Reply:
        """Never raises: every failure comes back as an error Reply, so adapters need no guard."""
        if not self.accepting:
            self._count(cmd, "stopping", 0.0)
            return Reply.fail("mockround is restarting: please try again in a minute")
        self._handling.add(asyncio.current_task())
        self.idle.clear()
        started = time.perf_counter()
        reply = None
        named = logs.community_id.set(cmd.actor.community)  # its log lines name it
        try:
            reply = await self._handle(cmd)
            return reply
        finally:
            logs.community_id.reset(named)
            self._count(cmd, _outcome(reply), time.perf_counter() - started)
            self._handling.discard(asyncio.current_task())
            self._one_ended.set()
            if not self._handling:
                self.idle.set()

    async def quiet(self, longest: float = YIELD_AT_MOST) -> None:
        """Wait until no other command is in flight, ``longest`` seconds at most: long work
        (a big round's saving, opening its spaces) lets members' commands go first,
        without being held back for good by a steady stream of them. A command that makes
        way (an organiser's round start) does not wait for itself. Then the waiters go one
        per turn of the loop, each after giving it up once: with nothing in flight an
        opener went through its whole batch in one turn, and openers let go together when
        the last command was answered each ran a step in the same turn, which every
        command arriving then waited for."""
        loop = asyncio.get_running_loop()
        me = {asyncio.current_task()}
        until = loop.time() + longest
        while self._handling - me and (left := until - loop.time()) > 0:
            self._one_ended.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):  # no task of its own per waiter
                    await self._one_ended.wait()
        async with self._one_step:
            await asyncio.sleep(0)

    def _count(self, cmd: c.Command, outcome: str, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.command(type(cmd).__name__, outcome, seconds)

    async def _handle(self, cmd: c.Command) -> Reply:
        community = cmd.actor.community
        try:
            cmd = validation.storable(cmd)
            if isinstance(cmd, c.ADMIN_COMMANDS) and not await self._organiser(cmd):
                return Reply.fail(
                    "only organisers can do that (schedule, round, config, members, remove): "
                    "server admins, or the role set with /mock config organiser="
                )
            remembered = cmd.event_id and not isinstance(cmd, c.READS)
            remember = (community, cmd.event_id, self.clock.now()) if remembered else None
            for _ in range(ATTEMPTS):
                try:
                    async with self.store.unit_of_work(remember):
                        # a replay is told apart on the unit's own connection, before any work
                        if remembered and await self.store.seen_event(community, cmd.event_id):
                            raise AlreadyHandled(cmd.event_id)
                        return await self._dispatch(cmd)
                except Conflict as exc:
                    log.info(
                        "command %s lost a race (%s); running it again", type(cmd).__name__, exc
                    )
            return Reply.fail("many members are doing the same right now: please try again")
        except AlreadyHandled:
            return Reply(text="already handled", duplicate=True)
        except Busy:
            log.warning("command %s found no free database connection in time", type(cmd).__name__)
            return Reply.fail(BUSY)
        except (BadInput, InvalidTransition) as exc:
            return Reply.fail(validation.quote(str(exc), ANSWER_MAX))
        except Exception:
            log.exception("command %s failed", type(cmd).__name__)
            return Reply.fail("something went wrong on our side; please try again in a moment")

    async def _organiser(self, cmd: c.Command) -> bool:
        if cmd.is_admin:
            return True
        role = (await self.store.get_config(cmd.actor.community)).organiser_role
        return role is not None and await self.practice.chat.in_group(cmd.actor, role)

    async def _dispatch(self, cmd: c.Command) -> Reply:
        match cmd:
            case c.ShowStatus():
                return await self.status.status(cmd)
            case c.SetPrivacy():
                return await self.status.privacy(cmd)
            case c.Resume():
                return await self.status.resume(cmd)
            case c.ShowMembers():
                cfg = await self.store.get_config(cmd.actor.community)
                return await self.roster.members(cmd, cfg.timezone)
            case c.RemoveMember():
                return await self.roster.remove(cmd)
            case c.ShowRoundReport():
                done = [
                    r
                    for r in await self.store.recent_rounds(cmd.actor.community, "weekly", 10)
                    if r.status != "running"
                ]
                if not done:
                    raise BadInput("no round has finished yet")
                return Reply(message=await self.reports.build(done[0]))
            case c.Join():
                return await self.members.join(cmd)
            case c.SetAvailability():
                return await self.booking.availability(cmd)
            case c.AcceptSlot():
                return await self.booking.accept(cmd)
            case c.ProposeTime():
                return await self.booking.propose(cmd)
            case c.Reschedule():
                return await self.booking.reschedule(cmd)
            case c.ExportData():
                return await self.data.export(cmd)
            case c.ForgetMe():
                return await self.data.forget(cmd)
            case c.Leave():
                return await self.members.leave(cmd)
            case c.Pause():
                return await self.members.pause(cmd)
            case c.PairNow():
                return await self.members.pair_now(cmd)
            case c.PracticeQuestion():
                return await self.members.practice_question(cmd)
            case c.ShowSoloGuide():
                return await self.members.solo_guide(cmd)
            case c.OpenRatingForm():
                return await self.ratings.open_form(cmd)
            case c.OpenFeedbackForm():
                return await self.ratings.open_feedback_form(cmd)
            case c.SubmitRating():
                return await self.ratings.submit(cmd)
            case c.ReactionAdded():
                return await self.reaction(cmd)
            case c.ConfirmReady():
                s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
                return await self._event(s.id, Confirmed(cmd.actor), "you are marked as here")
            case c.EndPhase():
                s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
                key = cmd.phase_key or current_key(s)
                return await self._event(s.id, EndedEarly(cmd.actor, key), "moving on")
            case c.ReportNoShow():
                s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
                return await self._event(s.id, NoShowReported(cmd.actor), "")
            case c.ShowGuide():
                return await self.show_guide(cmd)
            case c.ShowHistory():
                return await self.show_history(cmd)
            case c.ShowLeaderboard():
                period = validation.period(cmd.period)
                track = validation.track(cmd.track, self.bank.tracks()) if cmd.track else None
                cfg = await self.store.get_config(cmd.actor.community)
                return Reply(message=await self.boards.leaderboard(cfg, period, track))
            case c.ShowStats():
                return await self.show_stats(cmd)
            case c.Help():
                return Reply(message=help_message(cmd.is_admin, self.bank.tracks(), cmd.topic))
            case _:
                return await self.admin.handle(cmd)

    async def _event(self, session_id: str, event, done_text: str) -> Reply:
        s, effects = await self.practice.apply(session_id, event)
        for e in effects:
            if isinstance(e, Acknowledged):
                return Reply.ok(e.note)
            if isinstance(e, OwnerAsked):
                names = await self.practice.names(s)
                return Reply.ok(f"asked {names[e.owner]} to end it: it is theirs to end")
            if isinstance(e, AttendanceSettled) and isinstance(event, NoShowReported):
                names = await self.practice.names(s)
                away = " and ".join(names[m] for m in e.absent)
                if s.phase.terminal:
                    return Reply.ok(
                        f"no-show recorded for {away}; look for a rematch offer in your DMs"
                    )
                return Reply.ok(f"no-show recorded for {away}; the rest of you go on")
        return Reply.ok(done_text)

    async def show_guide(self, cmd: c.ShowGuide) -> Reply:
        s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
        if s.phase not in (Phase.PREP, Phase.ANSWER, Phase.FEEDBACK):
            raise InvalidTransition("the guide is shown once a turn has started")
        turn = s.turn
        if turn.interviewer != cmd.actor:
            raise InvalidTransition("only this turn's interviewer gets the guide")
        q = self.bank.question(turn.question_id)
        names = await self.practice.names(s)
        return Reply(message=presenter.guide(q, self.bank.rubric_for(q), names[turn.candidate]))

    async def show_stats(self, cmd: c.ShowStats) -> Reply:
        who = cmd.member or cmd.actor
        member = await self.store.get_member(who)
        if member is None:
            raise BadInput("that person has not joined mock interviews here yet")
        if who != cmd.actor and member.stats_private and not await self._organiser(cmd):
            raise BadInput(f"{member.name} keeps their stats private")
        cfg = await self.store.get_config(cmd.actor.community)
        msg, data = await self.boards.stats(cfg, who, member.name, self.bank.dimension_names())
        follows = self.charts.progress(cmd.actor, cmd.channel, msg.title, data)
        return Reply(message=replace(msg, text=follows))

    async def show_history(self, cmd: c.ShowHistory) -> Reply:
        member = await self.store.get_member(cmd.actor)
        tz = member.timezone if member else "UTC"
        past = [s for s in await self.store.sessions_of(cmd.actor, limit=10) if s.phase.terminal]
        ratings = await self.store.ratings_of_sessions([s.id for s in past]) if past else []
        names = await self.store.member_names(
            cmd.actor.community, sorted({m.id for s in past for m in s.members})
        )
        return Reply(message=history_message(cmd.actor, past, ratings, names, self.bank, tz))

    async def reaction(self, cmd: c.ReactionAdded) -> Reply:
        link = await self.store.find_link(cmd.message)
        if link is None:
            return Reply.fail("that message does not take reactions")
        purpose, session_id, turn = link
        if purpose == "signup":
            if cmd.emoji != presenter.JOIN_EMOJI:
                return Reply.fail(f"react {presenter.JOIN_EMOJI} to join")
            existing = await self.store.get_member(cmd.actor)
            if existing is not None and existing.status == "active":
                return Reply.ok("you are already in this round")
            return await self.members.join(c.Join(actor=cmd.actor, actor_name=cmd.actor_name))
        return await self.ratings.react(cmd, session_id, turn)
