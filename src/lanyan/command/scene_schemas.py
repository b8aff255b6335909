"""Request and response shapes of the scene (现场): the commander's view, reports, postings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lanyan.command.scene_models import SceneReportStatus
from lanyan.core.schemas import DbId, Str200, Str2000, StrictInput


class SceneReportCreate(StrictInput):
    """A report from the crew phone: text and/or photos, or a request for reinforcement."""

    text: Str2000 | None = None
    photo_ids: list[DbId] = Field(default_factory=list, max_length=9)
    needs_reinforcement: bool = False
    needs: Str200 | None = Field(None, description="what is needed (增援需求), with 需要增援")
    unit_id: DbId | None = Field(None, description="the sender's vehicle on this call")


class SceneReportMove(StrictInput):
    """The commander acknowledges a report, or marks what it asked for dealt with."""

    report_id: DbId
    status: SceneReportStatus
    reply: Str200 | None = None


class PostingSet(StrictInput):
    """Post a unit of the incident to a sector (战斗段); an empty sector takes it off."""

    assignment_id: DbId
    sector: str = Field("", max_length=40, description="e.g. 第一战斗段（北侧内攻）")
    task: Str200 | None = None
    water_source_id: DbId | None = None


class SceneReportPublic(BaseModel):
    """A scene report as the commander's view and the phone show it."""

    id: int
    incident_id: int
    unit_id: int | None
    call_sign: str | None
    sender_name: str
    sent_at: datetime
    text: str | None
    photo_ids: list[int]
    needs_reinforcement: bool
    needs: str | None
    status: SceneReportStatus
    status_zh: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    reply: str | None


class SceneUnit(BaseModel):
    """A unit on the incident: where it is in its response, its ETA, its sector."""

    assignment_id: int
    unit_id: int
    call_sign: str
    unit_type: str
    unit_type_zh: str
    station_name: str
    status: str
    status_zh: str
    eta_s: float | None = Field(None, description="seconds left to the scene (en route only)")
    on_scene_at: datetime | None
    water_on_at: datetime | None
    sector: str | None
    task: str | None
    water_source_id: int | None
    water_source_name: str | None


class SceneWater(BaseModel):
    """A water source near the scene, by driving time; ``used_by`` the units drawing from it."""

    id: int
    name: str
    kind_zh: str
    state_zh: str
    seconds: float
    metres: float
    used_by: list[str]


class SceneView(BaseModel):
    """Everything the commander's view of one incident shows."""

    incident_id: int
    number: str
    status: str
    status_zh: str
    type_zh: str
    level: int
    address: str | None
    lon: float
    lat: float
    received_at: datetime
    premises_id: int | None
    premises_name: str | None
    can_command: bool
    units: list[SceneUnit]
    water_sources: list[SceneWater]
    preplan: dict[str, Any] | None
    reports: list[SceneReportPublic]
