"""Request and response shapes for premises."""

from __future__ import annotations

from datetime import datetime

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
    Str10000,
    StrictInput,
)
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType


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
    updated_at: datetime


class PremisesList(BaseModel):
    """A page of premises."""

    items: list[PremisesPublic]
    total: int
