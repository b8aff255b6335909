"""Tables of supervision and enforcement (监督执法).

The inspection itself stays the prevention domain's :class:`~lanyan.prevention.models.Inspection`;
this package adds what enforcement needs around it, in its own tables: the plan it belongs to
(``enforcement_plan`` and the premises drawn into it), the checklist result of the inspection by
the premises' category template (``enforcement_inspection``, one row per inspection), the numbered
legal documents it issues (``enforcement_document``, numbered per kind and year from
``enforcement_counter``, text from the editable ``enforcement_template``), temporary seals
(``enforcement_seal``) and administrative cases with their penalties and payments.

Every record carries the premises' supervising organization (``org_id``), so jurisdiction filters
without a join; penalties and payments reach the tree through their case.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.clock import utcnow
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.enforcement.choices import CaseStatus, DocumentKind, PenaltyKind, PlanKind, SealStatus
from lanyan.forces.models import Organization
from lanyan.prevention.models import Inspection, Premises


class Plan(Timestamps, Base):
    """An inspection plan: a 双随机 draw, a campaign's list or a complaint to check."""

    __tablename__ = "enforcement_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind, name="enforcement_plan_kind"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    """The random draw's seed, recorded so anyone can redraw the same sample (双随机 公开)."""
    population: Mapped[int | None] = mapped_column(Integer)
    """How many premises of the register the draw was made from."""
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    complaint: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer)

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.id", cascade="all, delete-orphan"
    )


class PlanItem(Base):
    """One premises to inspect under a plan; ``inspection_id`` once it has been inspected."""

    __tablename__ = "enforcement_plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "premises_id", name="uq_enforcement_plan_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_plan.id", ondelete="CASCADE"), index=True
    )
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection.id", ondelete="SET NULL"), index=True
    )

    plan: Mapped[Plan] = relationship(back_populates="items")
    premises: Mapped[Premises] = relationship(lazy="joined")


class InspectionRecord(Base):
    """Enforcement's side of one inspection (1:1): plan and checklist result by template."""

    __tablename__ = "enforcement_inspection"

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_plan.id", ondelete="SET NULL"), index=True
    )
    template_key: Mapped[str] = mapped_column(String(40))
    """The checklist template of the premises' category (lanyan.prevention.checklists)."""
    items_checked: Mapped[int] = mapped_column(Integer)
    items_failed: Mapped[int] = mapped_column(Integer)
    failed_items: Mapped[list[str]] = mapped_column(JSON)

    inspection: Mapped[Inspection] = relationship(lazy="joined")

    @property
    def id(self) -> int:
        """The record is the inspection's: the audit trail names it by the inspection id."""
        return self.inspection_id


class DocumentCounter(Base):
    """The last number given to a document of one kind in one year (no gaps, no duplicates)."""

    __tablename__ = "enforcement_counter"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class DocumentTemplate(Base):
    """The editable text of one document kind; the shipped default until an administrator edits."""

    __tablename__ = "enforcement_template"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(Integer)


class Case(Timestamps, Base):
    """An administrative case (行政案件), from 立案 to 结案."""

    __tablename__ = "enforcement_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(160))
    """案由: the violation the case is about."""
    facts: Mapped[str | None] = mapped_column(Text)
    status: Mapped[CaseStatus] = mapped_column(
        enum_column(CaseStatus, name="enforcement_case_status"), index=True
    )
    filed_on: Mapped[date] = mapped_column(Date, index=True)
    limit_on: Mapped[date] = mapped_column(Date)
    """The last day the decision may be made (办案期限)."""
    notified_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(Text)
    officer_id: Mapped[int | None] = mapped_column(Integer, index=True)

    premises: Mapped[Premises] = relationship(lazy="joined")
    penalties: Mapped[list[Penalty]] = relationship(
        back_populates="case", order_by="Penalty.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="case", order_by="Payment.id", cascade="all, delete-orphan"
    )

    @property
    def fine_cny(self) -> int:
        """The fines decided, in 元."""
        return sum(p.amount_cny or 0 for p in self.penalties if p.kind == PenaltyKind.FINE)

    @property
    def paid_cny(self) -> int:
        """What has been paid against the fines, in 元."""
        return sum(p.amount_cny for p in self.payments)


