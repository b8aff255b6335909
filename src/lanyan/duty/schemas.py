"""Input and output shapes of the duty API (roster, declarations, training, management)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lanyan.core.schemas import DbId, ExternalId, Name120, Phone, Str200, Str2000, StrictInput
from lanyan.duty.choices import (
    AssessmentKind,
    AssessmentStatus,
    Employment,
    FindingState,
    GridLevel,
    LogKind,
    Measure,
    Order,
    Post,
    Seat,
    Subject,
)

Month = Annotated[str, Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
PersonName = Annotated[str, Field(min_length=1, max_length=60)]
Clock = Annotated[str, Field(min_length=1, max_length=5, description="HH:MM")]


class Qualification(StrictInput):
    """A qualification or licence (资质/证照), with its expiry when it has one."""

    name: Annotated[str, Field(min_length=1, max_length=60)]
    number: Annotated[str, Field(max_length=60)] | None = None
    expires_on: date | None = None


class PersonCreate(StrictInput):
    """A new member of the roster."""

    external_id: ExternalId
    name: PersonName
    org_id: DbId
    post: Post
    employment: Employment
    phone: Phone | None = None
    qualifications: list[Qualification] = Field(default_factory=list, max_length=30)
    active: bool = True


class PersonUpdate(StrictInput):
    """Changes to a member (only the fields given)."""

    name: PersonName | None = None
    org_id: DbId | None = None
    post: Post | None = None
    employment: Employment | None = None
    phone: Phone | None = None
    qualifications: list[Qualification] | None = Field(default=None, max_length=30)
    active: bool | None = None


class PersonPublic(BaseModel):
    """A member of the roster as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    name: str
    org_id: int
    post: Post
    employment: Employment
    phone: str | None
    qualifications: list[dict[str, object]]
    active: bool


class SeatIn(StrictInput):
    """One person in one seat."""

    person_id: DbId
    seat: Seat


class VehicleIn(StrictInput):
    """One vehicle of the station in today's declaration."""

    unit_id: DbId
    in_service: bool = True
    out_reason: Str200 | None = None
    crew: list[SeatIn] = Field(default_factory=list, max_length=20)


class DeclarationIn(StrictInput):
    """Today's duty of a station (执勤实力申报)."""

    station_id: DbId
    officer_id: DbId | None = None
    vehicles: list[VehicleIn] = Field(min_length=1, max_length=40)
    note: Str200 | None = None


class SeatPublic(BaseModel):
    """A seat as shown."""

    person_id: int
    name: str
    seat: Seat


class VehiclePublic(BaseModel):
    """A declared vehicle as shown, with whether its crew meets the minimum."""

    unit_id: int
    call_sign: str
    unit_type_zh: str
    in_service: bool
    out_reason: str | None
    seats: int
    min_crew: int
    crew: int
    short: bool
    people: list[SeatPublic]


class DeclarationPublic(BaseModel):
    """A station's declaration for one day."""

    id: int
    station_id: int
    station_name: str
    day: date
    officer_id: int | None
    officer_name: str | None
    declared_at: datetime
    carried_over: bool
    on_time: bool
    note: str | None
    vehicles: list[VehiclePublic]
    people: int
    vehicles_in_service: int


class StrengthRow(BaseModel):
    """One station on the dispatcher's board: declared strength today, or flagged as missing."""

    station_id: int
    station_name: str
    declared: bool
    carried_over: bool
    late: bool
    """Not declared (or only carried over) after the set time."""
    on_time: bool
    officer_name: str | None
    people: int
    vehicles_in_service: int
    vehicles_out: int
    short_vehicles: list[str]
    summary: str


class StrengthBoard(BaseModel):
    """Every station's declared strength for today."""

    day: date
    declare_by: str
    stations: list[StrengthRow]


class CrewMinimumIn(StrictInput):
    """A unit's own minimum crew and seats (overrides the standards table)."""

    min_crew: Annotated[int, Field(ge=1, le=20)]
    seats: Annotated[int, Field(ge=1, le=20)]
    reason: Str200 | None = None


class DrillIn(StrictInput):
    """A 拉动演练: an incident run through the real dispatch engine, flagged as a drill."""

    title: Name120
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    address_text: Str200 | None = None
    unit_ids: list[DbId] = Field(default_factory=list, max_length=30)
    """Units to pull at once (empty: only create the drill; dispatch it from the console)."""


class DrillPublic(BaseModel):
    """A drill and its measured times."""

    incident_id: int
    number: str
    title: str | None
    received_at: datetime
    status: str
    units: int
    turnout_s: float | None
    """Alert (first assignment) to first unit en route."""
    arrival_s: float | None
    """Alert to first unit on scene."""


class PlanIn(StrictInput):
    """A training plan line for a month."""

    org_id: DbId
    month: date = Field(description="any day of the planned month (stored as YYYY-MM)")
    subject: Subject
    title: Name120
    sessions_planned: Annotated[int, Field(ge=1, le=200)] = 1


