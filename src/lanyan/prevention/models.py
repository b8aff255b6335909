"""Premises: the master data that dispatch (pre-plans) and prevention (inspections) share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.forces.models import Organization
from lanyan.prevention.campaign_choices import ListingKind, ListingLister
from lanyan.prevention.choices import (
    ControlLevel,
    GridLevel,
    HazardSeverity,
    HazardStatus,
    InspectionOutcome,
    ListingLevel,
    ListingStatus,
    PatrolTaskStatus,
    PremisesCategory,
    VenueType,
)


class Premises(Timestamps, Base):
    """A key premises (重点单位) or small venue (九小场所), supervised by one organization."""

    __tablename__ = "premises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    category: Mapped[PremisesCategory] = mapped_column(
        enum_column(PremisesCategory, name="premises_category")
    )
    venue_type: Mapped[VenueType] = mapped_column(enum_column(VenueType, name="venue_type"))
    control_level: Mapped[ControlLevel | None] = mapped_column(
        enum_column(ControlLevel, name="control_level")
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    height_m: Mapped[float | None] = mapped_column(Float)
    floors_above: Mapped[int | None] = mapped_column(Integer)
    floors_below: Mapped[int | None] = mapped_column(Integer)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    building_use: Mapped[str | None] = mapped_column(String(120))
    occupants: Mapped[int | None] = mapped_column(Integer)
    responsible_person: Mapped[str | None] = mapped_column(String(60))
    responsible_phone: Mapped[str | None] = mapped_column(String(40))
    manager_person: Mapped[str | None] = mapped_column(String(60))
    manager_phone: Mapped[str | None] = mapped_column(String(40))
    preplan_notes: Mapped[str | None] = mapped_column(Text)
    grid_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid.id", ondelete="SET NULL", use_alter=True), index=True
    )
    officer_id: Mapped[int | None] = mapped_column(Integer)
    """The fire-prevention officer (user) who watches this premises."""
    patrol_interval_days: Mapped[int | None] = mapped_column(Integer)
    """Override of the patrol policy for this premises (days between visits)."""

    org: Mapped[Organization] = relationship(lazy="joined")


class Grid(Timestamps, Base):
    """A cell of the four-level grid (四级网格); every premises falls in one grid cell.

    ``org_id`` is the brigade or station that answers for the grid: jurisdiction follows it.
    """

    __tablename__ = "grid"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[GridLevel] = mapped_column(enum_column(GridLevel, name="grid_level"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid.id", ondelete="RESTRICT"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    polygon: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    org: Mapped[Organization] = relationship(lazy="joined")


class GridMember(Base):
    """A grid worker assigned to a grid cell."""

    __tablename__ = "grid_member"
    __table_args__ = (UniqueConstraint("grid_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )


class Upload(Base):
    """A stored file (photo, evidence): bytes on disk under its SHA-256, facts here."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str | None] = mapped_column(String(200))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    org: Mapped[Organization] = relationship(lazy="joined")


