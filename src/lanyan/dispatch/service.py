"""The only way to change dispatch state: intake, recommend, assign, milestones, escalate, close.

Every function takes the acting user, checks role and jurisdiction, writes the incident's
timeline and the audit trail in the caller's transaction, and queues live events that are
published when that transaction commits. ``at`` arguments let the demo history replay a year of
calls through this same code with the times they happened.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.core import audit, events
from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Conflict, Forbidden, Invalid, not_found
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.dispatch import recommend as rec
from lanyan.dispatch.choices import (
    ASSIGNMENT_TRANSITIONS,
    TYPE_OF,
    AssignmentStatus,
    EventKind,
    IncidentStatus,
    IncidentSubtype,
    IncidentType,
)
from lanyan.dispatch.first_response import is_first, refresh_first_response
from lanyan.dispatch.grading import fire_grade
from lanyan.dispatch.models import Assignment, Incident, IncidentEvent, ResponsePlanRule
from lanyan.dispatch.plans import choose_rule, general_rule, merge_requirements
from lanyan.dispatch.schemas import (
    AssignmentStatusChange,
    ClosingReport,
    EscalateRequest,
    IncidentCreate,
)
from lanyan.forces.choices import OrgKind, UnitStatus
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.forces.service import get_unit
from lanyan.planning.coverage import Zone
from lanyan.planning.network import NetworkState, RoadNetwork
from lanyan.prevention.models import Premises
from lanyan.routing import haversine_m, shortest_path_tree

UNIT_STATUS_OF: dict[AssignmentStatus, UnitStatus] = {
    AssignmentStatus.ASSIGNED: UnitStatus.DISPATCHED,
    AssignmentStatus.EN_ROUTE: UnitStatus.EN_ROUTE,
    AssignmentStatus.ON_SCENE: UnitStatus.ON_SCENE,
    AssignmentStatus.WATER_ON: UnitStatus.WATER_ON,
    AssignmentStatus.RETURNING: UnitStatus.RETURNING,
    AssignmentStatus.IN_QUARTERS: UnitStatus.AVAILABLE,
}
EVENT_OF: dict[AssignmentStatus, EventKind] = {
    AssignmentStatus.EN_ROUTE: EventKind.EN_ROUTE,
    AssignmentStatus.ON_SCENE: EventKind.ON_SCENE,
    AssignmentStatus.WATER_ON: EventKind.WATER_ON,
    AssignmentStatus.RETURNING: EventKind.RETURNING,
    AssignmentStatus.IN_QUARTERS: EventKind.IN_QUARTERS,
}
STAMP_OF: dict[AssignmentStatus, str] = {
    AssignmentStatus.EN_ROUTE: "en_route_at",
    AssignmentStatus.ON_SCENE: "on_scene_at",
    AssignmentStatus.WATER_ON: "water_on_at",
    AssignmentStatus.RETURNING: "returning_at",
    AssignmentStatus.IN_QUARTERS: "in_quarters_at",
}
STILL_ON_CALL = frozenset(
    {
        AssignmentStatus.ASSIGNED,
        AssignmentStatus.EN_ROUTE,
        AssignmentStatus.ON_SCENE,
        AssignmentStatus.WATER_ON,
    }
)


# --- helpers -----------------------------------------------------------------------------------


def _org_path_of(incident: Incident) -> str:
    return incident.brigade.path if incident.brigade is not None else "/"


def _event(
    session: Session,
    incident: Incident,
    kind: EventKind,
    *,
    actor: Actor,
    at: datetime,
    unit: Unit | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        IncidentEvent(
            incident_id=incident.id,
            at=at,
            kind=kind,
            unit_id=unit.id if unit else None,
            call_sign=unit.call_sign if unit else None,
            actor_id=actor.user_id,
            actor_name=actor.username,
            detail=detail,
        )
    )


def _publish(
    session: Session,
    kind: str,
    incident: Incident,
    *,
    stations: tuple[str, ...] = (),
    **data: Any,
) -> None:
    """Queue an incident event for the brigade and the stations of the units on it."""
    payload = {
        "incident_id": incident.id,
        "number": incident.number,
        "status": incident.status.value,
        **data,
    }
    paths = set(stations) | {a.unit.station.path for a in incident.assignments}
    events.queue(session, events.Event(kind, payload, _org_path_of(incident), tuple(paths)))


def _visible(actor: Actor, incident: Incident) -> bool:
    return actor.covers(_org_path_of(incident))


def get_incident(session: Session, actor: Actor, incident_id: int) -> Incident:
    """One incident in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    incident = session.get(Incident, incident_id)
    if incident is None or not _visible(actor, incident):
        raise not_found("警情", "incident", incident_id)
    return incident


