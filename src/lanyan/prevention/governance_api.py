"""Grassroots governance API (基层治理): grids, patrols, campaigns, inspections, figures.

Thin routes over the service modules (grids, patrols, campaigns, inspections, figures): parse,
call the service with the actor (it checks role and jurisdiction and audits), commit, serialize.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, paginate
from lanyan.prevention import campaigns, checklists, figures, grids, inspections, patrols
from lanyan.prevention.choices import GridLevel, InspectionOutcome, PatrolTaskStatus
from lanyan.prevention.governance_schemas import (
    AssignPremises,
    AssignResult,
    BrigadeFiguresPublic,
    CampaignCreate,
    CampaignFiguresPublic,
    CampaignPublic,
    CheckIn,
    ChecklistItemPublic,
    ChecklistPublic,
    FiguresPublic,
    GridCreate,
    GridMemberAdd,
    GridMemberPublic,
    GridPublic,
    GridUpdate,
    InspectionCreate,
    InspectionPublic,
    PatrolTaskPublic,
    TaskGenerate,
    TaskGenerateResult,
    VisitPublic,
)
from lanyan.prevention.models import Campaign, Inspection, PatrolTask, PatrolVisit
from lanyan.prevention.service import get_premises

router = APIRouter(prefix="/api/prevention", tags=["prevention governance 基层治理"])

GridId = Annotated[int, id_path("grid id")]
UserId = Annotated[int, id_path("user id")]
TaskId = Annotated[int, id_path("patrol task id")]
VisitId = Annotated[int, id_path("patrol visit id")]
CampaignId = Annotated[int, id_path("campaign id")]
InspectionId = Annotated[int, id_path("inspection id")]
PremisesId = Annotated[int, id_path("premises id")]
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
OptionalDay = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def _template(t: checklists.Template) -> ChecklistPublic:
    return ChecklistPublic(
        key=t.key,
        zh=t.zh,
        en=t.en,
        items=[ChecklistItemPublic.model_validate(i) for i in t.checklist()],
    )


def _task(t: PatrolTask) -> PatrolTaskPublic:
    return PatrolTaskPublic(
        id=t.id,
        premises_id=t.premises_id,
        premises_name=t.premises.name,
        address=t.premises.address,
        lon=t.premises.lon,
        lat=t.premises.lat,
        org_id=t.org_id,
        grid_id=t.grid_id,
        due_on=t.due_on,
        status=t.status,
    )


def _visit(v: PatrolVisit, hazard_ids: list[int] | None = None) -> VisitPublic:
    return VisitPublic(
        id=v.id,
        task_id=v.task_id,
        premises_id=v.premises_id,
        org_id=v.org_id,
        user_id=v.user_id,
        at=v.at,
        lon=v.lon,
        lat=v.lat,
        distance_m=v.distance_m,
        far_from_premises=v.far_from_premises,
        checklist=v.checklist,
        photo_ids=list(v.photo_ids or []),
        note=v.note,
        hazard_ids=hazard_ids or [],
    )


def _campaign(c: Campaign) -> CampaignPublic:
    known = checklists.CAMPAIGN_TOPICS.get(c.topic)
    return CampaignPublic(
        id=c.id,
        name=c.name,
        topic=c.topic,
        topic_zh=known.zh if known else c.topic,
        org_id=c.org_id,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        checklist=[
            ChecklistItemPublic.model_validate(checklists.ITEMS[k])
            for k in c.checklist
            if k in checklists.ITEMS
        ],
        target_premises=c.target_premises,
    )


def _inspection(i: Inspection, hazard_ids: list[int] | None = None) -> InspectionPublic:
    return InspectionPublic(
        id=i.id,
        premises_id=i.premises_id,
        org_id=i.org_id,
        campaign_id=i.campaign_id,
        officer_id=i.officer_id,
        inspected_on=i.inspected_on,
        checklist=i.checklist,
        outcome=i.outcome,
        follow_up_on=i.follow_up_on,
        note=i.note,
        hazard_ids=hazard_ids or [],
    )


# --- grids ---------------------------------------------------------------------------------------


@router.get("/grids", response_model=Page[GridPublic])
def list_grids(
    actor: CurrentActor,
    session: SessionDep,
    level: GridLevel | None = None,
    parent_id: OptionalId = None,
    org_id: OptionalId = None,
    q: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[GridPublic]:
    """Grid cells (四级网格) in your jurisdiction, coarsest first."""
    stmt = grids.query_grids(actor=actor, level=level, parent_id=parent_id, org_id=org_id, q=q)
    return paginate(session, stmt, limit, offset, GridPublic.model_validate)


@router.post("/grids", response_model=GridPublic, status_code=201)
def create_grid(body: GridCreate, actor: CurrentActor, session: SessionDep) -> GridPublic:
    """Add a grid cell; its parent is one level up."""
    grid = grids.create_grid(session, actor=actor, data=body)
    session.commit()
    return GridPublic.model_validate(grid)


@router.get("/grids/{grid_id}", response_model=GridPublic)
def get_grid(grid_id: GridId, actor: CurrentActor, session: SessionDep) -> GridPublic:
    """One grid cell with its boundary."""
    return GridPublic.model_validate(grids.get_grid(session, actor, grid_id))


@router.patch("/grids/{grid_id}", response_model=GridPublic)
def update_grid(
    grid_id: GridId, body: GridUpdate, actor: CurrentActor, session: SessionDep
) -> GridPublic:
    """Rename a cell or redraw its boundary."""
    grid = grids.update_grid(session, actor=actor, grid_id=grid_id, data=body)
    session.commit()
    return GridPublic.model_validate(grid)


@router.get("/grids/{grid_id}/members", response_model=list[GridMemberPublic])
def list_members(
    grid_id: GridId, actor: CurrentActor, session: SessionDep
) -> list[GridMemberPublic]:
    """The grid workers of a cell."""
    return [
        GridMemberPublic(
            user_id=u.id,
            username=u.username,
            display_name=u.display_name,
            organization_id=u.organization_id,
        )
        for u in grids.list_members(session, actor, grid_id)
    ]


@router.post("/grids/{grid_id}/members", response_model=list[GridMemberPublic], status_code=201)
def add_member(
    grid_id: GridId, body: GridMemberAdd, actor: CurrentActor, session: SessionDep
) -> list[GridMemberPublic]:
    """Assign a grid worker to the cell; returns the cell's workers."""
    grids.add_member(session, actor=actor, grid_id=grid_id, user_id=body.user_id)
    session.commit()
    return list_members(grid_id, actor, session)


