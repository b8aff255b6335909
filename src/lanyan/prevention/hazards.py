"""The hazard workflow: report → verify → order with a deadline → rectified → checked and closed.

Every move is checked against ``HAZARD_TRANSITIONS`` (an illegal one is a 409 and changes
nothing) and audited. Deadlines count working days in Asia/Shanghai (lanyan.core.workdays);
overdue hazards escalate to their brigade, and hazards near their deadline get a reminder, both
by :func:`process_deadlines` (run by the officer's list page and by ``lanyan prevention tick``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, lazyload, selectinload

from lanyan.core import audit, events
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.core.workdays import calendar
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.choices import HAZARD_TRANSITIONS, HazardSeverity, HazardStatus
from lanyan.prevention.definitions import overdue_at, record_order
from lanyan.prevention.models import Hazard, Premises
from lanyan.prevention.schemas import (
    HazardCheck,
    HazardOrder,
    HazardRectified,
    HazardReport,
    HazardVerify,
)
from lanyan.prevention.uploads import check_visible

SORTABLE = {"deadline": Hazard.deadline_at, "found": Hazard.found_at, "id": Hazard.id}


def _snapshot(hazard: Hazard) -> dict[str, Any]:
    return audit.snapshot(hazard)


def get_hazard(session: Session, actor: Actor, hazard_id: int) -> Hazard:
    """A hazard inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Hazard, hazard_id)


def query_hazards(
    *,
    actor: Actor,
    status: HazardStatus | None = None,
    severity: HazardSeverity | None = None,
    open_only: bool = False,
    overdue: bool = False,
    premises_id: int | None = None,
    q: str | None = None,
    sort: str = "deadline",
    now: datetime | None = None,
) -> Select[Hazard]:
    """The officer's list: hazards in the jurisdiction, soonest deadline first by default."""
    actor.require(Action.READ)
    stmt = visible(actor, Hazard)
    if status is not None:
        stmt = stmt.where(Hazard.status == status)
    if open_only:
        stmt = stmt.where(Hazard.status.not_in([HazardStatus.CLOSED, HazardStatus.REJECTED]))
    if overdue:
        stmt = stmt.where(overdue_at(now or utcnow()))
    if severity is not None:
        stmt = stmt.where(Hazard.severity == severity)
    if premises_id is not None:
        stmt = stmt.where(Hazard.premises_id == premises_id)
    if q:
        stmt = stmt.where(Hazard.title.contains(q, autoescape=True))
    column = SORTABLE.get(sort, Hazard.deadline_at)
    # Sort on the bare columns (NULLS FIRST: hazards without a deadline still await a decision)
    # so the (deadline_at, id) index gives the order; load premises for the page only.
    return stmt.options(
        lazyload(Hazard.org), selectinload(Hazard.premises).lazyload(Premises.org)
    ).order_by(column.asc().nulls_first(), Hazard.id)


def _move(
    session: Session,
    *,
    actor: Actor,
    hazard: Hazard,
    to: HazardStatus,
    changes: dict[str, Any],
    action: str,
) -> Hazard:
    if to not in HAZARD_TRANSITIONS[hazard.status]:
        raise Conflict(
            f"隐患不能从“{hazard.status.zh}”变为“{to.zh}”",
            f"a hazard cannot go from {hazard.status.en} to {to.en}",
        )
    before = _snapshot(hazard)
    was = hazard.status
    hazard.status = to
    for key, value in changes.items():
        setattr(hazard, key, value)
    record_order(session, hazard=hazard, was=was)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="hazard",
        entity_id=hazard.id,
        before=before,
        after=_snapshot(hazard),
    )
    events.queue(
        session,
        events.Event(
            "hazard.updated",
            {"hazard_id": hazard.id, "status": to.value, "premises_id": hazard.premises_id},
            hazard.org.path,
        ),
    )
    return hazard