def list_incidents(
    session: Session, *, actor: Actor, open_only: bool = False, limit: int = 100, offset: int = 0
) -> tuple[list[Incident], int]:
    """Incidents in the actor's jurisdiction, newest first."""
    actor.require(Action.READ)
    stmt = (
        select(Incident)
        .outerjoin(Incident.brigade)
        .where(
            or_(
                Organization.path.startswith(actor.org_path, autoescape=True),
                Incident.brigade_id.is_(None) if actor.org_path == "/" else false(),
            )
        )
        .order_by(Incident.received_at.desc(), Incident.id.desc())
    )
    if open_only:
        stmt = stmt.where(Incident.status != IncidentStatus.CLOSED)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(limit).offset(offset)).unique().all()
    return list(rows), total


def _responsible_org(session: Session, state: NetworkState, node: int) -> Organization | None:
    brigade_id = int(state.brigade_of_node[node])
    if brigade_id:
        return session.get(Organization, brigade_id)
    # outside every brigade polygon: the detachment above the brigades answers for it
    return session.scalars(
        select(Organization)
        .where(Organization.kind == OrgKind.DETACHMENT)
        .order_by(Organization.id)
    ).first()


# --- intake ------------------------------------------------------------------------------------


def create_incident(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    data: IncidentCreate,
    at: datetime | None = None,
) -> Incident:
    """Take a call: place it on the road network, attach the premises, open the timeline."""
    actor.require(Action.INCIDENT_WRITE)
    if (
        data.subtype is not None
        and data.subtype != IncidentSubtype.OTHER
        and (TYPE_OF[data.subtype] != data.type)
    ):
        raise Invalid(
            f"警情子类“{data.subtype.zh}”不属于“{data.type.zh}”",
            f"subtype {data.subtype.value} does not belong to type {data.type.value}",
            errors=[{"field": "subtype", "reason": "does not belong to the type"}],
        )
    state = network.current(session)
    snapped = state.snapper.snap(data.lon, data.lat)
    table = standards()
    if snapped.distance_m > table["city_max_snap_m"]:
        raise Invalid(
            f"坐标不在本市路网范围内（距最近道路 {snapped.distance_m / 1000:.1f} 公里）",
            f"the point is outside the city ({snapped.distance_m:.0f} m from the nearest road)",
            errors=[{"field": "lon", "reason": "outside the city"}],
        )
    org = _responsible_org(session, state, snapped.node)
    if org is not None and not actor.covers(org.path):
        raise Forbidden("该位置不在您的辖区内", "the location is outside your jurisdiction")
    premises = None
    if data.premises_id is not None:
        premises = session.get(Premises, data.premises_id)
        if premises is None or not actor.covers(premises.org.path):
            raise not_found("单位场所", "premises", data.premises_id)
    else:
        premises = _premises_at(session, data.lon, data.lat, table["premises_match_m"])
    now = at or utcnow()
    incident = Incident(
        number=f"tmp{uuid.uuid4().hex[:20]}",  # replaced by the final number once the id is known
        status=IncidentStatus.RECEIVED,
        type=data.type,
        subtype=data.subtype,
        level=data.level,
        caller_number=data.caller_number,
        caller_name=data.caller_name,
        address_text=data.address_text,
        lon=data.lon,
        lat=data.lat,
        snap_m=round(float(snapped.distance_m), 1),
        brigade_id=org.id if org else None,
        premises_id=premises.id if premises else None,
        description=data.description,
        received_at=now,
        registered_at=now,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(incident)
    session.flush()
    incident.number = f"{as_local(now):%Y%m%d}{incident.id:06d}"
    _event(
        session,
        incident,
        EventKind.RECEIVED,
        actor=actor,
        at=now,
        detail={"caller_number": data.caller_number, "address": data.address_text},
    )
    _event(
        session,
        incident,
        EventKind.REGISTERED,
        actor=actor,
        at=now,
        detail={"type": data.type.zh, "level": data.level},
    )
    session.flush()
    session.refresh(incident)
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="incident",
        entity_id=incident.id,
        after=audit.snapshot(incident),
    )
    _publish(
        session,
        "incident.created",
        incident,
        type=incident.type.value,
        type_zh=incident.type.zh,
        lon=incident.lon,
        lat=incident.lat,
        address=incident.address_text,
        level=incident.level,
    )
    return incident


