"""Incident numbers by local day (YYYYMMDD + 4 digits from 0001), distinct under concurrent calls.

The numbering (lanyan.dispatch.service._next_number, called by intake inside the call's
transaction) is checked on both backends against a fresh migrated database; no city needed.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.dispatch.service import _next_number

CALLS = 16
WAIT_S = 60.0


def _take(session_factory: sessionmaker[Session], day: date) -> str:
    with session_factory() as session, session.begin():
        return _next_number(session, day)


def test_numbers_restart_each_day(session_factory: sessionmaker[Session]) -> None:
    assert _take(session_factory, date(2026, 11, 30)) == "202611300001"
    assert _take(session_factory, date(2026, 11, 30)) == "202611300002"
    assert _take(session_factory, date(2026, 12, 1)) == "202612010001"
    assert _take(session_factory, date(2026, 11, 30)) == "202611300003"


def test_a_failed_call_gives_its_number_back(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        assert _next_number(session, date(2026, 6, 1)) == "202606010001"
        session.rollback()
    assert _take(session_factory, date(2026, 6, 1)) == "202606010001"


def test_concurrent_calls_get_distinct_numbers(session_factory: sessionmaker[Session]) -> None:
    day = date(2027, 1, 1)
    barrier = threading.Barrier(CALLS, timeout=WAIT_S)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            barrier.wait()
            for _ in range(5):  # SQLite may answer "database is locked" after its busy timeout
                try:
                    numbers.append(_take(session_factory, day))
                    return
                except OperationalError:
                    continue
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(CALLS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert not errors, errors
    assert sorted(numbers) == [f"20270101{n:04d}" for n in range(1, CALLS + 1)]