class Penalty(Base):
    """One penalty a case decided (a case may decide a fine and 责令停产停业 together)."""

    __tablename__ = "enforcement_penalty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PenaltyKind] = mapped_column(
        enum_column(PenaltyKind, name="enforcement_penalty_kind")
    )
    amount_cny: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(200))

    case: Mapped[Case] = relationship(back_populates="penalties")


class Payment(Base):
    """A payment recorded against a case's fines (缴纳罚款)."""

    __tablename__ = "enforcement_payment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="CASCADE"), index=True
    )
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    amount_cny: Mapped[int] = mapped_column(BigInteger)
    receipt_no: Mapped[str | None] = mapped_column(String(60))
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="payments")


class Document(Timestamps, Base):
    """A numbered legal document, its text frozen when issued; ``due_on`` is its legal limit."""

    __tablename__ = "enforcement_document"
    __table_args__ = (UniqueConstraint("kind", "year", "seq", name="uq_enforcement_document_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(
        enum_column(DocumentKind, name="enforcement_document_kind"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection.id", ondelete="SET NULL"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_case.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    """The last day it may be made and served (送达) by law, counted in working days."""
    served_on: Mapped[date | None] = mapped_column(Date)
    deadline_on: Mapped[date | None] = mapped_column(Date)
    """The term the document sets the unit (改正期限, the seal's end)."""
    lifted_on: Mapped[date | None] = mapped_column(Date)
    """For a 临时查封决定书: the day the seal was lifted (the stamp)."""
    lifted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_document.id", ondelete="SET NULL")
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_document.id", ondelete="SET NULL"), index=True
    )
    """The document this one answers (the order a 复查意见书 re-checks, the seal a 解除 lifts)."""
    officer_id: Mapped[int | None] = mapped_column(Integer, index=True)

    premises: Mapped[Premises] = relationship(lazy="joined")


class Seal(Timestamps, Base):
    """A temporary sealing (临时查封) of a dangerous part or place, with its period."""

    __tablename__ = "enforcement_seal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection.id", ondelete="SET NULL"), index=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("enforcement_document.id", ondelete="RESTRICT")
    )
    scope: Mapped[str] = mapped_column(String(200))
    """查封的危险部位或者场所."""
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[SealStatus] = mapped_column(
        enum_column(SealStatus, name="enforcement_seal_status"), index=True
    )
    lifted_on: Mapped[date | None] = mapped_column(Date, index=True)
    lift_reason: Mapped[str | None] = mapped_column(Text)
    lift_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_document.id", ondelete="SET NULL")
    )
    officer_id: Mapped[int | None] = mapped_column(Integer)

    premises: Mapped[Premises] = relationship(lazy="joined")


jurisdiction.register(
    Plan, via=Plan.org_id, parent=Organization, ancestors=True, label=("检查计划", "plan")
)
jurisdiction.register(PlanItem, via=PlanItem.plan_id, parent=Plan, label=("计划单位", "plan item"))
jurisdiction.register(
    InspectionRecord,
    via=InspectionRecord.inspection_id,
    parent=Inspection,
    label=("检查记录", "inspection record"),
)
jurisdiction.register(Case, via=Case.org_id, parent=Organization, label=("行政案件", "case"))
jurisdiction.register(Penalty, via=Penalty.case_id, parent=Case, label=("处罚", "penalty"))
jurisdiction.register(Payment, via=Payment.case_id, parent=Case, label=("缴款", "payment"))
jurisdiction.register(
    Document, via=Document.org_id, parent=Organization, label=("法律文书", "document")
)
jurisdiction.register(Seal, via=Seal.org_id, parent=Organization, label=("临时查封", "seal"))
