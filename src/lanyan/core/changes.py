"""Which tables this process has changed: a version per table, bumped when a write commits.

The answers the dispatch room polls most (the open-incident list, the map layers, a
recommendation) are the same for every console of one jurisdiction until something they read
changes. :mod:`lanyan.api.cache` keeps such an answer with the versions of the tables it read and
reuses it while those versions stand. The versions are kept here, at the one place every write
passes: the engine. Any INSERT, UPDATE or DELETE a connection runs marks its table; when the
connection commits, the marked tables' versions go up (a rollback forgets the marks). ORM flushes,
Core statements, bulk ``executemany`` and raw SQL are all seen alike. The engine announces a
commit just *before* the database makes it durable, so an answer built in that instant could
still read the old rows under the new version; for the ORM sessions every route uses, the versions
go up a second time once the commit is done (``after_commit``), which retires such an answer.

Writes of *other* processes are not seen here. Those that consoles must see at once announce
themselves as live events (dispatch writes do): the broker relay calls :func:`note_remote_event`
for each event another process committed, which counts as a change of the dispatch tables. What
is left — an import running in its worker process, a ``lanyan`` command in a
shell, another host editing water sources — is bounded by the cache's time to live.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

_WRITE = re.compile(
    r"""^\s*(?:
        INSERT\s+(?:OR\s+\w+\s+)?INTO |
        UPDATE(?:\s+OR\s+\w+)? |
        DELETE\s+FROM |
        REPLACE\s+INTO |
        TRUNCATE(?:\s+TABLE)?
    )\s+(?:ONLY\s+)?(?:"?\w+"?\.)?"?(\w+)"?""",
    re.IGNORECASE | re.VERBOSE,
)
_MARKS = "lanyan.changed_tables"

_committing = threading.local()
_lock = threading.Lock()
_versions: dict[str, int] = {}

EVENT_TABLES = ("incident", "assignment", "incident_event", "unit")
"""What another process's live event may have changed (every such event comes from dispatch)."""


def written_table(statement: str) -> str | None:
    """The table a write statement changes, or None for a read (or a statement not understood)."""
    match = _WRITE.match(statement)
    return match.group(1).lower() if match else None


def versions(tables: Iterable[str]) -> tuple[int, ...]:
    """The current version of each of ``tables``."""
    with _lock:
        return tuple(_versions.get(t, 0) for t in tables)


def bump(tables: Iterable[str]) -> None:
    """Record that ``tables`` changed (a commit in this process, or a test)."""
    with _lock:
        for table in tables:
            _versions[table] = _versions.get(table, 0) + 1


def note_remote_event() -> None:
    """Another process committed a write and announced it as a live event."""
    bump(EVENT_TABLES)


def _after_execute(
    conn: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    table = written_table(statement)
    if table is not None:
        conn.info.setdefault(_MARKS, set()).add(table)


def _committing_now(conn: Connection) -> None:
    marks = conn.info.pop(_MARKS, None)
    _committing.marks = marks
    if marks:
        bump(marks)


@event.listens_for(Session, "after_commit")
def _committed(_session: Session) -> None:
    marks = getattr(_committing, "marks", None)
    _committing.marks = None
    if marks:
        bump(marks)


def _rolled_back(conn: Connection) -> None:
    conn.info.pop(_MARKS, None)


# every engine of the process, not only the app's: a command, a test's own session or a second app
# writing to the same database in this process is seen alike
event.listen(Engine, "after_cursor_execute", _after_execute)
event.listen(Engine, "commit", _committing_now)
event.listen(Engine, "rollback", _rolled_back)
