"""Command API after the first dispatch (issue 19): combat units, reinforcement across
detachments, 信息报送 and 战评 with the case library. Thin: parse, call the service, commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, paginate
from lanyan.command import combat, reinforce, reports, reviews
from lanyan.command.combat_models import ReportStatus, RequestStatus
from lanyan.command.combat_schemas import (
    CombatUnitCreate,
    CombatUnitPublic,
    CombatUnitUpdate,
    FactsIn,
    FactsResult,
    ReceiptPublic,
    ReinforcementAccept,
    ReinforcementCreate,
    ReinforcementDecision,
    ReinforcementPublic,
    ReportPublic,
    ReviewIn,
    ReviewPublic,
    ReviewStatusIn,
    ReviewView,
    RuleCreate,
    RulePublic,
    RuleUpdate,
    SendIn,
    TargetPublic,
    WithdrawIn,
)
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.planning.api import NetworkDep
from lanyan.prevention.choices import VenueType

router = APIRouter(prefix="/api/command", tags=["command 指挥"])
CombatUnitId = Annotated[int, id_path("combat unit id")]
RequestId = Annotated[int, id_path("reinforcement request id")]
ReportId = Annotated[int, id_path("信息报送 id")]
ReceiptId = Annotated[int, id_path("receipt id")]
RuleId = Annotated[int, id_path("report rule id")]
IncidentId = Annotated[int, id_path("incident id")]
StationQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
KindQuery = Annotated[str | None, Query(min_length=1, max_length=40)]

# --- combat units --------------------------------------------------------------------------------


@router.get("/combat-units", response_model=Page[CombatUnitPublic])
def list_combat_units(
    actor: CurrentActor,
    session: SessionDep,
    station_id: StationQuery = None,
    kind: KindQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[CombatUnitPublic]:
    """Combat units (作战编成) in your jurisdiction, with whether each can turn out whole now."""
    stmt = combat.query_combat_units(actor=actor, station_id=station_id, kind=kind)
    return paginate(session, stmt, limit, offset, combat.public)


@router.get("/combat-units/{combat_unit_id}", response_model=CombatUnitPublic)
def get_combat_unit(
    combat_unit_id: CombatUnitId, actor: CurrentActor, session: SessionDep
) -> CombatUnitPublic:
    """One combat unit."""
    return combat.public(combat.get_combat_unit(session, actor, combat_unit_id))


@router.post("/combat-units", response_model=CombatUnitPublic, status_code=201)
def create_combat_unit(
    body: CombatUnitCreate, actor: CurrentActor, session: SessionDep
) -> CombatUnitPublic:
    """Form a combat unit of a station's own vehicles (e.g. 灭火攻坚编成)."""
    group = combat.create_combat_unit(session, actor=actor, data=body)
    session.commit()
    return combat.public(group)


@router.patch("/combat-units/{combat_unit_id}", response_model=CombatUnitPublic)
def update_combat_unit(
    combat_unit_id: CombatUnitId, body: CombatUnitUpdate, actor: CurrentActor, session: SessionDep
) -> CombatUnitPublic:
    """Change a combat unit (``members`` replaces its vehicles)."""
    group = combat.update_combat_unit(
        session, actor=actor, combat_unit_id=combat_unit_id, data=body
    )
    session.commit()
    return combat.public(group)


@router.delete("/combat-units/{combat_unit_id}", status_code=204)
def delete_combat_unit(
    combat_unit_id: CombatUnitId, actor: CurrentActor, session: SessionDep
) -> Response:
    """Dissolve a combat unit (its vehicles stay)."""
    combat.delete_combat_unit(session, actor=actor, combat_unit_id=combat_unit_id)
    session.commit()
    return Response(status_code=204)


# --- reinforcement -------------------------------------------------------------------------------


@router.get("/reinforcements", response_model=Page[ReinforcementPublic])
def list_reinforcements(
    actor: CurrentActor,
    session: SessionDep,
    status: RequestStatus | None = None,
    incident_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ReinforcementPublic]:
    """Requests your side made, and requests made to your side (``direction``)."""
    stmt = reinforce.query_requests(actor=actor, status=status, incident_id=incident_id)
    return paginate(session, stmt, limit, offset, lambda r: reinforce.public(session, actor, r))


