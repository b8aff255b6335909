"""Imports from the web run in a worker process, never in the server's own.

An import of 100k rows is seconds of pure-Python work (parsing, validation). Run on a request
thread it would hold the server's GIL: every other request thread, a 119 call's among them, would
then wait its turn on each database round trip, and a call that normally takes 12 ms took more
than a second. In a worker process the server keeps its interpreter to itself; the worker writes
in short transactions (see :mod:`lanyan.exchange.importer`), so the database is not held either.

One worker serves each server process (a second import waits for the first); it starts with
``lanyan serve`` (:func:`start_worker`), or else on the first import, and is reused. While the
rest of the machine is busy it keeps to ``import_cpu_share`` of a core
(:class:`lanyan.core.pacing.CpuPacer`, a quarter by default), so the server's requests get the
processors and the import takes longer; on a quiet machine it runs at full speed. Whenever a 119
call is being taken, on any of the server's processes, it waits for the call
(:mod:`lanyan.core.callboard`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import Actor
from lanyan.core.callboard import board
from lanyan.core.config import Settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.errors import DomainError
from lanyan.core.heap import FreePointCollector
from lanyan.core.pacing import CpuPacer
from lanyan.exchange.importer import ImportRejected, ImportReport, import_file
from lanyan.exchange.positions import road_distance_checker
from lanyan.exchange.specs import SPECS
from lanyan.geo.crs import Crs

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_factories: dict[str, sessionmaker[Session]] = {}
"""Worker side: one engine per database URL, kept for the worker's life."""


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            board()  # named in the environment before the worker starts: it steps back for calls
            # spawn, not fork: the server has threads, and a forked copy of them could deadlock
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_started,
                initargs=(os.getpid(),),
            )
        return _pool


def _worker_started(parent_pid: int) -> None:
    """Worker side: leave when the server goes, even if it was killed without a goodbye.

    The worker keeps the server's CPU priority on purpose: on SQLite it holds the only write lock
    while it writes a chunk, and a lower priority would stretch that hold on a busy machine while
    a 119 call waits for the lock (priority inversion).
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def start_worker(settings: Settings) -> None:
    """Start the import's worker now, ready for the first import (``lanyan serve`` calls this).

    Starting it is seconds of CPU (a new interpreter importing the app and opening the
    database), spent at full speed before any pacing applies: done on the first import, it fell
    on a busy dispatch room all at once.
    """
    _executor().submit(_open_database, settings.database_url)


def _open_database(database_url: str) -> None:
    """Worker side: the engine for ``database_url``, made before the first import needs it."""
    if database_url not in _factories:
        _factories[database_url] = make_sessionmaker(make_engine(database_url))


@contextmanager
def worker_pace(cpu_share: float) -> Iterator[Callable[[], None]]:
    """The ``pace`` of an import in the worker, called where the import holds no lock.

    There the import takes only ``cpu_share`` of a core while the machine is busy and waits for
    the 119 calls being taken (:class:`~lanyan.core.pacing.CpuPacer`), and there alone the cycle
    collector runs (:class:`~lanyan.core.heap.FreePointCollector`): a full collection stopped the
    worker for up to 0.4 s in the middle of a chunk, while it held SQLite's write lock and a call
    waited for it.
    """
    pacer = CpuPacer(cpu_share)
    with FreePointCollector() as collector:

        def pace() -> None:
            collector.collect_if_due()
            pacer.pace()

        yield pace


def _import_in_worker(
    settings: Settings,
    actor: Actor,
    entity: str,
    filename: str,
    content: bytes,
    dry_run: bool,
    crs: Crs,
) -> tuple[str, Any]:
    """Runs in the worker. Domain errors come back as plain data (they do not pickle)."""
    _open_database(settings.database_url)
    factory = _factories[settings.database_url]
    try:
        with worker_pace(settings.import_cpu_share) as pace, factory() as session:
            report = import_file(
                session,
                actor=actor,
                spec=SPECS[entity],
                filename=filename,
                content=content,
                dry_run=dry_run,
                crs=crs,
                distance_to_road=road_distance_checker(session, settings),
                pace=pace,
            )
        return "ok", report
    except ImportRejected as exc:
        return "rejected", exc.report
    except DomainError as exc:
        return "error", (type(exc), exc.detail, exc.detail_en, exc.errors)


async def run_import(
    *,
    settings: Settings,
    actor: Actor,
    entity: str,
    filename: str,
    content: bytes,
    dry_run: bool,
    crs: Crs = Crs.WGS84,
) -> ImportReport:
    """Import ``content`` in the worker process; the caller's event loop stays free meanwhile.

    Raises :class:`ImportRejected` and the other domain errors as an in-process import would.
    """
    global _pool
    job = partial(_import_in_worker, settings, actor, entity, filename, content, dry_run, crs)
    try:
        kind, value = await asyncio.get_running_loop().run_in_executor(_executor(), job)
    except BrokenProcessPool:
        with _pool_lock:
            _pool = None  # the worker died (killed, out of memory): the next import starts anew
        raise
    if kind == "rejected":
        raise ImportRejected(value)
    if kind == "error":
        error_type, detail, detail_en, errors = value
        raise error_type(detail, detail_en, errors=errors)
    assert isinstance(value, ImportReport)
    return value
