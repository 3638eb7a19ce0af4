"""Versioned schema changes. Append a step; never edit one that has shipped."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, insert, inspect, literal, select, text, update
from sqlalchemy.schema import CreateIndex

from bot.model import Phase
from bot.storage import schema, standings

Step = Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.VERSION_1))


# 2: leaderboard summaries kept up to date on every rating (bot.storage.standings)
def _v3(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.VERSION_3))


# 3: the outbox of announcements (bot.sessions.outbox)
def _v4(conn: Connection) -> None:
    """Attendance, two-way feedback and the database-held session and round invariants."""
    _add_columns(conn, schema.VERSION_4_COLUMNS)
    schema.metadata.create_all(conn, tables=list(schema.VERSION_4_TABLES))
    # sessions live before this version hold their members' places
    live = conn.execute(
        select(schema.sessions.c.id, schema.sessions.c.community, schema.sessions.c.members).where(
            schema.sessions.c.phase.not_in(["done", "cancelled", "no_show"])
        )
    ).all()
    taken: set[tuple[str, str]] = set()
    for sid, community, members in live:
        for uid in members:
            if (community, uid) not in taken:
                taken.add((community, uid))
                conn.execute(
                    insert(schema.live_members).values(
                        community=community, user_id=uid, session_id=sid
                    )
                )
    # older code could leave two weekly rounds running: keep the newest
    r = schema.rounds.c
    seen: set[str] = set()
    for rid, community in conn.execute(
        select(r.id, r.community)
        .where(r.status == "running", r.kind == "weekly")
        .order_by(r.created_at.desc())
    ).all():
        if community in seen:
            conn.execute(update(schema.rounds).where(r.id == rid).values(status="cancelled"))
        seen.add(community)
    conn.execute(
        text(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_rounds_running_weekly ON rounds (community) "
            "WHERE status = 'running' AND kind = 'weekly'"
        )
    )


def _v5(conn: Connection) -> None:
    """Several weekly slots per community (one running round per slot), privacy choices."""
    _add_columns(conn, schema.VERSION_5_COLUMNS)
    conn.execute(text("DROP INDEX IF EXISTS ux_rounds_running_weekly"))
    conn.execute(update(schema.rounds).where(schema.rounds.c.slot.is_(None)).values(slot=0))
    weekly = (schema.rounds.c.kind == "weekly") & (schema.rounds.c.status == "running")
    conn.execute(update(schema.rounds).where(weekly).values(slot=1))
    existing = {i["name"] for i in inspect(conn).get_indexes("rounds")}
    if schema.running_round.name not in existing:
        schema.running_round.create(conn)


def _v6(conn: Connection) -> None:
    """Deliveries remember being tried, so a resend after a crash can look for the first copy."""
    _add_columns(conn, schema.VERSION_6_COLUMNS)


def _v7(conn: Connection) -> None:
    """Window mode: members' availability, and each session's booking and place to talk."""
    _add_columns(conn, schema.VERSION_7_COLUMNS)


def _v8(conn: Connection) -> None:
    """Several replicas on one PostgreSQL: timers and queued posts are claimed with a lease."""
    _add_columns(conn, schema.VERSION_8_COLUMNS)


def _v9(conn: Connection) -> None:
    """Indexes that let `now` and `stats` read only the members they are about."""
    for index in schema.VERSION_9_INDEXES:
        index.create(conn, checkfirst=True)


def _v10(conn: Connection) -> None:
    """Each space still to open is saved as work any replica may claim: the unopened
    sessions of running rounds get theirs (before, a restart found them by reading)."""
    s, r = schema.sessions.c, schema.rounds.c
    terminal = [p.value for p in Phase if p.terminal]
    waiting = (
        select(
            s.community,
            literal(schema.OPENING),
            s.id,
            s.round_id,
            r.created_at,
        )
        .select_from(schema.sessions.join(schema.rounds, r.id == s.round_id))
        .where(r.status == "running", s.space.is_(None), s.phase.not_in(terminal))
    )
    tc = schema.timers.c
    conn.execute(
        insert(schema.timers).from_select(
            [tc.community, tc.kind, tc.subject, tc.key, tc.due_at], waiting
        )
    )


def _v11(conn: Connection) -> None:
    """Indexes that let a board read its first rows only: each row's score at a usual
    community mean, and the members hidden from the boards."""
    schema.VERSION_11_INDEXES[0].create(conn, checkfirst=True)
    # made with the table in a database created since; SQLAlchemy does not see an index on
    # an expression, so the database looks
    conn.execute(CreateIndex(standings.USUAL_INDEX, if_not_exists=True))


def _add_columns(conn: Connection, columns) -> None:
    inspector = inspect(conn)
    for column in columns:
        table = column.table.name
        if column.name in {c["name"] for c in inspector.get_columns(table)}:
            continue  # a database created at version 1 from today's tables has it already
        kind = column.type.compile(conn.dialect)
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column.name} {kind}"))


MIGRATIONS: list[tuple[int, Step]] = [
    (1, _v1),
    (2, standings.create_tables),
    (3, _v3),
    (4, _v4),
    (5, _v5),
    (6, _v6),
    (7, _v7),
    (8, _v8),
    (9, _v9),
    (10, _v10),
    (11, _v11),
]
SUMMARIES_SINCE = 2


def current_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, "schema_version"):
        return 0
    return conn.execute(select(schema.schema_version.c.version)).scalar() or 0


class NewerSchema(Exception):
    """The database was written by a newer mockround: (its version, ours)."""


def migrate(conn: Connection) -> int:
    """Bring the schema up to the newest version; returns the version reached."""
    version = current_version(conn)
    newest = MIGRATIONS[-1][0]
    if version > newest:
        raise NewerSchema(version, newest)
    for number, step in MIGRATIONS:
        if number <= version:
            continue
        step(conn)
        if version == 0:
            conn.execute(insert(schema.schema_version).values(version=number))
        else:
            conn.execute(update(schema.schema_version).values(version=number))
        version = number
    return version
