"""Request and response shapes of supervised listing (挂牌督办): hazards (major, 突出) and areas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lanyan.core.schemas import AreaGeometry, DbId, Name120, Str2000, StrictInput
from lanyan.prevention.campaign_choices import ListingKind, ListingLister
from lanyan.prevention.choices import ListingLevel, ListingStatus


class ListingCreate(StrictInput):
    """Propose a listing: a hazard (major or 突出), or an area given as a polygon or premises.

    The older body ``{"hazard_id", "level", "basis"}`` is still a valid major-hazard proposal.
    """

    kind: ListingKind = ListingKind.MAJOR
    hazard_id: DbId | None = None
    level: ListingLevel
    lister: ListingLister = ListingLister.GOVERNMENT
    basis: Str2000 | None = None
    org_id: DbId | None = Field(
        default=None, description="area listings: the organization that answers for the area"
    )
    area_name: Name120 | None = None
    area_polygon: AreaGeometry | None = None
    premises_ids: list[DbId] = Field(default_factory=list, max_length=2000)
    unit_count: int | None = Field(default=None, ge=1, le=1_000_000, description="家")
    hazard_count: int | None = Field(default=None, ge=1, le=1_000_000, description="处")
    is_public: bool = True


class ListingOut(BaseModel):
    """A supervised listing (hazard or area)."""

    id: int
    kind: ListingKind
    kind_zh: str
    hazard_id: int | None
    hazard_title: str
    premises_name: str | None
    address: str | None
    org_id: int
    org_name: str
    level: ListingLevel
    lister: ListingLister
    listed_by_zh: str
    status: ListingStatus
    basis: str | None
    area_name: str | None
    area_polygon: dict[str, Any] | None
    premises_ids: list[int]
    unit_count: int
    hazard_count: int
    proposed_at: datetime
    listed_at: datetime | None
    deadline_at: datetime | None
    delisted_at: datetime | None


class ListingFigures(BaseModel):
    """Listings by kind and level: how many, and the units (家) and hazards (处) they cover."""

    by_kind: dict[str, dict[str, int]]
    by_level: dict[str, dict[str, int]]
    total: dict[str, int]
