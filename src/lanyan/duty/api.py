"""Duty API (执勤实力、练兵考核、队伍管理): thin routes over the duty services.

Every route reads through the jurisdiction filter; every write goes through one service
function that audits it in the same transaction, and commits here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel

from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, paginate
from lanyan.core.clock import utcnow
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.duty import declarations, drills, management, people, training
from lanyan.duty.models import DutyLog, Supervision
from lanyan.duty.schemas import (
    AssessmentIn,
    AssessmentPublic,
    CrewMinimumIn,
    DeclarationIn,
    DeclarationPublic,
    DrillIn,
    DrillPublic,
    FindingMove,
    FindingPublic,
    GridNodeIn,
    GridNodePublic,
    ImportResult,
    LogIn,
    LogPublic,
    Month,
    PersonCreate,
    PersonPublic,
    PersonUpdate,
    PlanIn,
    PlanPublic,
    ResultsIn,
    RoutineIn,
    RoutinePublic,
    SessionIn,
    SessionPublic,
    StrengthBoard,
    SupervisionIn,
    SupervisionPublic,
)
from lanyan.forces import crew
from lanyan.forces.models import Organization, Unit
from lanyan.planning.api import NetworkDep

router = APIRouter(prefix="/api/duty", tags=["duty 执勤实力与练兵"])
PersonId = Annotated[int, id_path("person id")]
StationId = Annotated[int, id_path("station id")]
OrgId = Annotated[int, id_path("organization id")]
UnitId = Annotated[int, id_path("unit id")]
AssessmentId = Annotated[int, id_path("assessment id")]
FindingId = Annotated[int, id_path("finding id")]
MAX_ROSTER_BYTES = 4 * 1024 * 1024 - 64 * 1024


# --- roster ------------------------------------------------------------------------------------


@router.get("/people", response_model=Page[PersonPublic])
def list_people(
    actor: CurrentActor,
    session: SessionDep,
    org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    active: bool | None = None,
    q: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PersonPublic]:
    """The roster (花名册) in your jurisdiction."""
    stmt = people.query_people(actor=actor, org_id=org_id, q=q, active=active)
    return paginate(session, stmt, limit, offset, PersonPublic.model_validate)


@router.post("/people", response_model=PersonPublic, status_code=201)
def create_person(body: PersonCreate, actor: CurrentActor, session: SessionDep) -> PersonPublic:
    """Add a person to the roster."""
    row = people.create_person(session, actor=actor, data=body)
    session.commit()
    return PersonPublic.model_validate(row)


@router.patch("/people/{person_id}", response_model=PersonPublic)
def update_person(
    person_id: PersonId, body: PersonUpdate, actor: CurrentActor, session: SessionDep
) -> PersonPublic:
    """Change a person (post, licences, organization, active)."""
    row = people.update_person(session, actor=actor, person_id=person_id, data=body)
    session.commit()
    return PersonPublic.model_validate(row)


@router.post("/people/import", response_model=ImportResult)
def import_people(
    file: Annotated[UploadFile, File(description="XLSX (or CSV) with Chinese headers")],
    actor: CurrentActor,
    session: SessionDep,
) -> ImportResult:
    """Import a roster sheet whole or not at all (422 naming every bad row)."""
    content = file.file.read(MAX_ROSTER_BYTES + 1)
    if len(content) > MAX_ROSTER_BYTES:
        raise Invalid("文件过大（上限 3.9 MB）", "file too large")
    rows, created, updated = people.import_people(
        session, actor=actor, content=content, filename=file.filename or "roster.xlsx"
    )
    session.commit()
    return ImportResult(rows=rows, created=created, updated=updated)


# --- duty declarations --------------------------------------------------------------------------


class StationToday(BaseModel):
    """What the crew phone page needs: today's declaration or yesterday's to carry over."""

    station_id: int
    station_name: str
    day: date
    declare_by: str
    today: DeclarationPublic | None
    previous: DeclarationPublic | None
    units: list[dict[str, Any]]
    people: list[PersonPublic]


@router.get("/board", response_model=StrengthBoard)
def strength_board(actor: CurrentActor, session: SessionDep) -> StrengthBoard:
    """Every station's declared strength today; stations late to declare are flagged."""
    return declarations.strength_board(session, actor=actor)


