"""The board of calls being taken: seen by every process, bounded in time, and what steps back."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import pytest
from sqlalchemy import text

from lanyan.core import callboard
from lanyan.core.callboard import CallBoard, board, stepping_back
from lanyan.core.db import make_engine
from lanyan.core.pacing import CpuPacer


def _take_a_call(path: str, started: EventType, seconds: float) -> None:
    with CallBoard(Path(path)).taking():
        started.set()
        time.sleep(seconds)


@contextmanager
def call_in_another_process(path: Path, seconds: float) -> Iterator[None]:
    """A process of its own takes a call for ``seconds`` on the board at ``path``."""
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    process = context.Process(target=_take_a_call, args=(str(path), started, seconds))
    process.start()
    try:
        assert started.wait(60), "the other process did not start"
        yield
    finally:
        process.join(60)


@contextmanager
def call_in_this_process(seconds: float) -> Iterator[None]:
    started = threading.Event()

    def take() -> None:
        with board().taking():
            started.set()
            time.sleep(seconds)

    thread = threading.Thread(target=take)
    thread.start()
    started.wait()
    try:
        yield
    finally:
        thread.join()


def test_a_call_taken_in_one_process_is_seen_by_another_until_it_ends(tmp_path: Path) -> None:
    path = tmp_path / "board"
    here = CallBoard(path)
    assert not here.call_in_progress()
    with call_in_another_process(path, 0.3):
        assert here.call_in_progress()
        waited = here.wait_for_calls()
    assert 0.1 < waited < callboard.HOLD_S
    assert not here.call_in_progress()


def test_nobody_steps_back_longer_than_the_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callboard, "HOLD_S", 0.2)
    here = CallBoard(tmp_path / "board")
    with here.taking():
        assert here.call_in_progress()
        started = time.monotonic()
        here.wait_for_calls(limit_s=5.0)
        assert time.monotonic() - started < 1.0  # a run of calls older than the hold is clear
        assert not here.call_in_progress()


def test_the_slot_of_a_process_that_is_gone_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "board"
    with call_in_another_process(path, 0.0):
        pass  # a real process marked a call and ended
    here = CallBoard(path)
    gone = 2**30  # beyond any pid the kernel hands out: every other slot's owner is gone
    for i in range(1, callboard.SLOTS):
        callboard._SLOT.pack_into(here._map, i * callboard._SLOT.size, gone + i, 0.0)
    with here.taking():
        assert here.call_in_progress()
    assert callboard._SLOT.unpack_from(here._map, 0)[0] == os.getpid()


def test_the_server_names_its_board_for_the_processes_it_starts() -> None:
    path = board().path
    assert Path(os.environ[callboard.ENV]) == path


def test_a_readers_statement_waits_for_the_call_unless_its_transaction_wrote(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    token = stepping_back.set(True)
    try:
        with engine.connect() as conn, call_in_this_process(0.3):
            conn.execute(text("INSERT INTO t VALUES (1)"))
            started = time.monotonic()
            conn.execute(text("SELECT count(*) FROM t"))  # holds the write lock: goes on
            assert time.monotonic() - started < 0.15
            conn.commit()
            conn.execute(text("SELECT count(*) FROM t"))  # a reader again: steps back
            assert time.monotonic() - started > 0.2
    finally:
        stepping_back.reset(token)
    with engine.connect() as conn, call_in_this_process(0.3):  # not a reader: never waits
        started = time.monotonic()
        conn.execute(text("SELECT count(*) FROM t"))
        assert time.monotonic() - started < 0.15
    engine.dispose()


def test_the_import_waits_for_a_call_at_its_pacing_points() -> None:
    pacer = CpuPacer(0.25)
    with call_in_this_process(0.3):
        started = time.monotonic()
        pacer.pace()
        assert time.monotonic() - started > 0.2
        assert pacer.slept_s > 0.2
    pacer = CpuPacer(1.0)  # a whole core: not paced at all
    with call_in_this_process(0.3):
        started = time.monotonic()
        pacer.pace()
        assert time.monotonic() - started < 0.15


def test_a_process_makes_one_board_even_if_its_name_leaves_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = board()
    monkeypatch.delenv(callboard.ENV)
    assert board() is made  # not a new file per look
    assert os.environ[callboard.ENV] == str(made.path)


def test_a_board_left_by_a_killed_server_is_removed_when_the_next_is_made(tmp_path: Path) -> None:
    """A server killed outright (SIGKILL) cannot remove its board; the next server does."""
    code = (
        "import os, signal, sys; from pathlib import Path; "
        "from lanyan.core.callboard import new_board_file; "
        "print(new_board_file(Path(sys.argv[1])), flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    killed = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    left = Path(killed.stdout.strip())
    assert killed.returncode == -signal.SIGKILL and left.exists()
    mine = callboard.new_board_file(tmp_path)  # a live maker's board stays
    other = tmp_path / "lanyan-calls-notes.txt"  # not a board's name: left alone
    other.write_text("x")

    newest = callboard.new_board_file(tmp_path)

    assert not left.exists()
    assert mine.exists() and newest.exists() and other.exists()
    assert mine.name.startswith(f"lanyan-calls-{os.getpid()}-")