@router.delete("/grids/{grid_id}/members/{user_id}", status_code=204)
def remove_member(
    grid_id: GridId, user_id: UserId, actor: CurrentActor, session: SessionDep
) -> Response:
    """Take a grid worker off the cell."""
    grids.remove_member(session, actor=actor, grid_id=grid_id, user_id=user_id)
    session.commit()
    return Response(status_code=204)


@router.post("/grid-assignment", response_model=AssignResult)
def assign_premises(body: AssignPremises, actor: CurrentActor, session: SessionDep) -> AssignResult:
    """Place every premises of your jurisdiction in the finest grid cell covering it."""
    report = grids.assign_premises_to_grids(session, actor=actor, org_id=body.org_id)
    session.commit()
    return AssignResult(
        premises=report.premises,
        assigned=report.assigned,
        changed=report.changed,
        outside=len(report.outside_ids),
        outside_ids=report.outside_ids[:1000],
    )


# --- checklists ----------------------------------------------------------------------------------


@router.get("/checklists", response_model=list[ChecklistPublic])
def list_checklists(actor: CurrentActor) -> list[ChecklistPublic]:
    """Checklist templates per kind of premises."""
    return [_template(t) for t in checklists.TEMPLATES.values()]


@router.get("/checklists/premises/{premises_id}", response_model=ChecklistPublic)
def premises_checklist(
    premises_id: PremisesId, actor: CurrentActor, session: SessionDep
) -> ChecklistPublic:
    """The checklist a patrol or inspection of this premises answers."""
    p = get_premises(session, actor, premises_id)
    return _template(checklists.template_for(p.category, p.venue_type, p.control_level))


