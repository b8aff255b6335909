"""Request and response shapes of the dispatch API (see docs/dispatch-api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lanyan.core.schemas import (
    DbId,
    Lat,
    Lon,
    Phone,
    Str60,
    Str120,
    Str200,
    Str2000,
    StrictInput,
)
from lanyan.dispatch.choices import AssignmentStatus, IncidentSubtype, IncidentType
from lanyan.dispatch.grading import FireGrade, GradingEdition
from lanyan.forces.choices import UnitType, WaterSourceKind, WaterSourceState
from lanyan.prevention.choices import HazardSeverity, HazardStatus, PremisesCategory, VenueType


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
    match_premises: bool = True
    """Attach the premises within a few dozen metres when ``premises_id`` is not given; the
    console sends ``false`` when the dispatcher picked a street, so a call on the road in front
    of a supermarket is not taken to be at the supermarket."""
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
    override_reason: Str200 | None = Field(default=None, min_length=2)
    """Before any unit is on scene the change is refused (409); a duty commander may still make it
    with a reason (the call was handled before arrival, a unit reported by radio ...), and the
    override is recorded in the timeline and the audit."""


class ClosingReport(StrictInput):
    """The closing report (战评/出动记录); a fire's grade is computed from these figures."""

    rescued: int = Field(default=0, ge=0, le=100_000)
    evacuated: int = Field(default=0, ge=0, le=1_000_000)
    deaths: int = Field(default=0, ge=0, le=10_000)
    serious_injuries: int = Field(default=0, ge=0, le=100_000)
    minor_injuries: int = Field(default=0, ge=0, le=100_000)
    property_protected_cny: float = Field(default=0, ge=0, le=1e13)
    direct_loss_cny: float = Field(default=0, ge=0, le=1e13)
    households_affected: int = Field(default=0, ge=0, le=1_000_000)
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
    crew_sent: int
    """The crew on the unit when it was sent (人次)."""
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


class PremisesBrief(BaseModel):
    """The premises a call comes from, as crews need it on the way (预案)."""

    id: int
    name: str
    category: PremisesCategory
    category_zh: str
    venue_type: VenueType
    venue_type_zh: str
    height_m: float | None
    floors_above: int | None
    floors_below: int | None
    building_use: str | None
    preplan_notes: str | None
    responsible_person: str | None
    responsible_phone: str | None


class ClosingReportPublic(BaseModel):
    """The figures of a closed incident's report."""

    rescued: int | None
    evacuated: int | None
    deaths: int | None
    serious_injuries: int | None
    minor_injuries: int | None
    property_protected_cny: float | None
    direct_loss_cny: float | None
    households_affected: int | None
    summary: str | None


class DuplicatePublic(BaseModel):
    """An open incident close by, received shortly before or after (重复警情)."""

    id: int
    number: str
    distance_m: float
    received_at: datetime
    type: IncidentType


class EarlierCallPublic(BaseModel):
    """An earlier call from the same number."""

    id: int
    number: str
    type: IncidentType
    type_zh: str
    received_at: datetime
    address: str | None


class WaterSourceNearPublic(BaseModel):
    """A water source by driving time from the scene."""

    id: int
    name: str
    kind: WaterSourceKind
    kind_zh: str
    state: WaterSourceState
    state_zh: str
    seconds: float
    metres: float


class OpenHazardPublic(BaseModel):
    """An open hazard of the premises the call comes from."""

    id: int
    title: str
    severity: HazardSeverity
    severity_zh: str
    status: HazardStatus
    status_zh: str
    found_at: datetime


class TurnoutPublic(BaseModel):
    """What was sent to an incident, as the reports count it: 队次, 辆次 and 人次."""

    stations: int
    """Distinct stations whose units were sent (队次)."""
    units: int
    """Units sent, each assignment once (辆次)."""
    people: int
    """Crew on the units when they were sent (人次)."""


class IncidentPublic(BaseModel):
    """An incident with what the intake screen and the board need.

    The four lists around the call (duplicates, caller history, water sources, open hazards) are
    filled on intake and on the incident's own page, and empty in lists and after other writes.
    """

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
    premises: PremisesBrief | None
    description: str | None
    received_at: datetime
    closed_at: datetime | None
    fire_grade: str | None
    fire_grade_value: FireGrade | None = None
    slight_fire: bool | None = None
    """轻微火灾 (inside 一般; rules from 2025-05-01)."""
    fire_grade_edition: GradingEdition | None = None
    fire_grade_rules: str | None = None
    """The rules the grade was decided by, as the closing report names them."""
    report: ClosingReportPublic | None
    turnout: TurnoutPublic
    probable_duplicates: list[DuplicatePublic] = []
    caller_history: list[EarlierCallPublic] = []
    water_sources: list[WaterSourceNearPublic] = []
    open_hazards: list[OpenHazardPublic] = []
    assignments: list[AssignmentPublic] = []
    timeline: list[EventPublic] = []


class PlanRef(BaseModel):
    """The response-plan rule a recommendation follows."""

    id: int
    name: str
    source: str | None


