"""Tables of special campaigns (专项整治) beyond the campaign itself, and of area listings.

- ``campaign_topic`` / ``campaign_measure_kind``: the catalogue administrators edit (topics with
  their checklists and the measures they count; measures with their physical unit). The built-in
  defaults live in :mod:`lanyan.prevention.campaign_catalogue`; a row here adds a topic or
  measure, or overrides a default of the same key.
- ``campaign_measure``: what an inspection of a campaign did, in physical units ("拆除铁栅栏 3 处").
  One row per inspection and measure; the figures add up ``quantity``.
- ``campaign_target``: how much each brigade is to do (a measure, or ``inspected`` premises).
- ``campaign_work_item``: the campaign's 工作清单.
- ``campaign_directive``: a 交办单 to a department or a lower organization, with its due date and
  reply; ``org_id`` is the organization that answers for it (the recipient organization, or the
  issuer when it goes to a department), so both the recipient and everyone above it see it.
- ``listing_premises``: the premises of an area listing (区域性火灾隐患) given as a list.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.forces.models import Organization
from lanyan.prevention.campaign_choices import DirectiveStatus
from lanyan.prevention.models import Premises, SupervisedListing


class CampaignTopic(Timestamps, Base):
    """A campaign topic an administrator added or changed (defaults are in code)."""

    __tablename__ = "campaign_topic"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    zh: Mapped[str] = mapped_column(String(120))
    en: Mapped[str] = mapped_column(String(120))
    checklist: Mapped[list[str]] = mapped_column(JSON)
    measures: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CampaignMeasureKind(Timestamps, Base):
    """A measure counted in physical units (拆除铁栅栏 处) added or changed by an administrator."""

    __tablename__ = "campaign_measure_kind"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    zh: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CampaignMeasure(Base):
    """What one inspection of a campaign did, in physical units."""

    __tablename__ = "campaign_measure"
    __table_args__ = (
        UniqueConstraint("inspection_id", "measure", name="uq_campaign_measure_inspection"),
        Index(
            "ix_campaign_measure_campaign",
            "campaign_id",
            "org_id",
            "measure",
            "quantity",
            "inspection_id",
        ),
        Index("ix_campaign_measure_day", "recorded_on", "id"),
        # the drill-down: one campaign's measure, newest first, below an organization
        Index("ix_campaign_measure_drill", "campaign_id", "measure", "recorded_on", "id", "org_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"))
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    measure: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)
    recorded_on: Mapped[date] = mapped_column(Date)
    """The inspection's day (Asia/Shanghai): the figures count by it."""
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignTarget(Base):
    """How much of a measure (or of premises inspected) an organization is to do."""

    __tablename__ = "campaign_target"
    __table_args__ = (
        UniqueConstraint("campaign_id", "org_id", "measure", name="uq_campaign_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    measure: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)

    org: Mapped[Organization] = relationship(lazy="joined")


class CampaignWorkItem(Timestamps, Base):
    """One line of a campaign's 工作清单: what an organization is to do, by when, done or not."""

    __tablename__ = "campaign_work_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    org: Mapped[Organization] = relationship(lazy="joined")


class CampaignDirective(Timestamps, Base):
    """A 交办单 to a department or a lower organization, due on a day, answered by a reply."""

    __tablename__ = "campaign_directive"
    __table_args__ = (
        Index("ix_campaign_directive_org_status", "org_id", "status"),
        Index("ix_campaign_directive_issued", "issued_at", "id"),
        Index("ix_campaign_directive_due", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    """Who answers for it: the recipient organization, or the issuer for a department."""
    issuer_org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    to_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT")
    )
    to_department: Mapped[str | None] = mapped_column(String(60))
    premises_id: Mapped[int | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str | None] = mapped_column(Text)
    status: Mapped[DirectiveStatus] = mapped_column(
        enum_column(DirectiveStatus, name="directive_status")
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The latest reply; a returned order keeps it until the next one."""
    first_replied_on: Mapped[date | None] = mapped_column(Date)
    """The local day of the first reply: whether the order was answered in time is told by it."""
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issuer_org: Mapped[Organization] = relationship(foreign_keys=[issuer_org_id], lazy="joined")
    to_org: Mapped[Organization | None] = relationship(foreign_keys=[to_org_id], lazy="joined")


class ListingPremises(Base):
    """One premises of an area listing (区域性火灾隐患) given as a list of premises."""

    __tablename__ = "listing_premises"
    __table_args__ = (UniqueConstraint("listing_id", "premises_id", name="uq_listing_premises"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("supervised_listing.id", ondelete="CASCADE"), index=True
    )
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )

    premises: Mapped[Premises] = relationship(lazy="joined")


jurisdiction.register(
    CampaignMeasure,
    via=CampaignMeasure.org_id,
    label=("整治措施", "campaign measure"),
    parent=Organization,
)
jurisdiction.register(
    CampaignTarget,
    via=CampaignTarget.org_id,
    label=("整治目标", "campaign target"),
    parent=Organization,
)
jurisdiction.register(
    CampaignWorkItem,
    via=CampaignWorkItem.org_id,
    label=("工作清单", "work item"),
    parent=Organization,
)
jurisdiction.register(
    CampaignDirective,
    via=CampaignDirective.org_id,
    label=("交办单", "directive"),
    parent=Organization,
)
jurisdiction.register(
    ListingPremises,
    via=ListingPremises.listing_id,
    parent=SupervisedListing,
    label=("挂牌区域单位", "listed area premises"),
)
