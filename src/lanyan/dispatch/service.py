"""The only way to change dispatch state: intake, recommend, assign, milestones, escalate, close.

Every function takes the acting user, checks role and jurisdiction, writes the incident's
timeline and the audit trail in the caller's transaction, and queues live events that are
published when that transaction commits. ``at`` arguments let the demo history replay a year of
calls through this same code with the times they happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, joinedload, lazyload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from lanyan.core import audit, events
from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.db import first_in_line
from lanyan.core.errors import Conflict, Forbidden, Invalid
from lanyan.core.jurisdiction import get_visible, not_found_error, visible, visible_condition
from lanyan.core.permissions import Action, allowed
from lanyan.core.standards import standards
from lanyan.dispatch import nearby
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
from lanyan.dispatch.first_response import copy_first_milestones, refresh_response
from lanyan.dispatch.grading import grade_fire
from lanyan.dispatch.models import (
    Assignment,
    Incident,
    IncidentDayCounter,
    IncidentEvent,
    ResponsePlanRule,
)
from lanyan.dispatch.nearby import Nearby
from lanyan.dispatch.plans import choose_rule, general_rule, merge_requirements
from lanyan.dispatch.route_shapes import routes_of
from lanyan.dispatch.schemas import (
    AssignmentStatusChange,
    ClosingReport,
    EscalateRequest,
    IncidentCreate,
)
from lanyan.forces.choices import OrgKind, UnitStatus
from lanyan.forces.models import Organization, Unit
from lanyan.planning.coverage import Zone
from lanyan.planning.network import NetworkState, RoadNetwork
from lanyan.prevention.models import Premises
from lanyan.routing import NoRouteError, haversine_m, route

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


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident with everything its API answer shows, each row loaded once by the service.

    ``incident`` carries its brigade, premises, assignments (with units and stations) and
    timeline; ``nearby`` the intake extras where the answer shows them (intake, detail page).
    """

    incident: Incident
    nearby: Nearby | None = None


@dataclass(frozen=True, slots=True)
class Dispatched:
    """What one dispatch order did: the incident as it now stands and the new assignments."""

    incident: Incident
    created: list[Assignment]


@dataclass(frozen=True, slots=True)
class Order:
    """A station crew's current order: the assignment, its incident, the route from quarters."""

    assignment: Assignment
    route: dict[str, Any] | None


# --- helpers -----------------------------------------------------------------------------------


def _org_path_of(incident: Incident) -> str:
    return incident.brigade.path if incident.brigade is not None else "/"


def _new_event(
    incident_id: int,
    kind: EventKind,
    *,
    actor: Actor,
    at: datetime,
    unit: Unit | None = None,
    detail: dict[str, Any] | None = None,
) -> IncidentEvent:
    return IncidentEvent(
        incident_id=incident_id,
        at=at,
        kind=kind,
        unit_id=unit.id if unit else None,
        call_sign=unit.call_sign if unit else None,
        actor_id=actor.user_id,
        actor_name=actor.display_name or actor.username,
        detail=detail,
    )


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
    """Add a timeline entry; into the loaded timeline when it is, so the answer is current."""
    event = _new_event(incident.id, kind, actor=actor, at=at, unit=unit, detail=detail)
    if "events" in inspect(incident).unloaded:
        session.add(event)
    else:
        incident.events.append(event)


def _publish(session: Session, kind: str, incident: Incident, **data: Any) -> None:
    """Queue an incident event for the brigade and the stations of the units on it."""
    payload = {
        "incident_id": incident.id,
        "number": incident.number,
        "status": incident.status.value,
        **data,
    }
    paths = tuple({a.unit.station.path for a in incident.assignments})
    events.queue(session, events.Event(kind, payload, _org_path_of(incident), paths))


def _load_incident(
    session: Session, actor: Actor, incident_id: int, *options: ORMOption
) -> Incident:
    """The incident in the actor's jurisdiction (404 otherwise), loaded with ``options``."""
    incident = session.scalars(
        visible(actor, Incident).where(Incident.id == incident_id).options(*options)
    ).one_or_none()
    if incident is None:
        raise not_found_error(Incident, incident_id)
    return incident


def get_incident(session: Session, actor: Actor, incident_id: int) -> Incident:
    """One incident in the actor's jurisdiction with its assignments and timeline, else 404."""
    actor.require(Action.READ)
    return _load_incident(session, actor, incident_id)


