"""Input and output models of combat units, reinforcement, 信息报送 and 战评 (issue 19)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lanyan.command.combat_models import (
    ReportStage,
    ReportStatus,
    RequestStatus,
    ReviewStatus,
    RuleKind,
)
from lanyan.core.schemas import DbId, Name80, Name120, Name160, Str2000, Str10000, StrictInput
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.forces.choices import UnitType
from lanyan.prevention.choices import VenueType

KindText = Field(min_length=1, max_length=40, description="作战编成的种类，如“灭火攻坚编成”")

# --- combat units --------------------------------------------------------------------------------


class MemberIn(StrictInput):
    """One vehicle of a combat unit and its role."""

    unit_id: DbId
    role: str = Field(min_length=1, max_length=40)


class CombatUnitCreate(StrictInput):
    """A new combat unit of a station: its kind, its name and its vehicles in order."""

    station_id: DbId
    kind: str = KindText
    name: Name80
    notes: Str2000 | None = None
    members: list[MemberIn] = Field(min_length=2, max_length=12)


class CombatUnitUpdate(StrictInput):
    """Fields to change (``members`` replaces the whole list)."""

    kind: str | None = Field(default=None, min_length=1, max_length=40)
    name: Name80 | None = None
    notes: Str2000 | None = None
    is_active: bool | None = None
    members: list[MemberIn] | None = Field(default=None, min_length=2, max_length=12)


class MemberPublic(BaseModel):
    """A vehicle of a combat unit, with its state now."""

    unit_id: int
    call_sign: str
    unit_type: UnitType
    unit_type_zh: str
    role: str
    status_zh: str
    crew_on_duty: int


class CombatUnitPublic(BaseModel):
    """A combat unit as the API shows it."""

    id: int
    station_id: int
    station_name: str
    kind: str
    name: str
    notes: str | None
    is_active: bool
    members: list[MemberPublic]
    ready: bool
    """Every vehicle is available now (the unit can turn out whole)."""
    crew_total: int


# --- reinforcement -------------------------------------------------------------------------------


class NeedIn(StrictInput):
    """One line of what is asked for."""

    label: str = Field(min_length=1, max_length=60)
    unit_types: list[UnitType] = Field(default_factory=list, max_length=14)
    count: int = Field(ge=1, le=50)


class ReinforcementCreate(StrictInput):
    """A request for forces to another detachment or to the corps."""

    to_org_id: DbId
    needs: list[NeedIn] = Field(min_length=1, max_length=10)
    note: Str2000 | None = None


class ReinforcementAccept(StrictInput):
    """The accepting side's units (its own, chosen by its commander)."""

    unit_ids: list[DbId] = Field(min_length=1, max_length=30)
    note: Str2000 | None = None


class ReinforcementDecision(StrictInput):
    """A refusal, cancellation or release, with its reason."""

    note: str = Field(min_length=1, max_length=2000)


class TargetPublic(BaseModel):
    """An organization a request may go to."""

    id: int
    name: str
    kind: str
    kind_zh: str


class ReinforcementUnit(BaseModel):
    """A unit sent on an accepted request, as the requesting side tracks it."""

    assignment_id: int
    unit_id: int
    call_sign: str
    station_name: str
    status: str
    status_zh: str
    eta_s: float | None


class ReinforcementPublic(BaseModel):
    """A request as both sides see it (the neighbour sees this, not the incident)."""

    id: int
    incident_id: int
    from_org_id: int
    from_org_name: str
    to_org_id: int
    to_org_name: str
    status: RequestStatus
    status_zh: str
    needs: list[dict[str, Any]]
    note: str | None
    incident_summary: str
    lon: float
    lat: float
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    released_at: datetime | None
    units: list[ReinforcementUnit]
    direction: str
    """``outgoing`` (the actor's side asked) or ``incoming`` (asked of the actor's side)."""


# --- 信息报送 ----------------------------------------------------------------------------------


class FactsIn(StrictInput):
    """What the commander knows from the scene that the 信息报送 rules read."""

    deaths: int = Field(default=0, ge=0, le=10_000)
    injured: int = Field(default=0, ge=0, le=10_000)
    trapped: int = Field(default=0, ge=0, le=10_000)
    hazmat: bool = False
    media_attention: bool = False
    note: Str2000 | None = None


