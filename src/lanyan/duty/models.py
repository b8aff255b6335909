"""Tables of duty strength, training and unit management.

A station's day (执勤实力) is one :class:`Declaration` with a :class:`DeclaredVehicle` per vehicle
and a :class:`DeclaredSeat` per person on it; a person sits on one vehicle at most (a unique
index, so the database refuses a double seat whatever the application does). Declaring also
writes the unit's ``crew_on_duty`` and in/out of service, so dispatch and 人次 read it unchanged.
Training, assessments, 督察 and the 四级安全网格 each hang off an organization.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.duty.choices import (
    AssessmentKind,
    AssessmentStatus,
    Employment,
    FindingState,
    GridLevel,
    LogKind,
    Measure,
    Order,
    Post,
    Seat,
    Subject,
)
from lanyan.forces.models import Organization, Unit


class Person(Timestamps, Base):
    """A member of the roster (花名册): who they are, where they serve, what they may do.

    ``qualifications`` is a list of ``{"name", "number"?, "expires_on"?}`` (licences such as the
    driving licence of a fire engine, a rope-rescue certificate); an expired one is shown as such.
    """

    __tablename__ = "duty_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    post: Mapped[Post] = mapped_column(enum_column(Post, name="duty_post"))
    employment: Mapped[Employment] = mapped_column(enum_column(Employment, name="duty_employment"))
    phone: Mapped[str | None] = mapped_column(String(40))
    qualifications: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    org: Mapped[Organization] = relationship(lazy="joined")


class Declaration(Base):
    """One station's duty for one local day (今日执勤实力)."""

    __tablename__ = "duty_declaration"
    __table_args__ = (UniqueConstraint("station_id", "day", name="uq_duty_declaration_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("duty_person.id", ondelete="SET NULL")
    )
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    declared_by_id: Mapped[int | None] = mapped_column(Integer)
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    """Copied from the day before without change (nobody confirmed it yet)."""
    note: Mapped[str | None] = mapped_column(String(200))

    officer: Mapped[Person | None] = relationship(lazy="joined")
    vehicles: Mapped[list[DeclaredVehicle]] = relationship(
        order_by="DeclaredVehicle.id", lazy="selectin", cascade="all, delete-orphan"
    )


class DeclaredVehicle(Base):
    """A vehicle in a day's declaration: in or out of service, and its crew count."""

    __tablename__ = "duty_vehicle"
    __table_args__ = (UniqueConstraint("declaration_id", "unit_id", name="uq_duty_vehicle_unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("duty_declaration.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    in_service: Mapped[bool] = mapped_column(Boolean, default=True)
    out_reason: Mapped[str | None] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)
    min_crew: Mapped[int] = mapped_column(Integer)
    crew: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship(lazy="joined")
    people: Mapped[list[DeclaredSeat]] = relationship(
        order_by="DeclaredSeat.id", lazy="selectin", cascade="all, delete-orphan"
    )


class DeclaredSeat(Base):
    """One person on one vehicle for the day; unique per declaration and person."""

    __tablename__ = "duty_seat"
    __table_args__ = (UniqueConstraint("declaration_id", "person_id", name="uq_duty_seat_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("duty_declaration.id", ondelete="CASCADE"), index=True
    )
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("duty_vehicle.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("duty_person.id", ondelete="CASCADE"))
    seat: Mapped[Seat] = mapped_column(enum_column(Seat, name="duty_seat_kind"))

    person: Mapped[Person] = relationship(lazy="joined")
    declaration: Mapped[Declaration] = relationship(lazy="raise")


class TrainingPlan(Timestamps, Base):
    """A station's (or brigade's) planned training for a month and subject."""

    __tablename__ = "training_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[str] = mapped_column(String(7), index=True)
    subject: Mapped[Subject] = mapped_column(enum_column(Subject, name="training_subject"))
    title: Mapped[str] = mapped_column(String(120))
    sessions_planned: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Organization] = relationship(lazy="joined")


class TrainingSession(Timestamps, Base):
    """A training session held: subject, day, hours and who attended."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_plan.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[Subject] = mapped_column(enum_column(Subject, name="session_subject"))
    title: Mapped[str] = mapped_column(String(120))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[float] = mapped_column(Float, default=1.0)

    org: Mapped[Organization] = relationship(lazy="joined")
    attendees: Mapped[list[TrainingAttendance]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )


class TrainingAttendance(Base):
    """One person at one session (参训人次 count these rows)."""

    __tablename__ = "training_attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("duty_person.id", ondelete="CASCADE"), primary_key=True
    )

    person: Mapped[Person] = relationship(lazy="joined")


class Assessment(Timestamps, Base):
    """A graded item (月度考核 or 比武): its standard, pass rule and possible range.

    A time passes at or under ``pass_value``, a score at or over it; a result outside
    [``min_value``, ``max_value``] is impossible and refused.
    """

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AssessmentKind] = mapped_column(
        enum_column(AssessmentKind, name="assessment_kind")
    )
    month: Mapped[str] = mapped_column(String(7), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    subject: Mapped[Subject] = mapped_column(enum_column(Subject, name="assessment_subject"))
    item: Mapped[str] = mapped_column(String(120))
    measure: Mapped[Measure] = mapped_column(enum_column(Measure, name="assessment_measure"))
    pass_value: Mapped[float] = mapped_column(Float)
    min_value: Mapped[float] = mapped_column(Float)
    max_value: Mapped[float] = mapped_column(Float)
    standard_source: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[AssessmentStatus] = mapped_column(
        enum_column(AssessmentStatus, name="assessment_status"), default=AssessmentStatus.DRAFT
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organization] = relationship(lazy="joined")
    results: Mapped[list[AssessmentResult]] = relationship(
        order_by="AssessmentResult.id", lazy="selectin", cascade="all, delete-orphan"
    )


class AssessmentResult(Base):
    """One person's result in an assessment, with whether it passed."""

    __tablename__ = "assessment_result"
    __table_args__ = (
        UniqueConstraint("assessment_id", "person_id", name="uq_assessment_result_person"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("duty_person.id", ondelete="CASCADE"))
    value: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)

    person: Mapped[Person] = relationship(lazy="joined")


class RoutineTemplate(Timestamps, Base):
    """A station's 一日生活制度: ``items`` is a list of ``{"at": "06:30", "activity": "起床"}``."""

    __tablename__ = "duty_routine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), unique=True
    )
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class DutyLog(Base):
    """A roll call (点名) or a handover (交接班) recorded on the crew page."""

    __tablename__ = "duty_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LogKind] = mapped_column(enum_column(LogKind, name="duty_log_kind"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    present: Mapped[int] = mapped_column(Integer, default=0)
    absent: Mapped[list[str]] = mapped_column(JSON, default=list)
    handed_over_by: Mapped[str | None] = mapped_column(String(60))
    taken_over_by: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)


class Supervision(Timestamps, Base):
    """A 督察 inspection of a station against the 四个秩序."""

    __tablename__ = "supervision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    inspected_on: Mapped[date] = mapped_column(Date, index=True)
    inspector: Mapped[str] = mapped_column(String(60))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    """线上监察 (by video and the systems) rather than on site."""
    summary: Mapped[str | None] = mapped_column(Text)

    org: Mapped[Organization] = relationship(lazy="joined")
    findings: Mapped[list[SupervisionFinding]] = relationship(
        order_by="SupervisionFinding.id", lazy="selectin", cascade="all, delete-orphan"
    )


class SupervisionFinding(Base):
    """A problem a 督察 found, and its rectification (see FINDING_TRANSITIONS)."""

    __tablename__ = "supervision_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supervision_id: Mapped[int] = mapped_column(
        ForeignKey("supervision.id", ondelete="CASCADE"), index=True
    )
    order: Mapped[Order] = mapped_column(enum_column(Order, name="supervision_order"))
    description: Mapped[str] = mapped_column(String(300))
    state: Mapped[FindingState] = mapped_column(
        enum_column(FindingState, name="finding_state"), default=FindingState.OPEN, index=True
    )
    deadline: Mapped[date | None] = mapped_column(Date)
    rectification: Mapped[str | None] = mapped_column(String(300))
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SafetyGridNode(Timestamps, Base):
    """A cell of the 四级安全网格 with its named responsible person."""

    __tablename__ = "safety_grid_node"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("safety_grid_node.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[GridLevel] = mapped_column(enum_column(GridLevel, name="safety_grid_level"))
    name: Mapped[str] = mapped_column(String(120))
    responsible: Mapped[str] = mapped_column(String(60))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("duty_person.id", ondelete="SET NULL"))
    phone: Mapped[str | None] = mapped_column(String(40))
    duties: Mapped[str | None] = mapped_column(Text)


