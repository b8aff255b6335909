"""Request and response shapes of the forces API (one family per entity)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lanyan.core.schemas import (
    AreaGeometry,
    DbId,
    ExternalId,
    Lat,
    Lon,
    Name80,
    Name120,
    Phone,
    Str20,
    Str60,
    Str200,
    Str2000,
    StrictInput,
)
from lanyan.forces.choices import (
    OrgGrade,
    OrgKind,
    UnitStatus,
    UnitType,
    WaterSourceKind,
    WaterSourceState,
)


class OrganizationFields(StrictInput):
    """Editable fields of an organization."""

    name: Name120 | None = None
    kind: OrgKind | None = None
    grade: OrgGrade | None = None
    parent_id: DbId | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    address: Str200 | None = None
    phone: Phone | None = None
    contact_person: Str60 | None = None
    jurisdiction: AreaGeometry | None = None


class OrganizationCreate(OrganizationFields):
    """A new organization; it must sit under a parent in your jurisdiction."""

    external_id: ExternalId
    name: Name120
    kind: OrgKind
    parent_id: DbId


class OrganizationUpdate(OrganizationFields):
    """Fields to change; absent fields stay as they are."""


class OrganizationPublic(BaseModel):
    """An organization as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    name: str
    kind: OrgKind
    grade: OrgGrade | None
    parent_id: int | None
    path: str
    lon: float | None
    lat: float | None
    address: str | None
    phone: str | None
    contact_person: str | None
    jurisdiction: dict[str, Any] | None
    updated_at: datetime


class UnitFields(StrictInput):
    """Editable fields of a unit."""

    call_sign: Name80 | None = None
    type: UnitType | None = None
    station_id: DbId | None = None
    plate_number: Str20 | None = None
    water_l: int | None = Field(default=None, ge=0, le=100_000)
    foam_l: int | None = Field(default=None, ge=0, le=100_000)
    ladder_height_m: float | None = Field(default=None, ge=0, le=150)
    pump_flow_lps: float | None = Field(default=None, ge=0, le=1_000)
    crew_on_duty: int | None = Field(default=None, ge=0, le=60)


class UnitCreate(UnitFields):
    """A new unit at a station in your jurisdiction (it starts 在库 available)."""

    external_id: ExternalId
    call_sign: Name80
    type: UnitType
    station_id: DbId


class UnitUpdate(UnitFields):
    """Fields to change; the status has its own endpoint."""


class UnitStatusChange(StrictInput):
    """A status change, with the unit's position when it is away from quarters."""

    status: UnitStatus
    lon: Lon | None = None
    lat: Lat | None = None


class UnitPublic(BaseModel):
    """A unit as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    call_sign: str
    type: UnitType
    station_id: int
    station_name: str
    status: UnitStatus
    plate_number: str | None
    water_l: int | None
    foam_l: int | None
    ladder_height_m: float | None
    pump_flow_lps: float | None
    crew_on_duty: int
    lon: float | None
    lat: float | None
    status_changed_at: datetime | None
    updated_at: datetime


class WaterSourceFields(StrictInput):
    """Editable fields of a water source."""

    name: Name120 | None = None
    kind: WaterSourceKind | None = None
    state: WaterSourceState | None = None
    org_id: DbId | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    address: Str200 | None = None
    flow_lps: float | None = Field(default=None, ge=0, le=10_000)
    pressure_mpa: float | None = Field(default=None, ge=0, le=10)
    capacity_m3: float | None = Field(default=None, ge=0, le=10_000_000)
    notes: Str2000 | None = None


class WaterSourceCreate(WaterSourceFields):
    """A new water source kept by an organization in your jurisdiction."""

    external_id: ExternalId
    name: Name120
    kind: WaterSourceKind
    org_id: DbId
    lon: Lon
    lat: Lat


class WaterSourceUpdate(WaterSourceFields):
    """Fields to change."""


class WaterSourcePublic(BaseModel):
    """A water source as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    name: str
    kind: WaterSourceKind
    state: WaterSourceState
    org_id: int
    lon: float
    lat: float
    address: str | None
    flow_lps: float | None
    pressure_mpa: float | None
    capacity_m3: float | None
    notes: str | None
    updated_at: datetime
