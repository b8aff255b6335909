"""Tables of dispatch: incidents, unit assignments, the timeline, graded response plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.dispatch.choices import (
    AssignmentStatus,
    EventKind,
    IncidentStatus,
    IncidentSubtype,
    IncidentType,
)
from lanyan.dispatch.grading import FireGrade, GradingEdition
from lanyan.forces.models import Organization, Unit
from lanyan.prevention.choices import VenueType
from lanyan.prevention.models import Premises


class Incident(Timestamps, Base):
    """A call and everything done about it (警情)."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    status: Mapped[IncidentStatus] = mapped_column(
        enum_column(IncidentStatus, name="incident_status"), index=True
    )
    type: Mapped[IncidentType] = mapped_column(enum_column(IncidentType, name="incident_type"))
    subtype: Mapped[IncidentSubtype | None] = mapped_column(
        enum_column(IncidentSubtype, name="incident_subtype")
    )
    level: Mapped[int] = mapped_column(Integer, default=1)
    caller_number: Mapped[str | None] = mapped_column(String(40), index=True)
    caller_name: Mapped[str | None] = mapped_column(String(60))
    address_text: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    snap_m: Mapped[float | None] = mapped_column(Float)
    brigade_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    premises_id: Mapped[int | None] = mapped_column(
        ForeignKey("premises.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    # closing report (战评/出动记录)
    rescued: Mapped[int | None] = mapped_column(Integer)
    evacuated: Mapped[int | None] = mapped_column(Integer)
    deaths: Mapped[int | None] = mapped_column(Integer)
    serious_injuries: Mapped[int | None] = mapped_column(Integer)
    minor_injuries: Mapped[int | None] = mapped_column(Integer)
    property_protected_cny: Mapped[float | None] = mapped_column(Float)
    direct_loss_cny: Mapped[float | None] = mapped_column(Float)
    households_affected: Mapped[int | None] = mapped_column(Integer)
    fire_grade: Mapped[FireGrade | None] = mapped_column(enum_column(FireGrade, name="fire_grade"))
    slight_fire: Mapped[bool | None] = mapped_column(Boolean)
    """轻微火灾 (a class inside 一般 since 2025-05-01); NULL for anything but a closed fire."""
    fire_grade_edition: Mapped[GradingEdition | None] = mapped_column(
        enum_column(GradingEdition, name="fire_grade_edition")
    )
    """The rules the grade was decided by, chosen by the day the fire was received."""
    summary: Mapped[str | None] = mapped_column(Text)
    # the first response (首车调派/出动/到场): milestones of the FIRST assignment, copied here by
    # lanyan.dispatch.first_response so that a year's response statistics read one table
    first_assignment_id: Mapped[int | None] = mapped_column(Integer)
    first_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # what was sent, as the reports count it (队次/辆次/人次 over every assignment, kept by
    # lanyan.dispatch.first_response with the first response) so that a year's figures are sums
    turnout_stations: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """队次: distinct stations whose units were sent (the units' stations when they were sent)."""
    turnout_units: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """辆次: assignments (a unit sent twice counts twice)."""
    turnout_people: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """人次: the sum of the assignments' ``crew_sent``."""
    # issue 20 (duty): a 拉动演练 runs through dispatch but stays out of incident statistics
    is_drill: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"), index=True
    )

    brigade: Mapped[Organization | None] = relationship(lazy="joined")
    premises: Mapped[Premises | None] = relationship(lazy="joined")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="incident", order_by="Assignment.id", lazy="selectin"
    )
    events: Mapped[list[IncidentEvent]] = relationship(
        order_by="IncidentEvent.id", lazy="selectin", passive_deletes=True
    )
    """The timeline; the service appends to it when loaded, so an answer needs no reload."""


class IncidentDayCounter(Base):
    """The last sequence given to a call received on one local (Asia/Shanghai) day.

    Incrementing this row is how a number is handed out: the row lock (PostgreSQL) or the write lock
    (SQLite) makes two calls on one day wait for each other, never share a number.
    """

    __tablename__ = "incident_day_counter"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Assignment(Base):
    """One unit sent to one incident, with every milestone's time.

    The partial unique index allows at most one active assignment per unit: the database itself
    refuses a double assignment, whatever the application does.
    """

    __tablename__ = "assignment"
    __table_args__ = (
        Index(
            "uq_assignment_active_unit",
            "unit_id",
            unique=True,
            sqlite_where=text("status != 'in_quarters'"),
            postgresql_where=text("status != 'in_quarters'"),
        ),
        # an incident's first water on (出水) read from the index alone: the statistics probe it
        # for every fire of the period (lanyan.command.figures)
        Index("ix_assignment_incident_water_on", "incident_id", "water_on_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, name="assignment_status")
    )
    eta_s: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    cross_brigade: Mapped[bool] = mapped_column(Boolean, default=False)
    crew_sent: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """The unit's crew on duty when it was sent (人次 count these; a later crew change does not)."""
    reason: Mapped[str | None] = mapped_column(Text)
    assigned_by_id: Mapped[int | None] = mapped_column(Integer)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    water_on_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_quarters_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship(lazy="joined")


class IncidentEvent(Base):
    """One timestamped step of an incident's timeline."""

    __tablename__ = "incident_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, name="event_kind"))
    unit_id: Mapped[int | None] = mapped_column(Integer)
    call_sign: Mapped[str | None] = mapped_column(String(80))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ResponsePlanRule(Timestamps, Base):
    """A row of the graded dispatch table (等级调派): what a kind of incident at a level needs.

    ``requirements`` is a list of ``{"label", "unit_types": [...], "count", "min_ladder_m"?,
    "min_water_l"?, "ladder_from_building"?}``. The most specific active rule wins (subtype over
    type, venue over none) at the highest level not above the incident's.
    """

    __tablename__ = "response_plan_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    incident_type: Mapped[IncidentType] = mapped_column(
        enum_column(IncidentType, name="plan_incident_type")
    )
    subtype: Mapped[IncidentSubtype | None] = mapped_column(
        enum_column(IncidentSubtype, name="plan_incident_subtype")
    )
    venue_type: Mapped[VenueType | None] = mapped_column(
        enum_column(VenueType, name="plan_venue_type")
    )
    level: Mapped[int] = mapped_column(Integer, default=1)
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


# an incident belongs to the brigade (or, outside every brigade, the detachment) answering for
# its place; one with no organization is seen by the root actor only
jurisdiction.register(
    Incident, via=Incident.brigade_id, parent=Organization, label=("警情", "incident")
)
# an assignment is seen where its unit is based: a crew sees its orders on another brigade's call
jurisdiction.register(
    Assignment, via=Assignment.unit_id, parent=Unit, label=("调派记录", "assignment")
)
jurisdiction.register(
    IncidentEvent, via=IncidentEvent.incident_id, parent=Incident, label=("警情记录", "event")
)