class SnapPublic(BaseModel):
    """Where the incident meets the road network."""

    node: int
    distance_m: float
    too_far: bool


class RecommendedUnit(BaseModel):
    """A unit chosen for a requirement of the plan, with its reason and route."""

    unit_id: int
    call_sign: str
    unit_type: UnitType
    unit_type_zh: str
    station_id: int
    station_name: str
    brigade_name: str | None
    eta_s: float
    straight_m: float
    requirement: str
    reason: str
    cross_brigade: bool
    first_responder: bool = False
    """A micro fire station sent beside the graded plan (先期处置), not one of its slots."""
    distance_m: float | None
    route: dict[str, Any] | None = Field(description="GeoJSON Feature (LineString)")


class RequirementFill(BaseModel):
    """How far one line of the plan is filled."""

    label: str
    unit_types: list[str]
    count: int
    filled: int
    missing: int


class Unfilled(BaseModel):
    """A line of the plan nothing in reach could fill."""

    label: str
    missing: int


class AlternativeUnit(BaseModel):
    """Another dispatchable unit, fastest first."""

    unit_id: int
    call_sign: str
    unit_type: UnitType
    eta_s: float


class RecommendationPublic(BaseModel):
    """Units the response plan asks for, fastest suitable first."""

    incident_id: int
    level: int
    zone: str
    plan: PlanRef | None
    snap: SnapPublic
    units: list[RecommendedUnit]
    requirements: list[RequirementFill]
    unfilled: list[Unfilled]
    alternatives: list[AlternativeUnit]


class OrderPublic(BaseModel):
    """A station crew's current order."""

    assignment: AssignmentPublic
    incident: IncidentPublic
    route: dict[str, Any] | None = Field(description="GeoJSON Feature from the station")


class MyOrders(BaseModel):
    """The crew's current orders, newest first."""

    items: list[OrderPublic]


class GeocodeCandidate(BaseModel):
    """A place an address query may mean."""

    label: str
    kind: str
    kind_zh: str
    """The kind as the dispatcher reads it (街道/道路, 单位/场所, 兴趣点 ...)."""
    lon: float
    lat: float
    score: float
    matched: list[str]
    housenumber_found: bool | None = None
    """``None`` when the query had no house number; ``False`` when it was not matched."""
    note: str | None = None
    """Why the point is less precise than asked, in Chinese (the house number not found ...)."""
    premises_id: int | None = None
    """The premises this candidate is (kind ``premises``): the call is attached to it."""


class GeocodeAnswer(BaseModel):
    """Ranked candidates; none means: place the incident by clicking the map."""

    candidates: list[GeocodeCandidate]


class Requirement(StrictInput):
    """One line of a plan: how many units of which types, with optional capabilities."""

    label: str = Field(min_length=1, max_length=60)
    unit_types: list[UnitType] = Field(default_factory=list, max_length=14)
    count: int = Field(ge=1, le=50)
    combat_unit: str | None = Field(default=None, min_length=1, max_length=40)
    """issue 19: the kind of combat unit (作战编成, e.g. 灭火攻坚编成) this line asks for, ``count``
    of them, each sent whole where one is available (lanyan.command.combat_fill)."""
    min_ladder_m: float | None = Field(default=None, ge=0, le=150)
    min_water_l: float | None = Field(default=None, ge=0, le=100_000)
    ladder_from_building: bool = False
    allow_micro_station: bool = False
    """Micro fire stations (微型消防站) may fill this line; by default they are first responders
    beside the plan, never its main force."""
    full_crew: bool = False
    """issue 20 (duty): only vehicles with at least their minimum crew on duty fill this line."""

    @model_validator(mode="after")
    def _types_or_combat_unit(self) -> Requirement:
        # issue 19: a combat-unit line names its kind; every other line its vehicle types
        if not self.unit_types and not self.combat_unit:
            raise ValueError("give unit_types (车型) or combat_unit (作战编成)")
        return self


class PlanRuleFields(StrictInput):
    """Editable fields of a response-plan rule."""

    name: Str120 | None = None
    incident_type: IncidentType | None = None
    subtype: IncidentSubtype | None = None
    venue_type: VenueType | None = None
    level: int | None = Field(default=None, ge=1, le=5)
    requirements: list[Requirement] | None = Field(default=None, min_length=1, max_length=20)
    source: Str2000 | None = None
    is_active: bool | None = None


class PlanRuleCreate(PlanRuleFields):
    """A new rule."""

    name: Str120 = Field(min_length=1)
    incident_type: IncidentType
    level: int = Field(ge=1, le=5)
    requirements: list[Requirement] = Field(min_length=1, max_length=20)
    source: Str2000 = Field(min_length=1)


class PlanRulePublic(BaseModel):
    """A rule as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    incident_type: IncidentType
    subtype: IncidentSubtype | None
    venue_type: VenueType | None
    level: int
    requirements: list[dict[str, Any]]
    source: str | None
    is_active: bool
    updated_at: datetime
