"""Dispatch API (接处警): intake, recommendation, assignment, milestones, escalation, closing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from lanyan.api.cache import DISPATCH_TABLES, RECOMMENDATION_TABLES, cached_json
from lanyan.api.deps import (
    BearerCredentials,
    CurrentActor,
    Limit,
    Offset,
    SessionDep,
    id_path,
    json_answer,
    resolve_actor,
)
from lanyan.api.paging import Page, page_json, page_of
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.dispatch import plans, service
from lanyan.dispatch.choices import EventKind, IncidentStatus
from lanyan.dispatch.geocode import KIND_ZH, note_zh
from lanyan.dispatch.geocoding import GeocoderService
from lanyan.dispatch.models import Assignment, Incident
from lanyan.dispatch.nearby import Nearby
from lanyan.dispatch.recommend import Recommendation
from lanyan.dispatch.schemas import (
    AlternativeUnit,
    AssignmentPublic,
    AssignmentStatusChange,
    AssignRequest,
    ClosingReport,
    ClosingReportPublic,
    DuplicatePublic,
    EarlierCallPublic,
    EscalateRequest,
    EventPublic,
    GeocodeAnswer,
    GeocodeCandidate,
    IncidentCreate,
    IncidentPublic,
    IncidentStatusChange,
    MyOrders,
    OpenHazardPublic,
    OrderPublic,
    PlanRef,
    PlanRuleCreate,
    PlanRuleFields,
    PlanRulePublic,
    PremisesBrief,
    RecommendationPublic,
    RecommendedUnit,
    RequirementFill,
    SnapPublic,
    TurnoutPublic,
    Unfilled,
    WaterSourceNearPublic,
)
from lanyan.planning.api import NetworkDep
from lanyan.planning.network import RoadNetwork
from lanyan.prevention.models import Premises

router = APIRouter(prefix="/api/dispatch", tags=["dispatch 接处警"])
IncidentId = Annotated[int, id_path("incident id")]
AssignmentId = Annotated[int, id_path("assignment id")]


async def get_geocoder_service(request: Request) -> GeocoderService:
    """The process's geocoder service."""
    geocoder: GeocoderService = request.app.state.geocoder
    return geocoder


GeocoderDep = Annotated[GeocoderService, Depends(get_geocoder_service)]

# --- serializers: they read what the service loaded and never query -----------------------------


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
        crew_sent=a.crew_sent,
        reason=a.reason,
        assigned_at=a.assigned_at,
        en_route_at=a.en_route_at,
        on_scene_at=a.on_scene_at,
        water_on_at=a.water_on_at,
        returning_at=a.returning_at,
        in_quarters_at=a.in_quarters_at,
    )


def premises_brief(p: Premises) -> PremisesBrief:
    """The premises of a call."""
    return PremisesBrief(
        id=p.id,
        name=p.name,
        category=p.category,
        category_zh=p.category.zh,
        venue_type=p.venue_type,
        venue_type_zh=p.venue_type.zh,
        height_m=p.height_m,
        floors_above=p.floors_above,
        floors_below=p.floors_below,
        building_use=p.building_use,
        preplan_notes=p.preplan_notes,
        responsible_person=p.responsible_person,
        responsible_phone=p.responsible_phone,
    )


def _nearby_fields(found: Nearby) -> dict[str, object]:
    return {
        "probable_duplicates": [
            DuplicatePublic(
                id=d.id,
                number=d.number,
                distance_m=d.distance_m,
                received_at=d.received_at,
                type=d.type,
            )
            for d in found.duplicates
        ],
        "caller_history": [
            EarlierCallPublic(
                id=c.id,
                number=c.number,
                type=c.type,
                type_zh=c.type.zh,
                received_at=c.received_at,
                address=c.address,
            )
            for c in found.caller_history
        ],
        "water_sources": [
            WaterSourceNearPublic(
                id=w.id,
                name=w.name,
                kind=w.kind,
                kind_zh=w.kind.zh,
                state=w.state,
                state_zh=w.state.zh,
                seconds=w.seconds,
                metres=w.metres,
            )
            for w in found.water_sources
        ],
        "open_hazards": [
            OpenHazardPublic(
                id=h.id,
                title=h.title,
                severity=h.severity,
                severity_zh=h.severity.zh,
                status=h.status,
                status_zh=h.status.zh,
                found_at=h.found_at,
            )
            for h in found.open_hazards
        ],
    }


