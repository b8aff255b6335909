"""Reinforcement beyond the detachment (跨区域增援): ask, accept or refuse, track, release.

A commander asks a neighbouring detachment (or the corps) for forces for one incident, saying
what is needed. The request is all the neighbour sees of the call: a summary copied when asked
(number, type, level, address, time received) and the point; the incident, its timeline and the
requesting detachment's other records stay inside that detachment's jurisdiction. The
neighbour's commander accepts with units of their own choosing, or refuses with a reason. The
accepted units become ordinary assignments of the incident with their own ETAs from the road
network, so the requesting side tracks them like its own, and the neighbour sees them through
its own units (an assignment is seen where its unit is based).

Who sees a request: the requesting side through the incident (its registered jurisdiction) and
the asked side because the asked organization lies in its subtree (:func:`visible_requests`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.command.combat_models import REQUEST_TRANSITIONS, ReinforcementRequest, RequestStatus
from lanyan.command.combat_schemas import (
    ReinforcementAccept,
    ReinforcementCreate,
    ReinforcementDecision,
    ReinforcementPublic,
    ReinforcementUnit,
)
from lanyan.core import audit, events
from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Conflict, Forbidden, Invalid, not_found
from lanyan.core.jurisdiction import ancestor_ids, get_visible, visible, visible_condition
from lanyan.core.permissions import Action
from lanyan.dispatch import recommend as rec
from lanyan.dispatch.choices import AssignmentStatus, EventKind, IncidentStatus
from lanyan.dispatch.first_response import refresh_response
from lanyan.dispatch.models import Assignment, Incident, IncidentEvent
from lanyan.forces.choices import OrgKind, UnitStatus
from lanyan.forces.models import Organization, Unit
from lanyan.planning.network import RoadNetwork

LABEL = ("增援请求", "reinforcement request")


def visible_requests(actor: Actor) -> ColumnElement[bool]:
    """Requests of the actor's incidents, and requests made to an organization in its subtree."""
    asked = select(Organization.id).where(visible_condition(actor, Organization))
    return or_(
        visible_condition(actor, ReinforcementRequest),
        ReinforcementRequest.to_org_id.in_(asked.scalar_subquery()),
    )


def query_requests(
    *, actor: Actor, status: RequestStatus | None = None, incident_id: int | None = None
) -> Select[ReinforcementRequest]:
    """Requests either side of which lies in the actor's jurisdiction, newest first."""
    actor.require(Action.READ)
    stmt = select(ReinforcementRequest).where(visible_requests(actor))
    if status is not None:
        stmt = stmt.where(ReinforcementRequest.status == status)
    if incident_id is not None:
        stmt = stmt.where(ReinforcementRequest.incident_id == incident_id)
    return stmt.order_by(ReinforcementRequest.id.desc())


def get_request(
    session: Session, actor: Actor, request_id: int, *, lock: bool = False
) -> ReinforcementRequest:
    """One request seen by the actor (either side), else 404."""
    stmt = select(ReinforcementRequest).where(
        ReinforcementRequest.id == request_id, visible_requests(actor)
    )
    if lock:
        stmt = stmt.with_for_update(of=ReinforcementRequest).execution_options(
            populate_existing=True
        )
    found = session.scalars(stmt).unique().one_or_none()
    if found is None:
        raise not_found(*LABEL, request_id)
    return found


def _detachment_of(session: Session, org: Organization) -> Organization:
    """The detachment an organization belongs to (itself when it is one)."""
    ids = ancestor_ids(org.path)
    rows = session.scalars(
        select(Organization).where(
            Organization.id.in_(ids), Organization.kind == OrgKind.DETACHMENT
        )
    ).all()
    if not rows:
        raise Invalid(
            f"{org.name}不在任何支队之下，不能发起跨支队增援",
            f"{org.name} belongs to no detachment",
        )
    return max(rows, key=lambda o: len(o.path))


def targets(session: Session, actor: Actor) -> list[Organization]:
    """Whom the actor may ask: every other detachment and the corps above (names only, no
    records of theirs)."""
    actor.require(Action.READ)
    rows = session.scalars(
        select(Organization)
        .where(Organization.kind.in_([OrgKind.DETACHMENT, OrgKind.CORPS]))
        .order_by(Organization.path)
    ).all()
    own = [o for o in rows if o.kind == OrgKind.DETACHMENT and actor.org_path.startswith(o.path)]
    return [
        o
        for o in rows
        if o not in own and (o.kind == OrgKind.DETACHMENT or actor.org_path.startswith(o.path))
    ]


