"""Python's cycle collector, kept from stopping a 119 call.

CPython's collector now and then walks every container object the process holds (a *full*
collection), and while it does, every thread of the process stands still. A served process holds
~330,000 such objects once its road network and gazetteer are loaded; under the dispatch room's
load (bench/load.py) each server process ran 9–12 full collections a minute of 150–445 ms each, and
the import's worker as many of up to 445 ms while it held SQLite's write lock for a chunk. The
slowest new incidents of the bench (280–510 ms, against a median of 50–75) were the ones caught
behind them.

Two remedies, each where it fits:

* :func:`settle` — once a server process has loaded what it keeps for its life (the road network,
  the gazetteer; :func:`lanyan.app.warm_up`), collect once and *freeze* what is left: frozen
  objects are never walked again, so a later full collection walks only what was made since.
  Frozen objects are still freed by reference counting when dropped; only a cycle among them
  would stay (the network and the gazetteer hold none that is ever dropped but on a rebuild).
  :func:`keep` freezes again what such a process rebuilds while it serves (the geocoder).
* :class:`FreePointCollector` — a single-threaded worker that holds a lock for a while (an
  import's chunk holding SQLite's write lock) turns automatic collection off and collects at its
  own free points instead, the young generations as often as the collector would have, a full
  collection at most every 30 s.
"""

from __future__ import annotations

import gc
import time
from types import TracebackType

_settled = False


def settle() -> int:
    """Collect now, then keep every object alive out of later collections; returns how many.

    The process counts as settled from then on (:func:`keep`).
    """
    global _settled
    gc.collect()
    gc.freeze()
    _settled = True
    return gc.get_freeze_count()


def keep() -> None:
    """In a settled process, keep what is alive now out of later collections as well.

    For a long-lived structure rebuilt while the process serves (the geocoder after premises
    were imported): frozen without a collection first, which would stop the process as long as
    a full one. Whatever cyclic garbage exists at that instant stays (a few requests' worth).
    Nothing happens in a process that never settled (tests, commands).
    """
    if _settled:
        gc.freeze()


def unsettle() -> None:
    """Undo :func:`settle` and every :func:`keep` (tests)."""
    global _settled
    gc.unfreeze()
    _settled = False


class FreePointCollector:
    """Automatic collection off while entered; :meth:`collect_if_due` collects as it would have.

    For a process whose one working thread holds locks other processes wait for (the import's
    worker): a collection then runs only where that thread calls :meth:`collect_if_due`, at a
    point where it holds no lock. Not for a server process, whose threads would all lose their
    collections to one of them.

    A full collection walks everything the worker holds (an import's 50,000 parsed rows: ~0.4 s
    of a core each time); CPython runs one only once the objects added since the last have grown
    by a quarter, which it does not let us read, so here one runs at most every ``full_every_s``.
    """

    def __init__(self, *, full_every_s: float = 30.0) -> None:
        self.full_every_s = full_every_s
        self._was_enabled = False
        self._last_full = time.monotonic()
        self.collections = [0, 0, 0]
        """How many collections of each generation :meth:`collect_if_due` ran (for tests)."""

    def __enter__(self) -> FreePointCollector:
        self._was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._was_enabled:
            gc.enable()

    def collect_if_due(self) -> None:
        """The collection automatic collection would have run by now, if any: the youngest
        generation past its threshold, and the older ones past theirs (the oldest not more
        often than every ``full_every_s``)."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] < thresholds[0]:
            return
        generation = 0
        if counts[1] >= thresholds[1]:
            generation = 1
            if counts[2] >= thresholds[2]:
                now = time.monotonic()
                if now - self._last_full >= self.full_every_s:
                    generation, self._last_full = 2, now
        gc.collect(generation)
        self.collections[generation] += 1
