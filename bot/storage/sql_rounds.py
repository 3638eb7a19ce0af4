"""The SQL store's side of starting a round: the round with its first sessions, then (a big
round's) further sessions added in transactions of their own; each written a part of its
sessions at a time, a table's rows for a part in a few statements."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.model import Round, Session
from bot.storage import codec
from bot.storage import schema as t
from bot.storage.sql_engine import SqlEngine, among


class Conflict(Exception):
    """A write broke an invariant the database holds (another task got there first).

    The unit of work rolls back; the command may run again against what was committed.
    """


class RoundStore(SqlEngine):
    async def create_round(
        self,
        rnd: Round,
        sessions: Sequence[Session],
        tracks: dict[str, str],
        opening_due: datetime | None = None,
    ):
        """Persist a round with its sessions, meetings, answered questions and role counts.

        Raises Conflict when a member is already in a live session or the community
        already runs a weekly round: the database refuses, not a check before the write.
        """
        try:
            await self._create_round(rnd, sessions, tracks, opening_due or rnd.created_at)
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from None

    async def add_to_round(
        self, rnd: Round, sessions: Sequence[Session], tracks: dict[str, str], opening_due
    ) -> None:
        """More sessions of a saved round, with their rows as ``create_round`` writes them
        (Conflict: one of their members is in a live session)."""
        try:
            async with self._write() as conn:
                await self._add_sessions(conn, rnd, sessions, tracks, opening_due)
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from None

    async def set_round_unplaced(self, round_id: str, unplaced: dict[str, str]) -> None:
        async with self._write() as conn:
            await conn.execute(
                update(t.rounds).where(t.rounds.c.id == round_id).values(unplaced=dict(unplaced))
            )

    async def _create_round(self, rnd: Round, sessions: Sequence[Session], tracks, opening_due):
        async with self._write() as conn:
            if rnd.kind == "weekly" and await _slot_runs(conn, rnd):
                # a round that found every member taken by one started meanwhile is no
                # round of its own: the index refuses only a second *running* one
                raise Conflict(f"a weekly round of slot {rnd.slot} started meanwhile")
            await conn.execute(
                insert(t.rounds).values(
                    id=rnd.id,
                    community=rnd.community,
                    seed=rnd.seed,
                    kind=rnd.kind,
                    status=rnd.status,
                    created_at=rnd.created_at,
                    unplaced=dict(rnd.unplaced),
                    slot=rnd.slot,
                    channel=rnd.channel.id if rnd.channel else None,
                )
            )
            await self._add_sessions(conn, rnd, sessions, tracks, opening_due)

    async def _add_sessions(self, conn: AsyncConnection, rnd: Round, sessions, tracks, due):
        await self._record_sessions(conn, sessions, rnd.created_at, tracks)
        # each space to open, as work any replica may claim (ReplicaStore.claim_openings)
        await _in_chunks(
            conn,
            insert(t.timers),
            [dict(community=s.community, kind=t.OPENING, subject=s.id, key=rnd.id, due_at=due)
             for s in sessions],
        )  # fmt: skip
        if sessions:  # whoever waited for a partner and got one waits no more
            listed, _ = among(s.id for s in sessions)
            if listed is None:  # everyone in a live session: none of them waits
                await conn.execute(_STOP_WAITING_ALL, dict(of=rnd.community))
            else:
                await conn.execute(_STOP_WAITING_IN, dict(of=rnd.community, ids=listed))

    async def _record_sessions(self, conn: AsyncConnection, sessions, at: datetime, tracks):
        """The sessions' rows, SESSIONS_PER_PART at a time, the loop answering commands
        between parts (SQLite runs on its thread): a weekly round's ten thousand sessions
        built and written in one go held it for 280 ms. None inside a part: a transaction
        that lets others run holds the writer through their work too."""
        for start in range(0, len(sessions), SESSIONS_PER_PART):
            if start:
                await asyncio.sleep(0)
            await self._record_part(conn, sessions[start : start + SESSIONS_PER_PART], at, tracks)

    async def _record_part(self, conn: AsyncConnection, sessions, at: datetime, tracks):
        """Each table's rows for these sessions in one statement: sessions, live places,
        participants, meetings, answered questions, role counts."""
        if not sessions:
            return
        community = sessions[0].community
        live, people, met, answered, trios = [], [], [], {}, []
        interviewed, candidated = Counter(), Counter()
        for s in sessions:
            ids = [m.id for m in s.members]
            for uid in ids:
                live.append(dict(community=community, user_id=uid, session_id=s.id))
                people.append(
                    dict(community=community, user_id=uid, session_id=s.id, created_at=at,
                         track=tracks[s.id])
                )  # fmt: skip
            met += [
                dict(community=community, a=a, b=b, at=at)
                for i, a in enumerate(ids)
                for b in ids[i + 1 :]
            ]
            for turn in s.turns:
                answered[turn.candidate.id, turn.question_id] = at
                interviewed[turn.interviewer.id] += 1
                candidated[turn.candidate.id] += 1
            if len(ids) == 3:
                trios += ids
        await _in_chunks(conn, insert(t.sessions), [codec.session_to_row(s) for s in sessions])
        await _in_chunks(conn, insert(t.live_members), live)
        await _in_chunks(conn, insert(t.participants), people)
        await _in_chunks(conn, insert(t.meetings), met)
        await _in_chunks(
            conn,
            _answered(self._dialect),
            [dict(community=community, user_id=u, question_id=q, at=w)
             for (u, q), w in answered.items()],
        )  # fmt: skip
        for statement, counts in zip(_COUNTED, (interviewed, candidated), strict=True):
            rows = [dict(of=community, uid=u, n=n) for u, n in counts.items()]
            await _in_chunks(conn, statement, rows)
        if trios:
            await conn.execute(_SAT_OUT, dict(of=community, ids=trios, at=at))


async def _slot_runs(conn: AsyncConnection, rnd: Round) -> bool:
    r = t.rounds.c
    q = select(r.id).where(
        r.community == rnd.community,
        r.slot == rnd.slot,
        r.kind == "weekly",
        r.status == "running",
        r.id != rnd.id,
    )
    return (await conn.execute(q.limit(1))).first() is not None


SESSIONS_PER_PART = 50  # a part's rows of every table: each statement a few milliseconds
ROWS_PER_STATEMENT = 200  # a part's rows of a table fit in one (three a session at most)

# A part's statements are built once. Built per part, their table aliases and columns
# (reference cycles, which only the collector frees) piled up while it was paused for a
# 20,000-member round's save: 40,000 objects, freed in one 60-ms stop of the loop when it
# started again.
_mc = t.members.c
_COUNTED = tuple(  # the turns each member gave and took: ``of`` community, ``uid``, ``n``
    update(t.members)
    .where(_mc.community == bindparam("of"), _mc.user_id == bindparam("uid"))
    .values({col: col + bindparam("n")})
    for col in (_mc.interviewed, _mc.candidated)
)
_lm = t.live_members.c
_placed = select(_lm.user_id).where(_lm.community == bindparam("of"))
# members placed (in any live session of ``of`` community, or in sessions ``ids``) wait no more
_STOP_WAITING_ALL, _STOP_WAITING_IN = (
    update(t.members)
    .where(_mc.community == bindparam("of"), _mc.waiting_since.is_not(None), _mc.user_id.in_(q))
    .values(waiting_since=None)
    for q in (_placed, _placed.where(_lm.session_id.in_(bindparam("ids", expanding=True))))
)
_SAT_OUT = (  # a trio's members: ``of`` community, ``ids``, ``at``
    update(t.members)
    .where(_mc.community == bindparam("of"), _mc.user_id.in_(bindparam("ids", expanding=True)))
    .values(last_sat_out=bindparam("at"))
)


@functools.cache
def _answered(dialect: str):
    """The questions each member was given, kept at their latest date."""
    a = t.insert_for(dialect, t.answered)
    keys = ["community", "user_id", "question_id"]
    return a.on_conflict_do_update(index_elements=keys, set_={"at": a.excluded.at})


async def _in_chunks(conn: AsyncConnection, statement, rows: list) -> None:
    """One statement per chunk of rows (none for no rows)."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        await conn.execute(statement, rows[start : start + ROWS_PER_STATEMENT])
