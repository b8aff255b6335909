"""Request and response models of the risk API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lanyan.core.schemas import Str2000, StrictInput
from lanyan.risk.choices import RiskLevel, WarningRule, WarningStatus


class ScoreRequest(StrictInput):
    """Recompute the scores: only what changed (default) or everything."""

    full: bool = False


class RunPublic(BaseModel):
    """What a scoring run did."""

    full: bool
    premises_scored: int
    cells_scored: int
    warnings_raised: int
    duration_ms: float
    run_id: int


class PremisesRiskRow(BaseModel):
    """One premises in the ranking."""

    premises_id: int
    name: str
    score: float
    level: RiskLevel
    level_zh: str
    color: str
    cell: str
    travel_s: float | None
    computed_at: datetime
    drivers: list[dict[str, Any]] = Field(description="the three largest factors")


class Factor(BaseModel):
    """One indicator's input and points for a premises, with the reason for its weight."""

    key: str
    label: str
    group: str
    group_zh: str
    value: Any
    value_zh: Any = Field(description="the input as shown: a choice by its Chinese label")
    unit: str
    points: float
    source: str


class PremisesRiskDetail(BaseModel):
    """Why a premises has its score: every factor."""

    premises_id: int
    name: str
    score: float
    level: RiskLevel
    cell: str
    travel_s: float | None
    computed_at: datetime
    factors: list[Factor]


class AreaRisk(BaseModel):
    """A brigade or township: the mean of its cells and its premises by level."""

    id: int
    name: str
    score: float
    level: RiskLevel
    cells: int
    worst_cell: str
    worst_cell_score: float
    groups: dict[str, float]
    premises_by_level: dict[str, int]


class RiskCoverage(BaseModel):
    """Share of risk, of premises and of area within the 5-minute travel budget."""

    budget_s: float
    risk_share: float | None
    premises_share: float | None
    area_share: float | None
    risk_total: float
    risk_covered: float
    premises: int
    cells: int


class WarningPublic(BaseModel):
    """An early warning."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    rule: WarningRule
    status: WarningStatus
    level: RiskLevel
    org_id: int
    premises_id: int | None
    cell: str | None
    assignee_id: int | None
    title: str
    detail: str | None
    raised_at: datetime
    acknowledged_at: datetime | None
    handling_at: datetime | None
    closed_at: datetime | None
    note: str | None


class WarningMove(StrictInput):
    """A step of the warning workflow, with what was done (required to close)."""

    note: Str2000 | None = None
