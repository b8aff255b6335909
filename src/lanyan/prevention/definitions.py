"""One definition per prevention figure, shared by every surface that counts them.

The figures page (:mod:`lanyan.prevention.figures`), the campaign figures, the statistics and
their trace (:mod:`lanyan.stats.queries`, :mod:`lanyan.stats.trace`), the dashboard and the
yearly report built on them, the officer's list and the deadline tick all ask these functions,
so "整改销案" and "逾期" mean one thing wherever they are printed.

A period's figure is told **as of the period's end**, from timestamps that never change once
written, so a past year's report reads the same next year whatever happens to its records since
(a hazard rejected, closed or ordered again, a listing delisted, a late check-in):

- found (发现隐患): found in the period, except hazards rejected as untrue (不属实) before its end
  (a rejection is final and stamps ``closed_at``);
- major (重大火灾隐患): of those, the ones graded major at the period's end — the officer's grade
  if verified by then, else the grade as reported (``reported_severity``);
- rectified (整改销案): closed after the re-check, in the period. A hazard rejected as untrue is
  stamped ``closed_at`` too, but it was never rectified: only status ``closed`` counts (closed is
  final, so the figure cannot change later);
- overdue (逾期未改): under a rectification order whose deadline had passed, at an instant — from
  the orders' history (:class:`~lanyan.prevention.models.HazardOrder`), since a failed re-check
  overwrites the hazard's own deadline. :func:`overdue_at` is the same rule on the hazard row,
  exact for "now" and served by its index (the officer's list, the deadline tick);
- listing open (督办中): listed before the instant and not delisted by it;
- patrol task done (已巡查): a check-in recorded for it before the instant; missed (逾期未巡): due
  on a day before the instant's local day and not done by then.

Each is a SQL condition with, where a single hazard is at hand, the same rule in Python.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from lanyan.core.clock import as_local
from lanyan.prevention.choices import HazardSeverity, HazardStatus
from lanyan.prevention.models import (
    Hazard,
    HazardOrder,
    PatrolTask,
    PatrolVisit,
    SupervisedListing,
)


def not_rejected_by(end: datetime) -> ColumnElement[bool]:
    """Hazards not rejected as untrue before ``end``."""
    return or_(Hazard.status != HazardStatus.REJECTED, Hazard.closed_at >= end)


def found_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Hazards found in ``[start, end)`` and not rejected as untrue before ``end``."""
    return and_(Hazard.found_at >= start, Hazard.found_at < end, not_rejected_by(end))


def major_as_of(end: datetime) -> ColumnElement[bool]:
    """Hazards graded major at ``end``: the verified grade if verified before it, else the grade
    as reported."""
    major = HazardSeverity.MAJOR
    reported = func.coalesce(Hazard.reported_severity, Hazard.severity)
    return or_(
        and_(Hazard.verified_at < end, Hazard.severity == major),
        and_(or_(Hazard.verified_at.is_(None), Hazard.verified_at >= end), reported == major),
    )


def not_rejected() -> ColumnElement[bool]:
    """Hazards not rejected as untrue (a rejected report was never a hazard), as they stand."""
    return Hazard.status != HazardStatus.REJECTED


def rectified_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Hazards rectified and closed (整改销案) in ``[start, end)``; never a rejected one."""
    return and_(
        Hazard.status == HazardStatus.CLOSED, Hazard.closed_at >= start, Hazard.closed_at < end
    )


def overdue_at(now: datetime) -> ColumnElement[bool]:
    """Hazards ordered to be rectified whose deadline has passed at ``now`` (the present)."""
    return and_(Hazard.status == HazardStatus.ORDERED, Hazard.deadline_at < now)


def overdue_as_of(moment: datetime) -> ColumnElement[bool]:
    """Orders (:class:`HazardOrder`) overdue at ``moment``: due before it, unanswered by then.

    A hazard has at most one standing order, so counting these rows counts hazards; at the
    present it selects exactly the hazards of :func:`overdue_at`.
    """
    return and_(
        HazardOrder.deadline_at < moment,
        or_(HazardOrder.answered_at.is_(None), HazardOrder.answered_at >= moment),
    )


def is_overdue(hazard: Hazard, now: datetime) -> bool:
    """:func:`overdue_at` for one hazard in hand."""
    return (
        hazard.status == HazardStatus.ORDERED
        and hazard.deadline_at is not None
        and hazard.deadline_at < now
    )


def record_order(session: Session, *, hazard: Hazard, was: HazardStatus) -> None:
    """Keep the orders' history as a hazard moves from ``was`` to its new status: an order
    opens a row; reporting it rectified answers the standing one."""
    if hazard.status == HazardStatus.ORDERED and hazard.deadline_at is not None:
        session.add(
            HazardOrder(
                hazard_id=hazard.id,
                ordered_at=hazard.ordered_at or hazard.deadline_at,
                deadline_at=hazard.deadline_at,
            )
        )
    elif was == HazardStatus.ORDERED:
        session.execute(
            update(HazardOrder)
            .where(HazardOrder.hazard_id == hazard.id, HazardOrder.answered_at.is_(None))
            .values(answered_at=hazard.rectified_at or hazard.updated_at)
        )


def listing_open_as_of(moment: datetime) -> ColumnElement[bool]:
    """Listings under supervision at ``moment``: listed before it, not delisted by then."""
    return and_(
        SupervisedListing.listed_at < moment,
        or_(SupervisedListing.delisted_at.is_(None), SupervisedListing.delisted_at >= moment),
    )


def task_done_as_of(moment: datetime) -> ColumnElement[bool]:
    """Patrol tasks with a check-in recorded for them before ``moment``."""
    return PatrolTask.id.in_(
        select(PatrolVisit.task_id).where(PatrolVisit.task_id.is_not(None), PatrolVisit.at < moment)
    )


def task_missed_as_of(moment: datetime) -> ColumnElement[bool]:
    """Patrol tasks due on a local day before ``moment``'s and not done by ``moment``."""
    return and_(PatrolTask.due_on < as_local(moment).date(), ~task_done_as_of(moment))