class Hazard(Timestamps, Base):
    """A fire hazard (火灾隐患) and its way to being fixed.

    The officer's list pages sort by deadline and filter by organization and status over
    hundreds of thousands of rows: the two composite indexes serve exactly those queries.
    """

    __tablename__ = "hazard"
    __table_args__ = (
        Index("ix_hazard_due", "deadline_at", "id"),
        Index("ix_hazard_org_status", "org_id", "status"),
        Index("ix_hazard_found", "found_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    premises_id: Mapped[int | None] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(60))
    severity: Mapped[HazardSeverity] = mapped_column(
        enum_column(HazardSeverity, name="hazard_severity")
    )
    reported_severity: Mapped[HazardSeverity | None] = mapped_column(
        enum_column(HazardSeverity, name="hazard_reported_severity")
    )
    """The severity as reported, before an officer re-grades it (statistics as of a date)."""
    status: Mapped[HazardStatus] = mapped_column(
        enum_column(HazardStatus, name="hazard_status"), index=True
    )
    source: Mapped[str] = mapped_column(String(20), default="report")
    # the record that found it, so an officer can open the check-in (position, photos, checklist)
    # or the inspection behind a finding; NULL for a plain report
    patrol_visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("patrol_visit.id", ondelete="SET NULL"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection.id", ondelete="SET NULL"), index=True
    )
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    reported_by_id: Mapped[int | None] = mapped_column(Integer)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_to_id: Mapped[int | None] = mapped_column(Integer)
    order_note: Mapped[str | None] = mapped_column(Text)
    rectification_note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    evidence_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    gb35181: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    premises: Mapped[Premises | None] = relationship(lazy="joined")
    org: Mapped[Organization] = relationship(lazy="joined")


class HazardOrder(Base):
    """One rectification order (限期整改) of a hazard: given, due, answered.

    A failed re-check orders the hazard again and overwrites the hazard's own deadline; these
    rows keep every order, so whether a hazard was overdue at any past instant can be told later
    (:func:`lanyan.prevention.definitions.overdue_as_of`). A row is never changed once answered.
    """

    __tablename__ = "hazard_order"
    __table_args__ = (Index("ix_hazard_order_deadline", "deadline_at", "answered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazard.id", ondelete="CASCADE"), index=True)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the unit reported the hazard rectified (NULL while the order stands)."""


class SupervisedListing(Timestamps, Base):
    """A hazard (major or 突出) or an area listed for supervision (挂牌督办) until delisted.

    ``org_id`` is the organization that answers for it (the hazard's, or the one an area
    listing names): jurisdiction and the figures follow it. An area listing has no hazard; it
    names a polygon or premises (``listing_premises``) and how many units and hazards it holds.
    """

    __tablename__ = "supervised_listing"
    __table_args__ = (
        Index("ix_listing_org_status", "org_id", "status"),
        Index("ix_listing_proposed", "proposed_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazard.id", ondelete="RESTRICT"), index=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    kind: Mapped[ListingKind] = mapped_column(
        enum_column(ListingKind, name="listing_kind"), default=ListingKind.MAJOR
    )
    lister: Mapped[ListingLister] = mapped_column(
        enum_column(ListingLister, name="listing_lister"), default=ListingLister.GOVERNMENT
    )
    area_name: Mapped[str | None] = mapped_column(String(120))
    area_polygon: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    unit_count: Mapped[int] = mapped_column(Integer, default=1)
    """Units (家) the listing covers: 1 for a hazard, the area's count for an area."""
    hazard_count: Mapped[int] = mapped_column(Integer, default=1)
    """Hazards (处) the listing covers: 1 for a hazard, the area's count for an area."""
    level: Mapped[ListingLevel] = mapped_column(enum_column(ListingLevel, name="listing_level"))
    status: Mapped[ListingStatus] = mapped_column(
        enum_column(ListingStatus, name="listing_status"), index=True
    )
    basis: Mapped[str | None] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)

    hazard: Mapped[Hazard | None] = relationship(lazy="joined")
    org: Mapped[Organization] = relationship(lazy="joined")


@event.listens_for(SupervisedListing, "before_insert")
def _listing_org_from_hazard(_mapper: Any, connection: Any, target: SupervisedListing) -> None:
    # a hazard listing answers to the hazard's organization; writers that predate area listings
    # (and tests building rows by hand) give only the hazard
    if target.org_id is None and target.hazard_id is not None:
        target.org_id = connection.scalar(
            select(Hazard.org_id).where(Hazard.id == target.hazard_id)
        )


class PatrolTask(Timestamps, Base):
    """A visit a patrol plan asks for: this premises, by this date."""

    __tablename__ = "patrol_task"
    __table_args__ = (UniqueConstraint("premises_id", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[PatrolTaskStatus] = mapped_column(
        enum_column(PatrolTaskStatus, name="patrol_task_status"), index=True
    )

    premises: Mapped[Premises] = relationship(lazy="joined")


class PatrolVisit(Base):
    """A check-in at a premises: where the worker was, the checklist, photos, findings."""

    __tablename__ = "patrol_visit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("patrol_task.id", ondelete="SET NULL"), index=True
    )
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float)
    far_from_premises: Mapped[bool] = mapped_column(Boolean, default=False)
    checklist: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)


class Campaign(Timestamps, Base):
    """A special campaign (专项整治), e.g. electric-bike charging, with its checklist and target."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    topic: Mapped[str] = mapped_column(String(60))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    checklist: Mapped[list[str]] = mapped_column(JSON)
    target_premises: Mapped[int] = mapped_column(Integer, default=0)


class Inspection(Timestamps, Base):
    """An enforcement inspection (监督检查) by an officer, possibly within a campaign."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    officer_id: Mapped[int | None] = mapped_column(Integer)
    inspected_on: Mapped[date] = mapped_column(Date, index=True)
    checklist: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[InspectionOutcome] = mapped_column(
        enum_column(InspectionOutcome, name="inspection_outcome")
    )
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


# How each table reaches the organization tree (lanyan.core.jurisdiction): every read goes
# through it. A campaign set by the detachment is seen by the brigades below it too.
jurisdiction.register(
    Premises, via=Premises.org_id, label=("单位场所", "premises"), parent=Organization
)
jurisdiction.register(Grid, via=Grid.org_id, label=("网格", "grid"), parent=Organization)
jurisdiction.register(
    GridMember, via=GridMember.grid_id, parent=Grid, label=("网格成员", "grid member")
)
jurisdiction.register(Upload, via=Upload.org_id, label=("文件", "upload"), parent=Organization)
jurisdiction.register(Hazard, via=Hazard.org_id, label=("隐患", "hazard"), parent=Organization)
jurisdiction.register(
    HazardOrder, via=HazardOrder.hazard_id, parent=Hazard, label=("整改通知", "rectification order")
)
jurisdiction.register(
    SupervisedListing,
    via=SupervisedListing.org_id,
    parent=Organization,
    label=("挂牌督办", "listing"),
)
jurisdiction.register(
    PatrolTask, via=PatrolTask.org_id, label=("巡查任务", "patrol task"), parent=Organization
)
jurisdiction.register(
    PatrolVisit, via=PatrolVisit.org_id, label=("巡查记录", "patrol visit"), parent=Organization
)
jurisdiction.register(
    Campaign,
    via=Campaign.org_id,
    label=("专项整治", "campaign"),
    ancestors=True,
    parent=Organization,
)
jurisdiction.register(
    Inspection, via=Inspection.org_id, label=("监督检查", "inspection"), parent=Organization
)
