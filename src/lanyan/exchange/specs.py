"""What each importable entity looks like as a table: its columns and how they map to the model.

One spec per entity keeps CSV, XLSX and GeoJSON in step: the same columns, the same names, the
same rules. Headers may be the column key or its Chinese label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select

from lanyan.core.choices import Choice
from lanyan.core.permissions import Action
from lanyan.forces import service as forces
from lanyan.forces.choices import (
    OrgGrade,
    OrgKind,
    UnitStatus,
    UnitType,
    WaterSourceKind,
    WaterSourceState,
)
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.forces.schemas import (
    OrganizationCreate,
    OrganizationUpdate,
    UnitCreate,
    UnitUpdate,
    WaterSourceCreate,
    WaterSourceUpdate,
)
from lanyan.iot import service as iot
from lanyan.iot.choices import DeviceKind
from lanyan.iot.models import Device
from lanyan.iot.schemas import DeviceCreate, DeviceUpdate
from lanyan.prevention import service as prevention
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType
from lanyan.prevention.models import Premises
from lanyan.prevention.schemas import PremisesCreate, PremisesUpdate

CRS_COLUMN = "crs"
"""The optional column (坐标系) naming a row's coordinate system; not a field of any record."""


@dataclass(frozen=True)
class Column:
    """A column of the table form of an entity.

    ``ref`` names the model field that the column's external id resolves to (``parent_id`` for
    ``parent_external_id``); ``choice`` lets a cell hold the code, the Chinese or English label;
    ``read_only`` columns are exported but ignored on import.
    """

    key: str
    zh: str
    choice: type[Choice] | None = None
    ref: str | None = None
    read_only: bool = False
    geometry: bool = False


@dataclass(frozen=True)
class EntitySpec:
    """How one entity is imported and exported."""

    name: str
    zh: str
    en: str
    model: type[Any]
    create_schema: type[BaseModel]
    update_schema: type[BaseModel]
    columns: tuple[Column, ...]
    write_action: Action
    create: Callable[..., Any]
    update: Callable[..., Any]
    id_kw: str
    query: Callable[..., Select[Any]]
    """The service's list query, called with ``actor=``: restricted to the jurisdiction."""
    point_geometry: bool = True
    aliases: dict[str, str] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        """The column called ``key``."""
        return next(c for c in self.columns if c.key == key)

    def header_map(self) -> dict[str, str]:
        """Header text (key, Chinese label, lower-cased) → column key."""
        out: dict[str, str] = {}
        for c in self.columns:
            out[c.key.lower()] = c.key
            out[c.zh] = c.key
        if self.point_geometry:  # a row may name its coordinate system (wgs84, gcj02, bd09)
            out["crs"] = out["坐标系"] = CRS_COLUMN
        return out


ORGANIZATIONS = EntitySpec(
    name="organizations",
    zh="组织机构",
    en="organizations",
    model=Organization,
    create_schema=OrganizationCreate,
    update_schema=OrganizationUpdate,
    columns=(
        Column("external_id", "编号"),
        Column("name", "名称"),
        Column("kind", "类别", choice=OrgKind),
        Column("grade", "等级", choice=OrgGrade),
        Column("parent_external_id", "上级编号", ref="parent_id"),
        Column("lon", "经度"),
        Column("lat", "纬度"),
        Column("address", "地址"),
        Column("phone", "电话"),
        Column("contact_person", "联系人"),
        Column("jurisdiction", "辖区范围", geometry=True),
    ),
    write_action=Action.ORG_WRITE,
    create=forces.create_organization,
    update=forces.update_organization,
    id_kw="org_id",
    query=forces.query_organizations,
)