def _summary(incident: Incident) -> str:
    where = incident.address_text or (incident.premises.name if incident.premises else "")
    kind = incident.subtype.zh if incident.subtype else incident.type.zh
    at = as_local(incident.received_at).strftime("%m月%d日%H:%M")
    return f"{incident.number} {kind} {incident.level}级 {where}（{at}接警）"


def _check_target(session: Session, source: Organization, to_org_id: int) -> Organization:
    target = session.get(Organization, to_org_id)
    if target is None:
        raise Invalid(
            "被请求的支队（总队）不存在",
            f"organization {to_org_id} not found",
            errors=[{"field": "to_org_id", "reason": "unknown organization"}],
        )
    neighbour = target.kind == OrgKind.DETACHMENT and target.id != source.id
    own_corps = target.kind == OrgKind.CORPS and source.path.startswith(target.path)
    if not (neighbour or own_corps):
        raise Invalid(
            f"增援只能向其他支队或本总队请求（{target.name}不是）",
            "ask another detachment or the own corps",
            errors=[{"field": "to_org_id", "reason": "not a neighbouring detachment or corps"}],
        )
    return target


def request_reinforcement(
    session: Session,
    *,
    actor: Actor,
    incident_id: int,
    data: ReinforcementCreate,
    at: datetime | None = None,
) -> ReinforcementRequest:
    """Ask another detachment (or the corps) for forces for one of the actor's incidents."""
    actor.require(Action.REINFORCE)
    incident = get_visible(session, actor, Incident, incident_id)
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("警情已结案，不能请求增援", "the incident is closed")
    if incident.brigade is None:
        raise Invalid("警情不属于任何大队，不能请求增援", "the incident has no brigade")
    source = _detachment_of(session, incident.brigade)
    target = _check_target(session, source, data.to_org_id)
    pending = session.scalar(
        select(ReinforcementRequest.id).where(
            ReinforcementRequest.incident_id == incident.id,
            ReinforcementRequest.to_org_id == target.id,
            ReinforcementRequest.status == RequestStatus.REQUESTED,
        )
    )
    if pending is not None:
        raise Conflict(
            f"已向{target.name}请求增援，尚待响应", f"a request to {target.name} is pending"
        )
    now = at or utcnow()
    request = ReinforcementRequest(
        incident_id=incident.id,
        from_org_id=source.id,
        to_org_id=target.id,
        status=RequestStatus.REQUESTED,
        needs=[need.model_dump(mode="json") for need in data.needs],
        note=data.note,
        incident_summary=_summary(incident),
        lon=incident.lon,
        lat=incident.lat,
        requested_by=actor.display_name or actor.username,
        requested_at=now,
        assignment_ids=[],
    )
    session.add(request)
    session.flush()
    session.add(_timeline(incident.id, actor, now, {"reinforcement_to": target.name}))
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="reinforcement_request",
        entity_id=request.id,
        after=audit.snapshot(request),
    )
    _publish(session, request, "reinforcement.requested")
    return request


def _timeline(incident_id: int, actor: Actor, at: datetime, detail: dict[str, Any]) -> Any:
    return IncidentEvent(
        incident_id=incident_id,
        at=at,
        kind=EventKind.ESCALATED,
        actor_id=actor.user_id,
        actor_name=actor.display_name or actor.username,
        detail=detail,
    )


def _publish(session: Session, request: ReinforcementRequest, kind: str) -> None:
    payload = {"request_id": request.id, "status": request.status.value}
    paths = (request.from_org.path, request.to_org.path)
    events.queue(session, events.Event(kind, payload, paths[0], paths[1:]))


def _move(request: ReinforcementRequest, target: RequestStatus) -> None:
    if target not in REQUEST_TRANSITIONS[request.status]:
        raise Conflict(
            f"增援请求不能从“{request.status.zh}”变为“{target.zh}”",
            f"a request cannot go from {request.status.en} to {target.en}",
        )


def _require_asked_side(actor: Actor, request: ReinforcementRequest) -> None:
    if not actor.covers(request.to_org.path):
        raise Forbidden(
            f"只有{request.to_org.name}的指挥员可以答复此请求",
            "only the asked side answers a request",
        )


