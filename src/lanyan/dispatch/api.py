"""Dispatch API (接处警): intake, recommendation, assignment, milestones, escalation, closing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.api.deps import CurrentActor, Limit, Offset, SessionDep, id_path
from lanyan.core.permissions import Action
from lanyan.dispatch import plans, service
from lanyan.dispatch.choices import EventKind, IncidentStatus
from lanyan.dispatch.geocoding import GeocoderService
from lanyan.dispatch.models import Assignment, Incident, ResponsePlanRule
from lanyan.dispatch.schemas import (
    AssignmentPublic,
    AssignmentStatusChange,
    AssignRequest,
    ClosingReport,
    EscalateRequest,
    EventPublic,
    IncidentCreate,
    IncidentList,
    IncidentPublic,
    IncidentStatusChange,
    PlanRuleCreate,
    PlanRuleFields,
    PlanRulePublic,
)
from lanyan.planning.api import NetworkDep
from lanyan.planning.network import NetworkState
from lanyan.routing import NoRouteError, route

router = APIRouter(prefix="/api/dispatch", tags=["dispatch 接处警"])
IncidentId = Annotated[int, id_path("incident id")]
AssignmentId = Annotated[int, id_path("assignment id")]


def get_geocoder_service(request: Request) -> GeocoderService:
    """The process's geocoder service."""
    geocoder: GeocoderService = request.app.state.geocoder
    return geocoder


GeocoderDep = Annotated[GeocoderService, Depends(get_geocoder_service)]


def assignment_public(a: Assignment) -> AssignmentPublic:
    """An assignment for the API."""
    return AssignmentPublic(
        id=a.id,
        incident_id=a.incident_id,
        unit_id=a.unit_id,
        call_sign=a.unit.call_sign,
        unit_type=a.unit.type.value,
        station_name=a.unit.station.name,
        status=a.status,
        eta_s=a.eta_s,
        distance_m=a.distance_m,
        cross_brigade=a.cross_brigade,
        reason=a.reason,
        assigned_at=a.assigned_at,
        en_route_at=a.en_route_at,
        on_scene_at=a.on_scene_at,
        water_on_at=a.water_on_at,
        returning_at=a.returning_at,
        in_quarters_at=a.in_quarters_at,
    )


def incident_public(
    session: Session, incident: Incident, *, state: NetworkState | None = None
) -> IncidentPublic:
    """An incident for the API; with ``state``, also the intake extras (water, duplicates...)."""
    session.refresh(incident)
    premises = None
    if incident.premises is not None:
        p = incident.premises
        premises = {
            "id": p.id,
            "name": p.name,
            "category": p.category.value,
            "category_zh": p.category.zh,
            "venue_type": p.venue_type.value,
            "venue_type_zh": p.venue_type.zh,
            "height_m": p.height_m,
            "floors_above": p.floors_above,
            "floors_below": p.floors_below,
            "building_use": p.building_use,
            "preplan_notes": p.preplan_notes,
            "responsible_person": p.responsible_person,
            "responsible_phone": p.responsible_phone,
        }
    report = None
    if incident.status == IncidentStatus.CLOSED:
        report = {
            k: getattr(incident, k)
            for k in (
                "rescued",
                "evacuated",
                "deaths",
                "serious_injuries",
                "minor_injuries",
                "property_protected_cny",
                "direct_loss_cny",
                "summary",
            )
        }
    body = IncidentPublic(
        id=incident.id,
        number=incident.number,
        status=incident.status.value,
        status_zh=incident.status.zh,
        type=incident.type,
        subtype=incident.subtype,
        level=incident.level,
        caller_number=incident.caller_number,
        caller_name=incident.caller_name,
        address_text=incident.address_text,
        lon=incident.lon,
        lat=incident.lat,
        snap_m=incident.snap_m,
        snap_too_far=bool(
            incident.snap_m is not None
            and state is not None
            and incident.snap_m > state.snapper.max_snap_m
        ),
        brigade_id=incident.brigade_id,
        brigade_name=incident.brigade.name if incident.brigade else None,
        premises=premises,
        description=incident.description,
        received_at=incident.received_at,
        closed_at=incident.closed_at,
        fire_grade=incident.fire_grade.zh if incident.fire_grade else None,
        report=report,
        assignments=[assignment_public(a) for a in incident.assignments],
        timeline=[
            EventPublic(
                id=e.id,
                at=e.at,
                kind=e.kind.value,
                kind_zh=EventKind(e.kind).zh,
                unit_id=e.unit_id,
                call_sign=e.call_sign,
                actor_name=e.actor_name,
                detail=e.detail,
            )
            for e in incident.events
        ],
    )
    if state is not None:
        body.probable_duplicates = service.probable_duplicates(session, incident)
        body.caller_history = service.caller_history(session, incident)
        body.water_sources = service.nearest_water_sources(session, state, incident)
        if incident.premises_id is not None:
            body.open_hazards = service.open_hazards_of(session, incident.premises_id)
    return body


