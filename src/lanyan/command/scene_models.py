"""The scene (现场): reports from the crews and the commander's sector postings (战斗段).

A scene report is what a crew sends from the phone (text, photos, "需要增援" with what is
needed); the commander acknowledges it and, for a need, marks it dealt with. A posting puts one
assigned unit into a sector with its task and the water source it draws from. Both reach the
organization tree through their incident, so the commanders who see the call see them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.core import jurisdiction
from lanyan.core.choices import Choice
from lanyan.core.columns import enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.dispatch.models import Incident


class SceneReportStatus(Choice):
    """Where a scene report stands with the commander."""

    SENT = ("sent", "待确认", "Awaiting acknowledgement", "#c62828")
    ACKNOWLEDGED = ("acknowledged", "已确认", "Acknowledged", "#1565c0")
    RESOLVED = ("resolved", "已处理", "Dealt with", "#2e7d32")


SCENE_REPORT_TRANSITIONS: dict[SceneReportStatus, frozenset[SceneReportStatus]] = {
    SceneReportStatus.SENT: frozenset({SceneReportStatus.ACKNOWLEDGED}),
    SceneReportStatus.ACKNOWLEDGED: frozenset({SceneReportStatus.RESOLVED}),
    SceneReportStatus.RESOLVED: frozenset(),
}
"""Legal moves: a report is read (acknowledged) before what it asks for is dealt with."""


class SceneReport(Base):
    """One report from the scene, sent by a crew member's phone."""

    __tablename__ = "scene_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    call_sign: Mapped[str | None] = mapped_column(String(80))
    sender_id: Mapped[int | None] = mapped_column(Integer)
    sender_name: Mapped[str] = mapped_column(String(80))
    sender_org_path: Mapped[str] = mapped_column(String(200))
    """Where the sender works: the acknowledgement goes back to that organization's phones."""
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    text: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    needs_reinforcement: Mapped[bool] = mapped_column(Boolean, default=False)
    needs: Mapped[str | None] = mapped_column(Text)
    """What the crew asks for (e.g. "举高车1辆、空气呼吸器气瓶10具")."""
    status: Mapped[SceneReportStatus] = mapped_column(
        enum_column(SceneReportStatus, name="scene_report_status"), index=True
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)


class ScenePosting(Base):
    """A unit on the incident posted to a sector (战斗段) with its task and water source."""

    __tablename__ = "scene_posting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), unique=True
    )
    sector: Mapped[str] = mapped_column(String(40))
    task: Mapped[str | None] = mapped_column(String(200))
    water_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_source.id", ondelete="SET NULL")
    )
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


jurisdiction.register(
    SceneReport, via=SceneReport.incident_id, parent=Incident, label=("现场报告", "scene report")
)
jurisdiction.register(
    ScenePosting,
    via=ScenePosting.incident_id,
    parent=Incident,
    label=("战斗段编组", "sector posting"),
)
