"""The import's worker: started ahead by the server, and stepping back while it reads a file."""

from __future__ import annotations

import os

from lanyan.core.config import Settings
from lanyan.exchange import jobs
from lanyan.exchange.formats import PACE_EVERY, Format, read_rows
from lanyan.exchange.specs import SPECS


def test_the_server_starts_the_import_worker_before_the_first_import(settings: Settings) -> None:
    jobs.start_worker(settings)
    pool = jobs._executor()
    worker = pool.submit(os.getpid).result(timeout=120)
    assert worker != os.getpid()
    assert list(pool._processes) == [worker]  # one worker, the one started ahead
    jobs.start_worker(settings)  # again (another server start): still that one
    assert pool.submit(os.getpid).result(timeout=120) == worker


def test_reading_a_large_file_steps_back_every_few_rows() -> None:
    rows = 1_000
    lines = ["external_id,name,category,venue_type,org_external_id,lon,lat"]
    lines += [
        f"x:{i},场所{i},small_venue,restaurant,demo:brigade:oberland,9.5,47.1" for i in range(rows)
    ]
    calls: list[None] = []
    read = read_rows(
        SPECS["premises"], Format.CSV, "\n".join(lines).encode(), pace=lambda: calls.append(None)
    )
    assert len(read) == rows
    assert len(calls) == (rows + 1) // PACE_EVERY  # lines 2 .. rows + 1, every PACE_EVERY-th