def _require_asking_side(session: Session, actor: Actor, request: ReinforcementRequest) -> None:
    seen = session.scalar(
        select(Incident.id).where(
            Incident.id == request.incident_id, visible_condition(actor, Incident)
        )
    )
    if seen is None:
        raise Forbidden("只有请求方可以撤销或结束增援", "only the asking side may do this")


def accept(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    request_id: int,
    data: ReinforcementAccept,
    at: datetime | None = None,
) -> ReinforcementRequest:
    """The asked side sends units of its own: they become assignments of the incident."""
    actor.require(Action.REINFORCE)
    request = get_request(session, actor, request_id, lock=True)
    _require_asked_side(actor, request)
    _move(request, RequestStatus.ACCEPTED)
    unit_ids = list(data.unit_ids)
    if len(set(unit_ids)) != len(unit_ids):
        raise Invalid("车辆重复", "a unit is listed twice")
    found = {u.id: u for u in session.scalars(visible(actor, Unit).where(Unit.id.in_(unit_ids)))}
    units = []
    for unit_id in unit_ids:
        unit = found.get(unit_id)
        if unit is None:
            raise Invalid(
                f"车辆{unit_id}不存在或不在您的管辖范围内",
                f"unit {unit_id} not found in your jurisdiction",
                errors=[{"field": "unit_ids", "reason": "unknown unit"}],
            )
        if not unit.station.path.startswith(request.to_org.path) or unit.station.path.startswith(
            request.from_org.path
        ):
            raise Invalid(
                f"{unit.call_sign}不属于{request.to_org.name}的增援力量",
                f"{unit.call_sign} is not a unit of the asked side",
                errors=[{"field": "unit_ids", "reason": "not the asked side's unit"}],
            )
        units.append(unit)
    now = at or utcnow()
    incident = session.get(Incident, request.incident_id)
    assert incident is not None  # the request cascades with it
    created = _assign(session, actor, network, incident, request, units, now)
    request.status = RequestStatus.ACCEPTED
    request.decided_by = actor.display_name or actor.username
    request.decided_at = now
    request.decision_note = data.note
    request.assignment_ids = [a.id for a in created]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="accept",
        entity="reinforcement_request",
        entity_id=request.id,
        before={"status": RequestStatus.REQUESTED.value},
        after={"status": request.status.value, "unit_ids": unit_ids},
    )
    _publish(session, request, "reinforcement.accepted")
    return request


def _assign(
    session: Session,
    actor: Actor,
    network: RoadNetwork,
    incident: Incident,
    request: ReinforcementRequest,
    units: list[Unit],
    now: datetime,
) -> list[Assignment]:
    """Claim the units (still dispatchable) and put them on the incident with their ETAs."""
    # ETAs first: the road network ranks dispatchable units only, and the claim changes that
    state = network.current(session)
    snap = state.snapper.snap(incident.lon, incident.lat)
    ranked = rec.candidates(state, units, snap, incident.lon, incident.lat, state.brigade_of_org)
    etas = {c.unit.id: c for c in ranked}
    ids = [u.id for u in units]
    claimed = set(
        session.scalars(
            update(Unit)
            .where(Unit.id.in_(ids), Unit.status == UnitStatus.AVAILABLE)
            .values(status=UnitStatus.DISPATCHED, status_changed_at=now, updated_at=now)
            .returning(Unit.id),
            execution_options={"synchronize_session": "fetch"},
        )
    )
    for unit in units:
        if unit.id not in claimed:
            raise Conflict(
                f"{unit.call_sign}当前不在库，不能派出增援",
                f"{unit.call_sign} is not available",
            )
    created = []
    for unit in units:
        cand = etas.get(unit.id)
        assignment = Assignment(
            incident_id=incident.id,
            unit_id=unit.id,
            status=AssignmentStatus.ASSIGNED,
            eta_s=cand.eta_s if cand else None,
            distance_m=cand.straight_m if cand else None,
            cross_brigade=True,
            crew_sent=unit.crew_on_duty,
            reason=f"跨支队增援：{request.to_org.name}同意增援请求#{request.id}",
            assigned_by_id=actor.user_id,
            assigned_at=now,
        )
        session.add(assignment)
        created.append(assignment)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("所选车辆已被调派到其他警情", "a unit was assigned elsewhere") from exc
    for assignment, unit in zip(created, units, strict=True):
        session.add(
            IncidentEvent(
                incident_id=incident.id,
                at=now,
                kind=EventKind.DISPATCHED,
                unit_id=unit.id,
                call_sign=unit.call_sign,
                actor_id=actor.user_id,
                actor_name=actor.display_name or actor.username,
                detail={"eta_s": assignment.eta_s, "reinforcement_request": request.id},
            )
        )
        audit.record(
            session,
            actor=actor,
            action="assign",
            entity="assignment",
            entity_id=assignment.id,
            after={"incident_id": incident.id, "unit_id": unit.id, "reinforcement": request.id},
        )
        events.queue(
            session,
            events.Event(
                "unit.status",
                {"unit_id": unit.id, "call_sign": unit.call_sign, "status": "dispatched"},
                unit.station.path,
            ),
        )
    session.refresh(incident, ["assignments"])
    refresh_response(session, incident)
    if incident.status == IncidentStatus.RECEIVED:
        incident.status = IncidentStatus.DISPATCHED
    incident.updated_at = now
    return created


