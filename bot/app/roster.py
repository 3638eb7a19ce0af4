"""Organisers' view of the members: a paged list with attendance, and removing a member."""

from __future__ import annotations

from bot import commands as c
from bot import localtime, validation
from bot.commands import BadInput
from bot.messages import OutMessage, Reply

PAGE = 20


class Roster:
    def __init__(self, store, clock) -> None:
        self.store, self.clock = store, clock

    async def members(self, cmd: c.ShowMembers, tz: str) -> Reply:
        page = validation.whole_number("page", cmd.page, 1, 10_000)
        community = cmd.actor.community
        rows, total = await self.store.member_page(community, (page - 1) * PAGE, PAGE)
        pages = max(1, -(-total // PAGE))
        if page > pages:
            raise BadInput(f"page must be from 1 to {pages}")
        record = await self.store.attendance_of(community, [m.user.id for m, _ in rows])
        lines = []
        for m, last in rows:
            a = record.get(m.user.id)
            came = f"came {a.attended}/{a.paired}" if a else "no sessions yet"
            missed = (
                f", {a.no_shows} no-show{'s' if a.no_shows != 1 else ''}"
                if a and a.no_shows
                else ""
            )
            seen = f", last {localtime.when(last, tz)}" if last else ""
            state = m.status if m.status != "paused" or m.paused_until else "paused (no-shows)"
            lines.append((m.name, f"{state} · {m.track}, {m.level} · {came}{missed}{seen}"))
        return Reply(
            message=OutMessage(
                kind="members",
                title=f"Members: page {page} of {pages} ({total} in all)",
                text="" if rows else "Nobody has joined yet.",
                fields=tuple(lines),
            )
        )

    async def remove(self, cmd: c.RemoveMember) -> Reply:
        m = await self.store.get_member(cmd.member)
        if m is None or m.status == "left":
            raise BadInput("that person is not taking part")
        await self.store.set_member_status(cmd.member, "left")
        return Reply.ok(
            f"{m.name} no longer takes part. Their history stays; they can /mock join again."
        )
