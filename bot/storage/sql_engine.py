"""The engine, its SQLite settings and migrations: what every part of the SQL store shares."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as TimeoutError_
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.storage import migrations, standings
from bot.storage import schema as t
from bot.storage.sqlite_inline import Checkpoints, engine_url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cur.execute("PRAGMA synchronous=NORMAL")  # durable at each commit in WAL mode
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA wal_autocheckpoint=0")  # done beside the loop: sqlite_inline.Checkpoints
    cur.close()


log = logging.getLogger(__name__)
SQLITE_POOL = 16  # connections kept: openers, timers side by side and commands at once
MIGRATING = 0x6D6F636B  # the advisory lock replicas take to migrate one at a time


def _check_sqlite_path(path: Path) -> None:
    if path.is_dir():
        raise StorageUnavailable(f"MOCKROUND_DATABASE_URL names a directory, not a file: {path}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageUnavailable(
            f"MOCKROUND_DATABASE_URL: cannot create the folder for {path}: "
            f"{exc.strerror or exc} ({exc.filename or path.parent})"
        ) from None


def _shown(url: str) -> str:
    """The URL without its password."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':')[0]}@{tail}"


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    if "file is not a database" in text:
        return "the file is not a SQLite database (another program's file?)"
    if isinstance(orig, ConnectionRefusedError) or "Connect call failed" in text:
        return f"nothing answers there ({text})"
    return text


class StorageUnavailable(Exception):
    """The database cannot be opened or used: one line naming the setting and what to fix."""


class AlreadyHandled(Exception):
    """The platform delivered this event before and its effect is committed."""


@dataclass
class _Unit:
    """One command's (or timer's) transaction, shared by every store call it makes."""

    engine: object
    conn: AsyncConnection
    after_commit: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    at_end: list[Callable[[], None]] = field(default_factory=list)
    ended: bool = False
    # communities' settings read in this unit: a command asks several times (each part
    # that needs a setting), and only save_config changes them
    configs: dict[str, object] = field(default_factory=dict)
    writing: bool = False  # holds the store's writer (SQLite): released at its end


# the unit of work the running task is inside, if any; each asyncio task has its own
_current: ContextVar[_Unit | None] = ContextVar("mockround_unit", default=None)


def sqlite_file(url: str) -> str | None:
    """The SQLite database file the URL names; None for PostgreSQL or a memory database."""
    if not url.startswith("sqlite") or ":///" not in url:
        return None
    path = url.split(":///", 1)[1]
    return path if path and path != ":memory:" else None


def hold_single_process(url: str):
    """SQLite serves one process: hold an exclusive lock beside the database file for as
    long as this process lives (the system drops it when the process ends, even killed).
    A second process on the same file gets one line. Returns the lock's file, or None for
    PostgreSQL or an in-memory database."""
    path = sqlite_file(url)
    if path is None:
        return None
    import fcntl

    _check_sqlite_path(Path(path))
    held = open(f"{path}.lock", "a")  # noqa: SIM115 - kept open for the process's life
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held.close()
        raise StorageUnavailable(
            f"another mockround process is using {path}: SQLite serves one process; stop "
            "the other, or give several replicas one PostgreSQL (MOCKROUND_DATABASE_URL="
            "postgresql+asyncpg://...)"
        ) from None
    return held


# past saturation a command says so instead of queueing for the pool's 30 s and failing
WAIT_FOR_CONNECTION = 2.0
IDS_IN_QUERY = 500  # more ids than this are not listed in a query (parameter limits)


def among(ids: Iterable[str] | None) -> tuple[list[str] | None, set[str] | None]:
    """Whom a read is about, as (ids to list in the query, ids to keep after it). A few go
    in the query; many (a weekly round's) would pass the databases' limits on parameters,
    so the read takes the community's rows and keeps theirs. None: everyone."""
    if ids is None:
        return None, None
    ids = list(ids)
    return (ids, None) if len(ids) <= IDS_IN_QUERY else (None, set(ids))


async def paged(conn: AsyncConnection, q, decode, size: int, between=None) -> list:
    """Every row of ``q`` decoded, read ``size`` at a time with the loop answering commands
    between pages (SQLite runs on the loop's thread): a weekly round's members or sessions
    in one go held it for half a second. ``between``: awaited there too (the caller's
    way of letting commands go first)."""
    out = []
    async for page in (await conn.stream(q)).partitions(size):
        out += [decode(r._mapping) for r in page]
        await asyncio.sleep(0)
        if between is not None:
            await between()
    return out