def _org(model: type[Any], via: Any, zh: str, en: str) -> None:
    jurisdiction.register(model, via=via, parent=Organization, label=(zh, en))


_org(Person, Person.org_id, "人员", "person")
_org(Declaration, Declaration.station_id, "执勤实力", "duty declaration")
jurisdiction.register(
    DeclaredVehicle,
    via=DeclaredVehicle.declaration_id,
    parent=Declaration,
    label=("执勤车辆", "declared vehicle"),
)
jurisdiction.register(
    DeclaredSeat, via=DeclaredSeat.declaration_id, parent=Declaration, label=("席位", "seat")
)
_org(TrainingPlan, TrainingPlan.org_id, "训练计划", "training plan")
_org(TrainingSession, TrainingSession.org_id, "训练记录", "training session")
jurisdiction.register(
    TrainingAttendance,
    via=TrainingAttendance.session_id,
    parent=TrainingSession,
    label=("参训记录", "attendance"),
)
# an assessment set by the detachment (or a brigade) is shown to the stations below it: its
# published ranking is the 网上公示 they read
jurisdiction.register(
    Assessment,
    via=Assessment.org_id,
    parent=Organization,
    label=("考核", "assessment"),
    ancestors=True,
)
jurisdiction.register(
    AssessmentResult,
    via=AssessmentResult.assessment_id,
    parent=Assessment,
    label=("考核成绩", "assessment result"),
)
_org(RoutineTemplate, RoutineTemplate.org_id, "一日生活制度", "daily routine")
_org(DutyLog, DutyLog.org_id, "点名交接记录", "duty log")
_org(Supervision, Supervision.org_id, "督察", "supervision")
jurisdiction.register(
    SupervisionFinding,
    via=SupervisionFinding.supervision_id,
    parent=Supervision,
    label=("督察问题", "supervision finding"),
)
# a station sees the cells above it too (支队 → 大队 → its own): whom it answers to
jurisdiction.register(
    SafetyGridNode,
    via=SafetyGridNode.org_id,
    parent=Organization,
    label=("安全网格", "safety grid node"),
    ancestors=True,
)
