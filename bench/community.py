"""A community with a long past, written in bulk for the load benchmark.

The rows are what the running bot would have written after ``weeks`` weekly
rounds in which every member took part: per round a ``rounds`` row; per pair a
finished ``sessions`` row, two ``participants`` rows (completed, attended), one
``meetings`` row, the questions each candidate answered (``answered``), and four
``ratings`` (each turn: the interviewer's score of the answer, the candidate's
score of the feedback). The member rows carry the role counts ``create_round``
keeps. The leaderboard summaries are then computed by the store's own
``standings.rebuild``, so nothing here guesses how they are kept. Rows go in
through SQLAlchemy Core with the core's table objects: the same code fills
SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.population import LEVELS, TIMEZONES, TRACKS
from bot.model import CommunityConfig
from bot.storage import schema as t
from bot.storage import standings
from bot.storage.sql import SqlStore

COMMUNITY = "discord:load"
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
CHUNK = 5_000
AVAILABILITY = (
    "mon-fri 18:00-22:00, sat-sun 09:00-21:00",
    "daily 07:00-09:00",
    "weekends 10:00-16:00",
)


def member_id(k: int) -> str:
    return f"u{k}"


async def build(store: SqlStore, members: int, weeks: int, questions: list[str], seed=3):
    """Fill ``store`` (migrated, empty) with one community of ``members`` and ``weeks``
    past rounds; returns the number of ratings written."""
    rng = random.Random(seed)
    cfg = CommunityConfig(COMMUNITY, meet="window", timezone="Europe/London")
    await store.save_config(cfg)
    zones = rng.choices(list(TIMEZONES), weights=list(TIMEZONES.values()), k=members)
    levels = rng.choices(list(LEVELS), weights=list(LEVELS.values()), k=members)
    tracks = rng.choices(list(TRACKS), weights=list(TRACKS.values()), k=members)
    joined = NOW - timedelta(weeks=weeks + 1)
    async with store._engine.begin() as conn:
        await _insert(
            conn,
            t.members,
            (
                dict(community=COMMUNITY, user_id=member_id(k), name=f"Member {k}",
                     track=tracks[k], level=levels[k], timezone=zones[k], status="active",
                     joined_at=joined, interviewed=weeks, candidated=weeks, slot=1,
                     availability=AVAILABILITY[k % 3] if k % 4 else None)
                for k in range(members)
            ),
        )  # fmt: skip
    ratings, answered = 0, {}  # (member, question) -> when last answered
    for week in range(weeks):
        async with store._engine.begin() as conn:
            ratings += await _round(conn, rng, week, weeks, members, tracks, questions, answered)
    async with store._engine.begin() as conn:
        await _insert(
            conn,
            t.answered,
            (dict(community=COMMUNITY, user_id=u, question_id=q, at=w)
             for (u, q), w in answered.items()),
        )  # fmt: skip
        await standings.rebuild(conn, COMMUNITY, cfg.timezone)
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE"))
    if store._engine.dialect.name == "sqlite":
        async with store._engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
    return ratings


async def _round(conn, rng, week, weeks, members, tracks, questions, answered) -> int:
    at = NOW - timedelta(weeks=weeks - week)
    ended = at + timedelta(hours=1)
    round_id = f"h{week}"
    await conn.execute(
        t.rounds.insert(),
        dict(id=round_id, community=COMMUNITY, seed=week, kind="weekly", status="done",
             created_at=at, unplaced={}, slot=1),
    )  # fmt: skip
    order = list(range(members))
    rng.shuffle(order)
    sessions, people, met, rated = [], [], [], []
    for k in range(0, members - 1, 2):
        a, b = member_id(order[k]), member_id(order[k + 1])
        sid = f"{round_id}-{k // 2}"
        qa, qb = rng.choice(questions), rng.choice(questions)
        sessions.append(
            dict(id=sid, community=COMMUNITY, round_id=round_id, members=[a, b],
                 turns=[[a, b, qb], [b, a, qa]], phase="done", turn_index=1, confirmed=[a, b],
                 created_at=at, ended_at=ended, absent=[], sequence=0)
        )  # fmt: skip
        track = tracks[order[k]]
        for u in (a, b):
            people.append(
                dict(community=COMMUNITY, user_id=u, session_id=sid, created_at=at, track=track,
                     completed_at=ended, attended=True)
            )  # fmt: skip
        met.append(dict(community=COMMUNITY, a=a, b=b, at=at))
        answered[b, qb] = answered[a, qa] = at
        for turn, (interviewer, candidate) in enumerate(((a, b), (b, a))):
            when = at + timedelta(minutes=30 * (turn + 1))
            score = float(rng.randint(2, 5))
            for rater, ratee, about in ((interviewer, candidate, "answer"),
                                        (candidate, interviewer, "feedback")):  # fmt: skip
                rated.append(
                    dict(community=COMMUNITY, session_id=sid, turn=turn, rater=rater,
                         ratee=ratee, overall=score, scores={}, comment="clear and kind",
                         source="form", track=track, submitted_at=when, about=about)
                )  # fmt: skip
    await _insert(conn, t.sessions, sessions)
    await _insert(conn, t.participants, people)
    await _insert(conn, t.meetings, met)
    await _insert(conn, t.ratings, rated)
    return len(rated)


async def _insert(conn: AsyncConnection, table, rows) -> None:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            await conn.execute(table.insert(), chunk)
            chunk = []
    if chunk:
        await conn.execute(table.insert(), chunk)
