"""Tables of public fire-safety education: activities, education bases, volunteer teams, volunteers.

Each row belongs to an organization (the station, brigade or detachment that held the activity,
runs the base or leads the team) and reaches the jurisdiction tree through it. Activity lists
page by organization and date over many years of rows: the composite indexes serve exactly the
list's filter and order (``org_id``, ``held_on`` descending, ``id``; with ``kind`` when the list
is filtered by kind) and the figures' date range.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base
from lanyan.forces.models import Organization
from lanyan.outreach.choices import ActivityKind, BaseLevel, OutreachTarget, VolunteerStatus


class EducationBase(Timestamps, Base):
    """A fire-science education base (消防科普教育基地) or exhibition hall people visit."""

    __tablename__ = "edu_base"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[BaseLevel] = mapped_column(enum_column(BaseLevel, name="edu_base_level"))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    opened_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    org: Mapped[Organization] = relationship(lazy="joined")


class EducationActivity(Timestamps, Base):
    """One education activity: a training, a lecture, a 七进 visit, a stream, an article …

    ``audience`` is people present (人次), ``views`` the on-line reach of a stream or article,
    ``materials`` the leaflets and booklets handed out (份). ``recorded_via`` says whether it was
    entered on the phone (站/网格员) or at the desk (防火监督员).
    """

    __tablename__ = "edu_activity"
    __table_args__ = (
        Index("ix_edu_activity_org_held", "org_id", "held_on", "id"),
        Index("ix_edu_activity_held", "held_on", "id"),
        Index("ix_edu_activity_org_kind", "org_id", "kind", "held_on", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind, name="edu_activity_kind"))
    target: Mapped[OutreachTarget | None] = mapped_column(
        enum_column(OutreachTarget, name="edu_outreach_target")
    )
    title: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    audience: Mapped[int] = mapped_column(Integer, default=0)
    views: Mapped[int] = mapped_column(Integer, default=0)
    materials: Mapped[int] = mapped_column(Integer, default=0)
    base_id: Mapped[int | None] = mapped_column(
        ForeignKey("edu_base.id", ondelete="RESTRICT"), index=True
    )
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by_name: Mapped[str | None] = mapped_column(String(80))
    recorded_via: Mapped[str] = mapped_column(String(10), default="desk")

    org: Mapped[Organization] = relationship(lazy="joined")
    base: Mapped[EducationBase | None] = relationship(lazy="joined")


class VolunteerTeam(Timestamps, Base):
    """A fire-safety volunteer team (消防志愿者队伍) led by an organization."""

    __tablename__ = "volunteer_team"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    leader: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(40))
    founded_on: Mapped[date | None] = mapped_column(Date)

    org: Mapped[Organization] = relationship(lazy="joined")


class Volunteer(Timestamps, Base):
    """A fire-safety volunteer, in a team; one who left keeps the row (``left_on``)."""

    __tablename__ = "volunteer"
    __table_args__ = (Index("ix_volunteer_org_status", "org_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    team_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_team.id", ondelete="RESTRICT"), index=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    """The team's organization, copied so lists and figures filter without a join."""
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[VolunteerStatus] = mapped_column(
        enum_column(VolunteerStatus, name="volunteer_status")
    )

    team: Mapped[VolunteerTeam] = relationship(lazy="joined")


# a base run by a brigade or the detachment is visited by the stations below it: they see it
jurisdiction.register(
    EducationBase,
    via=EducationBase.org_id,
    parent=Organization,
    ancestors=True,
    label=("科普教育基地", "base"),
)
jurisdiction.register(
    EducationActivity,
    via=EducationActivity.org_id,
    parent=Organization,
    label=("宣传教育活动", "education activity"),
)
jurisdiction.register(
    VolunteerTeam, via=VolunteerTeam.org_id, parent=Organization, label=("志愿者队伍", "team")
)
jurisdiction.register(
    Volunteer, via=Volunteer.org_id, parent=Organization, label=("消防志愿者", "volunteer")
)
