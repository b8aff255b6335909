"""Stored risk: one score per premises and per H3 cell, the early warnings, and the runs.

A score row keeps every factor's contribution (``factors``), so "why is this red" is answered
from the row itself; ``stale_at`` is the next instant at which a time-based factor of the
premises changes (a deadline passes, a visit gets old), which the incremental run picks up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

import lanyan.accounts.models  # noqa: F401  (a warning's assignee is a user account)
from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.forces.models import Organization
from lanyan.prevention.models import Premises
from lanyan.risk.choices import RiskLevel, WarningRule, WarningStatus


class PremisesRisk(Base):
    """The current risk score of one premises and what makes it up."""

    __tablename__ = "risk_premises"

    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), primary_key=True
    )
    cell: Mapped[str] = mapped_column(String(16), index=True)
    """The H3 cell (resolution of :data:`lanyan.risk.indicators.CELL_RESOLUTION`) it lies in."""
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel, name="risk_level"), index=True)
    factors: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Indicator key → [input value, points] for every indicator that gave points."""
    travel_s: Mapped[float | None] = mapped_column(Float)
    stale_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    premises: Mapped[Premises] = relationship(lazy="raise")


class CellRisk(Base):
    """The current risk of one H3 cell, by indicator group (城市消防安全风险评估的网格单元)."""

    __tablename__ = "risk_cell"

    cell: Mapped[str] = mapped_column(String(16), primary_key=True)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    """The brigade answering for the cell (where most of its premises or incidents belong)."""
    township_grid_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid.id", ondelete="SET NULL"), index=True
    )
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel, name="risk_cell_level"))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The raw inputs of the cell (premises scores, fires, travel time …)."""
    groups: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Indicator group key → sub-score 0–100 (the documented aggregation of ``inputs``)."""
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RiskWarning(Timestamps, Base):
    """An early warning (预警) raised by a rule, routed to the person who must act on it."""

    __tablename__ = "risk_warning"
    __table_args__ = (Index("ix_risk_warning_key_status", "key", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[WarningRule] = mapped_column(enum_column(WarningRule, name="risk_warning_rule"))
    key: Mapped[str] = mapped_column(String(120))
    """What the warning is about (one open warning per key: a rule firing again adds nothing)."""
    status: Mapped[WarningStatus] = mapped_column(
        enum_column(WarningStatus, name="risk_warning_status"), index=True
    )
    level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel, name="risk_warning_level"))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    premises_id: Mapped[int | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL"), index=True
    )
    cell: Mapped[str | None] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    """The responsible officer of the premises, else a grid worker of its grid, else nobody
    (the organization's desk then picks it up)."""
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handling_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str | None] = mapped_column(Text)

    org: Mapped[Organization] = relationship(lazy="joined")


class RiskRun(Base):
    """One scoring run: when, full or incremental, how much it did (the incremental watermark)."""

    __tablename__ = "risk_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    full: Mapped[bool] = mapped_column(Boolean)
    premises_scored: Mapped[int] = mapped_column(Integer)
    cells_scored: Mapped[int] = mapped_column(Integer)
    warnings_raised: Mapped[int] = mapped_column(Integer)
    last_visit_id: Mapped[int] = mapped_column(Integer, default=0)
    """Highest patrol check-in id seen (check-ins are appended and carry no update stamp)."""
    last_incident_id: Mapped[int] = mapped_column(Integer, default=0)
    """Highest incident id seen (new incidents are found by id: an indexed look-up)."""
    duration_ms: Mapped[float] = mapped_column(Float)


jurisdiction.register(
    PremisesRisk, via=PremisesRisk.premises_id, parent=Premises, label=("单位风险", "premises risk")
)
jurisdiction.register(
    CellRisk,
    via=CellRisk.org_id,
    parent=Organization,
    orphans=jurisdiction.is_top,
    label=("网格风险", "cell risk"),
)
jurisdiction.register(
    RiskWarning, via=RiskWarning.org_id, parent=Organization, label=("风险预警", "risk warning")
)
