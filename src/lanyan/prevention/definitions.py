"""One definition per hazard figure, shared by every surface that counts hazards.

The figures page (:mod:`lanyan.prevention.figures`), the campaign figures, the statistics and
their trace (:mod:`lanyan.stats.queries`, :mod:`lanyan.stats.trace`), the yearly report built on
them, the officer's list and the deadline tick all ask these functions, so "整改销案" and "逾期"
mean one thing wherever they are printed:

- found (发现隐患): found in the period, except hazards rejected as untrue (不属实);
- rectified (整改销案): closed after the re-check, in the period. A hazard rejected as untrue is
  stamped ``closed_at`` too, but it was never rectified: only status ``closed`` counts;
- overdue (逾期未改): ordered to be rectified and its deadline has passed, at an instant.

Each is a SQL condition on :class:`~lanyan.prevention.models.Hazard` with, where a single hazard
is at hand, the same rule in Python.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_

from lanyan.prevention.choices import HazardStatus
from lanyan.prevention.models import Hazard


def found_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Hazards found in ``[start, end)`` that were not rejected as untrue."""
    return and_(Hazard.found_at >= start, Hazard.found_at < end, not_rejected())


def not_rejected() -> ColumnElement[bool]:
    """Hazards not rejected as untrue (a rejected report was never a hazard)."""
    return Hazard.status != HazardStatus.REJECTED


def rectified_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Hazards rectified and closed (整改销案) in ``[start, end)``; never a rejected one."""
    return and_(
        Hazard.status == HazardStatus.CLOSED, Hazard.closed_at >= start, Hazard.closed_at < end
    )


def overdue_at(now: datetime) -> ColumnElement[bool]:
    """Hazards ordered to be rectified whose deadline has passed at ``now``."""
    return and_(Hazard.status == HazardStatus.ORDERED, Hazard.deadline_at < now)


def is_overdue(hazard: Hazard, now: datetime) -> bool:
    """:func:`overdue_at` for one hazard in hand."""
    return (
        hazard.status == HazardStatus.ORDERED
        and hazard.deadline_at is not None
        and hazard.deadline_at < now
    )
