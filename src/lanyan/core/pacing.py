"""Background work that takes only what the machine leaves, so a 119 call never waits on it.

An import of 50,000 premises is minutes of CPU in the import's worker process. Run flat out it
took most of a core of a two-core server while the dispatch room was busy: every request of the
room, a new incident's among them, then waited longer for a processor. The kernel's ``nice`` is
no answer on SQLite, where the worker holds the database's only write lock while it writes a
chunk: a low priority would stretch that hold while a call waits for it (priority inversion).

:class:`CpuPacer` paces the work itself, at points where it holds no lock (between chunks): while
the rest of the machine is busy it keeps the work's CPU to ``share`` of one core, by sleeping;
while a core sits idle besides the work, it does not sleep at all, so an import on a quiet
server runs at full speed. And while a 119 call is being taken anywhere on the server
(:mod:`lanyan.core.callboard`), it waits for the call at those same points, however idle the
machine. A share of 1 (a whole core) turns the pacing off, the waits for calls included.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from lanyan.core.callboard import board

_STAT = Path("/proc/stat")
_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SPARE_CORES = 1.25
"""The rest of the machine counts as busy once it leaves fewer than this many cores idle (the
work itself needs one; the rest is headroom for the requests that arrive meanwhile)."""
MAX_SLEEP_S = 1.0


def _machine_busy_s() -> float | None:
    """CPU seconds the whole machine has spent busy since boot, or None where /proc is absent."""
    try:
        fields = _STAT.read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(v) for v in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / _HZ


class CpuPacer:
    """Call :meth:`pace` often (every few milliseconds of work) where no lock is held."""

    def __init__(
        self,
        share: float,
        *,
        interval_s: float = 0.05,
        cores: int | None = None,
        machine_busy_s: Callable[[], float | None] = _machine_busy_s,
        sleep: Callable[[float], None] = time.sleep,
        step_back_for_calls: bool | None = None,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self.share = share
        self.interval_s = interval_s
        self.cores = cores or os.cpu_count() or 1
        self._machine_busy_s = machine_busy_s
        self._sleep = sleep
        # a whole core (share 1) is no pacing at all: not for calls either, unless asked
        self.step_back_for_calls = share < 1 if step_back_for_calls is None else step_back_for_calls
        self.slept_s = 0.0
        self._start()

    def _start(self) -> None:
        self._wall = time.monotonic()
        self._cpu = time.process_time()
        self._busy = self._machine_busy_s()

    def pace(self) -> None:
        if self.step_back_for_calls:
            self.slept_s += board().wait_for_calls()
        wall = time.monotonic() - self._wall
        if wall < self.interval_s:
            return
        own = time.process_time() - self._cpu
        busy = self._machine_busy_s()
        if busy is not None and self._busy is not None:
            others = max(busy - self._busy - own, 0.0) / wall  # cores the rest of the machine used
            if self.cores - others >= SPARE_CORES:
                self._start()  # a core sits idle besides this work: no need to step back
                return
        owed = own / self.share - wall
        if owed > 0:
            owed = min(owed, MAX_SLEEP_S)
            self._sleep(owed)
            self.slept_s += owed
        self._start()