def incident_public(
    incident: Incident, nearby: Nearby | None = None, *, with_timeline: bool = True
) -> IncidentPublic:
    """An incident for the API; with ``nearby``, also the intake extras (water, duplicates...).

    Lists leave the timeline out (``with_timeline=False``): the board shows each incident's
    status and units, and opens one incident for its timeline.
    """
    report = None
    if incident.status == IncidentStatus.CLOSED:
        report = ClosingReportPublic(
            rescued=incident.rescued,
            evacuated=incident.evacuated,
            deaths=incident.deaths,
            serious_injuries=incident.serious_injuries,
            minor_injuries=incident.minor_injuries,
            property_protected_cny=incident.property_protected_cny,
            direct_loss_cny=incident.direct_loss_cny,
            households_affected=incident.households_affected,
            summary=incident.summary,
        )
    return IncidentPublic(
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
            incident.snap_m is not None and incident.snap_m > standards()["snap_warn_m"]
        ),
        brigade_id=incident.brigade_id,
        brigade_name=incident.brigade.name if incident.brigade else None,
        premises=premises_brief(incident.premises) if incident.premises else None,
        description=incident.description,
        received_at=incident.received_at,
        closed_at=incident.closed_at,
        fire_grade=incident.fire_grade.zh if incident.fire_grade else None,
        fire_grade_value=incident.fire_grade,
        slight_fire=incident.slight_fire,
        fire_grade_edition=incident.fire_grade_edition,
        fire_grade_rules=incident.fire_grade_edition.zh if incident.fire_grade_edition else None,
        report=report,
        turnout=TurnoutPublic(
            stations=len({a.unit.station_id for a in incident.assignments}),
            units=len(incident.assignments),
            people=sum(a.crew_sent for a in incident.assignments),
        ),
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
            for e in (incident.events if with_timeline else ())
        ],
        **(_nearby_fields(nearby) if nearby is not None else {}),
    )


def recommendation_public(found: Recommendation) -> RecommendationPublic:
    """A recommendation for the API (times and distances to 0.1 s / 0.1 m)."""
    rule = found.rule
    units = []
    for pick in [*found.picks, *found.first_responders]:
        cand = pick.candidate
        unit = cand.unit
        shape = found.routes.get(unit.id)
        units.append(
            RecommendedUnit(
                unit_id=unit.id,
                call_sign=unit.call_sign,
                unit_type=unit.type,
                unit_type_zh=unit.type.zh,
                station_id=unit.station_id,
                station_name=unit.station.name,
                brigade_name=found.brigade_names.get(cand.brigade_id or 0),
                eta_s=round(cand.eta_s, 1),
                straight_m=round(cand.straight_m, 1),
                requirement=pick.requirement,
                reason=pick.reason,
                cross_brigade=pick.cross_brigade,
                first_responder=pick.first_responder,
                distance_m=round(shape.distance_m, 1) if shape else None,
                route=shape.feature if shape else None,
            )
        )
    units.sort(key=lambda u: u.eta_s)  # rows in the order the units arrive
    return RecommendationPublic(
        incident_id=found.incident.id,
        level=found.incident.level,
        zone=found.zone.name.lower(),
        plan=None if rule is None else PlanRef(id=rule.id, name=rule.name, source=rule.source),
        snap=SnapPublic(
            node=found.snap.node,
            distance_m=round(float(found.snap.distance_m), 1),
            too_far=bool(found.snap.too_far),
        ),
        units=units,
        requirements=[
            RequirementFill(
                label=f.label,
                unit_types=f.unit_types,
                count=f.count,
                filled=len(f.picks),
                missing=f.missing,
            )
            for f in found.fills
        ],
        unfilled=[Unfilled(label=f.label, missing=f.missing) for f in found.fills if f.missing],
        alternatives=[
            AlternativeUnit(
                unit_id=c.unit.id,
                call_sign=c.unit.call_sign,
                unit_type=c.unit.type,
                eta_s=round(c.eta_s, 1),
            )
            for c in found.ranked[:20]
        ],
    )


# --- routes: parse, one service call, commit, serialize ------------------------------------------


