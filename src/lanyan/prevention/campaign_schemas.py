"""Shapes of the campaign work: catalogue, measures, targets, 工作清单 and 交办单."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from lanyan.core.schemas import DbId, Name120, Str60, Str2000, StrictInput
from lanyan.prevention.campaign_choices import DirectiveStatus
from lanyan.prevention.governance_schemas import ChecklistKey, Day

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
Quantity = Annotated[int, Field(ge=1, le=100_000, description="in the measure's unit")]


class MeasureKindSave(StrictInput):
    """A measure's name and unit (处, 套, 个, 家 …), and whether inspections offer it."""

    zh: Annotated[str, Field(min_length=1, max_length=60)]
    unit: Annotated[str, Field(min_length=1, max_length=10)]
    active: bool = True


class MeasureKindOut(BaseModel):
    """A measure of the catalogue."""

    code: str
    zh: str
    unit: str
    active: bool


class TopicSave(StrictInput):
    """A topic's names, checklist (item keys) and the measures its inspections record."""

    zh: Name120
    en: Name120
    checklist: Annotated[list[ChecklistKey], Field(min_length=1, max_length=60)]
    measures: Annotated[list[Code], Field(default_factory=list, max_length=30)]
    active: bool = True


class TopicOut(BaseModel):
    """A topic of the catalogue."""

    key: str
    zh: str
    en: str
    checklist: list[str]
    measures: list[str]
    active: bool


class CatalogueOut(BaseModel):
    """The whole catalogue: topics and measures."""

    topics: list[TopicOut]
    measures: list[MeasureKindOut]


class MeasureItem(StrictInput):
    """One measure and its quantity."""

    measure: Code
    quantity: Quantity


class MeasuresRecord(StrictInput):
    """What an inspection of a campaign did ("拆除铁栅栏 3 处")."""

    inspection_id: DbId
    items: Annotated[list[MeasureItem], Field(min_length=1, max_length=30)]


class CampaignMeasureOut(BaseModel):
    """A measure recorded at an inspection."""

    id: int
    campaign_id: int
    inspection_id: int
    premises_id: int
    premises_name: str
    org_id: int
    measure: str
    measure_zh: str
    unit: str
    quantity: int
    recorded_on: date


class TargetSet(StrictInput):
    """How much of a measure (or ``inspected`` premises) an organization is to do."""

    org_id: DbId
    measure: Code
    quantity: Quantity


class TargetOut(BaseModel):
    """A target."""

    id: int
    campaign_id: int
    org_id: int
    measure: str
    quantity: int


class ProgressCell(BaseModel):
    """Target and done of one measure for one organization."""

    target: int | None
    done: int
    share: float | None = Field(description="done / target (may exceed 1), None without target")


class ProgressRow(BaseModel):
    """One organization's progress by measure key."""

    org_id: int
    org_name: str
    cells: dict[str, ProgressCell]


class ProgressKey(BaseModel):
    """A column of the progress table: ``inspected`` or a measure, with its unit."""

    key: str
    zh: str
    unit: str


class ProgressOut(BaseModel):
    """A campaign's targets against what was done, per brigade."""

    campaign_id: int
    keys: list[ProgressKey]
    rows: list[ProgressRow]
    total: ProgressRow


class MeasureTotal(BaseModel):
    """A measure's total in a campaign (below an organization) and its inspections."""

    measure: str
    zh: str
    unit: str
    quantity: int
    inspections: int


class WorkItemCreate(StrictInput):
    """A line of the 工作清单."""

    org_id: DbId
    title: Annotated[str, Field(min_length=1, max_length=200)]
    due_on: Day | None = None
    note: Str2000 | None = None


class WorkItemMark(StrictInput):
    """Tick a 工作清单 line done (or open it again)."""

    done: bool
    note: Str2000 | None = None


class WorkItemOut(BaseModel):
    """A 工作清单 line."""

    id: int
    campaign_id: int
    org_id: int
    org_name: str
    title: str
    due_on: date | None
    done_at: datetime | None
    note: str | None


class DirectiveCreate(StrictInput):
    """A 交办单 to a lower organization or a department (one of the two)."""

    subject: Annotated[str, Field(min_length=1, max_length=200)]
    content: Str2000 | None = None
    due_on: Day
    to_org_id: DbId | None = None
    to_department: Str60 | None = None
    campaign_id: DbId | None = None
    premises_id: DbId | None = None
    issuer_org_id: DbId | None = None


class DirectiveAdvance(StrictInput):
    """Reply (with the text), accept, return or withdraw."""

    status: DirectiveStatus
    reply: Str2000 | None = None


class DirectiveOut(BaseModel):
    """A 交办单 with its overdue flag."""

    id: int
    number: str
    campaign_id: int | None
    issuer_org_id: int
    issuer_org_name: str
    to_org_id: int | None
    to_name: str
    to_department: str | None
    premises_id: int | None
    subject: str
    content: str | None
    status: DirectiveStatus
    status_zh: str
    issued_at: datetime
    due_on: date
    reply: str | None
    replied_at: datetime | None
    first_replied_on: date | None
    closed_at: datetime | None
    overdue: bool