class PlanPublic(BaseModel):
    """A training plan line as shown, with sessions held against it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    org_name: str = ""
    month: str
    subject: Subject
    title: str
    sessions_planned: int
    sessions_held: int = 0


class SessionIn(StrictInput):
    """A training session held, with its attendees."""

    org_id: DbId
    plan_id: DbId | None = None
    subject: Subject
    title: Name120
    held_on: date
    hours: Annotated[float, Field(gt=0, le=24)] = 1.0
    attendee_ids: list[DbId] = Field(min_length=1, max_length=500)


class SessionPublic(BaseModel):
    """A training session as shown."""

    id: int
    org_id: int
    org_name: str
    plan_id: int | None
    subject: Subject
    title: str
    held_on: date
    hours: float
    attendees: int


class AssessmentIn(StrictInput):
    """An assessment item with its standard: pass value and the possible range of a result."""

    org_id: DbId
    kind: AssessmentKind = AssessmentKind.MONTHLY
    held_on: date
    subject: Subject
    item: Name120
    measure: Measure
    pass_value: float
    min_value: float = 0
    max_value: float
    standard_source: Str200 | None = None


class ResultIn(StrictInput):
    """One person's result."""

    person_id: DbId
    value: float


class ResultsIn(StrictInput):
    """Results entered together (all or none are written)."""

    results: list[ResultIn] = Field(min_length=1, max_length=500)


class RankRow(BaseModel):
    """A line of the published ranking."""

    rank: int
    person_id: int
    name: str
    org_name: str
    value: float
    passed: bool


class AssessmentPublic(BaseModel):
    """An assessment with its results ranked and its pass rate."""

    id: int
    org_id: int
    org_name: str
    kind: AssessmentKind
    month: str
    held_on: date
    subject: Subject
    item: str
    measure: Measure
    pass_value: float
    min_value: float
    max_value: float
    standard_source: str | None
    status: AssessmentStatus
    published_at: datetime | None
    assessed: int
    passed: int
    pass_pct: float | None
    ranking: list[RankRow]


class RoutineItem(StrictInput):
    """One line of the daily routine."""

    at: Clock
    activity: Annotated[str, Field(min_length=1, max_length=60)]


class RoutineIn(StrictInput):
    """A station's 一日生活制度."""

    items: list[RoutineItem] = Field(min_length=1, max_length=60)


class RoutinePublic(BaseModel):
    """The routine as shown."""

    org_id: int
    items: list[dict[str, str]]


class LogIn(StrictInput):
    """A roll call or a handover recorded on the crew page."""

    org_id: DbId
    kind: LogKind
    present: Annotated[int, Field(ge=0, le=500)] = 0
    absent: list[PersonName] = Field(default_factory=list, max_length=100)
    handed_over_by: PersonName | None = None
    taken_over_by: PersonName | None = None
    note: Str2000 | None = None


class LogPublic(BaseModel):
    """A roll call or handover as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    kind: LogKind
    at: datetime
    present: int
    absent: list[str]
    handed_over_by: str | None
    taken_over_by: str | None
    note: str | None


class FindingIn(StrictInput):
    """A problem found in one of the 四个秩序."""

    order: Order
    description: Annotated[str, Field(min_length=2, max_length=300)]
    deadline: date | None = None


class SupervisionIn(StrictInput):
    """A 督察 of a station with its findings."""

    org_id: DbId
    inspected_on: date
    inspector: PersonName
    online: bool = False
    summary: Str2000 | None = None
    findings: list[FindingIn] = Field(default_factory=list, max_length=50)


class FindingMove(StrictInput):
    """A step of a finding's rectification."""

    state: FindingState
    note: Str200 | None = None


class FindingPublic(BaseModel):
    """A finding as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    supervision_id: int
    order: Order
    description: str
    state: FindingState
    deadline: date | None
    rectification: str | None
    rectified_at: datetime | None
    closed_at: datetime | None


class SupervisionPublic(BaseModel):
    """A 督察 as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    org_name: str
    inspected_on: date
    inspector: str
    online: bool
    summary: str | None
    findings: list[FindingPublic]


class GridNodeIn(StrictInput):
    """A cell of the 四级安全网格."""

    parent_id: DbId | None = None
    org_id: DbId
    level: GridLevel
    name: Name120
    responsible: PersonName
    person_id: DbId | None = None
    phone: Phone | None = None
    duties: Str2000 | None = None


class GridNodePublic(BaseModel):
    """A cell as shown, with its children (the tree)."""

    id: int
    parent_id: int | None
    org_id: int
    level: GridLevel
    name: str
    responsible: str
    phone: str | None
    duties: str | None
    children: list[GridNodePublic] = Field(default_factory=list)


class ImportResult(BaseModel):
    """What a roster import did."""

    rows: int
    created: int
    updated: int
