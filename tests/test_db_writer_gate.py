"""SQLite writers take turns at a gate, instead of polling for the write lock (core/db.py).

SQLite's busy handler lets a waiting writer sleep up to 100 ms between tries while later writers
take the lock first; a 119 call waited behind a dispatch room's crews and an import that way.
These tests hold the gate from outside, as another process would, and see that a write waits
for its turn (and a read does not), that the turn comes back however a transaction ends, and
that many writers of one process all get theirs.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from lanyan.core.db import first_in_line, make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (i INTEGER)"))
    yield engine
    engine.dispose()


def _gate_file(engine: Engine) -> str:
    return f"{engine.url.database}-writer"


def _turn_is_free(engine: Engine) -> bool:
    fd = os.open(_gate_file(engine), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing gives the lock back
    return True


def test_a_write_waits_for_another_process_turn_and_a_read_does_not(engine: Engine) -> None:
    fd = os.open(_gate_file(engine), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process is writing
    released_at: list[float] = []

    def release() -> None:
        time.sleep(0.3)
        released_at.append(time.monotonic())
        fcntl.flock(fd, fcntl.LOCK_UN)

    releaser = threading.Thread(target=release)
    releaser.start()
    try:
        started = time.monotonic()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
        assert time.monotonic() - started < 0.25  # reads never wait for a turn
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            written_at = time.monotonic()
    finally:
        releaser.join()
        os.close(fd)
    assert written_at >= released_at[0]  # SQLite's own lock was free: only the gate held it
    assert _turn_is_free(engine)


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_turn_comes_back_however_the_transaction_ends(engine: Engine, ending: str) -> None:
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("INSERT INTO t VALUES (1)")
        assert not _turn_is_free(engine)  # held from the first write …
        getattr(raw, ending)()
        assert _turn_is_free(engine)  # … to the end of the transaction
    finally:
        if ending != "close":
            raw.close()


def test_a_turn_not_given_in_time_fails_as_a_locked_database(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lanyan.core.db.WRITER_WAIT_S", 0.2)
    fd = os.open(_gate_file(engine), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(Exception, match="database is locked"), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        os.close(fd)
    assert _turn_is_free(engine)


def test_many_writers_of_one_process_all_get_their_turn(engine: Engine) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(40):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t VALUES (:i)"), {"i": n * 100 + i})
                    conn.execute(text("SELECT count(*) FROM t")).scalar_one()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 320
    assert _turn_is_free(engine)


def test_a_call_marked_first_in_line_goes_before_writers_that_waited_longer(
    engine: Engine,
) -> None:
    order: list[str] = []
    order_lock = threading.Lock()

    def write(name: str, first: bool) -> None:
        with first_in_line() if first else nullcontext(), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            with order_lock:
                order.append(name)

    holder = engine.raw_connection()
    holder.cursor().execute("INSERT INTO t VALUES (0)")  # a crew's write in progress
    crews = [threading.Thread(target=write, args=(f"crew{n}", False)) for n in range(3)]
    for crew in crews:
        crew.start()
    time.sleep(0.2)  # the crews wait for their turn
    call = threading.Thread(target=write, args=("call", True))
    call.start()
    time.sleep(0.2)
    holder.commit()
    holder.close()
    for thread in (*crews, call):
        thread.join()
    assert order[0] == "call", order
    assert sorted(order[1:]) == ["crew0", "crew1", "crew2"]