def incident_detail(
    session: Session, *, actor: Actor, network: RoadNetwork, incident_id: int
) -> IncidentView:
    """One incident with the intake extras (duplicates, caller history, water, hazards)."""
    incident = get_incident(session, actor, incident_id)
    state = network.current(session)
    return IncidentView(incident, nearby.around(session, actor, state, incident))


def list_incidents(
    session: Session, *, actor: Actor, open_only: bool = False, limit: int = 100, offset: int = 0
) -> tuple[list[Incident], int]:
    """Incidents in the actor's jurisdiction, newest first, without their timelines (a list
    shows none: loading them was a tenth of the server's time under a dispatch room's load)."""
    actor.require(Action.READ)
    stmt = (
        visible(actor, Incident)
        .order_by(Incident.received_at.desc(), Incident.id.desc())
        .options(lazyload(Incident.events))
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


def take_call(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    data: IncidentCreate,
    at: datetime | None = None,
) -> IncidentView:
    """Take a 119 call and gather what the intake screen shows around it (one call per request).

    Everything read is read before the first write: from the first write to the commit the call
    holds the day's number (a row lock on PostgreSQL) and, on SQLite, the database's only write
    lock, so other calls, crews and an import's chunks wait for as few statements as possible
    and never for the water-source search on the road network.
    """
    state = network.current(session)
    incident = _draft(session, actor=actor, state=state, data=data, at=at)
    around = nearby.around(session, actor, state, incident)
    with first_in_line():  # on SQLite, before the crews' and the import's waiting writes
        recorded = _record(session, actor=actor, incident=incident)
    return IncidentView(recorded, around)


def create_incident(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    data: IncidentCreate,
    at: datetime | None = None,
) -> Incident:
    """Take a call: place it on the road network, attach the premises, open the timeline."""
    incident = _draft(session, actor=actor, state=network.current(session), data=data, at=at)
    return _record(session, actor=actor, incident=incident)


def _draft(
    session: Session,
    *,
    actor: Actor,
    state: NetworkState,
    data: IncidentCreate,
    at: datetime | None,
) -> Incident:
    """The checked call, not yet in the session and without its number: reads only."""
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
    premises: Premises | None
    if data.premises_id is not None:
        premises = get_visible(session, actor, Premises, data.premises_id)
    elif data.match_premises:
        premises = _premises_at(session, actor, data.lon, data.lat, table["premises_match_m"])
    else:  # the dispatcher placed the call on a street: a premises nearby is not the scene
        premises = None
    now = at or utcnow()
    return Incident(
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
        brigade=org,
        premises=premises,
        # the keys too: what is read around the call before it is written asks for them
        brigade_id=org.id if org is not None else None,
        premises_id=premises.id if premises is not None else None,
        description=data.description,
        received_at=now,
        registered_at=now,
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
        # a new call has no units and an empty timeline: known, so never loaded
        assignments=[],
        events=[],
    )


def _record(session: Session, *, actor: Actor, incident: Incident) -> Incident:
    """Write the drafted call: its number, the row, the timeline's first entries, audit, event."""
    now = incident.received_at
    incident.number = _next_number(session, as_local(now).date())
    session.add(incident)
    session.flush()
    _event(
        session,
        incident,
        EventKind.RECEIVED,
        actor=actor,
        at=now,
        detail={"caller_number": incident.caller_number, "address": incident.address_text},
    )
    _event(
        session,
        incident,
        EventKind.REGISTERED,
        actor=actor,
        at=now,
        detail={"type": incident.type.zh, "level": incident.level},
    )
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
    session.flush()
    return incident


def _next_number(session: Session, day: date) -> str:
    """The next incident number of a local day: YYYYMMDD and a 4-digit sequence from 0001.

    One statement increments the day's counter and reads it back; the counter row stays locked
    until the call's transaction ends, so concurrent calls get consecutive, distinct numbers and a
    call that fails gives its number back. A day with more than 9,999 calls goes on with 5 digits.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(IncidentDayCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": IncidentDayCounter.last + 1})
        .returning(IncidentDayCounter.last)
    )
    sequence = session.execute(statement).scalar_one()
    return f"{day:%Y%m%d}{sequence:04d}"


def _premises_at(
    session: Session, actor: Actor, lon: float, lat: float, radius_m: float
) -> Premises | None:
    """The premises in the actor's jurisdiction within ``radius_m`` of the call, nearest first."""
    pad = radius_m / 111_000 * 2
    near = session.scalars(
        select(Premises).where(
            visible_condition(actor, Premises),
            Premises.lon.between(lon - pad, lon + pad),
            Premises.lat.between(lat - pad, lat + pad),
        )
    ).all()
    if not near:
        return None
    dist = haversine_m([p.lon for p in near], [p.lat for p in near], lon, lat)
    best = int(np.argmin(dist))
    return near[best] if float(dist[best]) <= radius_m else None


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
) -> rec.Recommendation:
    """Units to send for the incident's plan, fastest suitable first, each with its reason."""
    actor.require(Action.READ)
    incident = _load_incident(
        session, actor, incident_id, lazyload(Incident.assignments), lazyload(Incident.events)
    )
    state = network.current(session)
    snap = state.snapper.snap(incident.lon, incident.lat)
    # each unit that may go (only those can be candidates; in a busy hour many are out), with
    # its station's name; not the station's parent, nor either one's jurisdiction polygon
    # (parsed for every unit of the city on every recommendation otherwise)
    units = list(
        session.scalars(
            visible(actor, Unit)
            .where(Unit.status.in_([s for s in UnitStatus if s.dispatchable]))
            .options(
                joinedload(Unit.station).options(
                    lazyload(Organization.parent), defer(Organization.jurisdiction)
                )
            )
        )
    )
    ranked = rec.candidates(state, units, snap, incident.lon, incident.lat, state.brigade_of_org)
    rule, reqs = requirements_for(session, incident)
    zone = Zone(int(state.zone[snap.node]))
    height = incident.premises.height_m if incident.premises else None
    fills = rec.fill_lines(  # issue 19: plan lines asking for a combat unit (作战编成)
        session,
        reqs,
        ranked,
        own_brigade_id=incident.brigade_id,
        zone=zone,
        building_height_m=height,
    )
    first = rec.first_responders(fills, ranked)
    chosen = [pick.candidate for fill in fills for pick in fill.picks]
    chosen += [pick.candidate for pick in first]
    return rec.Recommendation(
        incident=incident,
        zone=zone,
        rule=rule,
        snap=snap,
        fills=fills,
        first_responders=first,
        ranked=ranked,
        routes=routes_of(state, chosen, snap) if with_routes else {},
        brigade_names=state.brigade_names,
    )


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
) -> Dispatched:
    """Send units to an incident in one transaction: all of them, or none (409 naming the unit).

    The units are claimed together with one compare-and-set UPDATE (status must still be
    dispatchable; it returns the ids it claimed), and the partial unique index on active
    assignments stops a double assignment even if two dispatchers race; whichever commits second
    gets the conflict. The statements do not grow with the number of units: each step reads or
    writes all of them at once.
    """
    actor.require(Action.INCIDENT_WRITE)
    incident = get_incident(session, actor, incident_id)
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("警情已结案，不能再调派", "the incident is closed")
    if len(set(unit_ids)) != len(unit_ids):
        raise Invalid("车辆重复", "a unit is listed twice")
    now = at or utcnow()
    found = {u.id: u for u in session.scalars(visible(actor, Unit).where(Unit.id.in_(unit_ids)))}
    missing = [uid for uid in unit_ids if uid not in found]
    if missing:
        raise not_found_error(Unit, missing[0])
    units = [found[uid] for uid in unit_ids]
    if etas is None:
        state = network.current(session)
        snap = state.snapper.snap(incident.lon, incident.lat)
        ranked = rec.candidates(
            state, units, snap, incident.lon, incident.lat, state.brigade_of_org
        )
        etas = {c.unit.id: c for c in ranked}
    previous = {
        a.unit_id: a
        for a in session.scalars(
            select(Assignment)
            .where(
                Assignment.unit_id.in_(unit_ids),
                Assignment.status != AssignmentStatus.IN_QUARTERS,
            )
            .options(lazyload(Assignment.unit))
        )
    }
    for unit in units:
        busy = previous.get(unit.id)
        if busy is not None and busy.status != AssignmentStatus.RETURNING:
            raise Conflict(
                f"{unit.call_sign}正在执行其他警情，不能调派",
                f"{unit.call_sign} is on another incident",
            )
    claimed = set(
        session.scalars(
            update(Unit)
            .where(
                Unit.id.in_(unit_ids),
                Unit.status.in_([UnitStatus.AVAILABLE, UnitStatus.RETURNING]),
            )
            .values(status=UnitStatus.DISPATCHED, status_changed_at=now, updated_at=now)
            .returning(Unit.id),
            execution_options={"synchronize_session": "fetch"},
        )
    )
    for unit in units:
        if unit.id not in claimed:
            raise Conflict(
                f"{unit.call_sign}当前不可调派（可能已被其他调度员调派）",
                f"{unit.call_sign} is not available (taken meanwhile?)",
            )
    created = []
    for unit in units:
        ended = previous.get(unit.id)
        if ended is not None:  # a returning unit re-dispatched from the road (改派)
            ended.status = AssignmentStatus.IN_QUARTERS
            ended.in_quarters_at = now  # its part in the old call ends here
            session.add(
                _new_event(
                    ended.incident_id,
                    EventKind.RETURNING,
                    actor=actor,
                    at=now,
                    unit=unit,
                    detail={"reassigned_to": incident.id},
                )
            )
        cand = etas.get(unit.id)
        created.append(
            Assignment(
                unit=unit,
                status=AssignmentStatus.ASSIGNED,
                eta_s=cand.eta_s if cand else None,
                distance_m=cand.straight_m if cand else None,
                cross_brigade=bool(
                    cand
                    and incident.brigade_id
                    and cand.brigade_id
                    and cand.brigade_id != incident.brigade_id
                ),
                crew_sent=unit.crew_on_duty,
                assigned_by_id=actor.user_id,
                assigned_at=now,
            )
        )
    incident.assignments.extend(created)  # the loaded collection stays true: no reload
    call_signs = [u.call_sign for u in units]  # a failed flush leaves the objects unreadable
    try:
        session.flush()
    except IntegrityError as exc:  # the caller rolls the whole order back
        raise Conflict(
            f"{'、'.join(call_signs)}已被调派到其他警情",
            f"{', '.join(call_signs)}: assigned elsewhere meanwhile",
        ) from exc
    for assignment in created:
        unit = assignment.unit
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
    refresh_response(session, incident)  # flushes first: the incident is updated once
    if incident.status == IncidentStatus.RECEIVED:
        incident.status = IncidentStatus.DISPATCHED
    incident.updated_at = now
    _publish(session, "assignment.created", incident, unit_ids=unit_ids)
    session.flush()
    return Dispatched(incident, created)