def _decide(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    target: RequestStatus,
    data: ReinforcementDecision,
    at: datetime | None,
) -> ReinforcementRequest:
    actor.require(Action.REINFORCE)
    request = get_request(session, actor, request_id, lock=True)
    if target == RequestStatus.REFUSED:
        _require_asked_side(actor, request)
    else:
        _require_asking_side(session, actor, request)
    _move(request, target)
    now = at or utcnow()
    before = {"status": request.status.value}
    request.status = target
    if target == RequestStatus.RELEASED:
        request.released_at = now
    else:
        request.decided_by = actor.display_name or actor.username
        request.decided_at = now
    request.decision_note = data.note
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=target.value,
        entity="reinforcement_request",
        entity_id=request.id,
        before=before,
        after={"status": target.value, "note": data.note},
    )
    _publish(session, request, f"reinforcement.{target.value}")
    return request


def refuse(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    data: ReinforcementDecision,
    at: datetime | None = None,
) -> ReinforcementRequest:
    """The asked side declines, saying why."""
    return _decide(
        session, actor=actor, request_id=request_id, target=RequestStatus.REFUSED, data=data, at=at
    )


def cancel(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    data: ReinforcementDecision,
    at: datetime | None = None,
) -> ReinforcementRequest:
    """The asking side withdraws a request not yet answered."""
    return _decide(
        session,
        actor=actor,
        request_id=request_id,
        target=RequestStatus.CANCELLED,
        data=data,
        at=at,
    )


def release(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    data: ReinforcementDecision,
    at: datetime | None = None,
) -> ReinforcementRequest:
    """The asking side ends an accepted reinforcement (its units then return as usual)."""
    return _decide(
        session,
        actor=actor,
        request_id=request_id,
        target=RequestStatus.RELEASED,
        data=data,
        at=at,
    )


def public(session: Session, actor: Actor, request: ReinforcementRequest) -> ReinforcementPublic:
    """A request for the API, with its units' state and ETAs."""
    assignments = (
        session.scalars(
            select(Assignment).where(Assignment.id.in_(request.assignment_ids or [-1]))
        ).all()
        if request.assignment_ids
        else []
    )
    units = [
        ReinforcementUnit(
            assignment_id=a.id,
            unit_id=a.unit_id,
            call_sign=a.unit.call_sign,
            station_name=a.unit.station.name,
            status=a.status.value,
            status_zh=a.status.zh,
            eta_s=round(a.eta_s, 1) if a.eta_s is not None else None,
        )
        for a in assignments
    ]
    incoming = actor.covers(request.to_org.path) and not actor.covers(request.from_org.path)
    return ReinforcementPublic(
        id=request.id,
        incident_id=request.incident_id,
        from_org_id=request.from_org_id,
        from_org_name=request.from_org.name,
        to_org_id=request.to_org_id,
        to_org_name=request.to_org.name,
        status=request.status,
        status_zh=request.status.zh,
        needs=request.needs,
        note=request.note,
        incident_summary=request.incident_summary,
        lon=request.lon,
        lat=request.lat,
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        decision_note=request.decision_note,
        released_at=request.released_at,
        units=units,
        direction="incoming" if incoming else "outgoing",
    )