@router.get("/stations/{station_id}/today", response_model=StationToday)
def station_today(station_id: StationId, actor: CurrentActor, session: SessionDep) -> StationToday:
    """Today's declaration of a station, the last one before (to carry over), its vehicles
    with their seats and minimum crew, and its people."""

    day = declarations.local_day(utcnow())
    station = get_visible(session, actor, Organization, station_id)
    today = declarations.get_declaration(session, actor, station_id, day)
    previous = declarations.latest_before(session, actor, station_id, day)
    units = list(
        session.scalars(
            visible(actor, Unit).where(Unit.station_id == station_id).order_by(Unit.call_sign)
        )
    )
    roster = session.scalars(
        people.query_people(actor=actor, org_id=station_id, active=True).limit(300)
    )
    return StationToday(
        station_id=station.id,
        station_name=station.name,
        day=day,
        declare_by=declarations.declare_by_text(),
        today=declarations.declaration_public(today, station.name) if today else None,
        previous=declarations.declaration_public(previous, station.name) if previous else None,
        units=[
            {
                "id": u.id,
                "call_sign": u.call_sign,
                "type_zh": u.type.zh,
                "status": u.status.value,
                "seats": crew.seats_of(u, session),
                "min_crew": crew.minimum_of(u, session),
            }
            for u in units
        ],
        people=[PersonPublic.model_validate(p) for p in roster],
    )


@router.post("/declarations", response_model=DeclarationPublic, status_code=201)
def declare(body: DeclarationIn, actor: CurrentActor, session: SessionDep) -> DeclarationPublic:
    """Declare today's duty of a station (replaces an earlier one of today)."""
    decl = declarations.declare(session, actor=actor, data=body)
    session.commit()
    station = session.get(Organization, decl.station_id)
    return declarations.declaration_public(decl, station.name if station else "")


@router.post("/stations/{station_id}/carry-over", response_model=DeclarationPublic, status_code=201)
def carry_over(
    station_id: StationId, actor: CurrentActor, session: SessionDep
) -> DeclarationPublic:
    """Confirm the last declaration for today unchanged (沿用昨日)."""
    decl = declarations.carry_over(session, actor=actor, station_id=station_id)
    session.commit()
    station = session.get(Organization, decl.station_id)
    return declarations.declaration_public(decl, station.name if station else "")