Busy = TimeoutError_  # no connection came free in time: the member is told to try again


class SqlEngine:
    def __init__(self, url: str, *, wait: float = WAIT_FOR_CONNECTION) -> None:
        self.url = url
        self.meet_default = "window"  # a new community's way to meet (Settings.meet_default)
        path = sqlite_file(url)
        if path is not None:
            _check_sqlite_path(Path(path))
        self._dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
        # SQLite connections are cheap to keep; past the pool, each borrowed connection was
        # opened and closed again (the pragmas run each time): a big round's openers, timers
        # and commands did it 1,900 times
        pooled = {"pool_size": SQLITE_POOL, "max_overflow": SQLITE_POOL}
        self._engine = create_async_engine(
            engine_url(url), pool_timeout=wait, **(pooled if self._dialect == "sqlite" else {})
        )
        self._wait = wait
        # SQLite has one writer. Left to itself, a writer that finds it taken sleeps and
        # looks again (up to 100 ms a time, whoever looks first wins), so under load some
        # writes waited over a second behind others that came later. Writers of this
        # process queue here instead, in order, each let in the moment the last commits.
        self._writer: asyncio.Lock | None = None
        self.checkpoints: Checkpoints | None = None
        if self._dialect == "sqlite":
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
            self._writer = asyncio.Lock()
            if path is not None:
                self.checkpoints = Checkpoints(path)
                # told by the connections themselves: a listener for commits made SQLAlchemy
                # run its hooks around every statement (a tenth of a space's opening)
                self._engine.sync_engine.dialect.on_commit = self.checkpoints.committed

    async def migrate(self) -> int:
        """Bring the schema up to date; StorageUnavailable (one line) if the database cannot
        be opened, is not a database, or was written by a newer mockround."""
        try:
            return await self._migrate()
        except migrations.NewerSchema as exc:
            raise StorageUnavailable(
                f"the database at MOCKROUND_DATABASE_URL has schema version {exc.args[0]}, newer "
                f"than this mockround's {exc.args[1]}: upgrade mockround, or restore a backup"
            ) from None
        except (OSError, DBAPIError) as exc:
            raise StorageUnavailable(
                f"MOCKROUND_DATABASE_URL ({_shown(self.url)}) cannot be used: {_reason(exc)}"
            ) from None

    async def _migrate(self) -> int:
        async with self._write() as conn:
            if self._dialect == "postgresql":
                # replicas starting together: one migrates, the others wait and find it done
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATING})
            before = await conn.run_sync(migrations.current_version)
            after = await conn.run_sync(migrations.migrate)
            if 0 < before < migrations.SUMMARIES_SINCE <= after:
                # the summaries arrived after ratings did: fill them from what is stored
                for community in (
                    await conn.execute(select(t.ratings.c.community).distinct())
                ).scalars():
                    await standings.rebuild(conn, community, await self._timezone(conn, community))
            return after

    async def _timezone(self, conn: AsyncConnection, community: str) -> str:
        row = (await conn.execute(CONFIG, {"community": community})).first()
        return row[0].get("timezone", "UTC") if row else "UTC"

    # --- transactions ------------------------------------------------------------------

    def _unit(self) -> _Unit | None:
        unit = _current.get()
        # a callback scheduled inside a unit (an alarm armed by a command) copies the
        # context with it: a unit that has ended is not the one it runs in
        if unit is None or unit.ended or unit.engine is not self._engine:
            return None
        return unit

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A connection to write on: the unit of work's, else a transaction of its own."""
        unit = self._unit()
        if unit is not None:
            await self._hold_writer(unit)
            yield unit.conn
            return
        # the connection before the writer: whoever holds the writer never waits for a
        # connection held by a unit that waits for the writer (a 2-s standstill at load)
        async with self._engine.connect() as conn, self._writer_taken(), conn.begin():
            yield conn

    @asynccontextmanager
    async def _writer_taken(self) -> AsyncIterator[None]:
        """The writer for one transaction outside a unit of work (SQLite's; none else)."""
        if self._writer is None:
            yield
            return
        await self._take_writer()
        try:
            yield
        finally:
            self._writer.release()

    async def hold_writer(self) -> None:
        """Inside a unit of work: take the database's writer now, to the commit, so nothing
        another command writes lands between what the unit checks next and what it writes
        (SQLite has one writer; on PostgreSQL the constraints decide: this does nothing)."""
        unit = self._unit()
        if unit is not None:
            await self._hold_writer(unit)

    async def _take_writer(self) -> None:
        try:
            # no task of its own, as wait_for makes: the next holder resumes a turn sooner
            async with asyncio.timeout(self._wait):
                await self._writer.acquire()
        except TimeoutError:
            raise Busy("the database's writer stayed taken") from None

    async def _hold_writer(self, unit: _Unit) -> None:
        """A unit takes the writer at its first write and keeps it to its commit."""
        if self._writer is not None and not unit.writing:
            await self._take_writer()
            unit.writing = True

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        """A connection to read on: inside a unit of work it sees the unit's own writes."""
        unit = self._unit()
        if unit is not None:
            yield unit.conn
            return
        async with self._engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def unit_of_work(
        self, remember: tuple[str, str, datetime] | None = None
    ) -> AsyncIterator[None]:
        """Everything the body writes commits together, or not at all.

        ``remember`` = (community, platform delivery id, now): the delivery is recorded in
        the same transaction, so a crash or an error before the commit leaves it unhandled
        for the platform's redelivery; a delivery that another task committed first raises
        AlreadyHandled and this one's writes roll back. Work registered with
        ``after_commit`` (sending, opening spaces) runs only once the commit succeeded; what
        ``at_end`` registers (releasing locks) runs after the commit or the rollback.
        A unit inside a unit joins the outer one.
        """
        if self._unit() is not None:
            yield
            return
        async with self._engine.connect() as conn:
            unit = _Unit(self._engine, conn)
            token = _current.set(unit)
            try:
                async with conn.begin():
                    yield
                    if remember is not None:
                        await self._hold_writer(unit)
                        if not await self._remember(conn, *remember):
                            raise AlreadyHandled(remember[1])
            finally:
                unit.ended = True
                _current.reset(token)
                if unit.writing:
                    self._writer.release()
                for release in reversed(unit.at_end):
                    release()
        for job in unit.after_commit:
            try:
                await job()
            except Exception:
                log.exception("work after a commit failed; it is retried at the next start")

    @asynccontextmanager
    async def apart(self) -> AsyncIterator[None]:
        """A unit of work of its own, also inside another: it commits at its end, whatever
        the unit around it does later. Inside a unit that already holds SQLite's writer it
        joins that unit: a transaction apart would wait for that writer for ever."""
        outer = self._unit()
        if outer is not None and outer.writing:
            yield
            return
        token = _current.set(None)
        try:
            async with self.unit_of_work():
                yield
        finally:
            _current.reset(token)

    def in_unit(self) -> bool:
        return self._unit() is not None

    async def after_commit(self, job: Callable[[], Awaitable[object]]) -> None:
        """Run ``job`` once the current unit of work has committed (now, if there is none)."""
        unit = self._unit()
        if unit is None:
            await job()
        else:
            unit.after_commit.append(job)

    def at_end(self, release: Callable[[], None]) -> bool:
        """Call ``release`` when the current unit ends; False (nothing kept) outside a unit."""
        unit = self._unit()
        if unit is None:
            return False
        unit.at_end.append(release)
        return True

    async def _remember(self, conn: AsyncConnection, community: str, event_id: str, now) -> bool:
        seen = dict(community=community, event_id=event_id, at=now)
        return (await conn.execute(_remembering(self._dialect), seen)).rowcount == 1

    async def seen_event(self, community: str, event_id: str) -> bool:
        async with self._read() as conn:
            row = await conn.execute(_SEEN, {"community": community, "event_id": event_id})
            return row.first() is not None

    async def close(self) -> None:
        if self.checkpoints is not None:
            await self.checkpoints.finished()
        await self._engine.dispose()

    def _upsert(self, table, values: dict, keys: Sequence[str]):
        ins = t.insert_for(self._dialect, table).values(**values)
        changed = {k: v for k, v in values.items() if k not in keys}
        return ins.on_conflict_do_update(index_elements=list(keys), set_=changed)


# a community's settings, which nearly every command reads: built once (see sql.py)
CONFIG = select(t.communities.c.config).where(t.communities.c.community == bindparam("community"))
# every command that writes asks and records its delivery: built once
_SEEN = select(t.seen_events.c.event_id).where(
    t.seen_events.c.community == bindparam("community"),
    t.seen_events.c.event_id == bindparam("event_id"),
)


@cache
def _remembering(dialect: str):
    return t.insert_for(dialect, t.seen_events).on_conflict_do_nothing()
