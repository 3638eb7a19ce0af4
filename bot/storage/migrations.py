"""Versioned schema changes. Append a step; never edit one that has shipped."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, insert, select, update

from bot.storage import schema, standings

Step = Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.VERSION_1))


# 2: leaderboard summaries kept up to date on every rating (bot.storage.standings)
def _v3(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(schema.VERSION_3))


# 3: the outbox of announcements (bot.sessions.outbox)
MIGRATIONS: list[tuple[int, Step]] = [(1, _v1), (2, standings.create_tables), (3, _v3)]
SUMMARIES_SINCE = 2


def current_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, "schema_version"):
        return 0
    return conn.execute(select(schema.schema_version.c.version)).scalar() or 0


def migrate(conn: Connection) -> int:
    """Bring the schema up to the newest version; returns the version reached."""
    version = current_version(conn)
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
