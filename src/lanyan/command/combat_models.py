"""Tables of command after the first dispatch: combat units, reinforcement across detachments,
信息报送 (reports upward) and 战评 (the after-action review and the case library).

- ``combat_unit`` / ``combat_unit_member``: a station's named group of vehicles with their roles
  (作战编成, e.g. 灭火攻坚编成 = 水罐车 + 抢险救援车 + 登高车); a response plan line may ask for one
  by its ``kind`` and the recommendation sends it whole (:mod:`lanyan.command.combat_fill`).
- ``reinforcement_request``: one detachment asks a neighbouring detachment or the corps for
  forces; the accepting side chooses units, which are then ordinary assignments of the incident.
- ``report_rule`` / ``incident_facts`` / ``info_report`` / ``info_report_message`` /
  ``info_report_receipt``: rules that make an incident reportable, the facts they read, the report
  item with its time limits (首报/续报/终报), each message sent and each recipient's receipt.
- ``incident_review``: the 战评 record of an incident (lessons, attachments), also the case library.

Every table reaches the organization tree: combat units through their station, rules through
their detachment, the rest through their incident (the asked side of a reinforcement request
reads it through an explicit second condition in :mod:`lanyan.command.reinforce`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.choices import Choice
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.dispatch.models import Incident
from lanyan.forces.models import Organization, Unit

# --- choices -------------------------------------------------------------------------------------


class RequestStatus(Choice):
    """Where a reinforcement request (跨区域增援请求) stands."""

    REQUESTED = ("requested", "待响应", "Requested", "#e65100")
    ACCEPTED = ("accepted", "已同意", "Accepted", "#2e7d32")
    REFUSED = ("refused", "已拒绝", "Refused", "#757575")
    CANCELLED = ("cancelled", "已撤销", "Cancelled", "#9e9e9e")
    RELEASED = ("released", "增援结束", "Released", "#1565c0")


REQUEST_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.REQUESTED: frozenset(
        {RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.CANCELLED}
    ),
    RequestStatus.ACCEPTED: frozenset({RequestStatus.RELEASED}),
    RequestStatus.REFUSED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
    RequestStatus.RELEASED: frozenset(),
}
"""Accept, refuse (the neighbour) or cancel (the requester) once; an accepted request is released
by the requester when the reinforcements are no longer needed."""


class ReportStatus(Choice):
    """Where a 信息报送 item stands."""

    PENDING = ("pending", "待首报", "First report due", "#c62828")
    FIRST_SENT = ("first_sent", "已首报", "First report sent", "#ef6c00")
    FOLLOWUP_SENT = ("followup_sent", "已续报", "Follow-up sent", "#f9a825")
    FINAL_SENT = ("final_sent", "已终报", "Final report sent", "#2e7d32")
    WITHDRAWN = ("withdrawn", "已撤销", "Withdrawn", "#9e9e9e")


REPORT_TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.PENDING: frozenset({ReportStatus.FIRST_SENT, ReportStatus.WITHDRAWN}),
    ReportStatus.FIRST_SENT: frozenset({ReportStatus.FOLLOWUP_SENT, ReportStatus.FINAL_SENT}),
    ReportStatus.FOLLOWUP_SENT: frozenset({ReportStatus.FOLLOWUP_SENT, ReportStatus.FINAL_SENT}),
    ReportStatus.FINAL_SENT: frozenset(),
    ReportStatus.WITHDRAWN: frozenset(),
}
"""首报 first, then any number of 续报, then one 终报; an item raised in error is withdrawn
before its first report (never after: what was sent upward stays on record)."""


class ReportStage(Choice):
    """The three kinds of message of an item."""

    FIRST = ("first", "首报", "First report", "#c62828")
    FOLLOWUP = ("followup", "续报", "Follow-up", "#ef6c00")
    FINAL = ("final", "终报", "Final report", "#2e7d32")


STAGE_STATUS: dict[ReportStage, ReportStatus] = {
    ReportStage.FIRST: ReportStatus.FIRST_SENT,
    ReportStage.FOLLOWUP: ReportStatus.FOLLOWUP_SENT,
    ReportStage.FINAL: ReportStatus.FINAL_SENT,
}


class RuleKind(Choice):
    """What makes an incident reportable (信息报送 rules)."""

    DEATHS = ("deaths", "死亡人数达到", "Deaths at least", "#b71c1c")
    FIRE_GRADE = ("fire_grade", "火灾等级达到较大及以上", "Fire grade 较大 or above", "#d84315")
    VENUE = ("venue", "人员密集或特殊场所", "Crowded or special venue", "#6a1b9a")
    HAZMAT = ("hazmat", "涉及危险化学品", "Hazardous materials", "#f9a825")
    TRAPPED = ("trapped", "被困人数达到", "Trapped people at least", "#ef6c00")
    MEDIA = ("media", "舆情关注", "Media attention", "#1565c0")


class ReviewStatus(Choice):
    """Where a 战评 record stands."""

    DRAFT = ("draft", "草稿", "Draft", "#607d8b")
    PUBLISHED = ("published", "已发布", "Published", "#2e7d32")


REVIEW_TRANSITIONS: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.DRAFT: frozenset({ReviewStatus.PUBLISHED}),
    ReviewStatus.PUBLISHED: frozenset({ReviewStatus.DRAFT}),
}
"""Published reviews (and only those) are read as cases; a published one is taken back to draft
to be corrected."""


# --- combat units --------------------------------------------------------------------------------


class CombatUnit(Timestamps, Base):
    """A station's named group of vehicles that turns out together (作战编成)."""

    __tablename__ = "combat_unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40), index=True)
    """What plans ask for (灭火攻坚编成, 高层建筑灭火编成 …); several stations keep one each."""
    name: Mapped[str] = mapped_column(String(80))
    notes: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    station: Mapped[Organization] = relationship(lazy="joined")
    members: Mapped[list[CombatUnitMember]] = relationship(
        order_by="CombatUnitMember.position",
        lazy="selectin",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class CombatUnitMember(Base):
    """One vehicle of a combat unit and its role in it (主战车, 供水车, 攻坚车, 举高车 …)."""

    __tablename__ = "combat_unit_member"
    __table_args__ = (UniqueConstraint("combat_unit_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    combat_unit_id: Mapped[int] = mapped_column(
        ForeignKey("combat_unit.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship(lazy="joined")


# --- reinforcement -------------------------------------------------------------------------------


class ReinforcementRequest(Timestamps, Base):
    """A request for forces from one detachment to a neighbouring detachment or to the corps."""

    __tablename__ = "reinforcement_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    from_org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    to_org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, name="reinforcement_status"), index=True
    )
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """What is asked for: ``[{"unit_types": [...], "count": n, "label": "..."}]``."""
    note: Mapped[str | None] = mapped_column(Text)
    # what the neighbour is shown of the call (address, type, level), copied when asked: the
    # incident itself stays inside the requesting detachment's jurisdiction
    incident_summary: Mapped[str] = mapped_column(Text)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    assignment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    """The assignments the accepting side created (their own ETAs are on them)."""
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    from_org: Mapped[Organization] = relationship(foreign_keys=[from_org_id], lazy="joined")
    to_org: Mapped[Organization] = relationship(foreign_keys=[to_org_id], lazy="joined")


# --- 信息报送 ----------------------------------------------------------------------------------


class ReportRule(Timestamps, Base):
    """A rule of a detachment that makes an incident reportable, and whom the report goes to."""

    __tablename__ = "report_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[RuleKind] = mapped_column(enum_column(RuleKind, name="report_rule_kind"))
    threshold: Mapped[int | None] = mapped_column(Integer)
    """For 死亡/被困: the number from which the rule fires (≥)."""
    venue_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    """For 场所: the venue types (prevention VenueType values) that count."""
    recipient_org_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    recipient_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class IncidentFacts(Base):
    """What the commander reports from the scene that the rules read (deaths, trapped …)."""

    __tablename__ = "incident_facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), unique=True
    )
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    injured: Mapped[int] = mapped_column(Integer, default=0)
    trapped: Mapped[int] = mapped_column(Integer, default=0)
    hazmat: Mapped[bool] = mapped_column(Boolean, default=False)
    media_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))