@router.get("/campaign-topics", response_model=list[ChecklistPublic])
def campaign_topics(actor: CurrentActor) -> list[ChecklistPublic]:
    """Topics of special campaigns (专项整治), each with its checklist."""
    return [_template(t) for t in checklists.CAMPAIGN_TOPICS.values()]


# --- patrols -------------------------------------------------------------------------------------


@router.get("/patrol-tasks", response_model=Page[PatrolTaskPublic])
def list_tasks(
    actor: CurrentActor,
    session: SessionDep,
    status: PatrolTaskStatus | None = None,
    premises_id: OptionalId = None,
    due_from: OptionalDay = None,
    due_to: OptionalDay = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PatrolTaskPublic]:
    """Your patrol tasks, soonest first (a grid worker: the premises of your grid cells)."""
    stmt = patrols.query_tasks(
        session,
        actor=actor,
        status=status,
        premises_id=premises_id,
        due_from=due_from,
        due_to=due_to,
    )
    return paginate(session, stmt, limit, offset, _task)


@router.post("/patrol-tasks/generate", response_model=TaskGenerateResult)
def generate_tasks(
    body: TaskGenerate, actor: CurrentActor, session: SessionDep
) -> TaskGenerateResult:
    """Create the tasks the patrol plans ask for up to ``until``; mark past-due ones missed."""
    missed = patrols.mark_missed(session, actor=actor)
    created = patrols.generate_tasks(session, actor=actor, until=body.until)
    session.commit()
    return TaskGenerateResult(created=created, missed=missed)


@router.get("/patrol-tasks/{task_id}", response_model=PatrolTaskPublic)
def get_task(task_id: TaskId, actor: CurrentActor, session: SessionDep) -> PatrolTaskPublic:
    """One patrol task."""
    return _task(patrols.get_task(session, actor, task_id))


@router.post("/visits", response_model=VisitPublic, status_code=201)
def check_in(body: CheckIn, actor: CurrentActor, session: SessionDep) -> VisitPublic:
    """Check in at a premises (防火巡查打卡): position, checklist, photos, findings → hazards."""
    result = patrols.check_in(
        session,
        actor=actor,
        premises_id=body.premises_id,
        lon=body.lon,
        lat=body.lat,
        checklist=dict(body.checklist),
        photo_ids=list(body.photo_ids),
        note=body.note,
        task_id=body.task_id,
        findings=list(body.findings),
    )
    session.commit()
    return _visit(result.visit, [h.id for h in result.hazards])