def report_hazard(
    session: Session,
    *,
    actor: Actor,
    data: HazardReport,
    at: datetime | None = None,
    verified: bool = False,
    source: str = "report",
    patrol_visit_id: int | None = None,
    inspection_id: int | None = None,
) -> Hazard:
    """Record a hazard (a grid worker's report, a patrol finding, an inspection finding).

    It belongs to the premises' supervising organization, or to the reporter's own; a finding
    keeps the id of the check-in or inspection that found it.
    """
    actor.require(Action.HAZARD_MANAGE if verified else Action.HAZARD_REPORT)
    premises = None
    if data.premises_id is not None:
        premises = get_visible(session, actor, Premises, data.premises_id)
    check_visible(session, actor, list(data.photo_ids))
    org_id = premises.org_id if premises else actor.org_id
    if org_id is None:
        raise Invalid(
            "隐患须关联单位或上报人所属组织", "a hazard needs a premises or an organization"
        )
    now = at or utcnow()
    hazard = Hazard(
        premises_id=data.premises_id,
        org_id=org_id,
        grid_id=premises.grid_id if premises else None,
        title=data.title,
        description=data.description,
        category=data.category,
        severity=data.severity,
        reported_severity=data.severity,
        status=HazardStatus.VERIFIED if verified else HazardStatus.REPORTED,
        source=source,
        patrol_visit_id=patrol_visit_id,
        inspection_id=inspection_id,
        lon=data.lon if data.lon is not None else (premises.lon if premises else None),
        lat=data.lat if data.lat is not None else (premises.lat if premises else None),
        reported_by_id=actor.user_id,
        found_at=now,
        verified_at=now if verified else None,
        photo_ids=list(data.photo_ids),
        evidence_ids=[],
        created_at=now,
        updated_at=now,
    )
    session.add(hazard)
    session.flush()
    session.refresh(hazard)
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="hazard",
        entity_id=hazard.id,
        after=_snapshot(hazard),
    )
    events.queue(
        session,
        events.Event(
            "hazard.created",
            {"hazard_id": hazard.id, "title": hazard.title, "premises_id": hazard.premises_id},
            hazard.org.path,
        ),
    )
    return hazard


def verify_hazard(
    session: Session,
    *,
    actor: Actor,
    hazard_id: int,
    data: HazardVerify,
    at: datetime | None = None,
) -> Hazard:
    """Officer confirms (optionally re-grading, with a GB 35181 assessment) or rejects."""
    actor.require(Action.HAZARD_MANAGE)
    hazard = get_hazard(session, actor, hazard_id)
    now = at or utcnow()
    if not data.accept:
        return _move(
            session,
            actor=actor,
            hazard=hazard,
            to=HazardStatus.REJECTED,
            changes={"closed_at": now, "order_note": data.note},
            action="reject",
        )
    changes: dict[str, Any] = {"verified_at": now}
    if data.severity is not None:
        changes["severity"] = data.severity
    if data.gb35181 is not None:
        changes["gb35181"] = data.gb35181
    return _move(
        session,
        actor=actor,
        hazard=hazard,
        to=HazardStatus.VERIFIED,
        changes=changes,
        action="verify",
    )


def deadline_for(severity: HazardSeverity, ordered_at: datetime, workdays: int | None) -> datetime:
    """End of the last working day the unit has to rectify."""
    table = standards()
    default = (
        table["hazard_deadline_major_workdays"]
        if severity == HazardSeverity.MAJOR
        else table["hazard_deadline_general_workdays"]
    )
    return calendar().deadline_after(ordered_at, int(workdays or default))


def order_rectification(
    session: Session,
    *,
    actor: Actor,
    hazard_id: int,
    data: HazardOrder,
    at: datetime | None = None,
) -> Hazard:
    """Issue the rectification order (限期改正) with its deadline."""
    actor.require(Action.HAZARD_MANAGE)
    hazard = get_hazard(session, actor, hazard_id)
    now = at or utcnow()
    return _move(
        session,
        actor=actor,
        hazard=hazard,
        to=HazardStatus.ORDERED,
        changes={
            "ordered_at": now,
            "deadline_at": deadline_for(hazard.severity, now, data.workdays),
            "order_note": data.note,
            "reminded_at": None,
        },
        action="order",
    )


def mark_rectified(
    session: Session,
    *,
    actor: Actor,
    hazard_id: int,
    data: HazardRectified,
    at: datetime | None = None,
) -> Hazard:
    """The unit reports the hazard fixed, with evidence; it awaits the officer's re-check."""
    actor.require(Action.HAZARD_REPORT)
    hazard = get_hazard(session, actor, hazard_id)
    check_visible(session, actor, list(data.evidence_ids))
    return _move(
        session,
        actor=actor,
        hazard=hazard,
        to=HazardStatus.RECTIFIED,
        changes={
            "rectified_at": at or utcnow(),
            "evidence_ids": list(data.evidence_ids),
            "rectification_note": data.note,
        },
        action="rectified",
    )


