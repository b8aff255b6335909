"""Database engine, session factory and the declarative base shared by every domain's models.

SQLite (file under var/, WAL, foreign keys on) is the default; a ``postgresql+psycopg://`` URL
switches to PostgreSQL. Nothing else in the code base knows which one it talks to.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from lanyan.core import changes  # noqa: F401  (follows every engine's writes from import on)
from lanyan.core.callboard import board, stepping_back

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base; fixed constraint names keep Alembic migrations equal on both databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


WRITER_WAIT_S = 10.0
"""How long a write waits for its turn before it fails as "database is locked" (SQLite's own
busy timeout, which stays as a second line for writers that do not pass the gate below)."""

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_WROTE = "lanyan_wrote"
_first = threading.local()


@contextmanager
def first_in_line() -> Iterator[None]:
    """Writes of this thread go before other waiting writers of the process (a 119 call's)."""
    _first.on = True
    try:
        yield
    finally:
        _first.on = False


class _ProcessGate:
    """One writer at a time per database file in this process; callers marked by
    :func:`first_in_line` are let in before the others that wait."""

    def __init__(self) -> None:
        self._free = threading.Condition(threading.Lock())
        self._held = False
        self._first_waiting = 0

    def acquire(self, timeout: float) -> bool:
        first = getattr(_first, "on", False)
        deadline = time.monotonic() + timeout
        with self._free:
            if first:
                self._first_waiting += 1
            try:
                while self._held or (not first and self._first_waiting):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._free.wait(left)
                self._held = True
                return True
            finally:
                if first:
                    self._first_waiting -= 1
                    if not self._first_waiting:
                        self._free.notify_all()  # the others may go on

    def release(self) -> None:
        with self._free:
            self._held = False
            self._free.notify_all()


_process_gates: dict[str, _ProcessGate] = {}
_process_gates_lock = threading.Lock()


def _process_gate(path: str) -> _ProcessGate:
    with _process_gates_lock:
        return _process_gates.setdefault(path, _ProcessGate())


class _GatedCursor(sqlite3.Cursor):
    """Takes its connection's turn to write before the first write of a transaction."""

    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        connection = self.connection
        assert isinstance(connection, GatedConnection)
        connection.before(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            connection.after()

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Self:
        connection = self.connection
        assert isinstance(connection, GatedConnection)
        connection.before(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            connection.after()


class GatedConnection(sqlite3.Connection):
    """A SQLite connection whose writers take turns at a gate instead of polling for the lock.

    SQLite lets one connection write at a time. One that finds the write lock taken does not
    queue: its busy handler sleeps and tries again, after 1, 2, 5, 10 … up to 100 ms between
    tries, while a writer that comes later may find the lock free and take it first. Under a
    dispatch room's load (crews' status changes, dispatches, an import's chunks) a 119 call
    waited hundreds of milliseconds that way, for a lock that was free most of the time. Here a
    connection takes a turn before its transaction's first write and gives it back when the
    transaction ends (commit, rollback, close), exactly the span SQLite holds its write lock:

    * within a process, at a lock per database file: waiting threads sleep until it is handed
      on, a 119 call's first (:func:`first_in_line`), and only one of them at a time queues for
      the file lock;
    * between processes (the server's workers, the import's worker, a ``lanyan`` command), at an
      advisory lock on ``<database>-writer`` next to the database, asked for every millisecond
      while another process writes.

    With the turn held, the database's own lock is free and the write never meets SQLite's busy
    handler. A turn not given within :data:`WRITER_WAIT_S` fails as SQLite itself would.
    """

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._gate_path = f"{database}-writer"
        self._gate = _process_gate(os.path.realpath(self._gate_path))
        self._gate_fd: int | None = None
        self._holding = False

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or _GatedCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def before(self, sql: str) -> None:
        """Take the turn if ``sql`` is this transaction's first write."""
        if not self._holding and sql.lstrip()[:7].upper().startswith(_WRITES):
            self._take()

    def after(self) -> None:
        """Give the turn back once no transaction is open (a write outside one, RELEASE)."""
        if self._holding and not self.in_transaction:
            self._give()

    def _take(self) -> None:
        deadline = time.monotonic() + WRITER_WAIT_S
        if not self._gate.acquire(WRITER_WAIT_S):
            raise sqlite3.OperationalError("database is locked (no turn to write)")
        try:
            if self._gate_fd is None:
                self._gate_fd = os.open(self._gate_path, os.O_RDWR | os.O_CREAT, 0o644)
            while True:
                try:
                    fcntl.flock(self._gate_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise sqlite3.OperationalError(
                            "database is locked (no turn to write)"
                        ) from None
                    time.sleep(0.001)
        except BaseException:
            self._gate.release()
            raise
        self._holding = True

    def _give(self) -> None:
        self._holding = False
        try:
            if self._gate_fd is not None:
                fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
        finally:
            self._gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if self._holding:
                self._give()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if self._holding:
                self._give()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._holding:
                self._give()
            if self._gate_fd is not None:
                os.close(self._gate_fd)
                self._gate_fd = None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # keep the query planner's statistics fresh (analyzes only tables that changed a lot)
    cursor.execute("PRAGMA optimize=0x10002")
    cursor.close()


POOL_SIZE = 10
POOL_OVERFLOW = 30
"""Connections kept open, and opened on demand beyond them. Together they match the 40 threads
that serve the API's synchronous routes (anyio's default), so under load a request waits for a
thread, never for a connection held by another waiting thread (SQLAlchemy's default, 5 + 10 for
SQLite, made 25 of 40 threads queue for a connection)."""


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; for SQLite make its folder and turn WAL and foreign keys on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        pool: dict[str, Any] = {}
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": WRITER_WAIT_S}
        if parsed.database and parsed.database != ":memory:":
            connect_args["factory"] = GatedConnection
        engine = create_engine(url, connect_args=connect_args, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(
            url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
    event.listen(engine, "before_cursor_execute", _step_back_for_calls)
    event.listen(engine, "commit", _transaction_ended)
    event.listen(engine, "rollback", _transaction_ended)
    return engine


def _step_back_for_calls(conn: Connection, _cursor: Any, statement: str, *_rest: Any) -> None:
    """A reader's statement waits while a 119 call is being taken (:mod:`lanyan.core.callboard`).

    Not once its transaction has written: it may hold what the call needs (SQLite's write lock,
    a row lock).
    """
    if not stepping_back.get() or conn.info.get(_WROTE):
        return
    if statement.lstrip()[:7].upper().startswith(_WRITES):
        conn.info[_WROTE] = True
        return
    board().wait_for_calls()


def _transaction_ended(conn: Connection) -> None:
    conn.info.pop(_WROTE, None)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (routers serialize them afterwards)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def backend_name(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``."""
    return engine.dialect.name
