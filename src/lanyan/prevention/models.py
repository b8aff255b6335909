"""Premises: the master data that dispatch (pre-plans) and prevention (inspections) share."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base
from lanyan.forces.models import Organization
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType


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

    org: Mapped[Organization] = relationship(lazy="joined")