def _premises_at(session: Session, lon: float, lat: float, radius_m: float) -> Premises | None:
    pad = radius_m / 111_000 * 2
    near = session.scalars(
        select(Premises).where(
            Premises.lon.between(lon - pad, lon + pad), Premises.lat.between(lat - pad, lat + pad)
        )
    ).all()
    if not near:
        return None
    dist = haversine_m([p.lon for p in near], [p.lat for p in near], lon, lat)
    best = int(np.argmin(dist))
    return near[best] if float(dist[best]) <= radius_m else None


def probable_duplicates(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """Open incidents close by, received shortly before or after (重复警情)."""
    table = standards()
    window = timedelta(seconds=table["duplicate_window_s"])
    pad = table["duplicate_radius_m"] / 111_000 * 2
    rows = session.scalars(
        select(Incident).where(
            Incident.id != incident.id,
            Incident.status != IncidentStatus.CLOSED,
            Incident.received_at.between(
                incident.received_at - window, incident.received_at + window
            ),
            Incident.lon.between(incident.lon - pad, incident.lon + pad),
            Incident.lat.between(incident.lat - pad, incident.lat + pad),
        )
    ).all()
    out = []
    for row in rows:
        d = float(haversine_m(row.lon, row.lat, incident.lon, incident.lat))
        if d <= table["duplicate_radius_m"]:
            out.append(
                {
                    "id": row.id,
                    "number": row.number,
                    "distance_m": round(d, 1),
                    "received_at": row.received_at.isoformat(),
                    "type": row.type.value,
                }
            )
    return out


def caller_history(session: Session, incident: Incident, limit: int = 10) -> list[dict[str, Any]]:
    """Earlier calls from the same number."""
    if not incident.caller_number:
        return []
    rows = session.scalars(
        select(Incident)
        .where(
            Incident.caller_number == incident.caller_number,
            Incident.id != incident.id,
            Incident.received_at <= incident.received_at,
        )
        .order_by(Incident.received_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "number": r.number,
            "type": r.type.value,
            "type_zh": r.type.zh,
            "received_at": r.received_at.isoformat(),
            "address": r.address_text,
        }
        for r in rows
    ]


def nearest_water_sources(
    session: Session,
    state: NetworkState,
    incident: Incident,
    limit: int = 5,
    limit_s: float = 180.0,
) -> list[dict[str, Any]]:
    """Water sources nearest the incident by road (driving seconds from the scene).

    Only sources within about a kilometre are considered (a hose lay is hundreds of metres), read
    as plain columns, so this stays a few milliseconds on the intake screen.
    """
    pad = 0.012
    sources = session.execute(
        select(
            WaterSource.id,
            WaterSource.name,
            WaterSource.kind,
            WaterSource.state,
            WaterSource.lon,
            WaterSource.lat,
        ).where(
            WaterSource.lon.between(incident.lon - pad, incident.lon + pad),
            WaterSource.lat.between(incident.lat - pad * 0.7, incident.lat + pad * 0.7),
        )
    ).all()
    if not sources:
        return []
    node = state.snapper.snap(incident.lon, incident.lat).node
    tree = shortest_path_tree(state.graph, node, limit_s=limit_s)
    snapped = state.snapper.snap_many(
        np.array([s.lon for s in sources]), np.array([s.lat for s in sources])
    )
    seconds = tree[snapped.nodes]
    order = np.argsort(seconds)
    out = []
    for i in order[: limit * 2].tolist():
        if not np.isfinite(seconds[i]):
            break
        ws = sources[i]
        out.append(
            {
                "id": ws.id,
                "name": ws.name,
                "kind": ws.kind.value,
                "kind_zh": ws.kind.zh,
                "state": ws.state.value,
                "state_zh": ws.state.zh,
                "seconds": round(float(seconds[i]), 1),
                "metres": round(float(haversine_m(ws.lon, ws.lat, incident.lon, incident.lat)), 1),
            }
        )
        if len(out) == limit:
            break
    return out


def open_hazards_of(session: Session, premises_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """Open hazards of the premises a call comes from: what crews should know on arrival."""
    from lanyan.prevention.models import Hazard

    rows = session.scalars(
        select(Hazard)
        .where(Hazard.premises_id == premises_id, Hazard.status.not_in(["closed", "rejected"]))
        .order_by(Hazard.severity.desc(), Hazard.found_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": h.id,
            "title": h.title,
            "severity": h.severity.value,
            "severity_zh": h.severity.zh,
            "status": h.status.value,
            "status_zh": h.status.zh,
            "found_at": h.found_at.isoformat(),
        }
        for h in rows
    ]


# --- recommendation ----------------------------------------------------------------------------


def requirements_for(
    session: Session, incident: Incident
) -> tuple[ResponsePlanRule | None, list[dict[str, Any]]]:
    """The plan rule that applies and its requirements (merged with the level's general rule)."""
    rules = list(session.scalars(select(ResponsePlanRule).where(ResponsePlanRule.is_active)))
    venue = incident.premises.venue_type if incident.premises else None
    rule = choose_rule(
        rules,
        incident_type=incident.type,
        subtype=incident.subtype,
        venue_type=venue,
        level=incident.level,
    )
    if rule is None:
        return None, []
    reqs = list(rule.requirements)
    general = general_rule(rules, incident_type=incident.type, level=incident.level)
    if general is not None and general.id != rule.id:
        reqs = merge_requirements(reqs, list(general.requirements))
    return rule, reqs


def recommend(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    incident_id: int,
    with_routes: bool = True,
) -> dict[str, Any]:
    """Units to send for the incident's plan, fastest suitable first, each with its reason."""
    incident = get_incident(session, actor, incident_id)
    state = network.current(session)
    node = state.snapper.snap(incident.lon, incident.lat)
    units = list(
        session.scalars(
            select(Unit)
            .join(Unit.station)
            .where(Organization.path.startswith(actor.org_path, autoescape=True))
        ).unique()
    )
    brigade_of_org = state.brigade_of_org
    ranked = rec.candidates(state, units, node.node, incident.lon, incident.lat, brigade_of_org)
    rule, reqs = requirements_for(session, incident)
    zone = Zone(int(state.zone[node.node]))
    height = incident.premises.height_m if incident.premises else None
    fills = rec.fill_plan(
        reqs, ranked, own_brigade_id=incident.brigade_id, zone=zone, building_height_m=height
    )
    chosen = [pick for fill in fills for pick in fill.picks]
    routes = _routes_of(state, [p.candidate for p in chosen], node.node) if with_routes else {}
    picks = []
    for pick in chosen:
        unit = pick.candidate.unit
        entry: dict[str, Any] = {
            "unit_id": unit.id,
            "call_sign": unit.call_sign,
            "unit_type": unit.type.value,
            "unit_type_zh": unit.type.zh,
            "station_id": unit.station_id,
            "station_name": unit.station.name,
            "brigade_name": state.brigade_names.get(pick.candidate.brigade_id or 0),
            "eta_s": round(pick.candidate.eta_s, 1),
            "straight_m": round(pick.candidate.straight_m, 1),
            "requirement": pick.requirement,
            "reason": pick.reason,
            "cross_brigade": pick.cross_brigade,
            "distance_m": None,
            "route": None,
        }
        entry |= routes.get(unit.id, {})
        picks.append(entry)
    return {
        "incident_id": incident.id,
        "level": incident.level,
        "zone": zone.name.lower(),
        "plan": None if rule is None else {"id": rule.id, "name": rule.name, "source": rule.source},
        "snap": {
            "node": node.node,
            "distance_m": round(float(node.distance_m), 1),
            "too_far": bool(node.too_far),
        },
        "units": picks,
        "requirements": [
            {
                "label": f.label,
                "unit_types": f.unit_types,
                "count": f.count,
                "filled": len(f.picks),
                "missing": f.missing,
            }
            for f in fills
        ],
        "unfilled": [{"label": f.label, "missing": f.missing} for f in fills if f.missing],
        "alternatives": [
            {
                "unit_id": c.unit.id,
                "call_sign": c.unit.call_sign,
                "unit_type": c.unit.type.value,
                "eta_s": round(c.eta_s, 1),
            }
            for c in ranked[:20]
        ],
    }


def _routes_of(
    state: NetworkState, chosen: list[rec.Candidate], target: int
) -> dict[int, dict[str, Any]]:
    """Route geometry of every chosen unit, from one reverse search from the incident."""
    from lanyan.routing import routes_to

    if not chosen:
        return {}
    sources = []
    for cand in chosen:
        unit = cand.unit
        if cand.away and unit.lon is not None and unit.lat is not None:
            sources.append(state.snapper.snap(unit.lon, unit.lat).node)
        else:
            sources.append(int(state.table.station_nodes[state.row_of_org[unit.station_id]]))
    bound = max(c.eta_s for c in chosen) + 120.0
    out = {}
    for cand, path in zip(
        chosen, routes_to(state.graph, sources, target, limit_s=bound), strict=True
    ):
        if path is not None:
            out[cand.unit.id] = {
                "distance_m": round(path.metres, 1),
                "route": path.geojson(state.graph),
            }
    return out


# --- assignment --------------------------------------------------------------------------------


def assign_units(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    incident_id: int,
    unit_ids: list[int],
    at: datetime | None = None,
    etas: dict[int, rec.Candidate] | None = None,
) -> list[Assignment]:
    """Send units to an incident in one transaction: all of them, or none (409 naming the unit).

    Each unit is claimed with a compare-and-set UPDATE (status must still be dispatchable), and the
    partial unique index on active assignments stops a double assignment even if two dispatchers
    race; whichever commits second gets the conflict.
    """
    actor.require(Action.INCIDENT_WRITE)
    incident = get_incident(session, actor, incident_id)
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("警情已结案，不能再调派", "the incident is closed")
    if len(set(unit_ids)) != len(unit_ids):
        raise Invalid("车辆重复", "a unit is listed twice")
    now = at or utcnow()
    if etas is None:
        state = network.current(session)
        node = state.snapper.snap(incident.lon, incident.lat).node
        units = [get_unit(session, actor, uid) for uid in unit_ids]
        ranked = rec.candidates(
            state, units, node, incident.lon, incident.lat, state.brigade_of_org
        )
        etas = {c.unit.id: c for c in ranked}
    created = []
    for unit_id in unit_ids:
        unit = get_unit(session, actor, unit_id)
        previous = session.scalars(
            select(Assignment).where(
                Assignment.unit_id == unit.id, Assignment.status != AssignmentStatus.IN_QUARTERS
            )
        ).first()
        if previous is not None and previous.status != AssignmentStatus.RETURNING:
            raise Conflict(
                f"{unit.call_sign}正在执行其他警情，不能调派",
                f"{unit.call_sign} is on another incident",
            )
        claimed = session.execute(
            update(Unit)
            .where(
                Unit.id == unit.id, Unit.status.in_([UnitStatus.AVAILABLE, UnitStatus.RETURNING])
            )
            .values(status=UnitStatus.DISPATCHED, status_changed_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                f"{unit.call_sign}当前不可调派（可能已被其他调度员调派）",
                f"{unit.call_sign} is not available (taken meanwhile?)",
            )
        if previous is not None:  # a returning unit re-dispatched from the road (改派)
            previous.status = AssignmentStatus.IN_QUARTERS
            previous.in_quarters_at = now  # its part in the old call ends here
            old = previous.incident
            _event(
                session,
                old,
                EventKind.RETURNING,
                actor=actor,
                at=now,
                unit=unit,
                detail={"reassigned_to": incident.id},
            )
        cand = etas.get(unit.id)
        assignment = Assignment(
            incident_id=incident.id,
            unit_id=unit.id,
            status=AssignmentStatus.ASSIGNED,
            eta_s=cand.eta_s if cand else None,
            distance_m=cand.straight_m if cand else None,
            cross_brigade=bool(
                cand
                and incident.brigade_id
                and cand.brigade_id
                and cand.brigade_id != incident.brigade_id
            ),
            assigned_by_id=actor.user_id,
            assigned_at=now,
        )
        session.add(assignment)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as exc:
            raise Conflict(
                f"{unit.call_sign}已被调派到其他警情",
                f"{unit.call_sign} was assigned elsewhere meanwhile",
            ) from exc
        _event(
            session,
            incident,
            EventKind.DISPATCHED,
            actor=actor,
            at=now,
            unit=unit,
            detail={"eta_s": assignment.eta_s},
        )
        audit.record(
            session,
            actor=actor,
            action="assign",
            entity="assignment",
            entity_id=assignment.id,
            after={
                "incident_id": incident.id,
                "unit_id": unit.id,
                "unit_status": UnitStatus.DISPATCHED.value,
            },
        )
        events.queue(
            session,
            events.Event(
                "unit.status",
                {
                    "unit_id": unit.id,
                    "call_sign": unit.call_sign,
                    "status": "dispatched",
                    "incident_id": incident.id,
                },
                unit.station.path,
            ),
        )
        created.append(assignment)
    if incident.status == IncidentStatus.RECEIVED:
        incident.status = IncidentStatus.DISPATCHED
    refresh_first_response(session, incident)
    incident.updated_at = now
    _publish(
        session,
        "assignment.created",
        incident,
        unit_ids=unit_ids,
        stations=tuple(a.unit.station.path for a in created if a.unit is not None),
    )
    session.flush()
    return created


def get_assignment(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    """An assignment whose unit lies in the actor's jurisdiction, else 404."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or not actor.covers(assignment.unit.station.path):
        raise not_found("调派记录", "assignment", assignment_id)
    return assignment


def set_assignment_status(
    session: Session,
    *,
    actor: Actor,
    assignment_id: int,
    data: AssignmentStatusChange,
    at: datetime | None = None,
) -> Assignment:
    """Record a unit's milestone (出动/到场/出水/返回/归队); the unit's status follows."""
    actor.require(Action.UNIT_STATUS)
    assignment = get_assignment(session, actor, assignment_id)
    if data.status not in ASSIGNMENT_TRANSITIONS[assignment.status]:
        raise Conflict(
            f"不能从“{assignment.status.zh}”变为“{data.status.zh}”",
            f"an assignment cannot go from {assignment.status.en} to {data.status.en}",
        )
    if (data.lon is None) != (data.lat is None):
        raise Invalid("经度和纬度需同时提供", "give both lon and lat, or neither")
    now = at or utcnow()
    before = {"status": assignment.status.value}
    assignment.status = data.status
    setattr(assignment, STAMP_OF[data.status], now)
    unit = assignment.unit
    unit.status = UNIT_STATUS_OF[data.status]
    unit.status_changed_at = now
    if data.status == AssignmentStatus.IN_QUARTERS:
        unit.lon = unit.lat = None
    elif data.lon is not None:
        unit.lon, unit.lat = data.lon, data.lat
    incident = assignment.incident
    if is_first(incident, assignment):
        refresh_first_response(session, incident)
    _event(session, incident, EVENT_OF[data.status], actor=actor, at=now, unit=unit)
    if data.status == AssignmentStatus.ON_SCENE and incident.status in (
        IncidentStatus.RECEIVED,
        IncidentStatus.DISPATCHED,
    ):
        incident.status = IncidentStatus.ON_SCENE
    incident.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="status",
        entity="assignment",
        entity_id=assignment.id,
        before=before,
        after={"status": data.status.value, "unit_status": unit.status.value},
    )
    events.queue(
        session,
        events.Event(
            "unit.status",
            {
                "unit_id": unit.id,
                "call_sign": unit.call_sign,
                "status": unit.status.value,
                "status_zh": unit.status.zh,
                "incident_id": incident.id,
                "lon": unit.lon,
                "lat": unit.lat,
            },
            unit.station.path,
        ),
    )
    _publish(
        session,
        "assignment.updated",
        incident,
        assignment_id=assignment.id,
        unit_id=unit.id,
        assignment_status=data.status.value,
    )
    return assignment


# --- incident progress -------------------------------------------------------------------------


def escalate(
    session: Session,
    *,
    actor: Actor,
    incident_id: int,
    data: EscalateRequest,
    at: datetime | None = None,
) -> Incident:
    """Raise the level (追加力量); the recommendation then asks for the higher level's plan."""
    actor.require(Action.INCIDENT_WRITE)
    incident = get_incident(session, actor, incident_id)
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("警情已结案", "the incident is closed")
    if data.level <= incident.level:
        raise Conflict(
            f"等级只能提高（当前为{incident.level}级）",
            f"the level only goes up (now {incident.level})",
        )
    now = at or utcnow()
    before = incident.level
    incident.level = data.level
    incident.updated_at = now
    _event(
        session,
        incident,
        EventKind.ESCALATED,
        actor=actor,
        at=now,
        detail={"from": before, "to": data.level, "reason": data.reason},
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="escalate",
        entity="incident",
        entity_id=incident.id,
        before={"level": before},
        after={"level": data.level},
    )
    _publish(session, "incident.updated", incident, level=data.level)
    return incident


def set_incident_status(
    session: Session,
    *,
    actor: Actor,
    incident_id: int,
    status: IncidentStatus,
    at: datetime | None = None,
) -> Incident:
    """控制 / 扑灭: the fight's progress only moves forward."""
    actor.require(Action.INCIDENT_WRITE)
    incident = get_incident(session, actor, incident_id)
    order = list(IncidentStatus)
    if status not in (IncidentStatus.CONTROLLED, IncidentStatus.EXTINGUISHED):
        raise Invalid("只能设置为已控制或已扑灭", "only controlled or extinguished")
    if incident.status == IncidentStatus.CLOSED or order.index(status) <= order.index(
        incident.status
    ):
        raise Conflict(
            f"警情已是“{incident.status.zh}”，不能改为“{status.zh}”",
            f"the incident is {incident.status.en}; cannot become {status.en}",
        )
    now = at or utcnow()
    before = incident.status.value
    incident.status = status
    incident.updated_at = now
    _event(
        session,
        incident,
        EventKind.CONTROLLED if status == IncidentStatus.CONTROLLED else EventKind.EXTINGUISHED,
        actor=actor,
        at=now,
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="status",
        entity="incident",
        entity_id=incident.id,
        before={"status": before},
        after={"status": status.value},
    )
    _publish(session, "incident.updated", incident)
    return incident


def close_incident(
    session: Session,
    *,
    actor: Actor,
    incident_id: int,
    report: ClosingReport,
    at: datetime | None = None,
) -> Incident:
    """Close with the closing report; a fire's grade follows from its figures."""
    actor.require(Action.INCIDENT_WRITE)
    incident = get_incident(session, actor, incident_id)
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("警情已结案", "the incident is already closed")
    busy = [a.unit.call_sign for a in incident.assignments if a.status in STILL_ON_CALL]
    if busy:
        raise Conflict(
            f"仍有车辆在执行任务：{'、'.join(busy)}", f"units still on the call: {', '.join(busy)}"
        )
    now = at or utcnow()
    before = audit.snapshot(incident)
    for key, value in report.model_dump().items():
        setattr(incident, key, value)
    incident.fire_grade = (
        fire_grade(
            deaths=report.deaths,
            serious_injuries=report.serious_injuries,
            direct_loss_cny=report.direct_loss_cny,
        )
        if incident.type == IncidentType.FIRE
        else None
    )
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = now
    incident.updated_at = now
    _event(
        session,
        incident,
        EventKind.CLOSED,
        actor=actor,
        at=now,
        detail={"fire_grade": incident.fire_grade.zh if incident.fire_grade else None},
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="close",
        entity="incident",
        entity_id=incident.id,
        before=before,
        after=audit.snapshot(incident),
    )
    _publish(session, "incident.updated", incident)
    return incident


def my_orders(session: Session, *, actor: Actor) -> list[Assignment]:
    """Active assignments of the units based in the actor's organization subtree."""
    actor.require(Action.READ)
    return list(
        session.scalars(
            select(Assignment)
            .join(Assignment.unit)
            .join(Unit.station)
            .where(Organization.path.startswith(actor.org_path, autoescape=True))
            .where(Assignment.status != AssignmentStatus.IN_QUARTERS)
            .order_by(Assignment.assigned_at.desc())
        ).unique()
    )
