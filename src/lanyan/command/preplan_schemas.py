"""The body of a digital pre-plan (灭火救援预案) and the request/response shapes around it.

Every field of the body is optional and bounded: a pre-plan grows over several visits (熟悉演练),
so a draft with only the building filled in is valid; unknown fields are refused, so an import
with a misspelt column says so instead of losing it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from lanyan.command.preplan_models import PreplanAction, PreplanStatus
from lanyan.core.schemas import DbId, Lat, Lon, Name120, Str60, Str120, Str200, Str2000, StrictInput

Str4000 = Annotated[str, Field(max_length=4000)]


class Building(StrictInput):
    """建筑概况: the building crews will enter."""

    floors_above: int | None = Field(None, ge=0, le=200, description="地上层数")
    floors_below: int | None = Field(None, ge=0, le=20, description="地下层数")
    height_m: float | None = Field(None, ge=0, le=700, description="建筑高度 (m)")
    area_m2: float | None = Field(None, ge=0, le=5_000_000, description="建筑面积 (m²)")
    structure: Str60 | None = Field(None, description="结构, e.g. 钢筋混凝土框架")
    use: Str120 | None = Field(None, description="使用性质, e.g. 商场/宾馆/厂房")
    occupants_day: int | None = Field(None, ge=0, le=1_000_000, description="白天在场人数")
    occupants_night: int | None = Field(None, ge=0, le=1_000_000, description="夜间在场人数")


class Systems(StrictInput):
    """消防设施: what the building itself brings to the fight."""

    control_room: Str200 | None = Field(None, description="消防控制室位置及电话")
    sprinklers: Str200 | None = Field(None, description="自动喷水灭火系统 (覆盖范围、形式)")
    pump_connectors: list[Str200] = Field(
        default_factory=list, max_length=50, description="水泵接合器位置"
    )
    inside_hydrants: Str200 | None = Field(None, description="室内消火栓")
    alarm: Str200 | None = Field(None, description="火灾自动报警系统")
    smoke_control: Str200 | None = Field(None, description="防排烟系统")


class WaterPoint(StrictInput):
    """A water supply point of the plan; ``water_source_id`` links a registered 消防水源."""

    name: Name120
    kind: Str60 | None = Field(None, description="市政消火栓/消防水池/天然水源/水泵接合器 …")
    water_source_id: DbId | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    flow_lps: float | None = Field(None, ge=0, le=2000)
    note: Str200 | None = None


class Access(StrictInput):
    """消防车通道与登高操作场地."""

    fire_lanes: Str2000 | None = Field(None, description="消防车道")
    aerial_sites: Str2000 | None = Field(None, description="登高操作场地")
    entrances: Str2000 | None = Field(None, description="出入口与内攻路线")


class Attachment(StrictInput):
    """A floor plan or a photo: an uploaded image with its title."""

    upload_id: DbId
    title: Str120 = ""


class PreplanContent(StrictInput):
    """The body of a pre-plan (one version)."""

    building: Building = Field(default_factory=Building)
    systems: Systems = Field(default_factory=Systems)
    water_supply: list[WaterPoint] = Field(default_factory=list, max_length=50)
    access: Access = Field(default_factory=Access)
    hazards: list[Str200] = Field(default_factory=list, max_length=50, description="特殊危险")
    attack_plan: Str4000 | None = Field(None, description="灭火救援力量部署与战术要点")
    floor_plans: list[Attachment] = Field(default_factory=list, max_length=30)
    photos: list[Attachment] = Field(default_factory=list, max_length=30)


class PreplanSave(StrictInput):
    """Save a new version of a premises' pre-plan."""

    content: PreplanContent
    review_interval_days: int | None = Field(
        None, ge=30, le=1825, description="复核周期 (天); default: the standard's"
    )
    note: Str200 | None = Field(None, description="what changed (修订说明)")


class PreplanReview(StrictInput):
    """A move of the review machine (submit, approve, reject, flag)."""

    action: PreplanAction
    note: Str200 | None = None


class PreplanImport(StrictInput):
    """A pre-plan file (JSON or XLSX) for one premises, as base64."""

    filename: Annotated[str, Field(min_length=1, max_length=200)]
    content_base64: Annotated[str, Field(min_length=1, max_length=14_000_000)]
    note: Str200 | None = None


class VersionPublic(BaseModel):
    """One saved version."""

    version: int
    source: str
    note: str | None
    saved_by_name: str
    saved_at: datetime


class PreplanPublic(BaseModel):
    """A pre-plan with the version asked for (the newest by default)."""

    id: int
    premises_id: int
    premises_name: str
    status: PreplanStatus
    status_zh: str
    version: int
    published_version: int | None
    review_interval_days: int
    reviewed_on: date | None
    review_due_on: date | None
    overdue: bool
    review_note: str | None
    shown_version: int
    content: dict[str, Any]
    saved_by_name: str
    saved_at: datetime


class PremisesPreplan(BaseModel):
    """A premises and its pre-plan (``preplan`` null when none has been written)."""

    premises_id: int
    premises_name: str
    address: str | None
    preplan: PreplanPublic | None
    legacy_notes: str | None = Field(
        None, description="the premises' free-text pre-plan notes from before digital pre-plans"
    )


class PreplanRow(BaseModel):
    """A line of the pre-plan list."""

    id: int
    premises_id: int
    premises_name: str
    org_name: str
    status: PreplanStatus
    status_zh: str
    version: int
    published_version: int | None
    reviewed_on: date | None
    review_due_on: date | None
    overdue: bool


class ImportProblem(BaseModel):
    """One problem of an import file."""

    where: str
    message: str