@router.get("/reinforcement-targets", response_model=list[TargetPublic])
def reinforcement_targets(actor: CurrentActor, session: SessionDep) -> list[TargetPublic]:
    """Whom you may ask for reinforcement: the other detachments and your corps (names only)."""
    return [
        TargetPublic(id=o.id, name=o.name, kind=o.kind.value, kind_zh=o.kind.zh)
        for o in reinforce.targets(session, actor)
    ]


@router.get("/reinforcements/{request_id}", response_model=ReinforcementPublic)
def get_reinforcement(
    request_id: RequestId, actor: CurrentActor, session: SessionDep
) -> ReinforcementPublic:
    """One request, with the units sent and their ETAs."""
    return reinforce.public(session, actor, reinforce.get_request(session, actor, request_id))


@router.post(
    "/incidents/{incident_id}/reinforcements",
    response_model=ReinforcementPublic,
    status_code=201,
)
def request_reinforcement(
    incident_id: IncidentId, body: ReinforcementCreate, actor: CurrentActor, session: SessionDep
) -> ReinforcementPublic:
    """Ask a neighbouring detachment (or the corps) for forces for this incident."""
    request = reinforce.request_reinforcement(
        session, actor=actor, incident_id=incident_id, data=body
    )
    session.commit()
    return reinforce.public(session, actor, request)


@router.post("/reinforcements/{request_id}/accept", response_model=ReinforcementPublic)
def accept_reinforcement(
    request_id: RequestId,
    body: ReinforcementAccept,
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
) -> ReinforcementPublic:
    """Accept with units of your own: they go on the incident with their own ETAs."""
    request = reinforce.accept(
        session, actor=actor, network=network, request_id=request_id, data=body
    )
    session.commit()
    return reinforce.public(session, actor, request)


@router.post("/reinforcements/{request_id}/refuse", response_model=ReinforcementPublic)
def refuse_reinforcement(
    request_id: RequestId, body: ReinforcementDecision, actor: CurrentActor, session: SessionDep
) -> ReinforcementPublic:
    """Refuse a request made to your side, saying why."""
    request = reinforce.refuse(session, actor=actor, request_id=request_id, data=body)
    session.commit()
    return reinforce.public(session, actor, request)


@router.post("/reinforcements/{request_id}/cancel", response_model=ReinforcementPublic)
def cancel_reinforcement(
    request_id: RequestId, body: ReinforcementDecision, actor: CurrentActor, session: SessionDep
) -> ReinforcementPublic:
    """Withdraw your side's request before it is answered."""
    request = reinforce.cancel(session, actor=actor, request_id=request_id, data=body)
    session.commit()
    return reinforce.public(session, actor, request)


@router.post("/reinforcements/{request_id}/release", response_model=ReinforcementPublic)
def release_reinforcement(
    request_id: RequestId, body: ReinforcementDecision, actor: CurrentActor, session: SessionDep
) -> ReinforcementPublic:
    """End an accepted reinforcement (增援结束)."""
    request = reinforce.release(session, actor=actor, request_id=request_id, data=body)
    session.commit()
    return reinforce.public(session, actor, request)


# --- 信息报送 ----------------------------------------------------------------------------------


