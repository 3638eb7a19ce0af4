"""Member commands of window mode: availability, and booking a time with a partner.

Every time a member types is read in their own zone, and every answer shows times in it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import availability, localtime, validation
from bot import commands as c
from bot.app.membership import joined
from bot.commands import BadInput, quote
from bot.messages import Reply
from bot.model import WEEKDAYS, Member, Phase
from bot.sessions.booking import MAX_PROPOSALS
from bot.sessions.driver import Practice
from bot.sessions.machine import Accepted, Acknowledged, Booked, Proposed, Rescheduled


class BookingDesk:
    def __init__(self, practice: Practice) -> None:
        self.practice, self.store, self.clock = practice, practice.store, practice.clock

    async def _member(self, cmd: c.Command) -> Member:
        return await joined(self.store, cmd)

    async def availability(self, cmd: c.SetAvailability) -> Reply:
        m = await self._member(cmd)
        if cmd.text is None:
            mine = availability.shown(m.availability)
            default = "" if m.availability else " (the default until you set yours)"
            return Reply.ok(
                f"You can meet {mine}, {m.timezone} time{default}. Change it with "
                f"/mock availability {availability.EXAMPLE}"
            )
        ranges = availability.parse(cmd.text)
        text = availability.describe(ranges)
        await self.store.save_member(replace(m, availability=text))
        week = availability.intervals(
            ranges, m.timezone, self.clock.now(), self.clock.now() + timedelta(days=7)
        )
        hours = round(sum((b - a).total_seconds() for a, b in week) / 3600)
        return Reply.ok(
            f"Saved: you can meet {text}, {m.timezone} time (your time now is "
            f"{localtime.clock(self.clock.now(), m.timezone)}): {hours} hours a week. Partners "
            "are proposed times inside it."
        )

    async def accept(self, cmd: c.AcceptSlot) -> Reply:
        number = validation.whole_number("slot", cmd.number, 1, MAX_PROPOSALS)
        m = await self._member(cmd)
        s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
        return await self._event(s.id, Accepted(cmd.actor, number), m.timezone)

    async def propose(self, cmd: c.ProposeTime) -> Reply:
        m = await self._member(cmd)
        s = await self.practice.live_session_of(cmd.actor, None)
        at = self._moment(cmd.day, cmd.time, m.timezone)
        new, effects = await self.practice.apply(s.id, Proposed(cmd.actor, at))
        if any(isinstance(e, Booked) for e in effects):
            return self._booked(new.starts_at, m.timezone)
        return Reply.ok(
            f"Proposed {localtime.when(at, m.timezone)}: your partner is asked to accept it."
        )

    async def reschedule(self, cmd: c.Reschedule) -> Reply:
        await self._member(cmd)
        s = await self.practice.live_session_of(cmd.actor, cmd.session_id)
        await self.practice.apply(s.id, Rescheduled(cmd.actor))
        return Reply.ok(
            "Booking is open again: accept one of the slots in your space, or /mock propose a "
            "time. Your calendar entry is updated when a new time is booked."
        )

    async def _event(self, session_id: str, event, tz: str) -> Reply:
        new, effects = await self.practice.apply(session_id, event)
        if new.phase is Phase.BOOKED and any(isinstance(e, Booked) for e in effects):
            return self._booked(new.starts_at, tz)
        note = next((e.note for e in effects if isinstance(e, Acknowledged)), "noted")
        return Reply.ok(note)

    @staticmethod
    def _booked(at: datetime | None, tz: str) -> Reply:
        shown = localtime.when(at, tz) if at else "the agreed time"
        return Reply.ok(
            f"Booked for {shown}: the calendar invitation is in your space, with reminders "
            "24 hours and 15 minutes before."
        )

    def _moment(self, day: str, hhmm: str, tz: str) -> datetime:
        """``thu 19:30`` or ``2026-12-10 19:30`` in the member's zone: the next such day."""
        zone = ZoneInfo(tz)
        clock = validation.clock_time(hhmm)
        hour, minute = (int(x) for x in clock.split(":"))
        today = self.clock.now().astimezone(zone).date()
        d = day.strip().lower()
        if d in ("today", "tomorrow"):
            on = today + timedelta(days=1 if d == "tomorrow" else 0)
        elif d[:3] in WEEKDAYS and len(d) >= 3:
            ahead = (WEEKDAYS.index(d[:3]) - today.weekday()) % 7
            on = today + timedelta(days=ahead)
            if datetime.combine(on, time(hour, minute), zone) <= self.clock.now():
                on += timedelta(days=7)  # today's time has passed: next week's
        else:
            try:
                on = date.fromisoformat(d)
            except ValueError:
                raise BadInput(
                    f"unknown day '{quote(day)}': use mon..sun, today, tomorrow or a date "
                    "like 2026-12-10"
                ) from None
        return datetime.combine(on, time(hour, minute), zone).astimezone(ZoneInfo("UTC"))
