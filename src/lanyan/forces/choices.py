"""Choices of the forces registry (力量体系): organization kinds, apparatus types, statuses."""

from __future__ import annotations

from lanyan.core.choices import Choice


class OrgKind(Choice):
    """Kinds of organization, from the provincial corps down to a micro fire station."""

    CORPS = ("corps", "总队", "Provincial corps", "#37474f")
    DETACHMENT = ("detachment", "支队", "City detachment", "#455a64")
    BRIGADE = ("brigade", "大队", "County brigade", "#546e7a")
    STATION = ("station", "消防救援站", "Fire-rescue station", "#c62828")
    SPECIAL_STATION = ("special_station", "特勤站", "Special-service station", "#8e0000")
    GOV_TEAM = ("gov_team", "政府专职队", "Government full-time team", "#ef6c00")
    ENTERPRISE_TEAM = ("enterprise_team", "企业专职队", "Enterprise full-time team", "#f9a825")
    VOLUNTEER_TEAM = ("volunteer_team", "志愿消防队", "Volunteer team", "#9e9d24")
    MICRO_STATION = ("micro_station", "微型消防站", "Micro fire station", "#6a1b9a")

    @property
    def responds(self) -> bool:
        """Whether units of this kind of organization are dispatched to incidents."""
        return self not in (OrgKind.CORPS, OrgKind.DETACHMENT, OrgKind.BRIGADE)


class OrgGrade(Choice):
    """Station grade (建标152-2017) or full-time team grade."""

    LEVEL1 = ("level1", "一级", "Level 1", "#b71c1c")
    LEVEL2 = ("level2", "二级", "Level 2", "#e53935")
    SMALL = ("small", "小型", "Small", "#ef9a9a")


class UnitType(Choice):
    """Apparatus types (消防车种类)."""

    WATER_TENDER = ("water_tender", "水罐车", "Water tender", "#d32f2f")
    FOAM = ("foam", "泡沫车", "Foam tender", "#f57c00")
    LADDER = ("ladder", "云梯车", "Aerial ladder", "#1976d2")
    AERIAL_PLATFORM = ("aerial_platform", "登高平台车", "Aerial platform", "#1565c0")
    WATER_CANNON = ("water_cannon", "高喷车", "Elevated water cannon", "#0d47a1")
    RESCUE = ("rescue", "抢险救援车", "Rescue truck", "#388e3c")
    COMMAND = ("command", "通信指挥车", "Command vehicle", "#7b1fa2")
    SMOKE_EXHAUST = ("smoke_exhaust", "排烟车", "Smoke exhaust truck", "#5d4037")
    WATER_SUPPLY = ("water_supply", "供水车", "Water supply truck", "#0288d1")
    HAZMAT = ("hazmat", "化学救援车", "Hazmat truck", "#fbc02d")
    WATER_RESCUE = ("water_rescue", "水域救援车", "Water rescue truck", "#00838f")
    EQUIPMENT = ("equipment", "器材车", "Equipment truck", "#616161")
    MOTORCYCLE = ("motorcycle", "消防摩托车", "Fire motorcycle", "#ad1457")
    OTHER = ("other", "其他", "Other", "#9e9e9e")


class UnitStatus(Choice):
    """Where a unit is in its duty cycle (在库 → 调派 → 出动 → 到场 → 出水 → 返回 → 归队=在库)."""

    AVAILABLE = ("available", "在库", "Available", "#2e7d32")
    DISPATCHED = ("dispatched", "已调派", "Dispatched", "#fb8c00")
    EN_ROUTE = ("en_route", "出动", "En route", "#f9a825")
    ON_SCENE = ("on_scene", "到场", "On scene", "#c62828")
    WATER_ON = ("water_on", "出水", "Water on", "#1565c0")
    RETURNING = ("returning", "返回", "Returning", "#5e35b1")
    OUT_OF_SERVICE = ("out_of_service", "检修", "Out of service", "#616161")

    @property
    def dispatchable(self) -> bool:
        """Whether a unit in this status may be given a new incident (returning ones may)."""
        return self in (UnitStatus.AVAILABLE, UnitStatus.RETURNING)


MANUAL_TRANSITIONS: dict[UnitStatus, frozenset[UnitStatus]] = {
    UnitStatus.AVAILABLE: frozenset({UnitStatus.OUT_OF_SERVICE}),
    UnitStatus.OUT_OF_SERVICE: frozenset({UnitStatus.AVAILABLE}),
}
"""Status changes made directly on a unit (taking it out of service and back). Everything else
happens through an incident's assignment, so that every milestone is on the incident's record."""


class WaterSourceKind(Choice):
    """Kinds of fire water source (消防水源)."""

    HYDRANT = ("hydrant", "市政消火栓", "Municipal hydrant", "#1e88e5")
    CRANE = ("crane", "消防水鹤", "Water crane", "#3949ab")
    NATURAL = ("natural", "天然水源", "Natural water source", "#00897b")
    POOL = ("pool", "消防水池", "Fire water tank", "#039be5")


class WaterSourceState(Choice):
    """Whether a water source can be used."""

    OK = ("ok", "完好", "In service", "#2e7d32")
    DAMAGED = ("damaged", "损坏", "Damaged", "#c62828")
    LOW_PRESSURE = ("low_pressure", "水压不足", "Low pressure", "#f9a825")
    OUT_OF_SERVICE = ("out_of_service", "停用", "Out of service", "#616161")
