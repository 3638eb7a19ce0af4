"""Member commands: join, leave, pause, pairing on demand and solo practice questions.

Status changes touch only their own columns, so a join and a leave at once keep the
join's settings whichever lands last.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import actions, availability, localtime, timezones, validation
from bot import commands as c
from bot.commands import BadInput
from bot.messages import Button, OutMessage, Reply
from bot.model import CommunityConfig, Member
from bot.rounds.runner import Rounds
from bot.rounds.slots import next_fire
from bot.sessions import presenter
from bot.sessions.driver import Practice

WAITING_FOR = timedelta(hours=2)  # how long `now` keeps a member in the on-demand queue
AWAKE = (8, 22)  # a live round outside 08:00-22:00 in a member's zone gets a warning


async def joined(store, cmd: c.Command) -> Member:
    """The member who sent ``cmd``, or a one-line refusal if they have not joined."""
    m = await store.get_member(cmd.actor)
    if m is None or m.status == "left":
        raise BadInput("you have not joined yet: /mock join [track=...] [level=...] [tz=...]")
    return m


def meeting_note(cfg: CommunityConfig, member: Member, now: datetime) -> str:
    """How this member meets: in a live community, the next round in their own time (with a
    warning at night); in window mode, the window and their availability."""
    tz = member.timezone
    if cfg.meet == "window":
        mine = availability.shown(member.availability)
        default = "" if member.availability else ", the default until you set yours"
        return (
            f"\nEach round gives you and your partner {cfg.window_days} days to book a time "
            f"inside both your availabilities: yours is {mine} ({tz} time{default}); "
            "change it with /mock availability."
        )
    slot = cfg.slot(member.slot) or cfg.schedule
    if slot is None:
        return ""
    at = next_fire(slot, now)
    local = at.astimezone(ZoneInfo(tz))
    note = f"\nRounds meet live: the next one starts {localtime.when(at, tz)}."
    if not AWAKE[0] <= local.hour < AWAKE[1]:
        note += (
            f" ⚠️ That is {local:%H:%M} for you, outside 08:00-22:00: ask an organiser about "
            "another slot (/mock join slot=<n>), or pause the weeks you cannot make it."
        )
    return note


class Membership:
    def __init__(self, practice: Practice, rounds: Rounds) -> None:
        self.practice, self.rounds = practice, rounds
        self.store, self.clock, self.bank = practice.store, practice.clock, practice.bank

    async def join(self, cmd: c.Join) -> Reply:
        tracks = self.bank.tracks()
        old = await self.store.get_member(cmd.actor)
        track = (
            validation.track(cmd.track, tracks) if cmd.track else (old.track if old else tracks[0])
        )
        level = validation.level(cmd.level) if cmd.level else (old.level if old else "mid")
        zone = timezones.parse(cmd.timezone) if cmd.timezone else None
        tz = zone.name if zone else (old.timezone if old else "UTC")
        cfg = await self.store.get_config(cmd.actor.community)
        slot = old.slot if old else 1
        if cmd.slot is not None:
            if not cfg.slots:
                raise BadInput("this community has no weekly slots yet: an organiser sets them")
            slot = validation.whole_number("slot", cmd.slot, 1, len(cfg.slots))
        name = cmd.actor_name or (old.name if old else cmd.actor.id)
        now = self.clock.now()
        member = Member(
            cmd.actor,
            name,
            track,
            level,
            tz,
            "active",
            None,
            old.joined_at if old else now,
            old.waiting_since if old else None,
            slot,
            old.hide_from_board if old else False,
            old.stats_private if old else False,
            old.availability if old else None,
        )
        await self.store.save_member(member)
        verb = "Updated" if old and old.status == "active" else "Welcome! You joined"
        hint = (
            ""
            if cmd.track and cmd.level and cmd.timezone
            else " Change them with /mock join track=<track> level=<level> tz=<zone or city>."
        )
        note = f" ({zone.note})" if zone and zone.note else ""
        where = f", slot {slot}" if len(cfg.slots) > 1 else ""
        return Reply.ok(
            f"{verb}: track {track}, level {level}, timezone {tz}{note}: your time now is "
            f"{localtime.clock(now, tz)}{where}.{hint}{meeting_note(cfg, member, now)}"
        )

    async def _member(self, cmd: c.Command) -> Member:
        return await joined(self.store, cmd)

    async def leave(self, cmd: c.Leave) -> Reply:
        await self._member(cmd)
        await self.store.set_member_status(cmd.actor, "left")
        return Reply.ok(
            "You left mock interview rounds. Your history is kept; /mock join to come back."
        )

    async def pause(self, cmd: c.Pause) -> Reply:
        weeks = validation.whole_number("weeks", cmd.weeks, 1, 12)
        await self._member(cmd)
        until = self.clock.now().date() + timedelta(weeks=weeks)
        await self.store.set_member_status(cmd.actor, "paused", until)
        return Reply.ok(
            f"Paused for {weeks} week{'s' if weeks > 1 else ''}: back in rounds from "
            f"{until:%a %d %b %Y} (or earlier with /mock resume)."
        )

    async def pair_now(self, cmd: c.PairNow) -> Reply:
        m = await self._member(cmd)
        if m.status != "active":
            raise BadInput("you are paused: /mock join to become active again")
        if await self.practice.current_session(cmd.actor) is not None:
            raise BadInput(
                "you are already in a session: finish it (/mock done) or report a no-show"
            )
        now = self.clock.now()
        await self.store.set_waiting(cmd.actor, m.waiting_since or now)
        queue = await self.store.waiting_members(cmd.actor.community, now - WAITING_FOR)
        busy = await self.store.busy_members(cmd.actor.community, [w.user.id for w in queue])
        waiting = [w for w in queue if w.user.id not in busy]
        if len(waiting) < 2:
            return Reply.ok(
                "You're in the queue: you'll be paired as soon as someone else runs /mock now (for 2 hours)."
            )
        cfg = await self.store.get_config(cmd.actor.community)
        rnd, built = await self.rounds.start(
            cfg, kind="on_demand", where=cmd.channel, members=waiting
        )
        mine = [s for s in built if cmd.actor in s.members]
        if mine:
            return Reply.ok(f"Paired! {len(mine[0].members)} of you: your private space is open.")
        return Reply.ok(rnd.unplaced.get(cmd.actor.id, "You're in the queue for the next partner."))

    async def _not_live(self, cmd: c.Command) -> set[str]:
        """Questions of the member's live session: never shown as solo practice."""
        s = await self.practice.current_session(cmd.actor)
        return {t.question_id for t in s.turns} if s is not None else set()

    async def practice_question(self, cmd: c.PracticeQuestion) -> Reply:
        m = await self.store.get_member(cmd.actor)
        track = (
            validation.track(cmd.track, self.bank.tracks())
            if cmd.track
            else (m.track if m else self.bank.tracks()[0])
        )
        level = validation.level(cmd.level) if cmd.level else (m.level if m else "mid")
        live = await self._not_live(cmd)
        answered = await self.store.answered_by(cmd.actor.community, [cmd.actor.id])
        seen = answered.get(cmd.actor.id, set())
        seed = self.clock.now().isoformat()
        q = self.bank.choose(track=track, level=level, exclude=seen | live, seed=seed)
        if q is None or q.id in live:
            q = self.bank.choose(track=track, level=level, exclude=live, seed=seed)
        if q is None:
            raise BadInput(f"no other questions in track '{track}' right now")
        msg = OutMessage(
            kind="question",
            title=f"Solo practice: {q.title}",
            text=(
                f"{q.prompt.strip()}\n\nAnswer aloud for {q.minutes} min, then press Show the "
                "guide to check yourself against it."
            ),
            buttons=(Button(actions.solo_guide(q.id), "Show the guide"),),
        )
        return Reply(message=msg)

    async def solo_guide(self, cmd: c.ShowSoloGuide) -> Reply:
        try:
            q = self.bank.question(cmd.question_id)
        except KeyError:
            raise BadInput("that question is no longer in the bank: /mock question") from None
        if q.id in await self._not_live(cmd):
            raise BadInput("that question is in your live session: its guide is the interviewer's")
        return Reply(message=presenter.guide(q, self.bank.rubric_for(q), "you"))
