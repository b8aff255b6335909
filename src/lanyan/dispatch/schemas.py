"""Request and response shapes of the dispatch API (see docs/dispatch-api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lanyan.core.schemas import DbId, Lat, Lon, Phone, Str60, Str200, Str2000, StrictInput
from lanyan.dispatch.choices import AssignmentStatus, IncidentSubtype, IncidentType


class IncidentCreate(StrictInput):
    """A 119 call as the dispatcher takes it."""

    caller_number: Phone | None = None
    caller_name: Str60 | None = None
    address_text: Str200 | None = None
    lon: Lon
    lat: Lat
    type: IncidentType
    subtype: IncidentSubtype | None = None
    level: int = Field(default=1, ge=1, le=5)
    premises_id: DbId | None = None
    description: Str2000 | None = None


class AssignRequest(StrictInput):
    """Units to send (one transaction: all or none)."""

    unit_ids: list[DbId] = Field(min_length=1, max_length=50)


class AssignmentStatusChange(StrictInput):
    """A unit's next milestone on an incident, with its position if known."""

    status: AssignmentStatus
    lon: Lon | None = None
    lat: Lat | None = None


class EscalateRequest(StrictInput):
    """Raise the incident's level (追加力量); it never goes down."""

    level: int = Field(ge=2, le=5)
    reason: Str200 | None = None


class IncidentStatusChange(StrictInput):
    """Progress of the fight reported by the commander on scene."""

    status: str = Field(pattern=r"^(controlled|extinguished)$")


class ClosingReport(StrictInput):
    """The closing report (战评/出动记录); a fire's grade is computed from these figures."""

    rescued: int = Field(default=0, ge=0, le=100_000)
    evacuated: int = Field(default=0, ge=0, le=1_000_000)
    deaths: int = Field(default=0, ge=0, le=10_000)
    serious_injuries: int = Field(default=0, ge=0, le=100_000)
    minor_injuries: int = Field(default=0, ge=0, le=100_000)
    property_protected_cny: float = Field(default=0, ge=0, le=1e13)
    direct_loss_cny: float = Field(default=0, ge=0, le=1e13)
    summary: Str2000 | None = None


class AssignmentPublic(BaseModel):
    """A unit's part in an incident."""

    id: int
    incident_id: int
    unit_id: int
    call_sign: str
    unit_type: str
    station_name: str
    status: AssignmentStatus
    eta_s: float | None
    distance_m: float | None
    cross_brigade: bool
    reason: str | None
    assigned_at: datetime
    en_route_at: datetime | None
    on_scene_at: datetime | None
    water_on_at: datetime | None
    returning_at: datetime | None
    in_quarters_at: datetime | None


class EventPublic(BaseModel):
    """A timeline entry."""

    id: int
    at: datetime
    kind: str
    kind_zh: str
    unit_id: int | None
    call_sign: str | None
    actor_name: str
    detail: dict[str, Any] | None


class IncidentPublic(BaseModel):
    """An incident with what the intake screen and the board need."""

    id: int
    number: str
    status: str
    status_zh: str
    type: IncidentType
    subtype: IncidentSubtype | None
    level: int
    caller_number: str | None
    caller_name: str | None
    address_text: str | None
    lon: float
    lat: float
    snap_m: float | None
    snap_too_far: bool
    brigade_id: int | None
    brigade_name: str | None
    premises: dict[str, Any] | None
    description: str | None
    received_at: datetime
    closed_at: datetime | None
    fire_grade: str | None
    report: dict[str, Any] | None
    probable_duplicates: list[dict[str, Any]] = []
    caller_history: list[dict[str, Any]] = []
    water_sources: list[dict[str, Any]] = []
    open_hazards: list[dict[str, Any]] = []
    assignments: list[AssignmentPublic] = []
    timeline: list[EventPublic] = []


class IncidentList(BaseModel):
    """A page of incidents, newest first."""

    items: list[IncidentPublic]
    total: int