def check_hazard(
    session: Session,
    *,
    actor: Actor,
    hazard_id: int,
    data: HazardCheck,
    at: datetime | None = None,
) -> Hazard:
    """The officer's re-check (复查): close it, or order again with a new deadline."""
    actor.require(Action.HAZARD_MANAGE)
    hazard = get_hazard(session, actor, hazard_id)
    now = at or utcnow()
    if data.passed:
        return _move(
            session,
            actor=actor,
            hazard=hazard,
            to=HazardStatus.CLOSED,
            changes={"closed_at": now},
            action="close",
        )
    return _move(
        session,
        actor=actor,
        hazard=hazard,
        to=HazardStatus.ORDERED,
        changes={
            "ordered_at": now,
            "deadline_at": deadline_for(hazard.severity, now, data.workdays),
            "order_note": data.note,
            "reminded_at": None,
            "rectified_at": None,
        },
        action="recheck_failed",
    )


def _brigade_of(session: Session, org: Organization) -> Organization | None:
    ids = [int(part) for part in org.path.strip("/").split("/") if part]
    if not ids:
        return None
    return session.scalars(
        select(Organization).where(Organization.id.in_(ids), Organization.kind == OrgKind.BRIGADE)
    ).first()


def process_deadlines(
    session: Session, *, actor: Actor, now: datetime | None = None
) -> dict[str, int]:
    """Escalate overdue ordered hazards to their brigade; stamp reminders for those due soon.

    Idempotent: a hazard escalates once, is reminded once per order.
    """
    now = now or utcnow()
    overdue = session.scalars(
        visible(actor, Hazard).where(overdue_at(now), Hazard.escalated_at.is_(None))
    ).all()
    for hazard in overdue:
        brigade = _brigade_of(session, hazard.org)
        before = _snapshot(hazard)
        hazard.escalated_at = now
        hazard.escalated_to_id = brigade.id if brigade else hazard.org_id
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="escalate",
            entity="hazard",
            entity_id=hazard.id,
            before=before,
            after=_snapshot(hazard),
        )
        events.queue(
            session,
            events.Event(
                "hazard.overdue",
                {
                    "hazard_id": hazard.id,
                    "title": hazard.title,
                    "escalated_to": hazard.escalated_to_id,
                },
                brigade.path if brigade else hazard.org.path,
            ),
        )
    cal = calendar()
    soon_days = int(standards()["hazard_reminder_workdays"])
    reminded = 0
    candidates = session.scalars(
        visible(actor, Hazard).where(
            Hazard.status == HazardStatus.ORDERED,
            Hazard.deadline_at >= now,
            Hazard.reminded_at.is_(None),
        )
    ).all()
    from lanyan.core.clock import as_local

    today = as_local(now).date()
    for hazard in candidates:
        assert hazard.deadline_at is not None
        if cal.workdays_between(today, as_local(hazard.deadline_at).date()) <= soon_days:
            session.execute(update(Hazard).where(Hazard.id == hazard.id).values(reminded_at=now))
            audit.record(
                session,
                actor=actor,
                action="remind",
                entity="hazard",
                entity_id=hazard.id,
                after={
                    "reminded_at": now.isoformat(),
                    "deadline_at": hazard.deadline_at.isoformat(),
                },
            )
            events.queue(
                session,
                events.Event(
                    "hazard.reminder",
                    {
                        "hazard_id": hazard.id,
                        "title": hazard.title,
                        "deadline_at": hazard.deadline_at.isoformat(),
                    },
                    hazard.org.path,
                ),
            )
            reminded += 1
    return {"escalated": len(overdue), "reminded": reminded}


def assess_major(
    session: Session, *, actor: Actor, hazard_id: int, data: Any, at: datetime | None = None
) -> tuple[Hazard, dict[str, Any]]:
    """Run the GB 35181 determination on a hazard; a major verdict re-grades it as major.

    The assessment (criteria ticked, rule applied, clauses cited, explanation) is kept on the
    hazard, and ``recommend_listing`` tells the officer to propose supervised listing.
    """
    from lanyan.prevention.gb35181 import assess

    actor.require(Action.HAZARD_MANAGE)
    hazard = get_hazard(session, actor, hazard_id)
    if not hazard.status.is_open:
        raise Conflict("隐患已销案或不属实，不能再判定", "the hazard is closed or rejected")
    result = assess(
        data.category,
        direct=set(data.direct),
        composite=set(data.composite),
        not_counted=dict(data.not_counted) or None,
        site_exemption=data.site_exemption,
    )
    verdict = result.as_dict()
    before = _snapshot(hazard)
    hazard.gb35181 = verdict
    if result.is_major:
        hazard.severity = HazardSeverity.MAJOR
    hazard.updated_at = at or utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="gb35181",
        entity="hazard",
        entity_id=hazard.id,
        before=before,
        after=_snapshot(hazard),
    )
    return hazard, verdict
