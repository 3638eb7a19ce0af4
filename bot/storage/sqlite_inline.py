"""SQLite run on the event loop's own thread, behind SQLAlchemy's async API.

aiosqlite gives every connection a thread and hands each step of a statement to it (a
cursor, the statement, its rows, closing the cursor): four trips between threads for a
statement SQLite answers in microseconds. Measured on a 10,000-member community, reading
one member took 0.8 ms of CPU that way and 0.24 ms here, and under load the trips also
waited for the interpreter's lock. So this process runs SQLite's short statements where
the store already is; the store keeps each statement short (big reads are paged, a
round's rows are saved in batches), and writers queue in the store (``SqlEngine``), so
no statement waits for SQLite's own lock.

The URL stays ``sqlite+aiosqlite://``: it names the database; ``engine_url`` picks this
dialect for it.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.base import SQLiteExecutionContext
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.util.concurrency import await_

DRIVER = "sqlite+mockround_inline"


async def _at_once(run, *args):
    return run(*args)


class _Cursor(sqlite3.Cursor):
    # SQLAlchemy's async API insists that a statement awaits something: it awaits a
    # coroutine that runs the statement and is done when it returns
    def execute(self, sql, parameters=()):
        return await_(_at_once(super().execute, sql, parameters))

    def executemany(self, sql, seq_of_parameters):
        return await_(_at_once(super().executemany, sql, seq_of_parameters))

    async def _async_soft_close(self) -> None:
        """The rows stay in SQLite's cursor, read where they are needed."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory=_Cursor):
        return super().cursor(factory)


class _Context(SQLiteExecutionContext):
    def create_server_side_cursor(self):
        # SQLite's cursor yields its rows as it steps: streamed results need nothing more
        return self._dbapi_connection.cursor()


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    driver = "mockround_inline"
    is_async = True
    supports_statement_cache = True
    supports_server_side_cursors = True
    execution_ctx_cls = _Context

    @classmethod
    def get_pool_class(cls, url):
        # a pool that waits without blocking the loop; a memory database is one connection
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def connect(self, *args, **kwargs):
        kwargs["factory"] = _Connection
        return super().connect(*args, **kwargs)


registry.register("sqlite.mockround_inline", __name__, "InlineSQLiteDialect")


def engine_url(url: str):
    """The URL the engine opens: SQLite through this dialect, anything else as given."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return url
    return parsed.set(drivername=DRIVER)