UNITS = EntitySpec(
    name="units",
    zh="车辆",
    en="units",
    model=Unit,
    create_schema=UnitCreate,
    update_schema=UnitUpdate,
    columns=(
        Column("external_id", "编号"),
        Column("call_sign", "车辆名称"),
        Column("type", "车辆类型", choice=UnitType),
        Column("station_external_id", "所属站编号", ref="station_id"),
        Column("plate_number", "车牌号"),
        Column("water_l", "载水量(升)"),
        Column("foam_l", "载泡沫量(升)"),
        Column("ladder_height_m", "举高(米)"),
        Column("pump_flow_lps", "泵流量(升/秒)"),
        Column("crew_on_duty", "在岗人数"),
        Column("status", "状态", choice=UnitStatus, read_only=True),
    ),
    write_action=Action.UNIT_WRITE,
    create=forces.create_unit,
    update=forces.update_unit,
    id_kw="unit_id",
    query=forces.query_units,
    point_geometry=False,
)

WATER_SOURCES = EntitySpec(
    name="water_sources",
    zh="消防水源",
    en="water sources",
    model=WaterSource,
    create_schema=WaterSourceCreate,
    update_schema=WaterSourceUpdate,
    columns=(
        Column("external_id", "编号"),
        Column("name", "名称"),
        Column("kind", "类型", choice=WaterSourceKind),
        Column("state", "状态", choice=WaterSourceState),
        Column("org_external_id", "管护单位编号", ref="org_id"),
        Column("lon", "经度"),
        Column("lat", "纬度"),
        Column("address", "地址"),
        Column("flow_lps", "流量(升/秒)"),
        Column("pressure_mpa", "压力(MPa)"),
        Column("capacity_m3", "容量(立方米)"),
        Column("notes", "备注"),
    ),
    write_action=Action.WATER_WRITE,
    create=forces.create_water_source,
    update=forces.update_water_source,
    id_kw="ws_id",
    query=forces.query_water_sources,
)

PREMISES = EntitySpec(
    name="premises",
    zh="单位场所",
    en="premises",
    model=Premises,
    create_schema=PremisesCreate,
    update_schema=PremisesUpdate,
    columns=(
        Column("external_id", "编号"),
        Column("name", "名称"),
        Column("category", "类别", choice=PremisesCategory),
        Column("venue_type", "场所类型", choice=VenueType),
        Column("control_level", "管控等级", choice=ControlLevel),
        Column("org_external_id", "监管单位编号", ref="org_id"),
        Column("address", "地址"),
        Column("lon", "经度"),
        Column("lat", "纬度"),
        Column("height_m", "建筑高度(米)"),
        Column("floors_above", "地上层数"),
        Column("floors_below", "地下层数"),
        Column("floor_area_m2", "建筑面积(平方米)"),
        Column("building_use", "使用性质"),
        Column("occupants", "人员数量"),
        Column("responsible_person", "消防安全责任人"),
        Column("responsible_phone", "责任人电话"),
        Column("manager_person", "消防安全管理人"),
        Column("manager_phone", "管理人电话"),
        Column("preplan_notes", "预案要点"),
    ),
    write_action=Action.PREMISES_WRITE,
    create=prevention.create_premises,
    update=prevention.update_premises,
    id_kw="premises_id",
    query=prevention.query_premises,
)

DEVICES = EntitySpec(
    name="devices",
    zh="物联设备",
    en="IoT devices",
    model=Device,
    create_schema=DeviceCreate,
    update_schema=DeviceUpdate,
    columns=(
        Column("external_id", "编号"),
        Column("name", "名称"),
        Column("kind", "设备类型", choice=DeviceKind),
        Column("vendor", "厂商"),
        Column("vendor_device_id", "厂商设备号"),
        Column("model", "型号"),
        Column("premises_external_id", "所在单位编号"),
        Column("location", "安装位置"),
        Column("heartbeat_interval_s", "心跳间隔(秒)"),
        Column("online", "在线", read_only=True),
    ),
    write_action=Action.DEVICE_WRITE,
    create=iot.create_device,
    update=iot.update_device,
    id_kw="device_id",
    query=iot.query_devices,
    point_geometry=False,
)

SPECS: dict[str, EntitySpec] = {
    s.name: s for s in (ORGANIZATIONS, UNITS, WATER_SOURCES, PREMISES, DEVICES)
}
