"""Request and response shapes for premises, hazards and supervised listing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from lanyan.core.schemas import (
    DbId,
    ExternalId,
    Lat,
    Lon,
    Name160,
    Phone,
    Str60,
    Str120,
    Str200,
    Str2000,
    Str10000,
    StrictInput,
)
from lanyan.prevention.choices import (
    ControlLevel,
    HazardSeverity,
    HazardStatus,
    ListingLevel,
    ListingStatus,
    PremisesCategory,
    VenueType,
)


class PremisesFields(StrictInput):
    """Editable fields of a premises."""

    name: Name160 | None = None
    category: PremisesCategory | None = None
    venue_type: VenueType | None = None
    control_level: ControlLevel | None = None
    org_id: DbId | None = None
    address: Str200 | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    height_m: float | None = Field(default=None, ge=0, le=1000)
    floors_above: int | None = Field(default=None, ge=0, le=200)
    floors_below: int | None = Field(default=None, ge=0, le=20)
    floor_area_m2: float | None = Field(default=None, ge=0, le=10_000_000)
    building_use: Str120 | None = None
    occupants: int | None = Field(default=None, ge=0, le=1_000_000)
    responsible_person: Str60 | None = None
    responsible_phone: Phone | None = None
    manager_person: Str60 | None = None
    manager_phone: Phone | None = None
    preplan_notes: Str10000 | None = None
    patrol_interval_days: int | None = Field(default=None, ge=1, le=3660)
    officer_id: DbId | None = None


class PremisesCreate(PremisesFields):
    """A new premises supervised by an organization in your jurisdiction."""

    external_id: ExternalId
    name: Name160
    category: PremisesCategory
    venue_type: VenueType
    org_id: DbId
    lon: Lon
    lat: Lat


class PremisesUpdate(PremisesFields):
    """Fields to change."""


class PremisesPublic(BaseModel):
    """A premises as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    name: str
    category: PremisesCategory
    venue_type: VenueType
    control_level: ControlLevel | None
    org_id: int
    address: str | None
    lon: float
    lat: float
    height_m: float | None
    floors_above: int | None
    floors_below: int | None
    floor_area_m2: float | None
    building_use: str | None
    occupants: int | None
    responsible_person: str | None
    responsible_phone: str | None
    manager_person: str | None
    manager_phone: str | None
    preplan_notes: str | None
    grid_id: int | None = None
    officer_id: int | None = None
    patrol_interval_days: int | None = None
    updated_at: datetime


class HazardReport(StrictInput):
    """A hazard as reported by a grid worker, a crew or an officer."""

    premises_id: DbId | None = None
    title: Str200 = Field(min_length=1)
    description: Str2000 | None = None
    severity: HazardSeverity = HazardSeverity.GENERAL
    category: Str60 | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    photo_ids: list[DbId] = Field(default_factory=list, max_length=20)


class HazardVerify(StrictInput):
    """The officer's verification: confirm (maybe re-grade) or reject as not true."""

    accept: bool = True
    severity: HazardSeverity | None = None
    note: Str2000 | None = None
    gb35181: dict[str, Any] | None = None


class HazardOrder(StrictInput):
    """A rectification order; the deadline follows the severity unless given in working days."""

    workdays: int | None = Field(default=None, ge=1, le=365)
    note: Str2000 | None = None


class HazardRectified(StrictInput):
    """Rectification done, with evidence photos."""

    evidence_ids: list[DbId] = Field(default_factory=list, max_length=20)
    note: Str2000 | None = None


class HazardCheck(StrictInput):
    """The re-check: close it, or send it back with a new deadline."""

    passed: bool
    workdays: int | None = Field(default=None, ge=1, le=365)
    note: Str2000 | None = None


class HazardPublic(BaseModel):
    """A hazard as the officer's list shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    premises_id: int | None
    premises_name: str | None
    org_id: int
    title: str
    description: str | None
    category: str | None
    severity: HazardSeverity
    status: HazardStatus
    source: str
    patrol_visit_id: int | None
    inspection_id: int | None
    lon: float | None
    lat: float | None
    found_at: datetime
    verified_at: datetime | None
    ordered_at: datetime | None
    deadline_at: datetime | None
    rectified_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    overdue: bool
    photo_ids: list[int]
    evidence_ids: list[int]
    order_note: str | None
    rectification_note: str | None


class ListingPropose(StrictInput):
    """Propose listing a major hazard for supervision."""

    hazard_id: DbId
    level: ListingLevel
    basis: Str2000 | None = None


class ListingAdvance(StrictInput):
    """Move a listing along: list (with a deadline), rectifying, delist, withdraw."""

    status: ListingStatus
    deadline_workdays: int | None = Field(default=None, ge=1, le=1000)


class ListingPublic(BaseModel):
    """A supervised listing."""

    id: int
    hazard_id: int
    hazard_title: str
    premises_name: str | None
    address: str | None
    level: ListingLevel
    status: ListingStatus
    basis: str | None
    proposed_at: datetime
    listed_at: datetime | None
    deadline_at: datetime | None
    delisted_at: datetime | None


class Gb35181Request(StrictInput):
    """The inspector's ticks for a GB 35181 determination of a hazard."""

    category: str = Field(min_length=1, max_length=40)
    direct: list[Annotated[str, Field(max_length=12)]] = Field(default_factory=list, max_length=60)
    composite: list[Annotated[str, Field(max_length=12)]] = Field(
        default_factory=list, max_length=60
    )
    not_counted: dict[Annotated[str, Field(max_length=12)], Str60] = Field(
        default_factory=dict, max_length=60
    )
    site_exemption: Str60 | None = None
