"""What a member's attendance leads to: a pause after repeated no-shows.

Runs inside the transition that settled the intro (same unit of work), so the pause
and the note telling the member commit with the no-show itself.
"""

from __future__ import annotations

from bot.messages import OutMessage
from bot.model import CommunityConfig, Session
from bot.sessions.machine import AttendanceSettled
from bot.sessions.outbox import Delivery
from bot.storage.sql_attendance import RECENT


class Reliability:
    def __init__(self, store, clock) -> None:
        self.store, self.clock = store, clock

    async def after_transition(self, s: Session, effects, cfg: CommunityConfig) -> None:
        if cfg.noshow_pause <= 0:
            return
        absent = [u for e in effects if isinstance(e, AttendanceSettled) for u in e.absent]
        if not absent:
            return
        record = await self.store.attendance_of(s.community, [u.id for u in absent])
        notes = []
        for user in absent:
            missed = record[user.id].recent_no_shows if user.id in record else 0
            if missed >= cfg.noshow_pause:
                await self.store.set_member_status(user, "paused")
                notes.append(Delivery("dm", user, paused_note(missed)))
        if notes:
            await self.store.queue(s, notes, self.clock.now())


def paused_note(missed: int) -> OutMessage:
    return OutMessage(
        kind="info",
        title="You are paused",
        text=(
            f"You missed {missed} of your last {RECENT} sessions, so we paused you: your partners "
            "were left waiting. Whenever you can commit to a session, type /mock join to come "
            "back; you will be paired from the next round on."
        ),
    )
