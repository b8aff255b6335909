"""Campaign API (专项整治): catalogue, measures in physical units, targets and progress, 工作清单,
交办单. Thin routes over :mod:`~lanyan.prevention.campaign_catalogue`,
:mod:`~lanyan.prevention.campaign_work` and :mod:`~lanyan.prevention.directives`: parse, call the
service with the actor (it checks role and jurisdiction and audits), commit, serialize. Every list
is one page (``limit``/``offset``) read through an index.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.orm import Session

from lanyan.api.deps import CurrentActor, Limit, Offset, SessionDep, id_path
from lanyan.api.paging import Page, count, paginate
from lanyan.core.clock import utcnow
from lanyan.core.permissions import Action
from lanyan.prevention import campaign_catalogue, campaign_work, directives
from lanyan.prevention.campaign_catalogue import INSPECTED, MeasureKind, Topic
from lanyan.prevention.campaign_choices import DirectiveStatus
from lanyan.prevention.campaign_models import (
    CampaignDirective,
    CampaignMeasure,
    CampaignTarget,
    CampaignWorkItem,
)
from lanyan.prevention.campaign_schemas import (
    CampaignMeasureOut,
    CatalogueOut,
    DirectiveAdvance,
    DirectiveCreate,
    DirectiveOut,
    MeasureKindOut,
    MeasureKindSave,
    MeasuresRecord,
    MeasureTotal,
    ProgressCell,
    ProgressKey,
    ProgressOut,
    ProgressRow,
    TargetOut,
    TargetSet,
    TopicOut,
    TopicSave,
    WorkItemCreate,
    WorkItemMark,
    WorkItemOut,
)

router = APIRouter(prefix="/api/prevention", tags=["prevention campaigns 专项整治"])

CampaignId = Annotated[int, id_path("campaign id")]
MeasureId = Annotated[int, id_path("campaign measure id")]
WorkItemId = Annotated[int, id_path("work item id")]
DirectiveId = Annotated[int, id_path("directive id")]
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
CodePath = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
CodeQuery = Annotated[str | None, Query(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]


def _topic(t: Topic) -> TopicOut:
    return TopicOut(
        key=t.key,
        zh=t.zh,
        en=t.en,
        checklist=list(t.checklist),
        measures=list(t.measures),
        active=t.active,
    )


def _kind(m: MeasureKind) -> MeasureKindOut:
    return MeasureKindOut(code=m.code, zh=m.zh, unit=m.unit, active=m.active)


def _measure(
    row: CampaignMeasure, premises_name: str, kinds: dict[str, MeasureKind]
) -> CampaignMeasureOut:
    kind = kinds.get(row.measure)
    return CampaignMeasureOut(
        id=row.id,
        campaign_id=row.campaign_id,
        inspection_id=row.inspection_id,
        premises_id=row.premises_id,
        premises_name=premises_name,
        org_id=row.org_id,
        measure=row.measure,
        measure_zh=kind.zh if kind else row.measure,
        unit=kind.unit if kind else "",
        quantity=row.quantity,
        recorded_on=row.recorded_on,
    )


def _work_item(w: CampaignWorkItem) -> WorkItemOut:
    return WorkItemOut(
        id=w.id,
        campaign_id=w.campaign_id,
        org_id=w.org_id,
        org_name=w.org.name,
        title=w.title,
        due_on=w.due_on,
        done_at=w.done_at,
        note=w.note,
    )


def directive_out(d: CampaignDirective) -> DirectiveOut:
    """A 交办单 for the API, with its overdue flag as of now."""
    return DirectiveOut(
        id=d.id,
        number=d.number,
        campaign_id=d.campaign_id,
        issuer_org_id=d.issuer_org_id,
        issuer_org_name=d.issuer_org.name,
        to_org_id=d.to_org_id,
        to_name=d.to_org.name if d.to_org is not None else (d.to_department or ""),
        to_department=d.to_department,
        premises_id=d.premises_id,
        subject=d.subject,
        content=d.content,
        status=d.status,
        status_zh=d.status.zh,
        issued_at=d.issued_at,
        due_on=d.due_on,
        reply=d.reply,
        replied_at=d.replied_at,
        first_replied_on=d.first_replied_on,
        closed_at=d.closed_at,
        overdue=directives.is_overdue(d),
    )


# --- catalogue -----------------------------------------------------------------------------------


@router.get("/campaign-catalogue", response_model=CatalogueOut)
def catalogue(actor: CurrentActor, session: SessionDep) -> CatalogueOut:
    """Campaign topics (with checklists and measures) and measures (with units), inactive too."""
    actor.require(Action.READ)
    return CatalogueOut(
        topics=[
            _topic(t) for t in campaign_catalogue.topics(session, include_inactive=True).values()
        ],
        measures=[
            _kind(m)
            for m in campaign_catalogue.measure_kinds(session, include_inactive=True).values()
        ],
    )


@router.put("/campaign-catalogue/topics/{key}", response_model=TopicOut)
def save_topic(
    key: CodePath, body: TopicSave, actor: CurrentActor, session: SessionDep
) -> TopicOut:
    """Add or change a campaign topic (administrators)."""
    t = campaign_catalogue.save_topic(session, actor=actor, key=key, **body.model_dump())
    session.commit()
    return _topic(t)


@router.put("/campaign-catalogue/measures/{code}", response_model=MeasureKindOut)
def save_measure_kind(
    code: CodePath, body: MeasureKindSave, actor: CurrentActor, session: SessionDep
) -> MeasureKindOut:
    """Add or change a measure and its unit (administrators)."""
    m = campaign_catalogue.save_measure_kind(session, actor=actor, code=code, **body.model_dump())
    session.commit()
    return _kind(m)


# --- measures ------------------------------------------------------------------------------------


@router.post("/campaign-measures", response_model=list[CampaignMeasureOut], status_code=201)
def record_measures(
    body: MeasuresRecord, actor: CurrentActor, session: SessionDep
) -> list[CampaignMeasureOut]:
    """Record what an inspection of a campaign did, in physical units (recorded again = fixed)."""
    rows = campaign_work.record_measures(
        session,
        actor=actor,
        inspection_id=body.inspection_id,
        items=[(i.measure, i.quantity) for i in body.items],
    )
    session.commit()
    kinds = campaign_catalogue.measure_kinds(session, include_inactive=True)
    names = campaign_work.premises_names(session, [r.premises_id for r in rows])
    return [_measure(r, names.get(r.premises_id, ""), kinds) for r in rows]


@router.get("/campaign-measures", response_model=Page[CampaignMeasureOut])
def list_measures(
    actor: CurrentActor,
    session: SessionDep,
    campaign_id: OptionalId = None,
    inspection_id: OptionalId = None,
    org_id: OptionalId = None,
    measure: CodeQuery = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CampaignMeasureOut]:
    """Measures recorded (newest first); ``org_id`` takes the organization and those below it."""
    stmt = campaign_work.query_measures(
        session,
        actor=actor,
        campaign_id=campaign_id,
        inspection_id=inspection_id,
        org_id=org_id,
        measure=measure,
    )
    kinds = campaign_catalogue.measure_kinds(session, include_inactive=True)
    rows = list(session.scalars(stmt.limit(limit).offset(offset)))
    names = campaign_work.premises_names(session, [r.premises_id for r in rows])
    return Page[CampaignMeasureOut](
        items=[_measure(row, names.get(row.premises_id, ""), kinds) for row in rows],
        total=count(session, stmt),
        limit=limit,
        offset=offset,
    )


@router.delete("/campaign-measures/{measure_id}", status_code=204)
def delete_measure(measure_id: MeasureId, actor: CurrentActor, session: SessionDep) -> Response:
    """Remove a measure recorded by mistake."""
    campaign_work.delete_measure(session, actor=actor, measure_id=measure_id)
    session.commit()
    return Response(status_code=204)


# --- targets and progress ------------------------------------------------------------------------


@router.put("/campaigns/{campaign_id}/targets", response_model=TargetOut)
def set_target(
    campaign_id: CampaignId, body: TargetSet, actor: CurrentActor, session: SessionDep
) -> TargetOut:
    """Set how much of a measure (or ``inspected`` premises) an organization is to do."""
    t: CampaignTarget = campaign_work.set_target(
        session, actor=actor, campaign_id=campaign_id, **body.model_dump()
    )
    session.commit()
    return TargetOut(
        id=t.id, campaign_id=t.campaign_id, org_id=t.org_id, measure=t.measure, quantity=t.quantity
    )


def _keys(session: Session, keys: list[str]) -> list[ProgressKey]:
    kinds = campaign_catalogue.measure_kinds(session, include_inactive=True)
    out = []
    for key in keys:
        if key == INSPECTED:
            out.append(ProgressKey(key=key, zh="检查单位", unit="家"))
        else:
            kind = kinds.get(key)
            out.append(
                ProgressKey(key=key, zh=kind.zh if kind else key, unit=kind.unit if kind else "")
            )
    return out


def _row(row: campaign_work.OrgProgress, keys: list[str]) -> ProgressRow:
    cells = {}
    for key in keys:
        target = row.target.get(key)
        done = row.done.get(key, 0)
        share = round(done / target, 4) if target else None
        cells[key] = ProgressCell(target=target, done=done, share=share)
    return ProgressRow(org_id=row.org_id, org_name=row.org_name, cells=cells)


@router.get("/campaigns/{campaign_id}/progress", response_model=ProgressOut)
def progress(campaign_id: CampaignId, actor: CurrentActor, session: SessionDep) -> ProgressOut:
    """Targets against what was done, per brigade (premises inspected and each measure)."""
    p = campaign_work.campaign_progress(session, actor=actor, campaign_id=campaign_id)
    return ProgressOut(
        campaign_id=p.campaign_id,
        keys=_keys(session, p.keys),
        rows=[_row(r, p.keys) for r in p.rows],
        total=_row(p.totals(), p.keys),
    )


@router.get("/campaigns/{campaign_id}/measure-totals", response_model=list[MeasureTotal])
def measure_totals(
    campaign_id: CampaignId, actor: CurrentActor, session: SessionDep, org_id: OptionalId = None
) -> list[MeasureTotal]:
    """Each measure's total in the campaign (below ``org_id``) and how many inspections did it."""
    kinds = campaign_catalogue.measure_kinds(session, include_inactive=True)
    out = []
    for code, quantity, inspections in campaign_work.measure_totals(
        session, actor=actor, campaign_id=campaign_id, org_id=org_id
    ):
        kind = kinds.get(code)
        out.append(
            MeasureTotal(
                measure=code,
                zh=kind.zh if kind else code,
                unit=kind.unit if kind else "",
                quantity=quantity,
                inspections=inspections,
            )
        )
    return out