def get_assignment(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    """An assignment whose unit lies in the actor's jurisdiction (404 otherwise), with its unit
    and station and its incident with the incident's other assignments (not the timeline)."""
    assignment = session.scalars(
        visible(actor, Assignment)
        .where(Assignment.id == assignment_id)
        .options(joinedload(Assignment.incident).lazyload(Incident.events))
    ).one_or_none()
    if assignment is None:
        raise not_found_error(Assignment, assignment_id)
    return assignment


def set_assignment_status(
    session: Session,
    *,
    actor: Actor,
    assignment_id: int,
    data: AssignmentStatusChange,
    at: datetime | None = None,
) -> Assignment:
    """Record a unit's milestone (出动/到场/出水/返回/归队); the unit's status follows.

    Returns the assignment with its unit and station: all its answer shows.
    """
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
    copy_first_milestones(incident, assignment)
    _event(session, incident, EVENT_OF[data.status], actor=actor, at=now, unit=unit)
    if data.status == AssignmentStatus.ON_SCENE and incident.status in (
        IncidentStatus.RECEIVED,
        IncidentStatus.DISPATCHED,
    ):
        incident.status = IncidentStatus.ON_SCENE
    incident.updated_at = now
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
    session.flush()
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
            f"等级只能提高（当前为{level_zh(incident.level)}）",
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


LEVEL_ZH = ("", "一级", "二级", "三级", "四级", "五级")
"""Dispatch levels as the console and the crews read them (等级：一级)."""


def level_zh(level: int) -> str:
    """A dispatch level in Chinese: 1 → 一级."""
    return LEVEL_ZH[level] if 0 < level < len(LEVEL_ZH) else f"{level}级"


def set_incident_status(
    session: Session,
    *,
    actor: Actor,
    incident_id: int,
    status: IncidentStatus,
    override_reason: str | None = None,
    at: datetime | None = None,
) -> Incident:
    """控制 / 扑灭: the fight's progress only moves forward, and only once someone is on scene.

    Before the first 到场 of any unit the change is refused (409): nobody could have seen the
    fire under control. A duty commander may still make it with ``override_reason`` (handled
    before arrival, a unit on scene that did not report 到场 ...); the override is recorded in the
    timeline entry and the audit row.
    """
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
    reason = (override_reason or "").strip() or None
    on_scene = any(a.on_scene_at is not None for a in incident.assignments)
    if not on_scene and reason is None:
        raise Conflict(
            f"尚无力量到场，不能标记为“{status.zh}”；"
            "如确已控制（如到场前已自行扑灭），请由指挥员填写原因后强制标记",
            f"no unit is on scene yet: the incident cannot become {status.en} "
            "without a commander's override and its reason",
        )
    if not on_scene and not allowed(actor.role, Action.INCIDENT_OVERRIDE):
        raise Forbidden(
            "尚无力量到场时强制标记需由值班指挥员操作",
            "only a duty commander may override before any unit is on scene",
        )
    override = not on_scene
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
        detail={"override": True, "reason": reason} if override else None,
    )
    session.flush()
    after: dict[str, Any] = {"status": status.value}
    if override:
        after |= {"override": True, "override_reason": reason}
    audit.record(
        session,
        actor=actor,
        action="override_status" if override else "status",
        entity="incident",
        entity_id=incident.id,
        before={"status": before},
        after=after,
    )
    _publish(session, "incident.updated", incident)
    return incident


