"""Supervision and enforcement API (监督执法): plans, inspections, documents, seals, cases, 考评.

Thin routes over the service modules: parse, call, commit, shape the answer. Documents download
as Word (``/docx``) or PDF (``/pdf``, converted by LibreOffice on the server).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.api.deps import CurrentActor, Limit, Offset, SessionDep, id_path
from lanyan.api.paging import Page, count, page_of, paginate
from lanyan.core.actor import Actor
from lanyan.core.jurisdiction import visible_condition
from lanyan.core.permissions import Action
from lanyan.enforcement import cases, documents, evaluation, inspect, plans, seals, templates
from lanyan.enforcement.cases import PenaltyInput
from lanyan.enforcement.choices import CaseStatus, DocumentKind, PlanKind, SealStatus
from lanyan.enforcement.models import Case, Document, InspectionRecord, Plan, PlanItem, Seal
from lanyan.enforcement.schemas import (
    CaseCreate,
    CaseDetail,
    CaseMove,
    CasePenaltyPublic,
    CasePublic,
    DocumentDetail,
    DocumentPublic,
    EvaluationPublic,
    EvaluationRow,
    InspectionResultPublic,
    InspectionRow,
    InspectionRun,
    Lift,
    PaymentCreate,
    PaymentPublic,
    PlanCreate,
    PlanItemPublic,
    PlanPublic,
    Recheck,
    SealPublic,
    Serve,
    TemplatePublic,
    TemplateUpdate,
)
from lanyan.prevention.models import Inspection, Premises
from lanyan.prevention.patrols import local_today

router = APIRouter(prefix="/api/enforcement", tags=["enforcement 监督执法"])
PlanId = Annotated[int, id_path("plan id")]
DocumentId = Annotated[int, id_path("document id")]
SealId = Annotated[int, id_path("seal id")]
CaseId = Annotated[int, id_path("case id")]
Year = Annotated[int, Query(ge=2000, le=2100)]


# --- shaping -------------------------------------------------------------------------------------


def document_public(d: Document, today: date) -> DocumentPublic:
    """A document for a list."""
    overdue = (
        (d.served_on is not None and d.served_on > d.due_on)
        or d.issued_on > d.due_on
        or (d.served_on is None and d.due_on < today)
    )
    return DocumentPublic(
        id=d.id,
        kind=d.kind,
        number=d.number,
        title=d.title,
        org_id=d.org_id,
        premises_id=d.premises_id,
        premises_name=d.premises.name,
        inspection_id=d.inspection_id,
        case_id=d.case_id,
        parent_id=d.parent_id,
        issued_on=d.issued_on,
        due_on=d.due_on,
        served_on=d.served_on,
        deadline_on=d.deadline_on,
        lifted_on=d.lifted_on,
        overdue=overdue,
    )


def seal_public(s: Seal) -> SealPublic:
    """A seal for a list."""
    return SealPublic(
        id=s.id,
        org_id=s.org_id,
        premises_id=s.premises_id,
        premises_name=s.premises.name,
        inspection_id=s.inspection_id,
        document_id=s.document_id,
        scope=s.scope,
        starts_on=s.starts_on,
        ends_on=s.ends_on,
        status=s.status,
        lifted_on=s.lifted_on,
        lift_reason=s.lift_reason,
        lift_document_id=s.lift_document_id,
    )


def case_public(c: Case, today: date) -> CasePublic:
    """A case for a list."""
    past = (c.decided_on is not None and c.decided_on > c.limit_on) or (
        c.decided_on is None and c.status != CaseStatus.CLOSED and c.limit_on < today
    )
    return CasePublic(
        id=c.id,
        org_id=c.org_id,
        premises_id=c.premises_id,
        premises_name=c.premises.name,
        inspection_id=c.inspection_id,
        title=c.title,
        facts=c.facts,
        status=c.status,
        filed_on=c.filed_on,
        limit_on=c.limit_on,
        notified_on=c.notified_on,
        decided_on=c.decided_on,
        closed_on=c.closed_on,
        close_reason=c.close_reason,
        fine_cny=c.fine_cny,
        paid_cny=c.paid_cny,
        penalties=[CasePenaltyPublic.model_validate(p) for p in c.penalties],
        past_limit=past,
    )


def _case_detail(session: Session, actor: Actor, c: Case) -> CaseDetail:
    today = local_today()
    docs = session.scalars(documents.query_documents(actor=actor, case_id=c.id)).all()
    return CaseDetail(
        **case_public(c, today).model_dump(),
        payments=[PaymentPublic.model_validate(p) for p in c.payments],
        documents=[document_public(d, today) for d in docs],
        next=sorted(cases.TRANSITIONS[c.status], key=list(CaseStatus).index),
    )


def _plan_public(session: Session, plan: Plan) -> PlanPublic:
    """One plan with its progress."""
    total, done = session.execute(
        select(func.count(PlanItem.id), func.count(PlanItem.inspection_id)).where(
            PlanItem.plan_id == plan.id
        )
    ).one()
    out = PlanPublic.model_validate(plan)
    out.items_total, out.items_done = int(total), int(done)
    return out


# --- plans ---------------------------------------------------------------------------------------


@router.get("/plans", response_model=Page[PlanPublic])
def list_plans(
    actor: CurrentActor,
    session: SessionDep,
    kind: PlanKind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PlanPublic]:
    """Inspection plans, latest first, with how many of their premises are inspected."""
    stmt = plans.query_plans(actor=actor, kind=kind)
    rows = list(session.scalars(stmt.limit(limit).offset(offset)))
    # the progress of the whole page in one grouped query
    progress = {
        plan_id: (int(total), int(done))
        for plan_id, total, done in session.execute(
            select(PlanItem.plan_id, func.count(PlanItem.id), func.count(PlanItem.inspection_id))
            .where(PlanItem.plan_id.in_([p.id for p in rows]))
            .group_by(PlanItem.plan_id)
        )
    }
    items = []
    for plan in rows:
        out = PlanPublic.model_validate(plan)
        out.items_total, out.items_done = progress.get(plan.id, (0, 0))
        items.append(out)
    return page_of(items, count(session, stmt), limit, offset)


@router.post("/plans", response_model=PlanPublic, status_code=201)
def create_plan(body: PlanCreate, actor: CurrentActor, session: SessionDep) -> PlanPublic:
    """Create a plan: a 双随机 draw (seed recorded) or a campaign's or complaint's list."""
    plan = plans.create_plan(session, actor=actor, **body.model_dump())
    session.commit()
    return _plan_public(session, plan)


@router.get("/plans/{plan_id}", response_model=PlanPublic)
def get_plan(plan_id: PlanId, actor: CurrentActor, session: SessionDep) -> PlanPublic:
    """One plan."""
    return _plan_public(session, plans.get_plan(session, actor, plan_id))


@router.get("/plans/{plan_id}/items", response_model=Page[PlanItemPublic])
def list_plan_items(
    plan_id: PlanId,
    actor: CurrentActor,
    session: SessionDep,
    pending: bool | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PlanItemPublic]:
    """The premises of a plan (``pending=true``: still to inspect)."""
    plans.get_plan(session, actor, plan_id)
    return paginate(
        session,
        plans.query_items(actor=actor, plan_id=plan_id, pending=pending),
        limit,
        offset,
        lambda i: PlanItemPublic(
            id=i.id,
            premises_id=i.premises_id,
            premises_name=i.premises.name,
            address=i.premises.address,
            inspection_id=i.inspection_id,
        ),
    )


# --- inspections ---------------------------------------------------------------------------------


@router.post("/inspections", response_model=InspectionResultPublic, status_code=201)
def run_inspection(
    body: InspectionRun, actor: CurrentActor, session: SessionDep
) -> InspectionResultPublic:
    """Record an inspection with the category checklist; its outcome issues the documents
    (责令限期改正通知书, 临时查封决定书) and seal or case the law asks for."""
    out = inspect.run_inspection(session, actor=actor, **body.model_dump())
    session.commit()
    today = local_today()
    r = out.record
    return InspectionResultPublic(
        inspection_id=out.inspection.id,
        premises_id=out.inspection.premises_id,
        inspected_on=out.inspection.inspected_on,
        outcome=out.inspection.outcome,
        template_key=r.template_key,
        items_checked=r.items_checked,
        items_failed=r.items_failed,
        failed_items=list(r.failed_items),
        plan_id=r.plan_id,
        documents=[document_public(d, today) for d in out.documents],
        seal=seal_public(out.seal) if out.seal else None,
        case=case_public(out.case, today) if out.case else None,
    )


@router.get("/inspections", response_model=Page[InspectionRow])
def list_inspections(
    actor: CurrentActor,
    session: SessionDep,
    plan_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[InspectionRow]:
    """Inspections recorded through enforcement, latest first (one query per page)."""
    actor.require(Action.READ)
    stmt = (
        select(
            InspectionRecord.inspection_id,
            InspectionRecord.plan_id,
            InspectionRecord.items_checked,
            InspectionRecord.items_failed,
            Inspection.premises_id,
            Inspection.inspected_on,
            Inspection.outcome,
            Premises.name.label("premises_name"),
        )
        .join(Inspection, Inspection.id == InspectionRecord.inspection_id)
        .join(Premises, Premises.id == Inspection.premises_id)
        .where(visible_condition(actor, Inspection))
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    )
    if plan_id is not None:
        stmt = stmt.where(InspectionRecord.plan_id == plan_id)
    rows = session.execute(stmt.limit(limit).offset(offset)).all()
    items = [InspectionRow.model_validate(row, from_attributes=True) for row in rows]
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return page_of(items, int(total or 0), limit, offset)


# --- documents -----------------------------------------------------------------------------------


@router.get("/documents", response_model=Page[DocumentPublic])
def list_documents(
    actor: CurrentActor,
    session: SessionDep,
    kind: DocumentKind | None = None,
    premises_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    inspection_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    case_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    overdue: bool | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[DocumentPublic]:
    """Legal documents, latest first (``overdue=true``: past their legal limit)."""
    today = local_today()
    stmt = documents.query_documents(
        actor=actor,
        kind=kind,
        premises_id=premises_id,
        inspection_id=inspection_id,
        case_id=case_id,
        overdue_on=today if overdue else None,
    )
    return paginate(session, stmt, limit, offset, lambda d: document_public(d, today))


@router.get("/documents/{document_id}", response_model=DocumentDetail)
def get_document(
    document_id: DocumentId, actor: CurrentActor, session: SessionDep
) -> DocumentDetail:
    """One document with its text (and the 已解除 stamp of a lifted seal)."""
    d = documents.get_document(session, actor, document_id)
    return DocumentDetail(
        **document_public(d, local_today()).model_dump(),
        body=d.body,
        stamp=documents.stamp_text(session, d),
        org_name=d.premises.org.name,
    )


def _download(content: bytes, media_type: str, name: str) -> Response:
    disposition = f"attachment; filename=document; filename*=UTF-8''{quote(name)}"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@router.get("/documents/{document_id}/docx", response_class=Response)
def document_docx(document_id: DocumentId, actor: CurrentActor, session: SessionDep) -> Response:
    """The document as a Word file."""
    d = documents.get_document(session, actor, document_id)
    return _download(
        documents.docx_bytes(session, d),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"{d.title}{d.number}.docx",
    )


@router.get("/documents/{document_id}/pdf", response_class=Response)
def document_pdf(document_id: DocumentId, actor: CurrentActor, session: SessionDep) -> Response:
    """The document as PDF (converted by LibreOffice; takes seconds)."""
    d = documents.get_document(session, actor, document_id)
    return _download(documents.pdf_bytes(session, d), "application/pdf", f"{d.title}{d.number}.pdf")


@router.post("/documents/{document_id}/serve", response_model=DocumentPublic)
def serve_document(
    document_id: DocumentId, body: Serve, actor: CurrentActor, session: SessionDep
) -> DocumentPublic:
    """Record that the document was served (送达)."""
    d = documents.serve(session, actor=actor, document_id=document_id, served_on=body.served_on)
    session.commit()
    return document_public(d, local_today())


@router.post("/documents/{document_id}/recheck", response_model=DocumentPublic, status_code=201)
def recheck_order(
    document_id: DocumentId, body: Recheck, actor: CurrentActor, session: SessionDep
) -> DocumentPublic:
    """Re-check an order after its term and issue the 复查意见书."""
    d = inspect.recheck(session, actor=actor, order_id=document_id, **body.model_dump())
    session.commit()
    return document_public(d, local_today())


# --- seals ---------------------------------------------------------------------------------------


@router.get("/seals", response_model=Page[SealPublic])
def list_seals(
    actor: CurrentActor,
    session: SessionDep,
    status: SealStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[SealPublic]:
    """Temporary seals, latest first."""
    return paginate(
        session, seals.query_seals(actor=actor, status=status), limit, offset, seal_public
    )


@router.post("/seals/{seal_id}/lift", response_model=SealPublic)
def lift_seal(seal_id: SealId, body: Lift, actor: CurrentActor, session: SessionDep) -> SealPublic:
    """Lift a seal with its reason: issues the 解除临时查封决定书 and stamps the decision."""
    seal = seals.lift_seal(session, actor=actor, seal_id=seal_id, **body.model_dump())
    session.commit()
    return seal_public(seal)


# --- cases ---------------------------------------------------------------------------------------


@router.get("/cases", response_model=Page[CasePublic])
def list_cases(
    actor: CurrentActor,
    session: SessionDep,
    status: CaseStatus | None = None,
    premises_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[CasePublic]:
    """Administrative cases, latest filed first."""
    today = local_today()
    stmt = cases.query_cases(actor=actor, status=status, premises_id=premises_id)
    return paginate(session, stmt, limit, offset, lambda c: case_public(c, today))


@router.post("/cases", response_model=CaseDetail, status_code=201)
def file_case(body: CaseCreate, actor: CurrentActor, session: SessionDep) -> CaseDetail:
    """File a case (立案)."""
    case = cases.file_case(session, actor=actor, **body.model_dump())
    session.commit()
    return _case_detail(session, actor, case)


@router.get("/cases/{case_id}", response_model=CaseDetail)
def get_case(case_id: CaseId, actor: CurrentActor, session: SessionDep) -> CaseDetail:
    """One case with its penalties, payments, documents and next legal moves."""
    return _case_detail(session, actor, cases.get_case(session, actor, case_id))


@router.post("/cases/{case_id}/transition", response_model=CaseDetail)
def move_case(
    case_id: CaseId, body: CaseMove, actor: CurrentActor, session: SessionDep
) -> CaseDetail:
    """Move a case (409 for a move the procedure does not allow)."""
    penalties = [PenaltyInput(p.kind, p.amount_cny, p.note) for p in body.penalties or []]
    case = cases.move_case(
        session,
        actor=actor,
        case_id=case_id,
        to=body.to,
        on=body.on,
        reason=body.reason,
        penalties=penalties or None,
    )
    session.commit()
    return _case_detail(session, actor, case)


@router.post("/cases/{case_id}/payments", response_model=PaymentPublic, status_code=201)
def record_payment(
    case_id: CaseId, body: PaymentCreate, actor: CurrentActor, session: SessionDep
) -> PaymentPublic:
    """Record a payment against the case's fines."""
    payment = cases.record_payment(session, actor=actor, case_id=case_id, **body.model_dump())
    session.commit()
    return PaymentPublic.model_validate(payment)