@router.get("/geocode", response_model=GeocodeAnswer)
def geocode(
    actor: CurrentActor,
    session: SessionDep,
    geocoder: GeocoderDep,
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*$")],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> GeocodeAnswer:
    """Ranked address candidates; none means: place the incident by clicking the map."""
    actor.require(Action.READ)
    found = geocoder.get(session).search(q, limit=limit)
    return GeocodeAnswer(
        candidates=[
            GeocodeCandidate(
                label=c.label,
                kind=c.kind,
                kind_zh=KIND_ZH.get(c.kind, "地点"),
                lon=c.lon,
                lat=c.lat,
                score=round(c.score, 1),
                matched=list(c.matched),
                housenumber_found=c.housenumber_found,
                note=note_zh(c.note),
                premises_id=int(c.entry.ref_id)
                if c.entry.source == "premises" and c.entry.ref_id
                else None,
            )
            for c in found
        ]
    )


@router.post("/incidents", response_model=IncidentPublic, status_code=201)
async def create_incident(
    body: IncidentCreate, request: Request, credentials: BearerCredentials
) -> Response:
    """Take a 119 call."""

    # One trip to a worker thread for the whole call: login, session, intake, commit and the
    # answer's JSON. Taken the usual way (a session, a login and the road network as synchronous
    # dependencies, the handler, then FastAPI validating and encoding the answer) the call made
    # six trips between the event loop and the thread pool, and on a busy server each trip waited
    # for the interpreter lock: two thirds of an intake's time under load was spent between them.
    def take() -> bytes:
        with request.app.state.sessionmaker() as session:
            actor = resolve_actor(request, session, credentials)
            network: RoadNetwork = request.app.state.network
            view = service.take_call(session, actor=actor, network=network, data=body)
            session.commit()
            public = incident_public(view.incident, view.nearby)
            return public.__pydantic_serializer__.to_json(public)

    answer = await run_in_threadpool(take)
    return Response(answer, status_code=201, media_type="application/json")


@router.get("/incidents", response_model=Page[IncidentPublic])
def list_incidents(
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    open: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Incidents in your jurisdiction, newest first, without their timelines (open one
    incident for its timeline)."""

    def build() -> bytes:
        rows, total = service.list_incidents(
            session, actor=actor, open_only=open, limit=limit, offset=offset
        )
        items = [incident_public(i, with_timeline=False) for i in rows]
        return page_json(page_of(items, total, limit, offset))

    return cached_json(request, actor, DISPATCH_TABLES, build)


@router.get("/incidents/{incident_id}", response_model=IncidentPublic)
def get_incident(
    incident_id: IncidentId, actor: CurrentActor, session: SessionDep, network: NetworkDep
) -> IncidentPublic:
    """One incident with its timeline, units, water sources, duplicates and caller history."""
    view = service.incident_detail(session, actor=actor, network=network, incident_id=incident_id)
    return incident_public(view.incident, view.nearby)


@router.get("/incidents/{incident_id}/recommendation", response_model=RecommendationPublic)
def recommendation(
    request: Request,
    incident_id: IncidentId,
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
    routes: bool = True,
) -> Response:
    """The units the response plan asks for, fastest suitable first, with reasons and routes."""

    def build() -> bytes:
        found = service.recommend(
            session, actor=actor, network=network, incident_id=incident_id, with_routes=routes
        )
        return recommendation_public(found).model_dump_json().encode()

    return cached_json(request, actor, RECOMMENDATION_TABLES, build)


@router.post("/incidents/{incident_id}/assignments", response_model=IncidentPublic, status_code=201)
def assign(
    incident_id: IncidentId,
    body: AssignRequest,
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
) -> Response:
    """Send units (all or none)."""
    done = service.assign_units(
        session, actor=actor, network=network, incident_id=incident_id, unit_ids=body.unit_ids
    )
    session.commit()
    return json_answer(incident_public(done.incident), status_code=201)


@router.post("/assignments/{assignment_id}/status", response_model=AssignmentPublic)
def assignment_status(
    assignment_id: AssignmentId,
    body: AssignmentStatusChange,
    actor: CurrentActor,
    session: SessionDep,
) -> Response:
    """A unit's milestone: 出动, 到场, 出水, 返回, 归队."""
    assignment = service.set_assignment_status(
        session, actor=actor, assignment_id=assignment_id, data=body
    )
    session.commit()
    return json_answer(assignment_public(assignment))


@router.post("/incidents/{incident_id}/escalate", response_model=IncidentPublic)
def escalate(
    incident_id: IncidentId, body: EscalateRequest, actor: CurrentActor, session: SessionDep
) -> IncidentPublic:
    """Raise the level (追加力量)."""
    incident = service.escalate(session, actor=actor, incident_id=incident_id, data=body)
    session.commit()
    return incident_public(incident)


@router.post("/incidents/{incident_id}/status", response_model=IncidentPublic)
def incident_status(
    incident_id: IncidentId,
    body: IncidentStatusChange,
    actor: CurrentActor,
    session: SessionDep,
) -> IncidentPublic:
    """Under control (控制) or extinguished (扑灭): refused (409) before any unit is on scene,
    unless a commander overrides with a reason (recorded in the timeline and the audit)."""
    incident = service.set_incident_status(
        session,
        actor=actor,
        incident_id=incident_id,
        status=IncidentStatus(body.status),
        override_reason=body.override_reason,
    )
    session.commit()
    return incident_public(incident)


@router.post("/incidents/{incident_id}/close", response_model=IncidentPublic)
def close(
    incident_id: IncidentId, body: ClosingReport, actor: CurrentActor, session: SessionDep
) -> Response:
    """Close with the closing report; a fire gets its grade."""
    incident = service.close_incident(session, actor=actor, incident_id=incident_id, report=body)
    session.commit()
    return json_answer(incident_public(incident))


@router.get("/my-orders", response_model=MyOrders)
def my_orders(actor: CurrentActor, session: SessionDep, network: NetworkDep) -> MyOrders:
    """The station crew's current orders with the route from their station."""
    return MyOrders(
        items=[
            OrderPublic(
                assignment=assignment_public(order.assignment),
                incident=incident_public(order.assignment.incident),
                route=order.route,
            )
            for order in service.my_orders(session, actor=actor, network=network)
        ]
    )


PlanId = Annotated[int, id_path("response plan rule id")]


@router.get("/plans", response_model=list[PlanRulePublic])
def list_plans(actor: CurrentActor, session: SessionDep) -> list[PlanRulePublic]:
    """The graded-dispatch table (等级调派方案)."""
    return [PlanRulePublic.model_validate(r) for r in plans.list_rules(session, actor=actor)]


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