CLOSING_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("rescued", "获救", "人"),
    ("evacuated", "疏散", "人"),
    ("deaths", "死亡", "人"),
    ("serious_injuries", "重伤", "人"),
    ("minor_injuries", "轻伤", "人"),
    ("property_protected_cny", "保护财产", "元"),
    ("direct_loss_cny", "直接经济损失", "元"),
    ("households_affected", "受灾", "户"),
)
"""Every figure of the closing report, with its Chinese name and unit, in the order shown."""


def closing_figures(report: ClosingReport) -> dict[str, int | float]:
    """Every figure of a closing report (zeros too: a zero entered is a figure entered)."""
    values = report.model_dump()
    return {key: values[key] for key, _, _ in CLOSING_FIGURES}


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
    if incident.type == IncidentType.FIRE:
        # graded by the rules in force on the local day the call came in
        grading = grade_fire(
            deaths=report.deaths,
            serious_injuries=report.serious_injuries,
            minor_injuries=report.minor_injuries,
            direct_loss_cny=report.direct_loss_cny,
            households=report.households_affected,
            occurred_on=as_local(incident.received_at).date(),
        )
        incident.fire_grade = grading.grade
        incident.slight_fire = grading.slight
        incident.fire_grade_edition = grading.edition
    else:
        incident.fire_grade = incident.slight_fire = incident.fire_grade_edition = None
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = now
    incident.updated_at = now
    _event(
        session,
        incident,
        EventKind.CLOSED,
        actor=actor,
        at=now,
        detail={
            **closing_figures(report),
            "fire_grade": incident.fire_grade.zh if incident.fire_grade else None,
            "slight_fire": incident.slight_fire,
            "fire_grade_edition": incident.fire_grade_edition.value
            if incident.fire_grade_edition
            else None,
        },
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


def my_orders(session: Session, *, actor: Actor, network: RoadNetwork) -> list[Order]:
    """Active assignments of the units based in the actor's organization subtree, newest first,
    each with its incident and the road route from the unit's station."""
    actor.require(Action.READ)
    assignments = session.scalars(
        visible(actor, Assignment)
        .where(Assignment.status != AssignmentStatus.IN_QUARTERS)
        .options(
            # spelled out: the loader does not follow a path back to Assignment by default
            selectinload(Assignment.incident).selectinload(Incident.assignments),
            selectinload(Assignment.incident).selectinload(Incident.events),
        )
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
    ).all()
    if not assignments:
        return []
    state = network.current(session)
    orders = []
    for assignment in assignments:
        feature = None
        row = state.row_of_org.get(assignment.unit.station_id)
        if row is not None:
            incident = assignment.incident
            target = state.snapper.snap(incident.lon, incident.lat)
            try:
                feature = route(state.graph, int(state.table.station_nodes[row]), target).geojson(
                    state.graph
                )
            except NoRouteError:
                feature = None
        orders.append(Order(assignment, feature))
    return orders
