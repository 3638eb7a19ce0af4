"""Weekly round slots: when each fires (APScheduler's cron rules in the slot's zone, every
week or every other week), its signup post a day ahead, and starting its round.

Each slot's timers have the subject ``<community>#<slot>``, so re-arming one slot leaves
the others alone; a timer fired twice (a crash between saving the round and retiring the
timer) starts its round once, since the round id comes from the timer.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.model import CommunityConfig, Schedule, Timer
from bot.rounds.runner import Rounds
from bot.sessions import presenter

log = logging.getLogger(__name__)
SIGNUP_LEAD = timedelta(days=1)
SIGNUP_ZONES = 6  # a console line stays readable; Discord and Slack show each reader's own


def next_fire(slot: Schedule, after: datetime) -> datetime:
    """The slot's next round after ``after`` (strictly: at the very minute a round fires,
    the next one is a week or two away)."""
    hour, minute = (int(x) for x in slot.time.split(":"))
    zone = ZoneInfo(slot.timezone)
    trigger = CronTrigger(day_of_week=slot.weekday, hour=hour, minute=minute, timezone=zone)
    at = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    if slot.every > 1 and slot.since is not None:
        while ((at.astimezone(zone).date() - slot.since).days // 7) % slot.every:
            at = trigger.get_next_fire_time(None, at + timedelta(seconds=1))
    return at


def subject(community: str, number: int) -> str:
    return f"{community}#{number}"


def slot_of(timer: Timer) -> int:
    """The slot a timer belongs to (timers from before slots existed: the first)."""
    _, sep, number = timer.subject.rpartition("#")
    return int(number) if sep and number.isdigit() else 1


class WeeklySlots:
    def __init__(self, rounds: Rounds) -> None:
        self.rounds = rounds
        self.store, self.chat, self.clock = rounds.store, rounds.chat, rounds.clock

    async def arm(self, cfg: CommunityConfig, only: int | None = None) -> list[datetime]:
        """(Re)arm each slot's next round and signup post; returns the rounds' times."""
        now = self.clock.now()
        times = []
        for kind in ("weekly_round", "signup"):
            if only is None:  # timers armed before there were slots
                await self.store.cancel_timers(cfg.community, kind, now)
        for number, slot in enumerate(cfg.slots, start=1):
            if only is not None and number != only:
                continue
            who = subject(cfg.community, number)
            for kind in ("weekly_round", "signup"):
                await self.store.cancel_timers(who, kind, now)
            at = next_fire(slot, now)
            signup_at = max(now, at - SIGNUP_LEAD)
            for kind, due in (("weekly_round", at), ("signup", signup_at)):
                timer = await self.store.add_timer(cfg.community, kind, who, at.isoformat(), due)
                self.rounds._arm(timer)
            times.append(at)
        return times

    async def post_signup(self, timer: Timer) -> None:
        if not await self.store.claim_timer(timer.id, self.clock.now()):
            return
        cfg = await self.store.get_config(timer.community)
        slot = cfg.slot(slot_of(timer))
        if slot is None:
            return  # the slot was removed since
        starts = datetime.fromisoformat(timer.key)
        # the console shows a moment in the zones it lists: the slot's and its members'
        members = await self.store.members(cfg.community, statuses=("active", "paused"))
        zones = list(dict.fromkeys([slot.timezone, *(m.timezone for m in members)]))
        msg = replace(presenter.signup(starts), zones=tuple(zones[:SIGNUP_ZONES]))
        ref = await self.chat.send(slot.channel, msg)
        await self.store.link_message(ref, cfg.community, "signup", None, None)

    async def fire(self, timer: Timer) -> None:
        cfg = await self.store.get_config(timer.community)
        number = slot_of(timer)
        slot = cfg.slot(number)
        round_id = f"w{timer.id}"
        running = await self.store.latest_round(
            cfg.community, kind="weekly", status="running", slot=number
        )
        if slot is None:
            pass  # the slot was removed since
        elif running is not None and running.id != round_id:
            log.warning(
                "round %s still runs: slot %s of %s skips this week",
                running.id,
                number,
                cfg.community,
            )
        elif await self.store.get_round(round_id) is None:
            await self.rounds.start(
                cfg, kind="weekly", round_id=round_id, where=slot.channel, slot=number
            )
        if await self.store.claim_timer(timer.id, self.clock.now()) and slot is not None:
            await self.arm(cfg, only=number)
