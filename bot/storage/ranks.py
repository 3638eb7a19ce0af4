"""Where one member stands on a board, without ranking the whole board each time.

A board's order is a score computed from the summaries and the community's mean rating,
which moves with every rating, so no index can hand out a rank: counting the members
ahead reads every member's row (about 9 ms at 10,000 members on SQLite, ten times that at
100,000), and ``/mock stats`` asks each time. ``Ranks`` keeps each board's scores, in
order, for a minute: a member's place is then a binary search. Their own line (score,
ratings, sessions, streak) is always read fresh; only where the others stand may be up to
a minute old, as on a board printed once a minute.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.ratings.scoring import Standing, period_start
from bot.storage.board import board_params, line, statements

FRESH = timedelta(minutes=1)


@dataclass
class _Board:
    taken: datetime
    order: list[tuple[float, str]]  # (-score, member), ascending: the board from the top
    place: dict[str, tuple[float, str]]


class Ranks:
    """Boards' orders kept for ``FRESH``, per community, period and track."""

    def __init__(self) -> None:
        self._boards: dict[tuple, _Board] = {}

    async def standing_of(
        self,
        conn: AsyncConnection,
        community: str,
        member: str,
        *,
        period: str,
        track: str | None,
        now: datetime,
        tz: str,
    ) -> Standing | None:
        made = statements(conn.dialect.name)
        params = await board_params(conn, community, period, track, now, tz)
        row = (await conn.execute(made.line, {**params, "member": member})).first()
        if row is None:
            return None
        key = (community, period, track, tz, period_start(period, now, tz))
        board = self._boards.get(key)
        if board is None or not board.taken <= now < board.taken + FRESH:
            board = self._boards[key] = await _order(conn, made, params, now)
        mine = (-float(row[4]), member)
        ahead = bisect_left(board.order, mine)
        if board.place.get(member, mine) < mine:
            ahead -= 1  # the member's own older place is among those counted ahead
        return line(row, 1 + ahead)


async def _order(conn, made, params: dict, now: datetime) -> _Board:
    rows = await conn.execute(made.order, params)
    order = [(-float(s), m) for m, s in rows]
    order.sort()  # ties by member as Python compares them (nearly sorted: a single pass)
    return _Board(now, order, {k[1]: k for k in order})