@router.get("/visits", response_model=Page[VisitPublic])
def list_visits(
    actor: CurrentActor,
    session: SessionDep,
    premises_id: OptionalId = None,
    far: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[VisitPublic]:
    """Patrol visits, newest first; ``far`` gives the flagged check-ins to review."""
    stmt = patrols.query_visits(actor=actor, premises_id=premises_id, far_only=far)
    return paginate(session, stmt, limit, offset, _visit)


@router.get("/visits/{visit_id}", response_model=VisitPublic)
def get_visit(visit_id: VisitId, actor: CurrentActor, session: SessionDep) -> VisitPublic:
    """One patrol visit."""
    return _visit(patrols.get_visit(session, actor, visit_id))


# --- campaigns -----------------------------------------------------------------------------------


@router.get("/campaigns", response_model=Page[CampaignPublic])
def list_campaigns(
    actor: CurrentActor,
    session: SessionDep,
    active_on: OptionalDay = None,
    topic: Annotated[str | None, Query(max_length=60, pattern=r"^[a-z0-9_]+$")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[CampaignPublic]:
    """Campaigns you take part in or oversee, latest first."""
    stmt = campaigns.query_campaigns(actor=actor, active_on=active_on, topic_key=topic)
    return paginate(session, stmt, limit, offset, _campaign)


@router.post("/campaigns", response_model=CampaignPublic, status_code=201)
def create_campaign(
    body: CampaignCreate, actor: CurrentActor, session: SessionDep
) -> CampaignPublic:
    """Launch a special campaign (专项整治)."""
    campaign = campaigns.create_campaign(session, actor=actor, data=body)
    session.commit()
    return _campaign(campaign)


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic)
def get_campaign(
    campaign_id: CampaignId, actor: CurrentActor, session: SessionDep
) -> CampaignPublic:
    """One campaign."""
    return _campaign(campaigns.get_campaign(session, actor, campaign_id))


@router.get("/campaigns/{campaign_id}/figures", response_model=CampaignFiguresPublic)
def campaign_figures(
    campaign_id: CampaignId, actor: CurrentActor, session: SessionDep
) -> CampaignFiguresPublic:
    """Premises inspected against the target, hazards found and rectified in the period."""
    f = campaigns.campaign_figures(session, actor=actor, campaign_id=campaign_id)
    return CampaignFiguresPublic(
        campaign_id=f.campaign_id,
        target_premises=f.target_premises,
        premises_inspected=f.premises_inspected,
        inspections=f.inspections,
        hazards_found=f.hazards_found,
        hazards_rectified=f.hazards_rectified,
        progress=f.progress,
    )


# --- inspections ---------------------------------------------------------------------------------


@router.get("/inspections", response_model=Page[InspectionPublic])
def list_inspections(
    actor: CurrentActor,
    session: SessionDep,
    premises_id: OptionalId = None,
    campaign_id: OptionalId = None,
    outcome: InspectionOutcome | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[InspectionPublic]:
    """Enforcement inspections, latest first."""
    stmt = inspections.query_inspections(
        actor=actor, premises_id=premises_id, campaign_id=campaign_id, outcome=outcome
    )
    return paginate(session, stmt, limit, offset, _inspection)


@router.post("/inspections", response_model=InspectionPublic, status_code=201)
def record_inspection(
    body: InspectionCreate, actor: CurrentActor, session: SessionDep
) -> InspectionPublic:
    """Record an enforcement inspection (监督检查); findings become verified hazards."""
    result = inspections.record_inspection(
        session,
        actor=actor,
        premises_id=body.premises_id,
        inspected_on=body.inspected_on,
        checklist=dict(body.checklist),
        outcome=body.outcome,
        follow_up_on=body.follow_up_on,
        note=body.note,
        campaign_id=body.campaign_id,
        findings=list(body.findings),
    )
    session.commit()
    return _inspection(result.inspection, [h.id for h in result.hazards])


@router.get("/inspections/{inspection_id}", response_model=InspectionPublic)
def get_inspection(
    inspection_id: InspectionId, actor: CurrentActor, session: SessionDep
) -> InspectionPublic:
    """One inspection record."""
    return _inspection(inspections.get_inspection(session, actor, inspection_id))


# --- figures -------------------------------------------------------------------------------------


@router.get("/figures", response_model=FiguresPublic)
def brigade_figures(
    actor: CurrentActor,
    session: SessionDep,
    from_: Annotated[
        date | None, Query(alias="from", ge=date(2000, 1, 1), le=date(2100, 12, 31))
    ] = None,
    to: OptionalDay = None,
) -> FiguresPublic:
    """Per brigade: patrols planned/done, hazards found/rectified/overdue, listed, controlled.

    The period is ``[from, to)`` in Asia/Shanghai days; the current month by default.
    """
    default_from, default_to = figures.default_period(patrols.local_today())
    result = figures.brigade_figures(
        session, actor=actor, start=from_ or default_from, end=to or default_to
    )
    return FiguresPublic(
        from_=result.start,
        to=result.end,
        items=[BrigadeFiguresPublic.model_validate(r, from_attributes=True) for r in result.items],
        total=BrigadeFiguresPublic.model_validate(result.total, from_attributes=True),
    )
