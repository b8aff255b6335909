"""A board, shared by every process of one server, of the 119 calls being taken right now.

On a saturated two-core server a call's thread does a dozen database round trips, and after each
one it waits for a processor and for its process's interpreter lock, behind every other request
in flight in any process: the call took 100-400 ms where alone it takes 16. The admission
(:mod:`lanyan.api.admission`) already stops new requests of its own process from going in while a
call is taken; the requests already in, those of the other server processes and the import's
worker went on. With this board they step back too, at points where stepping back costs nothing
and holds nothing a call could need:

* a reader (a GET of the read or bulk lane) before each SQL statement, unless its transaction has
  written (:func:`lanyan.core.db.make_engine` installs the check);
* the import's worker at its pacing points (:class:`lanyan.core.pacing.CpuPacer`), which hold no
  lock.

Each process marks its own slot of a small shared-memory file with the moment its current run of
calls began, and clears it when the last one ends. A slot older than :data:`HOLD_S` counts as
clear, so a storm of back-to-back calls, or a process killed mid-call, holds nobody longer than
that. The file is named by ``LANYAN_CALL_BOARD``; a process that finds none makes one and names it
in its environment, so the processes it starts (the import's worker) share its board. It removes
the file when it exits; files left by makers killed outright are removed when the next is made.
"""

from __future__ import annotations

import atexit
import fcntl
import mmap
import os
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path

ENV = "LANYAN_CALL_BOARD"
SLOTS = 256
"""Processes that can mark calls at once (slots of dead processes are taken over)."""
HOLD_S = 0.5
"""At most this long after a run of calls began does anybody step back for it."""
POLL_S = 0.005
"""How often a process that steps back looks at the board again (each look wakes a thread)."""
_SLOT = struct.Struct("<qd")  # owner pid, start of the current run of calls (monotonic s, 0: none)

stepping_back: ContextVar[bool] = ContextVar("stepping_back", default=False)
"""Set by the admission for the requests that step back for calls (readers); see the module."""


class CallBoard:
    """The shared file of calls in progress; see the module."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < SLOTS * _SLOT.size:
                os.ftruncate(fd, SLOTS * _SLOT.size)
            self._map = mmap.mmap(fd, SLOTS * _SLOT.size)
            self._fd = fd
        except BaseException:
            os.close(fd)
            raise
        self._lock = threading.Lock()
        self._taking = 0
        self._slot: int | None = None
        self._slot_pid = 0

    # --- the calls of this process ------------------------------------------------------------

    @contextmanager
    def taking(self) -> Iterator[None]:
        """Mark a call of this process as being taken for the duration of the block."""
        with self._lock:
            self._taking += 1
            if self._taking == 1:
                self._write(time.monotonic())
        try:
            yield
        finally:
            with self._lock:
                self._taking -= 1
                if self._taking == 0:
                    self._write(0.0)

    def _write(self, started: float) -> None:
        offset = self._own_slot() * _SLOT.size
        self._map[offset : offset + _SLOT.size] = _SLOT.pack(os.getpid(), started)

    def _own_slot(self) -> int:
        pid = os.getpid()
        if self._slot is not None and self._slot_pid == pid:
            return self._slot
        # claimed under the file's lock: a slot that is free, or whose owner is gone
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            for i in range(SLOTS):
                owner, _ = _SLOT.unpack_from(self._map, i * _SLOT.size)
                if owner == 0 or owner == pid or not _alive(owner):
                    _SLOT.pack_into(self._map, i * _SLOT.size, pid, 0.0)
                    self._slot, self._slot_pid = i, pid
                    return i
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        raise RuntimeError(f"the call board {self.path} has no free slot")

    # --- everybody's calls --------------------------------------------------------------------

    def call_in_progress(self) -> bool:
        """Whether a call that began less than :data:`HOLD_S` ago is being taken (any process)."""
        since = time.monotonic() - HOLD_S
        view = self._map
        for i in range(0, SLOTS * _SLOT.size, _SLOT.size):
            owner, started = _SLOT.unpack_from(view, i)
            if owner == 0:
                break  # slots are claimed from the front
            if started > since:
                return True
        return False

    def wait_for_calls(self, limit_s: float = HOLD_S) -> float:
        """Sleep while a call is being taken anywhere, at most ``limit_s``; the seconds slept."""
        if not self.call_in_progress():
            return 0.0
        start = time.monotonic()
        end = start + limit_s
        while time.monotonic() < end and self.call_in_progress():
            time.sleep(POLL_S)
        return time.monotonic() - start


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_board: CallBoard | None = None
_board_lock = threading.Lock()


def board() -> CallBoard:
    """This process's view of its server's board (made on first use; see the module).

    The board named in the environment; if none is named, the one this process made (made once,
    and named again should the name have gone from the environment since).
    """
    global _board
    named = os.environ.get(ENV)
    with _board_lock:
        if named and (_board is None or _board.path != Path(named)):
            _board = CallBoard(Path(named))
        elif not named:
            if _board is None:
                path = new_board_file()
                atexit.register(_remove, path, os.getpid())
                _board = CallBoard(path)
            os.environ[ENV] = str(_board.path)  # the import's worker, started from here, shares it
        assert _board is not None
        return _board


PREFIX = "lanyan-calls-"


def new_board_file(folder: Path | None = None) -> Path:
    """A new, empty board file in the temporary folder, readable by its owner only.

    The processes share its pages through the kernel's cache (mapped memory): nothing waits for
    the disk. The name carries the maker's process id: the maker removes the file when it exits,
    and a maker killed outright (SIGKILL) leaves it behind, so the boards of makers that are gone
    are removed here first.
    """
    folder = folder or Path(tempfile.gettempdir())
    remove_boards_of_the_dead(folder)
    fd, name = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", dir=folder)
    os.close(fd)
    return Path(name)


def remove_boards_of_the_dead(folder: Path) -> list[Path]:
    """Remove this user's board files in ``folder`` whose maker process is gone; returns them."""
    removed = []
    for path in folder.glob(f"{PREFIX}*-*"):
        maker = path.name.removeprefix(PREFIX).split("-", 1)[0]
        with suppress(OSError):
            if not maker.isdigit() or _alive(int(maker)) or path.stat().st_uid != os.getuid():
                continue
            path.unlink()
            removed.append(path)
    return removed


def _remove(path: Path, owner: int) -> None:
    if os.getpid() == owner:
        with suppress(OSError):
            path.unlink()