# --- templates, 考评 ------------------------------------------------------------------------------


def _template_public(session: Session, kind: DocumentKind) -> TemplatePublic:
    from lanyan.enforcement.models import DocumentTemplate

    row = session.get(DocumentTemplate, kind.value)
    title, body = templates.current(session, kind)
    return TemplatePublic(
        kind=kind,
        title=title,
        body=body,
        fields=list(templates.FIELDS[kind]),
        edited=row is not None,
        updated_at=row.updated_at if row else None,
    )


@router.get("/templates", response_model=list[TemplatePublic])
def list_templates(actor: CurrentActor, session: SessionDep) -> list[TemplatePublic]:
    """The text template of every document kind, with the placeholders it may use."""
    actor.require(Action.READ)
    return [_template_public(session, kind) for kind in DocumentKind]


@router.put("/templates/{kind}", response_model=TemplatePublic)
def update_template(
    kind: DocumentKind, body: TemplateUpdate, actor: CurrentActor, session: SessionDep
) -> TemplatePublic:
    """Edit a document template (administrators); documents issued later use it."""
    templates.save(session, actor=actor, kind=kind, title=body.title, body=body.body)
    session.commit()
    return _template_public(session, kind)


@router.get("/evaluation", response_model=EvaluationPublic)
def get_evaluation(actor: CurrentActor, session: SessionDep, year: Year) -> EvaluationPublic:
    """考评: per officer and brigade, documents overdue and cases past their limit."""
    e = evaluation.evaluate(session, actor=actor, year=year, today=local_today())
    return EvaluationPublic(
        year=e.year,
        as_of=e.as_of,
        officers=[EvaluationRow.model_validate(r, from_attributes=True) for r in e.officers],
        brigades=[EvaluationRow.model_validate(r, from_attributes=True) for r in e.brigades],
    )
