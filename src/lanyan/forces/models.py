"""Tables of the forces registry: organizations (a tree), units (apparatus) and water sources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.forces.choices import (
    OrgGrade,
    OrgKind,
    UnitStatus,
    UnitType,
    WaterSourceKind,
    WaterSourceState,
)


class Organization(Timestamps, Base):
    """A node of the force tree: 总队 > 支队 > 大队 > 站, plus teams and micro stations.

    ``path`` is the materialized path of ids ("/1/4/9/") so that "this user's subtree" is one
    indexed prefix comparison in every query.
    """

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind, name="org_kind"))
    grade: Mapped[OrgGrade | None] = mapped_column(enum_column(OrgGrade, name="org_grade"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    contact_person: Mapped[str | None] = mapped_column(String(60))
    jurisdiction: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """GeoJSON geometry (Polygon or MultiPolygon, lon/lat) of the area the organization covers."""

    parent: Mapped[Organization | None] = relationship(remote_side=[id], lazy="joined")


class Unit(Timestamps, Base):
    """A vehicle with its crew on duty, based at one station (its home organization)."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    call_sign: Mapped[str] = mapped_column(String(80))
    type: Mapped[UnitType] = mapped_column(enum_column(UnitType, name="unit_type"))
    station_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[UnitStatus] = mapped_column(
        enum_column(UnitStatus, name="unit_status"), default=UnitStatus.AVAILABLE, index=True
    )
    plate_number: Mapped[str | None] = mapped_column(String(20))
    water_l: Mapped[int | None] = mapped_column(Integer)
    foam_l: Mapped[int | None] = mapped_column(Integer)
    ladder_height_m: Mapped[float | None] = mapped_column(Float)
    pump_flow_lps: Mapped[float | None] = mapped_column(Float)
    crew_on_duty: Mapped[int] = mapped_column(Integer, default=0)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    """Last known position when away from quarters (AVL); empty means at the home station."""
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    station: Mapped[Organization] = relationship(lazy="joined")

    @property
    def station_name(self) -> str:
        """Name of the home station, for lists and the map."""
        return self.station.name


class WaterSource(Timestamps, Base):
    """A hydrant, water crane, natural source or fire water tank, kept by one organization."""

    __tablename__ = "water_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[WaterSourceKind] = mapped_column(enum_column(WaterSourceKind, name="ws_kind"))
    state: Mapped[WaterSourceState] = mapped_column(
        enum_column(WaterSourceState, name="ws_state"), default=WaterSourceState.OK
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(200))
    flow_lps: Mapped[float | None] = mapped_column(Float)
    pressure_mpa: Mapped[float | None] = mapped_column(Float)
    capacity_m3: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)

    org: Mapped[Organization] = relationship(lazy="joined")


jurisdiction.register(Organization, path=Organization.path, label=("组织机构", "organization"))
jurisdiction.register(Unit, via=Unit.station_id, parent=Organization, label=("车辆", "unit"))
jurisdiction.register(
    WaterSource, via=WaterSource.org_id, parent=Organization, label=("消防水源", "water source")
)