class RuleCreate(StrictInput):
    """A 信息报送 rule of a detachment."""

    org_id: DbId
    name: Name120
    kind: RuleKind
    threshold: int | None = Field(default=None, ge=1, le=10_000)
    venue_types: list[VenueType] = Field(default_factory=list, max_length=30)
    recipient_org_ids: list[DbId] = Field(default_factory=list, max_length=20)
    recipient_user_ids: list[DbId] = Field(default_factory=list, max_length=20)
    is_active: bool = True


class RuleUpdate(StrictInput):
    """Fields of a rule to change."""

    name: Name120 | None = None
    threshold: int | None = Field(default=None, ge=1, le=10_000)
    venue_types: list[VenueType] | None = Field(default=None, max_length=30)
    recipient_org_ids: list[DbId] | None = Field(default=None, max_length=20)
    recipient_user_ids: list[DbId] | None = Field(default=None, max_length=20)
    is_active: bool | None = None


class RulePublic(BaseModel):
    """A rule as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    name: str
    kind: RuleKind
    threshold: int | None
    venue_types: list[str]
    recipient_org_ids: list[int]
    recipient_user_ids: list[int]
    is_active: bool


class SendIn(StrictInput):
    """Send the next message of an item; without ``body`` the drafted text is sent."""

    stage: ReportStage
    body: Str10000 | None = Field(default=None, min_length=1)


class WithdrawIn(StrictInput):
    """Withdraw an item raised in error (before its first report)."""

    reason: str = Field(min_length=1, max_length=2000)


class ReceiptPublic(BaseModel):
    """One recipient of a message."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    recipient_org_id: int | None
    recipient_user_id: int | None
    recipient_name: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class MessagePublic(BaseModel):
    """A message as it was sent."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    stage: ReportStage
    body: str
    due_at: datetime | None
    sent_at: datetime
    sent_by: str
    on_time: bool
    receipts: list[ReceiptPublic]


class ReportPublic(BaseModel):
    """A 信息报送 item with its messages and the draft of the next one."""

    id: int
    incident_id: int
    incident_number: str
    status: ReportStatus
    status_zh: str
    triggers: list[dict[str, Any]]
    triggered_at: datetime
    first_due_at: datetime
    followup_due_at: datetime | None
    final_due_at: datetime
    first_sent_at: datetime | None
    final_sent_at: datetime | None
    overdue: bool
    withdrawn_reason: str | None
    messages: list[MessagePublic]
    draft: str | None
    """The next message drafted from the incident's own data (None when nothing is due)."""


class FactsResult(BaseModel):
    """The facts recorded, and the item they raised (or an earlier one), if any."""

    incident_id: int
    deaths: int
    injured: int
    trapped: int
    hazmat: bool
    media_attention: bool
    report: ReportPublic | None


# --- 战评 ------------------------------------------------------------------------------------


class ReviewIn(StrictInput):
    """The 战评 record's text and attachments (create or replace)."""

    title: Name160
    summary: Str10000 | None = None
    lessons: Str10000 | None = None
    attachment_ids: list[DbId] = Field(default_factory=list, max_length=30)


class ReviewStatusIn(StrictInput):
    """Publish a review (into the case library), or take it back to draft."""

    status: ReviewStatus


class ReviewPublic(BaseModel):
    """A 战评 record with what the case library shows of its incident."""

    id: int
    incident_id: int
    incident_number: str
    incident_type: IncidentType
    incident_type_zh: str
    incident_subtype: IncidentSubtype | None
    venue_type: VenueType | None
    venue_type_zh: str | None
    premises_name: str | None
    received_at: datetime
    status: ReviewStatus
    status_zh: str
    title: str
    summary: str | None
    lessons: str | None
    attachment_ids: list[int]
    written_by: str
    published_at: datetime | None
    updated_at: datetime


class ReviewView(BaseModel):
    """An incident's review, or ``None`` when none has been written yet."""

    incident_id: int
    review: ReviewPublic | None
