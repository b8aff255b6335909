"""The later domains' demo content (enforcement, outreach, risk, command, duty …).

Each module listed in :data:`EXTRA_MODULES` defines
``load(factory, *, seed, years, progress) -> list[str]``: it adds its demo records for the given
calendar years (the two history years), skips what is already there (``lanyan demo`` may run again
on the same database) and returns the lines ``lanyan demo`` prints about what it loaded. It runs
after the city, its incident history and its prevention history are in place.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

Progress = Callable[[str, int, int], None]

EXTRA_MODULES: tuple[str, ...] = (
    # issue 17 (enforcement, campaigns, outreach)
    "lanyan.demo.outreach",
    "lanyan.demo.campaigns",
    "lanyan.demo.enforcement",
    # issue 18 (risk)
    "lanyan.demo.risk",
    # issue 19 (command)
    "lanyan.demo.command",
    "lanyan.demo.preplans",
    # issue 20 (duty)
    "lanyan.demo.duty",
)
"""Modules each defining ``load``, in the order they run."""


def load_extras(
    factory: sessionmaker[Session], *, seed: int, years: Sequence[int], progress: Progress
) -> list[str]:
    """Run every extra loader; the lines they report, in order."""
    lines: list[str] = []
    for name in EXTRA_MODULES:
        module = importlib.import_module(name)
        lines.extend(module.load(factory, seed=seed, years=tuple(years), progress=progress))
    return lines
