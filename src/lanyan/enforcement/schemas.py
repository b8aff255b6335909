"""Request and response shapes of supervision and enforcement (监督执法).

Every input is bounded (strings, lists, dates, ids, amounts), so a bad request is a 422 with a
reason and nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lanyan.core.dates import Day
from lanyan.core.schemas import DbId, Name120, Str60, Str200, Str2000, Str10000, StrictInput
from lanyan.enforcement.choices import (
    CaseStatus,
    DocumentKind,
    PenaltyKind,
    PlanKind,
    SealStatus,
)
from lanyan.prevention.choices import InspectionOutcome, PremisesCategory

ChecklistKey = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
AmountCny = Annotated[int, Field(ge=1, le=100_000_000, description="元")]


class Orm(BaseModel):
    """Output models read ORM attributes."""

    model_config = ConfigDict(from_attributes=True)


# --- plans ---------------------------------------------------------------------------------------


class PlanCreate(StrictInput):
    """A new plan: a random draw (``sample_size``, optional ``seed``) or a list of premises."""

    org_id: DbId
    name: Name120
    kind: PlanKind
    starts_on: Day
    ends_on: Day
    sample_size: Annotated[int, Field(ge=1, le=2000)] | None = None
    seed: Annotated[int, Field(ge=0, le=2**62)] | None = None
    category: PremisesCategory | None = None
    premises_ids: Annotated[list[DbId], Field(max_length=2000)] | None = None
    campaign_id: DbId | None = None
    complaint: Str2000 | None = None


class PlanPublic(Orm):
    """A plan with its progress."""

    id: int
    org_id: int
    name: str
    kind: PlanKind
    starts_on: date
    ends_on: date
    seed: int | None
    population: int | None
    campaign_id: int | None
    complaint: str | None
    items_total: int = 0
    items_done: int = 0


class PlanItemPublic(BaseModel):
    """A premises of a plan."""

    id: int
    premises_id: int
    premises_name: str
    address: str | None
    inspection_id: int | None


# --- inspections ---------------------------------------------------------------------------------


class InspectionRun(StrictInput):
    """An inspection as the phone sends it: checklist answers (true = 合格) and the outcome."""

    premises_id: DbId
    inspected_on: Day
    checklist: Annotated[dict[ChecklistKey, bool], Field(max_length=100)]
    outcome: InspectionOutcome
    note: Str2000 | None = None
    plan_id: DbId | None = None
    correct_by: Day | None = Field(default=None, description="改正期限 (责令改正, 行政处罚)")
    seal_scope: Str200 | None = Field(default=None, description="查封部位 (临时查封)")
    seal_days: Annotated[int, Field(ge=1, le=366)] | None = None
    case_title: Str200 | None = None


class DocumentPublic(Orm):
    """A legal document (without its text)."""

    id: int
    kind: DocumentKind
    number: str
    title: str
    org_id: int
    premises_id: int
    premises_name: str
    inspection_id: int | None
    case_id: int | None
    parent_id: int | None
    issued_on: date
    due_on: date
    served_on: date | None
    deadline_on: date | None
    lifted_on: date | None
    overdue: bool


class DocumentDetail(DocumentPublic):
    """A document with its text and, for a lifted seal, the stamp."""

    body: str
    stamp: str | None
    org_name: str


class SealPublic(Orm):
    """A temporary seal."""

    id: int
    org_id: int
    premises_id: int
    premises_name: str
    inspection_id: int | None
    document_id: int
    scope: str
    starts_on: date
    ends_on: date
    status: SealStatus
    lifted_on: date | None
    lift_reason: str | None
    lift_document_id: int | None


class CasePenaltyPublic(Orm):
    """A penalty decided."""

    kind: PenaltyKind
    amount_cny: int | None
    note: str | None


class PaymentPublic(Orm):
    """A payment against a case's fines."""

    id: int
    paid_on: date
    amount_cny: int
    receipt_no: str | None


class CasePublic(Orm):
    """An administrative case."""

    id: int
    org_id: int
    premises_id: int
    premises_name: str
    inspection_id: int | None
    title: str
    facts: str | None
    status: CaseStatus
    filed_on: date
    limit_on: date
    notified_on: date | None
    decided_on: date | None
    closed_on: date | None
    close_reason: str | None
    fine_cny: int
    paid_cny: int
    penalties: list[CasePenaltyPublic]
    past_limit: bool


class CaseDetail(CasePublic):
    """A case with its payments, documents and next legal moves."""

    payments: list[PaymentPublic]
    documents: list[DocumentPublic]
    next: list[CaseStatus]


class InspectionResultPublic(BaseModel):
    """What an inspection recorded and issued."""

    inspection_id: int
    premises_id: int
    inspected_on: date
    outcome: InspectionOutcome
    template_key: str
    items_checked: int
    items_failed: int
    failed_items: list[str]
    plan_id: int | None
    documents: list[DocumentPublic] = Field(default_factory=list)
    seal: SealPublic | None = None
    case: CasePublic | None = None


class InspectionRow(BaseModel):
    """An enforcement inspection in the list."""

    inspection_id: int
    premises_id: int
    premises_name: str
    inspected_on: date
    outcome: InspectionOutcome
    items_checked: int
    items_failed: int
    plan_id: int | None


# --- writes on documents, seals, cases ---------------------------------------------------------


class Serve(StrictInput):
    """送达."""

    served_on: Day


class Recheck(StrictInput):
    """复查 after an order's term."""

    rechecked_on: Day
    passed: bool
    opinion: Str2000 = ""


class Lift(StrictInput):
    """解除临时查封 with the reason."""

    lifted_on: Day
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class CaseCreate(StrictInput):
    """立案."""

    premises_id: DbId
    title: Annotated[str, Field(min_length=1, max_length=160)]
    facts: Str2000 | None = None
    filed_on: Day
    inspection_id: DbId | None = None


class PenaltyIn(StrictInput):
    """One penalty of a decision; ``amount_cny`` for a fine only."""

    kind: PenaltyKind
    amount_cny: AmountCny | None = None
    note: Str200 | None = None


class CaseMove(StrictInput):
    """A move of a case; ``penalties`` with 决定, ``reason`` to close without penalty."""

    to: CaseStatus
    on: Day
    reason: Str2000 | None = None
    penalties: Annotated[list[PenaltyIn], Field(max_length=6)] | None = None


class PaymentCreate(StrictInput):
    """A payment against a case's fines."""

    paid_on: Day
    amount_cny: AmountCny
    receipt_no: Str60 | None = None


class TemplatePublic(BaseModel):
    """A document template: its text in force and the placeholders it may use."""

    kind: DocumentKind
    title: str
    body: str
    fields: list[str]
    edited: bool
    updated_at: datetime | None


class TemplateUpdate(StrictInput):
    """An administrator's edit of a template."""

    title: Annotated[str, Field(min_length=1, max_length=60)]
    body: Annotated[Str10000, Field(min_length=1)]


class EvaluationRow(BaseModel):
    """考评 of one officer or brigade."""

    key: int | None
    name: str
    documents: int
    documents_overdue: int
    cases: int
    cases_past_limit: int


class EvaluationPublic(BaseModel):
    """考评 of a year."""

    year: int
    as_of: date
    officers: list[EvaluationRow]
    brigades: list[EvaluationRow]
