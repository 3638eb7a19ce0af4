"""What a member can see and choose about themself: their status, privacy, a resume."""

from __future__ import annotations

from datetime import datetime

from bot import availability, localtime
from bot import commands as c
from bot.commands import BadInput
from bot.messages import OutMessage, Reply
from bot.model import CommunityConfig, Member, Phase, Session
from bot.rounds.slots import next_fire
from bot.sessions.driver import Practice

STEPS = {
    Phase.PAIRED: "your private space is being opened",
    Phase.BOOKING: "accept a proposed slot in your space (/mock accept <n>) or /mock propose one",
    Phase.BOOKED: "meet at the booked time (/mock reschedule until an hour before)",
    Phase.INTRO: "press I'm here in your space (/mock ready)",
    Phase.PREP: "{candidate} prepares the answer; {interviewer} reads the guide",
    Phase.ANSWER: "{candidate} answers; {interviewer} asks the follow-ups",
    Phase.FEEDBACK: "{interviewer} gives feedback and rates (/mock rate)",
}


class MemberStatus:
    def __init__(self, practice: Practice) -> None:
        self.practice = practice
        self.store, self.clock = practice.store, practice.clock

    async def _member(self, cmd: c.Command) -> Member:
        m = await self.store.get_member(cmd.actor)
        if m is None:
            raise BadInput("you have not joined yet: /mock join [track=...] [level=...] [tz=...]")
        return m

    async def status(self, cmd: c.ShowStatus) -> Reply:
        m = await self._member(cmd)
        cfg = await self.store.get_config(cmd.actor.community)
        now = self.clock.now()
        tz = m.timezone
        state = {
            "active": "taking part",
            "left": "left (/mock join to come back)",
        }.get(m.status)
        if m.status == "paused":
            state = (
                f"paused until {m.paused_until:%a %d %b}"
                if m.paused_until
                else "paused after missed sessions (/mock resume to come back)"
            )
        rows = [
            ("Track and level", f"{m.track}, {m.level}"),
            ("Time zone", f"{tz} (your time now: {localtime.clock(now, tz)})"),
            ("Status", state or m.status),
            ("Next round", self._next_round(cfg, m, now)),
            (
                "Availability",
                f"{availability.shown(m.availability)} ({tz} time)"
                + ("" if m.availability else ", the default (/mock availability)"),
            ),
            ("Session", await self._session_line(m)),
            (
                "Privacy",
                ("hidden from" if m.hide_from_board else "shown on")
                + " the leaderboard; stats "
                + ("private" if m.stats_private else "visible to members"),
            ),
        ]
        return Reply(
            message=OutMessage(
                kind="status", title=f"Status of {m.name}", text="", fields=tuple(rows)
            )
        )

    def _next_round(self, cfg: CommunityConfig, m: Member, now: datetime) -> str:
        number = m.slot if cfg.slot(m.slot) else 1
        slot = cfg.slot(number)
        if slot is None:
            return "no weekly rounds are scheduled (/mock now pairs you on demand)"
        where = f" (slot {number} of {len(cfg.slots)})" if len(cfg.slots) > 1 else ""
        return localtime.when(next_fire(slot, now), m.timezone) + where

    async def _session_line(self, m: Member) -> str:
        s: Session | None = await self.practice.current_session(m.user)
        if s is None:
            return "none in progress"
        names = await self.practice.names(s)
        turn = s.turn
        step = STEPS[s.phase].format(
            candidate=names[turn.candidate], interviewer=names[turn.interviewer]
        )
        ends = f", until {localtime.clock(s.phase_ends_at, m.timezone)}" if s.phase_ends_at else ""
        if s.phase is Phase.BOOKED and s.starts_at:
            ends = f", starts {localtime.when(s.starts_at, m.timezone)}"
        elif s.phase is Phase.BOOKING and s.window_ends_at:
            ends = f", book by {localtime.when(s.window_ends_at, m.timezone)}"
        others = ", ".join(names[x] for x in s.present if x != m.user)
        return f"with {others}: {s.phase.value}{ends}. Next: {step}"

    async def privacy(self, cmd: c.SetPrivacy) -> Reply:
        m = await self._member(cmd)
        board, stats = m.hide_from_board, m.stats_private
        if cmd.leaderboard is not None:
            choice = cmd.leaderboard.strip().lower()
            if choice not in ("show", "hide"):
                raise BadInput("leaderboard must be show or hide")
            board = choice == "hide"
        if cmd.stats is not None:
            choice = cmd.stats.strip().lower()
            if choice not in ("public", "private"):
                raise BadInput("stats must be public or private")
            stats = choice == "private"
        await self.store.set_privacy(cmd.actor, hide_from_board=board, stats_private=stats)
        return Reply.ok(
            ("Hidden from" if board else "Shown on")
            + " the leaderboard; your stats are "
            + ("yours alone." if stats else "visible to other members.")
        )

    async def resume(self, cmd: c.Resume) -> Reply:
        m = await self._member(cmd)
        if m.status == "active":
            return Reply.ok("You are already taking part.")
        await self.store.set_member_status(cmd.actor, "active")
        return Reply.ok("Welcome back: you are paired again from the next round.")