@router.get("/report-rules", response_model=Page[RulePublic])
def list_report_rules(
    actor: CurrentActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> Page[RulePublic]:
    """The 信息报送 rules that apply in your jurisdiction."""
    return paginate(
        session, reports.query_rules(actor=actor), limit, offset, RulePublic.model_validate
    )


@router.post("/report-rules", response_model=RulePublic, status_code=201)
def create_report_rule(body: RuleCreate, actor: CurrentActor, session: SessionDep) -> RulePublic:
    """Add a rule (administrators)."""
    rule = reports.create_rule(session, actor=actor, data=body)
    session.commit()
    return RulePublic.model_validate(rule)


@router.patch("/report-rules/{report_rule_id}", response_model=RulePublic)
def update_report_rule(
    report_rule_id: RuleId, body: RuleUpdate, actor: CurrentActor, session: SessionDep
) -> RulePublic:
    """Change a rule (deactivate with ``is_active: false``)."""
    rule = reports.update_rule(session, actor=actor, report_rule_id=report_rule_id, data=body)
    session.commit()
    return RulePublic.model_validate(rule)


@router.post("/incidents/{incident_id}/facts", response_model=FactsResult)
def record_facts(
    incident_id: IncidentId, body: FactsIn, actor: CurrentActor, session: SessionDep
) -> FactsResult:
    """Record what the scene shows (deaths, trapped …); the rules raise a 信息报送 item."""
    facts, report = reports.record_facts(session, actor=actor, incident_id=incident_id, data=body)
    session.commit()
    return FactsResult(
        incident_id=incident_id,
        deaths=facts.deaths,
        injured=facts.injured,
        trapped=facts.trapped,
        hazmat=facts.hazmat,
        media_attention=facts.media_attention,
        report=reports.public(session, report) if report is not None else None,
    )


@router.get("/reports", response_model=Page[ReportPublic])
def list_reports(
    actor: CurrentActor,
    session: SessionDep,
    status: ReportStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ReportPublic]:
    """信息报送 items in your jurisdiction, newest first, each with its next message drafted."""
    stmt = reports.query_reports(actor=actor, status=status)
    return paginate(session, stmt, limit, offset, lambda r: reports.public(session, r))


@router.get("/reports/{report_id}", response_model=ReportPublic)
def get_report(report_id: ReportId, actor: CurrentActor, session: SessionDep) -> ReportPublic:
    """One item with its messages and receipts."""
    return reports.public(session, reports.get_report(session, actor, report_id))


@router.post("/reports/{report_id}/send", response_model=ReportPublic)
def send_report(
    report_id: ReportId, body: SendIn, actor: CurrentActor, session: SessionDep
) -> ReportPublic:
    """Send the 首报, a 续报 or the 终报 (the drafted text unless ``body`` is given)."""
    report = reports.send(session, actor=actor, report_id=report_id, data=body)
    session.commit()
    return reports.public(session, report)


@router.post("/reports/{report_id}/withdraw", response_model=ReportPublic)
def withdraw_report(
    report_id: ReportId, body: WithdrawIn, actor: CurrentActor, session: SessionDep
) -> ReportPublic:
    """Withdraw an item raised in error (before its 首报)."""
    report = reports.withdraw(session, actor=actor, report_id=report_id, data=body)
    session.commit()
    return reports.public(session, report)


@router.post("/report-receipts/{receipt_id}/acknowledge", response_model=ReceiptPublic)
def acknowledge_report(
    receipt_id: ReceiptId, actor: CurrentActor, session: SessionDep
) -> ReceiptPublic:
    """Sign for a message received (签收)."""
    receipt = reports.acknowledge(session, actor=actor, receipt_id=receipt_id)
    session.commit()
    return ReceiptPublic.model_validate(receipt)


# --- 战评 and the case library ---------------------------------------------------------------


@router.get("/incidents/{incident_id}/review", response_model=ReviewView)
def get_review(incident_id: IncidentId, actor: CurrentActor, session: SessionDep) -> ReviewView:
    """The incident's 战评 record (``review`` null when none is written yet)."""
    review = reviews.get_review(session, actor, incident_id)
    return ReviewView(
        incident_id=incident_id, review=reviews.public(review) if review is not None else None
    )


@router.put("/incidents/{incident_id}/review", response_model=ReviewPublic)
def save_review(
    incident_id: IncidentId, body: ReviewIn, actor: CurrentActor, session: SessionDep
) -> ReviewPublic:
    """Write or rewrite the draft 战评 of an incident."""
    review = reviews.save_review(session, actor=actor, incident_id=incident_id, data=body)
    session.commit()
    return reviews.public(review)


@router.post("/incidents/{incident_id}/review/status", response_model=ReviewPublic)
def set_review_status(
    incident_id: IncidentId, body: ReviewStatusIn, actor: CurrentActor, session: SessionDep
) -> ReviewPublic:
    """Publish the 战评 into the case library, or take it back to draft."""
    review = reviews.set_status(session, actor=actor, incident_id=incident_id, data=body)
    session.commit()
    return reviews.public(review)


@router.get("/cases", response_model=Page[ReviewPublic])
def search_cases(
    actor: CurrentActor,
    session: SessionDep,
    type: IncidentType | None = None,
    subtype: IncidentSubtype | None = None,
    venue_type: VenueType | None = None,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReviewPublic]:
    """The case library (典型战例): published reviews by incident type, subtype, venue, words."""
    stmt = reviews.query_cases(
        actor=actor, incident_type=type, subtype=subtype, venue_type=venue_type, q=q
    )
    return paginate(session, stmt, limit, offset, reviews.public)