@router.put("/units/{unit_id}/crew-minimum")
def set_crew_minimum(
    unit_id: UnitId, body: CrewMinimumIn, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """Give a vehicle its own minimum crew and seats."""
    row = management.set_crew_minimum(session, actor=actor, unit_id=unit_id, data=body)
    session.commit()
    return {"unit_id": row.unit_id, "min_crew": row.min_crew, "seats": row.seats}


# --- drills --------------------------------------------------------------------------------------


@router.get("/drills", response_model=list[DrillPublic])
def list_drills(actor: CurrentActor, session: SessionDep) -> list[DrillPublic]:
    """The latest 拉动演练 with their measured times."""
    return drills.list_drills(session, actor=actor)


@router.post("/drills", response_model=DrillPublic, status_code=201)
def start_drill(
    body: DrillIn, actor: CurrentActor, session: SessionDep, network: NetworkDep
) -> DrillPublic:
    """Start a drill: an incident flagged as a drill, the named units pulled at once."""
    incident = drills.start_drill(session, actor=actor, network=network, data=body)
    session.commit()
    return drills.drill_public(incident)


# --- training ------------------------------------------------------------------------------------


@router.get("/plans", response_model=list[PlanPublic])
def list_plans(
    month: Annotated[Month, Query()],
    actor: CurrentActor,
    session: SessionDep,
    org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[PlanPublic]:
    """A month's training plan with the sessions held against each line."""
    return training.list_plans(session, actor=actor, month=month, org_id=org_id)


@router.post("/plans", response_model=PlanPublic, status_code=201)
def create_plan(body: PlanIn, actor: CurrentActor, session: SessionDep) -> PlanPublic:
    """Add a line to a month's training plan."""
    row = training.create_plan(session, actor=actor, data=body)
    session.commit()
    return PlanPublic.model_validate(row).model_copy(update={"org_name": row.org.name})


@router.get("/sessions", response_model=Page[SessionPublic])
def list_sessions(
    actor: CurrentActor,
    session: SessionDep,
    month: Annotated[Month | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[SessionPublic]:
    """Training sessions held, newest first."""
    stmt = training.query_sessions(actor=actor, month=month)
    return paginate(session, stmt, limit, offset, training.session_public)


@router.post("/sessions", response_model=SessionPublic, status_code=201)
def record_session(body: SessionIn, actor: CurrentActor, session: SessionDep) -> SessionPublic:
    """Record a training session with its attendees."""
    row = training.record_session(session, actor=actor, data=body)
    session.commit()
    return training.session_public(row)


@router.get("/assessments", response_model=list[AssessmentPublic])
def list_assessments(
    actor: CurrentActor,
    session: SessionDep,
    month: Annotated[Month | None, Query()] = None,
    published: bool = False,
) -> list[AssessmentPublic]:
    """Assessments and competitions with their rankings (``published=true``: 网上公示 only)."""
    return training.list_assessments(session, actor=actor, month=month, published_only=published)


@router.post("/assessments", response_model=AssessmentPublic, status_code=201)
def create_assessment(
    body: AssessmentIn, actor: CurrentActor, session: SessionDep
) -> AssessmentPublic:
    """Set an assessment item with its standard, pass rule and possible range."""
    row = training.create_assessment(session, actor=actor, data=body)
    session.commit()
    return training.assessment_public(row)


@router.get("/assessments/{assessment_id}", response_model=AssessmentPublic)
def get_assessment(
    assessment_id: AssessmentId, actor: CurrentActor, session: SessionDep
) -> AssessmentPublic:
    """One assessment with its ranking and pass rate."""
    return training.assessment_public(training.get_assessment(session, actor, assessment_id))


@router.post("/assessments/{assessment_id}/results", response_model=AssessmentPublic)
def enter_results(
    assessment_id: AssessmentId, body: ResultsIn, actor: CurrentActor, session: SessionDep
) -> AssessmentPublic:
    """Enter results (all or none; a result outside the possible range is refused)."""
    row = training.enter_results(session, actor=actor, assessment_id=assessment_id, data=body)
    session.commit()
    return training.assessment_public(row)


@router.post("/assessments/{assessment_id}/publish", response_model=AssessmentPublic)
def publish_assessment(
    assessment_id: AssessmentId, actor: CurrentActor, session: SessionDep
) -> AssessmentPublic:
    """Publish the ranking (网上公示)."""
    row = training.publish(session, actor=actor, assessment_id=assessment_id)
    session.commit()
    return training.assessment_public(row)


# --- unit management -----------------------------------------------------------------------------


@router.get("/routines/{org_id}", response_model=RoutinePublic | None)
def get_routine(org_id: OrgId, actor: CurrentActor, session: SessionDep) -> RoutinePublic | None:
    """A station's 一日生活制度 (null when it has none)."""
    row = management.get_routine(session, actor=actor, org_id=org_id)
    return RoutinePublic(org_id=row.org_id, items=row.items) if row else None


@router.put("/routines/{org_id}", response_model=RoutinePublic)
def set_routine(
    org_id: OrgId, body: RoutineIn, actor: CurrentActor, session: SessionDep
) -> RoutinePublic:
    """Write a station's 一日生活制度."""
    row = management.set_routine(session, actor=actor, org_id=org_id, data=body)
    session.commit()
    return RoutinePublic(org_id=row.org_id, items=row.items)


@router.get("/logs", response_model=Page[LogPublic])
def list_logs(
    actor: CurrentActor,
    session: SessionDep,
    org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[LogPublic]:
    """Roll calls and handovers, newest first."""
    stmt = visible(actor, DutyLog)
    if org_id is not None:
        stmt = stmt.where(DutyLog.org_id == org_id)
    stmt = stmt.order_by(DutyLog.at.desc(), DutyLog.id.desc())
    return paginate(session, stmt, limit, offset, LogPublic.model_validate)


@router.post("/logs", response_model=LogPublic, status_code=201)
def record_log(body: LogIn, actor: CurrentActor, session: SessionDep) -> LogPublic:
    """Record a roll call (点名) or a handover (交接班)."""
    row = management.record_log(session, actor=actor, data=body)
    session.commit()
    return LogPublic.model_validate(row)


@router.get("/supervisions", response_model=Page[SupervisionPublic])
def list_supervisions(
    actor: CurrentActor, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[SupervisionPublic]:
    """督察 records with their findings, newest first."""
    stmt = visible(actor, Supervision).order_by(
        Supervision.inspected_on.desc(), Supervision.id.desc()
    )
    return paginate(session, stmt, limit, offset, management.supervision_public)


@router.post("/supervisions", response_model=SupervisionPublic, status_code=201)
def create_supervision(
    body: SupervisionIn, actor: CurrentActor, session: SessionDep
) -> SupervisionPublic:
    """Record a 督察 with its findings (四个秩序)."""
    row = management.create_supervision(session, actor=actor, data=body)
    session.commit()
    return management.supervision_public(row)


@router.post("/findings/{finding_id}/state", response_model=FindingPublic)
def move_finding(
    finding_id: FindingId, body: FindingMove, actor: CurrentActor, session: SessionDep
) -> FindingPublic:
    """Move a finding: rectifying (station), closed or back to open (inspector)."""
    row = management.move_finding(session, actor=actor, finding_id=finding_id, data=body)
    session.commit()
    return FindingPublic.model_validate(row)


@router.get("/grid", response_model=list[GridNodePublic])
def grid_tree(actor: CurrentActor, session: SessionDep) -> list[GridNodePublic]:
    """The 四级安全网格 as trees of named responsible people."""
    return management.grid_tree(session, actor=actor)


@router.post("/grid", response_model=GridNodePublic, status_code=201)
def create_grid_node(body: GridNodeIn, actor: CurrentActor, session: SessionDep) -> GridNodePublic:
    """Add a cell to the safety grid."""
    row = management.create_grid_node(session, actor=actor, data=body)
    session.commit()
    return GridNodePublic(
        id=row.id,
        parent_id=row.parent_id,
        org_id=row.org_id,
        level=row.level,
        name=row.name,
        responsible=row.responsible,
        phone=row.phone,
        duties=row.duties,
    )
