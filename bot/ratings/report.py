"""The organisers' round report: who took part, met, did not meet or did not come, how
many sessions completed, average scores by track, repeated no-shows, and a chart of
participation over the last rounds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from bot import localtime
from bot.messages import Attachment, OutMessage
from bot.model import Phase, Round, Session
from bot.questions.bank import QuestionBank
from bot.ratings import charts

HISTORY = 8  # rounds in the participation chart
Draw = Callable[..., Awaitable[bytes]]  # runs a chart function off the event loop


def round_figures(sessions: Sequence[Session]) -> dict[str, set[str]]:
    """Member ids by outcome: placed, met (a session played to the end), no-shows."""
    placed = {m.id for s in sessions for m in s.members}
    met = {m.id for s in sessions if s.phase is Phase.DONE for m in s.present}
    absent = {m.id for s in sessions for m in s.absent}
    return {"placed": placed, "met": met, "absent": absent, "missed": placed - met - absent}


class RoundReports:
    def __init__(self, store, chat, bank: QuestionBank, draw: Draw) -> None:
        self.store, self.chat, self.bank, self.draw = store, chat, bank, draw

    async def build(self, rnd: Round) -> OutMessage:
        cfg = await self.store.get_config(rnd.community)
        sessions = await self.store.round_sessions(rnd.id)
        f = round_figures(sessions)
        names = await self.store.member_names(
            rnd.community, sorted(f["placed"] | set(rnd.unplaced))
        )

        def who(ids) -> str:
            return ", ".join(sorted(names.get(i, i) for i in ids)) or "nobody"

        done = sum(s.phase is Phase.DONE for s in sessions)
        rate = (
            f"{done} of {len(sessions)} sessions ({done / len(sessions):.0%})" if sessions else "-"
        )
        record = await self.store.attendance_of(rnd.community, sorted(f["placed"]))
        repeated = {i for i, a in record.items() if a.recent_no_shows >= 2}
        rows = [
            (
                "Took part",
                f"{len(f['placed'])} members in {len(sessions)} sessions"
                + (f"; {len(rnd.unplaced)} without a partner" if rnd.unplaced else ""),
            ),
            (f"Met ({len(f['met'])})", who(f["met"])),
            (f"Did not meet ({len(f['missed'])})", who(f["missed"])),
            (f"No-shows ({len(f['absent'])})", who(f["absent"])),
            ("Completed", rate),
            ("Average scores by track", await self._scores(sessions)),
            ("Repeated no-shows (2 of their last 4)", who(repeated)),
        ]
        chart = await self.draw(charts.participation, await self._history(rnd))
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

    async def _scores(self, sessions: Sequence[Session]) -> str:
        by_track: dict[str, list[float]] = defaultdict(list)
        questions = {(s.id, i): t.question_id for s in sessions for i, t in enumerate(s.turns)}
        for r in await self.store.ratings_of_sessions([s.id for s in sessions]):
            qid = questions.get((r.session_id, r.turn))
            if r.about != "answer" or qid is None:
                continue
            try:
                by_track[self.bank.question(qid).track].append(r.overall)
            except KeyError:
                by_track["(removed pack)"].append(r.overall)
        return (
            " · ".join(
                f"{track} {sum(v) / len(v):.1f} ({len(v)} rating{'s' if len(v) != 1 else ''})"
                for track, v in sorted(by_track.items())
            )
            or "no ratings"
        )

    async def _history(self, rnd: Round) -> list[tuple[str, int, int, int]]:
        cfg = await self.store.get_config(rnd.community)
        out = []
        for past in reversed(await self.store.recent_rounds(rnd.community, rnd.kind, HISTORY)):
            f = round_figures(await self.store.round_sessions(past.id))
            label = localtime.clock(past.created_at, cfg.timezone).split()[0]
            label = f"{label} {past.created_at:%d %b}"
            out.append((label, len(f["placed"]), len(f["met"]), len(f["absent"])))
        return out
