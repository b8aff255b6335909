"""Digital pre-plans (灭火救援预案): one per premises, every save kept as a numbered version.

``preplan`` holds the plan's state in the review machine (草稿 → 待审核 → 已发布 → 需复核 …), which
version was last published and when it was last reviewed; ``preplan_version`` holds each saved
body (building, systems, water supply, access, hazards, attack plan, floor plans and photos) as
JSON, never changed once written, so an old version stays readable. Both reach the organization
tree through the premises (a pre-plan is seen where its premises is).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.choices import Choice
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.prevention.models import Premises


class PreplanStatus(Choice):
    """Where a pre-plan stands in its review (预案审核)."""

    DRAFT = ("draft", "草稿", "Draft", "#607d8b")
    PENDING = ("pending", "待审核", "Awaiting review", "#f9a825")
    PUBLISHED = ("published", "已发布", "Published", "#2e7d32")
    NEEDS_REVIEW = ("needs_review", "需复核", "Needs review", "#c62828")


class PreplanAction(Choice):
    """What a user does to a pre-plan's review state (``edit`` is saving a new version)."""

    EDIT = ("edit", "修改", "Edit")
    SUBMIT = ("submit", "提交审核", "Submit for review")
    APPROVE = ("approve", "审核通过", "Approve")
    REJECT = ("reject", "退回修改", "Send back")
    FLAG = ("flag", "标记需复核", "Flag for review")


PREPLAN_TRANSITIONS: dict[tuple[PreplanStatus, PreplanAction], PreplanStatus] = {
    (PreplanStatus.DRAFT, PreplanAction.EDIT): PreplanStatus.DRAFT,
    (PreplanStatus.PUBLISHED, PreplanAction.EDIT): PreplanStatus.DRAFT,
    (PreplanStatus.NEEDS_REVIEW, PreplanAction.EDIT): PreplanStatus.DRAFT,
    (PreplanStatus.DRAFT, PreplanAction.SUBMIT): PreplanStatus.PENDING,
    (PreplanStatus.NEEDS_REVIEW, PreplanAction.SUBMIT): PreplanStatus.PENDING,
    (PreplanStatus.PENDING, PreplanAction.APPROVE): PreplanStatus.PUBLISHED,
    (PreplanStatus.PENDING, PreplanAction.REJECT): PreplanStatus.DRAFT,
    (PreplanStatus.PUBLISHED, PreplanAction.FLAG): PreplanStatus.NEEDS_REVIEW,
}
"""Legal moves, (from, action) → to. A plan under review cannot be edited (the reviewer reads
what was submitted); a published plan edited goes back to draft while the published version stays
what crews see until the new one is approved; a plan needing review may be resubmitted unchanged."""


class PrePlan(Timestamps, Base):
    """The pre-plan of one premises: its review state and which version crews are shown."""

    __tablename__ = "preplan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[PreplanStatus] = mapped_column(
        enum_column(PreplanStatus, name="preplan_status"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    """The newest saved version."""
    published_version: Mapped[int | None] = mapped_column(Integer)
    """The version last approved: what the incident panel and the crew phone show."""
    review_interval_days: Mapped[int] = mapped_column(Integer)
    reviewed_on: Mapped[date | None] = mapped_column(Date, index=True)
    """The local day the plan was last approved; the age the overdue flag measures."""
    review_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    """``reviewed_on`` + ``review_interval_days``: past it, the premises is flagged (需复核)."""
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)

    premises: Mapped[Premises] = relationship(lazy="joined")


class PrePlanVersion(Base):
    """One saved body of a pre-plan; written once, never changed."""

    __tablename__ = "preplan_version"
    __table_args__ = (UniqueConstraint("preplan_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    preplan_id: Mapped[int] = mapped_column(
        ForeignKey("preplan.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20), default="edit")
    """``edit`` (saved on the page or by the API) or ``import`` (a JSON or XLSX file)."""
    note: Mapped[str | None] = mapped_column(Text)
    saved_by_id: Mapped[int | None] = mapped_column(Integer)
    saved_by_name: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


jurisdiction.register(
    PrePlan, via=PrePlan.premises_id, parent=Premises, label=("灭火救援预案", "pre-plan")
)
jurisdiction.register(
    PrePlanVersion,
    via=PrePlanVersion.preplan_id,
    parent=PrePlan,
    label=("预案版本", "pre-plan version"),
)