class InfoReport(Timestamps, Base):
    """One incident's report upward (信息报送), with its time limits."""

    __tablename__ = "info_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus, name="info_report_status"), index=True
    )
    triggers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Every rule that fired: ``{"rule_id", "name", "why"}``."""
    recipient_org_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    recipient_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    triggered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    first_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    incident: Mapped[Incident] = relationship(lazy="joined")
    messages: Mapped[list[InfoReportMessage]] = relationship(
        order_by="InfoReportMessage.id", lazy="selectin", passive_deletes=True
    )


class InfoReportMessage(Base):
    """One message of an item (首报, 续报 or 终报) as it was sent."""

    __tablename__ = "info_report_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("info_report.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[ReportStage] = mapped_column(enum_column(ReportStage, name="report_stage"))
    body: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_by: Mapped[str] = mapped_column(String(80))
    on_time: Mapped[bool] = mapped_column(Boolean)

    receipts: Mapped[list[InfoReportReceipt]] = relationship(
        order_by="InfoReportReceipt.id", lazy="selectin", passive_deletes=True
    )


class InfoReportReceipt(Base):
    """A recipient (an organization or an account) of one message, and its acknowledgement."""

    __tablename__ = "info_report_receipt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("info_report_message.id", ondelete="CASCADE"), index=True
    )
    recipient_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    recipient_user_id: Mapped[int | None] = mapped_column(Integer)
    recipient_name: Mapped[str] = mapped_column(String(120))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))


# --- 战评 --------------------------------------------------------------------------------------


class IncidentReview(Timestamps, Base):
    """The after-action review (战评) of one incident; published ones form the case library."""

    __tablename__ = "incident_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus, name="review_status"), index=True
    )
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str | None] = mapped_column(Text)
    lessons: Mapped[str | None] = mapped_column(Text)
    attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    """Uploads (photos, documents) of the review."""
    written_by: Mapped[str] = mapped_column(String(80))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship(lazy="joined")


jurisdiction.register(
    CombatUnit, via=CombatUnit.station_id, parent=Organization, label=("作战编成", "combat unit")
)
jurisdiction.register(
    CombatUnitMember,
    via=CombatUnitMember.combat_unit_id,
    parent=CombatUnit,
    label=("编成车辆", "combat unit member"),
)
# the asking side through its incident; the asked side reads its requests through a second,
# explicit condition (lanyan.command.reinforce.visible_requests)
jurisdiction.register(
    ReinforcementRequest,
    via=ReinforcementRequest.incident_id,
    parent=Incident,
    label=("增援请求", "reinforcement request"),
)
# a detachment's rules are read by its brigades and stations too (they apply to their calls)
jurisdiction.register(
    ReportRule,
    via=ReportRule.org_id,
    parent=Organization,
    ancestors=True,
    label=("报送规则", "report rule"),
)
jurisdiction.register(
    IncidentFacts, via=IncidentFacts.incident_id, parent=Incident, label=("现场情况", "facts")
)
jurisdiction.register(
    InfoReport, via=InfoReport.incident_id, parent=Incident, label=("信息报送", "report")
)
jurisdiction.register(
    InfoReportMessage,
    via=InfoReportMessage.report_id,
    parent=InfoReport,
    label=("报送信息", "report message"),
)
jurisdiction.register(
    InfoReportReceipt,
    via=InfoReportReceipt.message_id,
    parent=InfoReportMessage,
    label=("报送回执", "report receipt"),
)
jurisdiction.register(
    IncidentReview, via=IncidentReview.incident_id, parent=Incident, label=("战评", "review")
)
