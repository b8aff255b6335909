"""Request and response shapes of grassroots governance: grids, patrols, campaigns, inspections.

Kept apart from ``schemas.py`` (premises, hazards, listing) so the two halves of prevention can
change without stepping on each other. Every input is bounded (strings, lists, dates, ids) so a
phone on a bad connection or a fuzzer gets a 422 with a reason, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from lanyan.core.schemas import (
    AreaGeometry,
    DbId,
    ExternalId,
    Lat,
    Lon,
    Name120,
    Str60,
    Str200,
    Str2000,
    StrictInput,
)
from lanyan.prevention.choices import (
    GridLevel,
    HazardSeverity,
    InspectionOutcome,
    PatrolTaskStatus,
)

Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
"""A calendar day (Asia/Shanghai) within a range every time conversion can handle."""

ChecklistKey = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
Answers = Annotated[
    dict[ChecklistKey, bool | Str200],
    Field(default_factory=dict, max_length=100, description="item key → yes/no or remark"),
]
PhotoIds = Annotated[list[DbId], Field(default_factory=list, max_length=20)]


# --- grids ---------------------------------------------------------------------------------------


class GridCreate(StrictInput):
    """A new grid cell; its parent is one level up (none for a county grid)."""

    external_id: ExternalId
    name: Name120
    level: GridLevel
    parent_id: DbId | None = None
    org_id: DbId
    polygon: AreaGeometry | None = None


class GridUpdate(StrictInput):
    """Fields to change (name, boundary)."""

    name: Name120 | None = None
    polygon: AreaGeometry | None = None


class GridPublic(BaseModel):
    """A grid cell as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    name: str
    level: GridLevel
    parent_id: int | None
    org_id: int
    polygon: dict[str, Any] | None
    updated_at: datetime


class GridMemberAdd(StrictInput):
    """Assign a grid worker to the cell."""

    user_id: DbId


class GridMemberPublic(BaseModel):
    """A grid worker of a cell."""

    user_id: int
    username: str
    display_name: str
    organization_id: int


class AssignPremises(StrictInput):
    """Place every premises (of this organization's subtree, or all of yours) in its grid."""

    org_id: DbId | None = None


class AssignResult(BaseModel):
    """What placing premises in grids did."""

    premises: int
    assigned: int
    changed: int
    outside: int
    outside_ids: list[int] = Field(description="premises in no grid cell (first 1000)")


# --- checklists ----------------------------------------------------------------------------------


class ChecklistItemPublic(BaseModel):
    """One checklist question."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    zh: str
    en: str


class ChecklistPublic(BaseModel):
    """A checklist template (kind of premises, or campaign topic)."""

    key: str
    zh: str
    en: str
    items: list[ChecklistItemPublic]


# --- patrols -------------------------------------------------------------------------------------


class TaskGenerate(StrictInput):
    """Generate patrol tasks due up to ``until`` (at most a year ahead)."""

    until: Day


class TaskGenerateResult(BaseModel):
    """Tasks created, and pending tasks past due now marked missed."""

    created: int
    missed: int


class PatrolTaskPublic(BaseModel):
    """A patrol task on the grid worker's list."""

    id: int
    premises_id: int
    premises_name: str
    address: str | None
    lon: float
    lat: float
    org_id: int
    grid_id: int | None
    due_on: date
    status: PatrolTaskStatus


class Finding(StrictInput):
    """Something found on a patrol or inspection; it becomes a hazard in the same step."""

    title: Str200 = Field(min_length=1)
    description: Str2000 | None = None
    severity: HazardSeverity = HazardSeverity.GENERAL
    category: Str60 | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    photo_ids: PhotoIds


class CheckIn(StrictInput):
    """A patrol check-in (防火巡查打卡) at a premises."""

    premises_id: DbId
    lon: Lon
    lat: Lat
    checklist: Answers
    photo_ids: PhotoIds
    note: Str2000 | None = None
    task_id: DbId | None = None
    findings: list[Finding] = Field(default_factory=list, max_length=20)


class VisitPublic(BaseModel):
    """A patrol visit (check-in)."""

    id: int
    task_id: int | None
    premises_id: int
    org_id: int
    user_id: int | None
    at: datetime
    lon: float
    lat: float
    distance_m: float
    far_from_premises: bool
    checklist: dict[str, Any] | None
    photo_ids: list[int]
    note: str | None
    hazard_ids: list[int] = Field(default_factory=list, description="hazards from the findings")


# --- campaigns -----------------------------------------------------------------------------------


class CampaignCreate(StrictInput):
    """A special campaign (专项整治) on a topic, for an organization's subtree."""

    name: Name120
    topic: Str60 = Field(
        min_length=1, description="a topic key, see /api/prevention/campaign-topics"
    )
    org_id: DbId | None = None
    starts_on: Day
    ends_on: Day
    target_premises: int = Field(default=0, ge=0, le=10_000_000)
    checklist: list[ChecklistKey] | None = Field(
        default=None, max_length=100, description="item keys; the topic's checklist if omitted"
    )


class CampaignPublic(BaseModel):
    """A campaign."""

    id: int
    name: str
    topic: str
    topic_zh: str
    org_id: int
    starts_on: date
    ends_on: date
    checklist: list[ChecklistItemPublic]
    target_premises: int


class CampaignFiguresPublic(BaseModel):
    """A campaign's counts, as the reports tally them."""

    campaign_id: int
    target_premises: int
    premises_inspected: int
    inspections: int
    hazards_found: int
    hazards_rectified: int
    progress: float | None = Field(description="premises inspected / target (none without one)")


# --- inspections ---------------------------------------------------------------------------------


class InspectionCreate(StrictInput):
    """An enforcement inspection (监督检查) record."""

    premises_id: DbId
    inspected_on: Day
    checklist: Answers
    outcome: InspectionOutcome
    follow_up_on: Day | None = None
    note: Str2000 | None = None
    campaign_id: DbId | None = None
    findings: list[Finding] = Field(default_factory=list, max_length=50)


class InspectionPublic(BaseModel):
    """An inspection record."""

    id: int
    premises_id: int
    org_id: int
    campaign_id: int | None
    officer_id: int | None
    inspected_on: date
    checklist: dict[str, Any] | None
    outcome: InspectionOutcome
    follow_up_on: date | None
    note: str | None
    hazard_ids: list[int] = Field(default_factory=list, description="hazards from the findings")


# --- figures -------------------------------------------------------------------------------------


class BrigadeFiguresPublic(BaseModel):
    """One brigade's prevention figures for a period (org_id none: outside every brigade)."""

    org_id: int | None
    name: str
    patrols_planned: int
    patrols_done: int
    hazards_found: int
    hazards_rectified: int
    hazards_overdue: int
    hazards_listed: int
    premises_controlled: int


class FiguresPublic(BaseModel):
    """Figures per brigade and their total over the jurisdiction."""

    from_: date = Field(alias="from")
    to: date
    items: list[BrigadeFiguresPublic]
    total: BrigadeFiguresPublic

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
