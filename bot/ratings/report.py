"""The organisers' round report: who took part, met, did not meet or did not come, how
many sessions completed, average scores by track, repeated no-shows, and a chart of
participation over the last rounds. Counted in the database, so a round of ten
thousand members costs a few queries, not ten thousand decoded sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot import localtime
from bot.messages import Attachment, OutMessage
from bot.model import Round
from bot.ratings import charts

HISTORY = 8  # rounds in the participation chart
REMATCH_WINDOW = timedelta(days=1)  # a session started this soon after the round is its rematch
NAMED = 25  # above this many, a line gives the count and points to /mock members
Draw = Callable[..., Awaitable[bytes]]  # runs a chart function off the event loop


class RoundReports:
    def __init__(self, store, chat, draw: Draw) -> None:
        self.store, self.chat, self.draw = store, chat, draw

    async def build(self, rnd: Round) -> OutMessage:
        cfg = await self.store.get_config(rnd.community)
        # stood up, then met someone else soon after (in window mode: within the window)
        soon = timedelta(days=cfg.window_days) if cfg.meet == "window" else timedelta()
        groups = await self.store.round_groups(
            rnd.id, rnd.created_at, rnd.created_at + soon + REMATCH_WINDOW, NAMED
        )
        small = [ids for n, ids in groups.values() if n <= NAMED]
        names = await self.store.member_names(rnd.community, sorted({i for g in small for i in g}))

        def who(group: tuple[int, list[str]]) -> str:
            n, ids = group
            if n > NAMED:
                return f"{n} members (/mock members lists them)"
            return ", ".join(sorted(names.get(i, i) for i in ids)) or "nobody"

        done, sessions = await self.store.round_sessions_done(rnd.id)
        rate = f"{done} of {sessions} sessions ({done / sessions:.0%})" if sessions else "-"
        absent_ids = groups["absent"][1] if groups["absent"][0] <= NAMED else None
        record = await self.store.attendance_of(
            rnd.community, absent_ids if absent_ids is not None else []
        )
        repeated = sorted(i for i, a in record.items() if a.recent_no_shows >= 2)
        placed = sum(n for n, _ in groups.values())
        scores = " · ".join(
            f"{track} {avg:.1f} ({n} rating{'s' if n != 1 else ''})"
            for track, avg, n in await self.store.round_scores(rnd.id)
        )
        rows = [
            (
                "Took part",
                f"{placed} members in {sessions} sessions"
                + (f"; {len(rnd.unplaced)} without a partner" if rnd.unplaced else ""),
            ),
            (f"Met ({groups['met'][0]})", who(groups["met"])),
            (
                f"Rematched after a no-show ({groups['rematched'][0]})",
                who(groups["rematched"]),
            ),
            (f"Did not meet ({groups['missed'][0]})", who(groups["missed"])),
            (f"No-shows ({groups['absent'][0]})", who(groups["absent"])),
            ("Completed", rate),
            ("Average scores by track", scores or "no ratings"),
            ("Repeated no-shows (2 of their last 4)", _repeated(repeated, names, absent_ids)),
        ]
        chart = await self.draw(charts.participation, await self._history(rnd, cfg.timezone))
        return OutMessage(
            kind="report",
            title=f"Round report: {localtime.when(rnd.created_at, cfg.timezone)}",
            text="",
            fields=tuple(rows),
            files=(Attachment("participation.png", chart),),
        )

    async def post(self, rnd: Round) -> None:
        """A finished round's report goes to the organisers' channel, once it is committed."""
        cfg = await self.store.get_config(rnd.community)
        if cfg.report_channel is None or rnd.kind != "weekly":
            return

        async def send() -> None:
            await self.chat.send(cfg.report_channel, await self.build(rnd))

        await self.store.after_commit(send)

    async def _history(self, rnd: Round, tz: str) -> list[tuple[str, int, int, int]]:
        past = list(reversed(await self.store.recent_rounds(rnd.community, rnd.kind, HISTORY)))
        counts = await self.store.round_counts([r.id for r in past])
        return [
            (localtime.clock(r.created_at, tz).split()[0] + f" {r.created_at:%d %b}",
             *counts.get(r.id, (0, 0, 0)))
            for r in past
        ]  # fmt: skip


def _repeated(ids: list[str], names, checked: list[str] | None) -> str:
    if checked is None:
        return "many no-shows this round: see /mock members"
    return ", ".join(sorted(names.get(i, i) for i in ids)) or "nobody"