@router.get("/geocode")
def geocode(
    actor: CurrentActor,
    session: SessionDep,
    geocoder: GeocoderDep,
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*$")],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict[str, Any]:
    """Ranked address candidates; none means: place the incident by clicking the map."""
    actor.require(Action.READ)
    found = geocoder.get(session).search(q, limit=limit)
    return {
        "candidates": [
            {
                "label": c.label,
                "kind": c.kind,
                "lon": c.lon,
                "lat": c.lat,
                "score": round(c.score, 1),
                "matched": list(c.matched),
            }
            for c in found
        ]
    }


@router.post("/incidents", response_model=IncidentPublic, status_code=201)
def create_incident(
    body: IncidentCreate, actor: CurrentActor, session: SessionDep, network: NetworkDep
) -> IncidentPublic:
    """Take a 119 call."""
    incident = service.create_incident(session, actor=actor, network=network, data=body)
    session.commit()
    return incident_public(session, incident, state=network.current(session))


@router.get("/incidents", response_model=IncidentList)
def list_incidents(
    actor: CurrentActor,
    session: SessionDep,
    open: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> IncidentList:
    """Incidents in your jurisdiction, newest first."""
    rows, total = service.list_incidents(
        session, actor=actor, open_only=open, limit=limit, offset=offset
    )
    return IncidentList(items=[incident_public(session, i) for i in rows], total=total)


@router.get("/incidents/{incident_id}", response_model=IncidentPublic)
def get_incident(
    incident_id: IncidentId, actor: CurrentActor, session: SessionDep, network: NetworkDep
) -> IncidentPublic:
    """One incident with its timeline, units, water sources, duplicates and caller history."""
    incident = service.get_incident(session, actor, incident_id)
    return incident_public(session, incident, state=network.current(session))


@router.get("/incidents/{incident_id}/recommendation")
def recommendation(
    incident_id: IncidentId,
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
    routes: bool = True,
) -> dict[str, Any]:
    """The units the response plan asks for, fastest suitable first, with reasons and routes."""
    return service.recommend(
        session, actor=actor, network=network, incident_id=incident_id, with_routes=routes
    )


@router.post("/incidents/{incident_id}/assignments", response_model=IncidentPublic, status_code=201)
def assign(
    incident_id: IncidentId,
    body: AssignRequest,
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
) -> IncidentPublic:
    """Send units (all or none)."""
    service.assign_units(
        session, actor=actor, network=network, incident_id=incident_id, unit_ids=body.unit_ids
    )
    session.commit()
    return incident_public(session, service.get_incident(session, actor, incident_id))


@router.post("/assignments/{assignment_id}/status", response_model=AssignmentPublic)
def assignment_status(
    assignment_id: AssignmentId,
    body: AssignmentStatusChange,
    actor: CurrentActor,
    session: SessionDep,
) -> AssignmentPublic:
    """A unit's milestone: 出动, 到场, 出水, 返回, 归队."""
    assignment = service.set_assignment_status(
        session, actor=actor, assignment_id=assignment_id, data=body
    )
    session.commit()
    return assignment_public(assignment)


@router.post("/incidents/{incident_id}/escalate", response_model=IncidentPublic)
def escalate(
    incident_id: IncidentId, body: EscalateRequest, actor: CurrentActor, session: SessionDep
) -> IncidentPublic:
    """Raise the level (追加力量)."""
    incident = service.escalate(session, actor=actor, incident_id=incident_id, data=body)
    session.commit()
    return incident_public(session, incident)


@router.post("/incidents/{incident_id}/status", response_model=IncidentPublic)
def incident_status(
    incident_id: IncidentId,
    body: IncidentStatusChange,
    actor: CurrentActor,
    session: SessionDep,
) -> IncidentPublic:
    """Under control (控制) or extinguished (扑灭)."""
    incident = service.set_incident_status(
        session, actor=actor, incident_id=incident_id, status=IncidentStatus(body.status)
    )
    session.commit()
    return incident_public(session, incident)


@router.post("/incidents/{incident_id}/close", response_model=IncidentPublic)
def close(
    incident_id: IncidentId, body: ClosingReport, actor: CurrentActor, session: SessionDep
) -> IncidentPublic:
    """Close with the closing report; a fire gets its grade."""
    incident = service.close_incident(session, actor=actor, incident_id=incident_id, report=body)
    session.commit()
    return incident_public(session, incident)


@router.get("/my-orders")
def my_orders(actor: CurrentActor, session: SessionDep, network: NetworkDep) -> dict[str, Any]:
    """The station crew's current orders with the route from their station."""
    state = network.current(session)
    items = []
    for assignment in service.my_orders(session, actor=actor):
        incident = assignment.incident
        feature = None
        row = state.row_of_org.get(assignment.unit.station_id)
        if row is not None:
            target = state.snapper.snap(incident.lon, incident.lat).node
            try:
                feature = route(state.graph, int(state.table.station_nodes[row]), target).geojson(
                    state.graph
                )
            except NoRouteError:
                feature = None
        items.append(
            {
                "assignment": assignment_public(assignment).model_dump(mode="json"),
                "incident": incident_public(session, incident).model_dump(mode="json"),
                "route": feature,
            }
        )
    return {"items": items}


PlanId = Annotated[int, id_path("response plan rule id")]


@router.get("/plans", response_model=list[PlanRulePublic])
def list_plans(actor: CurrentActor, session: SessionDep) -> list[PlanRulePublic]:
    """The graded-dispatch table (等级调派方案)."""
    actor.require(Action.READ)
    rows = session.scalars(
        select(ResponsePlanRule).order_by(
            ResponsePlanRule.incident_type, ResponsePlanRule.level, ResponsePlanRule.id
        )
    ).all()
    return [PlanRulePublic.model_validate(r) for r in rows]


@router.post("/plans", response_model=PlanRulePublic, status_code=201)
def create_plan(body: PlanRuleCreate, actor: CurrentActor, session: SessionDep) -> PlanRulePublic:
    """Add a rule (detachment administrators)."""
    rule = plans.create_rule(session, actor=actor, data=body)
    session.commit()
    return PlanRulePublic.model_validate(rule)


@router.patch("/plans/{rule_id}", response_model=PlanRulePublic)
def update_plan(
    rule_id: PlanId, body: PlanRuleFields, actor: CurrentActor, session: SessionDep
) -> PlanRulePublic:
    """Change a rule, or switch it off with ``is_active: false``."""
    rule = plans.update_rule(session, actor=actor, rule_id=rule_id, data=body)
    session.commit()
    return PlanRulePublic.model_validate(rule)
