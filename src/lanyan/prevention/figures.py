"""Prevention figures per brigade: patrols planned and done, hazards found, rectified, overdue.

These are the numbers of the yearly report (巡查2.7万余次, 发现隐患2.8万余处, 整改…), so each is
one aggregate query (GROUP BY brigade) over the same definitions the list pages and the
statistics use (found, rectified and overdue come from :mod:`lanyan.prevention.definitions`):

- planned: patrol tasks due in the period; done: check-ins (visits) in the period;
- found: hazards found in the period, except those rejected as untrue;
- rectified (整改销案): hazards closed after the re-check in the period, never a rejected one;
- overdue: hazards under a rectification order whose deadline had passed, at the period's end
  (now, for a period not yet over: then it is the officer's list);
- listed: hazards under supervised listing at the period's end (or now);
- controlled: premises under three-level control (三级管控), now (no history is kept).

A past period's figures never change afterwards: each is told as of its end from timestamps
(:mod:`lanyan.prevention.definitions`), the same way the statistics and the yearly report tell
them.

The period is ``[from, to)`` in Asia/Shanghai days. A record counts for the brigade whose path
prefixes its organization's path; records of organizations under no brigade (a special station
directly under the detachment) form a row of their own, and the total covers everything.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import ancestor_ids, visible_condition
from lanyan.core.permissions import Action
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.campaigns import local_day_start
from lanyan.prevention.definitions import (
    found_between,
    listing_open_as_of,
    overdue_as_of,
    rectified_between,
)
from lanyan.prevention.models import (
    Hazard,
    HazardOrder,
    PatrolTask,
    PatrolVisit,
    Premises,
    SupervisedListing,
)

MAX_PERIOD_DAYS = 3660


@dataclass
class BrigadeFigures:
    """One brigade's figures (``org_id`` None: organizations under no brigade)."""

    org_id: int | None
    name: str
    patrols_planned: int = 0
    patrols_done: int = 0
    hazards_found: int = 0
    hazards_rectified: int = 0
    hazards_overdue: int = 0
    hazards_listed: int = 0
    premises_controlled: int = 0


COUNTS = tuple(f.name for f in fields(BrigadeFigures) if f.name not in ("org_id", "name"))


@dataclass
class Figures:
    """Per-brigade rows and the total of the jurisdiction."""

    start: date
    end: date
    items: list[BrigadeFigures]
    total: BrigadeFigures


def _org_brigade(actor: Actor) -> Subquery:
    """Each organization of the jurisdiction with the brigade above (or at) it, if any."""
    org = aliased(Organization)
    brigade = aliased(Organization)
    return (
        select(org.id.label("org_id"), brigade.id.label("brigade_id"))
        .select_from(org)
        .outerjoin(
            brigade,
            and_(brigade.kind == OrgKind.BRIGADE, org.path.startswith(brigade.path)),
        )
        .where(org.id.in_(select(Organization.id).where(visible_condition(actor, Organization))))
        .subquery()
    )


def _grouped(
    session: Session,
    org_brigade: Subquery,
    org_column: Any,
    *conditions: ColumnElement[bool],
    joins: tuple[tuple[Any, Any], ...] = (),
) -> dict[int | None, int]:
    stmt = select(org_brigade.c.brigade_id, func.count()).select_from(org_column.class_)
    for target, onclause in joins:
        stmt = stmt.join(target, onclause)
    stmt = (
        stmt.join(org_brigade, org_brigade.c.org_id == org_column)
        .where(*conditions)
        .group_by(org_brigade.c.brigade_id)
    )
    return {row[0]: int(row[1]) for row in session.execute(stmt)}


def brigade_figures(
    session: Session,
    *,
    actor: Actor,
    start: date,
    end: date,
    now: datetime | None = None,
) -> Figures:
    """The prevention figures of every brigade in the actor's jurisdiction for ``[start, end)``."""
    actor.require(Action.READ)
    if end <= start:
        raise Invalid("结束日期须晚于开始日期", "'to' must be after 'from'")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise Invalid("统计期间最长十年", "the period is at most ten years")
    now = now or utcnow()
    t0, t1 = local_day_start(start), local_day_start(end)
    as_of = min(now, t1)
    ob = _org_brigade(actor)
    counts: dict[str, dict[int | None, int]] = {
        "patrols_planned": _grouped(
            session, ob, PatrolTask.org_id, PatrolTask.due_on >= start, PatrolTask.due_on < end
        ),
        "patrols_done": _grouped(
            session, ob, PatrolVisit.org_id, PatrolVisit.at >= t0, PatrolVisit.at < t1
        ),
        "hazards_found": _grouped(session, ob, Hazard.org_id, found_between(t0, t1)),
        "hazards_rectified": _grouped(session, ob, Hazard.org_id, rectified_between(t0, t1)),
        "hazards_overdue": _grouped(
            session,
            ob,
            Hazard.org_id,
            overdue_as_of(as_of),
            joins=((HazardOrder, HazardOrder.hazard_id == Hazard.id),),
        ),
        "hazards_listed": _grouped(
            session,
            ob,
            Hazard.org_id,
            listing_open_as_of(as_of),
            joins=((SupervisedListing, SupervisedListing.hazard_id == Hazard.id),),
        ),
        "premises_controlled": _grouped(
            session, ob, Premises.org_id, Premises.control_level.is_not(None)
        ),
    }
    brigades = session.execute(
        select(Organization.id, Organization.name)
        .where(
            Organization.kind == OrgKind.BRIGADE,
            or_(
                visible_condition(actor, Organization),
                Organization.id.in_(ancestor_ids(actor.org_path)),
            ),
        )
        .order_by(Organization.path)
    ).all()
    rows: dict[int | None, BrigadeFigures] = {
        bid: BrigadeFigures(org_id=bid, name=name) for bid, name in brigades
    }
    for key, by_brigade in counts.items():
        for brigade_id, n in by_brigade.items():
            row = rows.get(brigade_id)
            if row is None:
                row = rows[brigade_id] = BrigadeFigures(org_id=None, name="未归属大队")
            setattr(row, key, n)
    total = BrigadeFigures(org_id=None, name="合计")
    for row in rows.values():
        for key in COUNTS:
            setattr(total, key, getattr(total, key) + getattr(row, key))
    return Figures(start=start, end=end, items=list(rows.values()), total=total)


def default_period(today: date) -> tuple[date, date]:
    """The current month so far, up to and including today."""
    return today.replace(day=1), today + timedelta(days=1)
