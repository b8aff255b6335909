"""Request and response shapes of public education. Inputs are bounded by type here; the rules
a person can break (a date in the future, an audience of a million) are checked by the service
with a Chinese message, so the phone shows what to fix."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lanyan.core.schemas import DbId, Lat, Lon, Name80, Name120, Phone, Str200, Str2000, StrictInput
from lanyan.outreach.choices import ActivityKind, BaseLevel, OutreachTarget, VolunteerStatus

Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
Count = Annotated[int, Field(ge=0, le=1_000_000_000)]
PhotoIds = Annotated[list[DbId], Field(default_factory=list, max_length=20)]
Title = Annotated[str, Field(min_length=1, max_length=200)]


# --- activities ----------------------------------------------------------------------------------


class ActivityCreate(StrictInput):
    """A held activity; ``org_id`` defaults to the recorder's own organization."""

    kind: ActivityKind
    target: OutreachTarget | None = None
    title: Title
    held_on: Day
    org_id: DbId | None = None
    place: Str200 | None = None
    audience: Count = 0
    views: Count = 0
    materials: Count = 0
    base_id: DbId | None = None
    photo_ids: PhotoIds
    note: Str2000 | None = None
    via_phone: bool = False


class ActivityUpdate(StrictInput):
    """Fields to correct (the same rules as when it was recorded)."""

    kind: ActivityKind | None = None
    target: OutreachTarget | None = None
    title: Title | None = None
    held_on: Day | None = None
    place: Str200 | None = None
    audience: Count | None = None
    views: Count | None = None
    materials: Count | None = None
    base_id: DbId | None = None
    photo_ids: Annotated[list[DbId] | None, Field(max_length=20)] = None
    note: Str2000 | None = None


class ActivityPublic(BaseModel):
    """An activity as the API shows it (with the labels a list prints)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: ActivityKind
    kind_zh: str
    target: OutreachTarget | None
    target_zh: str | None
    title: str
    org_id: int
    org_name: str
    held_on: date
    place: str | None
    audience: int
    views: int
    materials: int
    base_id: int | None
    base_name: str | None
    photo_ids: list[int]
    note: str | None
    recorded_by_name: str | None
    recorded_via: str
    created_at: datetime


# --- education bases -----------------------------------------------------------------------------


class BaseCreate(StrictInput):
    """A new education base run by an organization in your jurisdiction."""

    name: Name120
    level: BaseLevel
    org_id: DbId
    address: Str200 | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    opened_on: Day | None = None
    note: Str2000 | None = None


class BaseUpdate(StrictInput):
    """Fields to change."""

    name: Name120 | None = None
    level: BaseLevel | None = None
    address: Str200 | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    opened_on: Day | None = None
    note: Str2000 | None = None


class BasePublic(BaseModel):
    """An education base with its visits so far."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    level: BaseLevel
    level_zh: str
    org_id: int
    org_name: str
    address: str | None
    lon: float | None
    lat: float | None
    opened_on: date | None
    note: str | None
    visits: int = 0
    visitors: int = 0


# --- volunteers ----------------------------------------------------------------------------------


class TeamCreate(StrictInput):
    """A new volunteer team."""

    name: Name120
    org_id: DbId
    leader: Name80 | None = None
    phone: Phone | None = None
    founded_on: Day | None = None


class TeamUpdate(StrictInput):
    """Fields to change."""

    name: Name120 | None = None
    leader: Name80 | None = None
    phone: Phone | None = None
    founded_on: Day | None = None


class TeamPublic(BaseModel):
    """A team and how many volunteers serve in it now."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    org_id: int
    org_name: str
    leader: str | None
    phone: str | None
    founded_on: date | None
    active_members: int = 0


class VolunteerCreate(StrictInput):
    """A new volunteer in a team (the team's organization is theirs)."""

    name: Annotated[str, Field(min_length=1, max_length=40)]
    phone: Phone | None = None
    team_id: DbId
    joined_on: Day


class VolunteerUpdate(StrictInput):
    """Fields to change (moving to another team of your jurisdiction included)."""

    name: Annotated[str | None, Field(min_length=1, max_length=40)] = None
    phone: Phone | None = None
    team_id: DbId | None = None
    joined_on: Day | None = None


class VolunteerLeave(StrictInput):
    """The day a volunteer left (default: today)."""

    left_on: Day | None = None


class VolunteerPublic(BaseModel):
    """A volunteer as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    phone: str | None
    team_id: int
    team_name: str
    org_id: int
    joined_on: date
    left_on: date | None
    status: VolunteerStatus
    status_zh: str
