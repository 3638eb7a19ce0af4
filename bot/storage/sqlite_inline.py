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

import asyncio
import os
import sqlite3
import threading
from contextlib import closing

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


BIG_COMMIT = 2_000  # rows changed since the last commit: past this it runs on a thread


class _Connection(sqlite3.Connection):
    _changes_then = 0  # on_commit: the dialect's, given at connect (Checkpoints counts)

    def cursor(self, factory=_Cursor):
        return super().cursor(factory)

    def commit(self) -> None:
        # a weekly round's commit writes megabytes of log: 50 ms of the loop's time if
        # run here. SQLite lets go of Python while it writes, so the loop answers
        # commands meanwhile; this connection waits, still this task's alone
        changed, self._changes_then = self.total_changes - self._changes_then, self.total_changes
        if changed < BIG_COMMIT:
            super().commit()
        else:
            await_(asyncio.to_thread(sqlite3.Connection.commit, self))
        self.on_commit()


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
    on_commit = staticmethod(lambda: None)  # called after each commit of its connections

    @classmethod
    def get_pool_class(cls, url):
        # a pool that waits without blocking the loop; a memory database is one connection
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def connect(self, *args, **kwargs):
        kwargs["factory"] = _Connection
        kwargs["check_same_thread"] = False  # a big commit runs on a thread (_Connection)
        conn = super().connect(*args, **kwargs)
        conn.on_commit = self.on_commit
        return conn


registry.register("sqlite.mockround_inline", __name__, "InlineSQLiteDialect")


def engine_url(url: str):
    """The URL the engine opens: SQLite through this dialect, anything else as given."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return url
    return parsed.set(drivername=DRIVER)


LOG_LIMIT = 4 << 20  # bytes of write-ahead log: about SQLite's own 1,000 pages
LOOK_EVERY = 50  # commits between looks at the log's size


class Checkpoints:
    """The write-ahead log copied into the database beside the loop, not in it.

    SQLite does it inside the commit that takes the log past 1,000 pages: on the loop's
    thread that commit held every command for up to 300 ms under load. Connections here
    never do it (``wal_autocheckpoint=0``); every ``LOOK_EVERY`` commits the log's size is
    looked at, and past ``LOG_LIMIT`` one checkpoint runs on a thread and a connection of
    its own (passive: it waits for no reader and no writer).
    """

    def __init__(self, path: str, limit: int = LOG_LIMIT) -> None:
        self.path, self.limit = path, limit
        self.ran_on: int | None = None  # the thread that ran the last one
        self._commits = 0
        self._running: asyncio.Future | None = None

    def committed(self) -> None:
        self._commits += 1
        if self._commits % LOOK_EVERY or (self._running and not self._running.done()):
            return
        try:
            size = os.stat(f"{self.path}-wal").st_size
        except OSError:
            return
        if size >= self.limit:
            loop = asyncio.get_running_loop()
            self._running = loop.run_in_executor(None, self._checkpoint)

    def _checkpoint(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=5)) as conn:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.ran_on = threading.get_ident()

    async def finished(self) -> None:
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)