# --- 工作清单 (work items) ----------------------------------------------------------------------


@router.get("/campaigns/{campaign_id}/work-items", response_model=Page[WorkItemOut])
def list_work_items(
    campaign_id: CampaignId,
    actor: CurrentActor,
    session: SessionDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[WorkItemOut]:
    """The campaign's 工作清单 by due date."""
    stmt = campaign_work.query_work_items(session, actor=actor, campaign_id=campaign_id)
    return paginate(session, stmt, limit, offset, _work_item)


@router.post("/campaigns/{campaign_id}/work-items", response_model=WorkItemOut, status_code=201)
def add_work_item(
    campaign_id: CampaignId, body: WorkItemCreate, actor: CurrentActor, session: SessionDep
) -> WorkItemOut:
    """Add a line to the 工作清单."""
    item = campaign_work.add_work_item(
        session, actor=actor, campaign_id=campaign_id, **body.model_dump()
    )
    session.commit()
    return _work_item(item)


@router.post("/campaign-work-items/{work_item_id}/done", response_model=WorkItemOut)
def mark_work_item(
    work_item_id: WorkItemId, body: WorkItemMark, actor: CurrentActor, session: SessionDep
) -> WorkItemOut:
    """Tick a 工作清单 line done, or open it again."""
    item = campaign_work.mark_work_item(
        session, actor=actor, item_id=work_item_id, done=body.done, note=body.note
    )
    session.commit()
    return _work_item(item)


# --- 交办单 (directives) ------------------------------------------------------------------------


@router.get("/directives", response_model=Page[DirectiveOut])
def list_directives(
    actor: CurrentActor,
    session: SessionDep,
    campaign_id: OptionalId = None,
    status: DirectiveStatus | None = None,
    overdue: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DirectiveOut]:
    """交办单 you issued, received or oversee, latest first; filter by overdue."""
    stmt = directives.query_directives(
        actor=actor, campaign_id=campaign_id, status=status, overdue=overdue, now=utcnow()
    )
    return paginate(session, stmt, limit, offset, directive_out)


@router.post("/directives", response_model=DirectiveOut, status_code=201)
def issue_directive(
    body: DirectiveCreate, actor: CurrentActor, session: SessionDep
) -> DirectiveOut:
    """Issue a 交办单 to a lower organization or a department."""
    d = directives.issue_directive(session, actor=actor, **body.model_dump())
    session.commit()
    return directive_out(d)


@router.get("/directives/{directive_id}", response_model=DirectiveOut)
def get_directive(
    directive_id: DirectiveId, actor: CurrentActor, session: SessionDep
) -> DirectiveOut:
    """One 交办单."""
    return directive_out(directives.get_directive(session, actor, directive_id))


@router.post("/directives/{directive_id}/advance", response_model=DirectiveOut)
def advance_directive(
    directive_id: DirectiveId, body: DirectiveAdvance, actor: CurrentActor, session: SessionDep
) -> DirectiveOut:
    """Reply (with the text), accept, return or withdraw a 交办单."""
    d = directives.advance_directive(
        session, actor=actor, directive_id=directive_id, status=body.status, reply=body.reply
    )
    session.commit()
    return directive_out(d)
