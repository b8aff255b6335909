"""Choices of dispatch: incident types and subtypes, statuses, timeline event kinds."""

from __future__ import annotations

from lanyan.core.choices import Choice


class IncidentType(Choice):
    """National statistics categories (国家消防救援局); 虚假警 is counted inside the total.

    The national releases now call 公务执勤 安保勤务: the label follows them, the stored value
    ``duty`` stays, so records written before read the same and the old label is still parsed.
    Source: 国家消防救援局 press conference of 2026-03-17 on 2025 ("火灾扑救83.7万起……社会救助
    85.8万起、安保勤务14.3万起；其中全年共处置虚假警16.4万起"). No national list of 安保勤务
    subtypes was found (the releases name subtypes of 抢险救援 only), so it keeps one subtype.
    """

    FIRE = ("fire", "火灾扑救", "Fire", "#d32f2f")
    RESCUE = ("rescue", "抢险救援", "Rescue", "#f57c00")
    SOCIAL = ("social", "社会救助", "Social assistance", "#1976d2")
    DUTY = ("duty", "安保勤务", "Security duty", "#7b1fa2")
    FALSE_ALARM = ("false_alarm", "虚假警", "False alarm", "#9e9e9e")

    @classmethod
    def former_labels(cls) -> dict[str, str]:
        """公务执勤 (Official duty): the label of ``duty`` before the national releases."""
        return {"公务执勤": "duty", "Official duty": "duty"}


class IncidentSubtype(Choice):
    """Subtypes a dispatcher picks; ``TYPE_OF`` ties each to its type."""

    HIGH_RISE_FIRE = ("high_rise_fire", "高层建筑火灾", "High-rise building fire", "#b71c1c")
    CROWDED_PLACE_FIRE = ("crowded_place_fire", "人员密集场所火灾", "Crowded place fire", "#c62828")
    RESIDENTIAL_FIRE = ("residential_fire", "住宅火灾", "Residential fire", "#d32f2f")
    FACTORY_WAREHOUSE_FIRE = (
        "factory_warehouse_fire",
        "厂房仓库火灾",
        "Factory/warehouse fire",
        "#e53935",
    )
    CHEMICAL_FIRE = ("chemical_fire", "化工火灾", "Chemical plant fire", "#ff6f00")
    UNDERGROUND_FIRE = ("underground_fire", "地下建筑火灾", "Underground fire", "#bf360c")
    VEHICLE_FIRE = ("vehicle_fire", "车辆火灾", "Vehicle fire", "#ef5350")
    FOREST_FIRE = ("forest_fire", "森林草原火灾", "Forest/grass fire", "#558b2f")
    OTHER_FIRE = ("other_fire", "其他火灾", "Other fire", "#e57373")
    TRAFFIC_ACCIDENT = ("traffic_accident", "交通事故", "Traffic accident", "#ef6c00")
    WATER_RESCUE = ("water_rescue", "水域救援", "Water rescue", "#0277bd")
    HAZMAT_LEAK = ("hazmat_leak", "危化品泄漏", "Hazardous materials leak", "#f9a825")
    BUILDING_COLLAPSE = ("building_collapse", "建筑坍塌", "Building collapse", "#6d4c41")
    PERSON_TRAPPED = ("person_trapped", "人员被困", "Person trapped", "#fb8c00")
    NATURAL_DISASTER = ("natural_disaster", "自然灾害救援", "Natural disaster", "#4e342e")
    ELEVATOR_TRAPPED = ("elevator_trapped", "电梯困人", "Person trapped in lift", "#42a5f5")
    DOOR_OPENING = ("door_opening", "开门救助", "Door opening", "#64b5f6")
    ANIMAL_RESCUE = ("animal_rescue", "动物救助", "Animal rescue", "#90caf9")
    WATER_SUPPLY = ("water_supply", "送水救助", "Water supply", "#4fc3f7")
    SECURITY_DUTY = ("security_duty", "安保勤务", "Security duty", "#8e24aa")
    OTHER = ("other", "其他", "Other", "#9e9e9e")


TYPE_OF: dict[IncidentSubtype, IncidentType] = {
    **{
        s: IncidentType.FIRE
        for s in (
            IncidentSubtype.HIGH_RISE_FIRE,
            IncidentSubtype.CROWDED_PLACE_FIRE,
            IncidentSubtype.RESIDENTIAL_FIRE,
            IncidentSubtype.FACTORY_WAREHOUSE_FIRE,
            IncidentSubtype.CHEMICAL_FIRE,
            IncidentSubtype.UNDERGROUND_FIRE,
            IncidentSubtype.VEHICLE_FIRE,
            IncidentSubtype.FOREST_FIRE,
            IncidentSubtype.OTHER_FIRE,
        )
    },
    **{
        s: IncidentType.RESCUE
        for s in (
            IncidentSubtype.TRAFFIC_ACCIDENT,
            IncidentSubtype.WATER_RESCUE,
            IncidentSubtype.HAZMAT_LEAK,
            IncidentSubtype.BUILDING_COLLAPSE,
            IncidentSubtype.PERSON_TRAPPED,
            IncidentSubtype.NATURAL_DISASTER,
        )
    },
    **{
        s: IncidentType.SOCIAL
        for s in (
            IncidentSubtype.ELEVATOR_TRAPPED,
            IncidentSubtype.DOOR_OPENING,
            IncidentSubtype.ANIMAL_RESCUE,
            IncidentSubtype.WATER_SUPPLY,
        )
    },
    IncidentSubtype.SECURITY_DUTY: IncidentType.DUTY,
    IncidentSubtype.OTHER: IncidentType.FALSE_ALARM,
}
"""The type each subtype belongs to (``other`` fits any type)."""


class IncidentStatus(Choice):
    """Where an incident is; only moves forward."""

    RECEIVED = ("received", "接警", "Received", "#e53935")
    DISPATCHED = ("dispatched", "已调派", "Dispatched", "#fb8c00")
    ON_SCENE = ("on_scene", "处置中", "On scene", "#c62828")
    CONTROLLED = ("controlled", "已控制", "Under control", "#fdd835")
    EXTINGUISHED = ("extinguished", "已扑灭", "Extinguished", "#7cb342")
    CLOSED = ("closed", "已结案", "Closed", "#757575")

    @property
    def is_open(self) -> bool:
        """Whether the incident is still running."""
        return self is not IncidentStatus.CLOSED


INCIDENT_ORDER = list(IncidentStatus)


class AssignmentStatus(Choice):
    """A unit's part in one incident (its milestones are all recorded)."""

    ASSIGNED = ("assigned", "已调派", "Assigned", "#fb8c00")
    EN_ROUTE = ("en_route", "出动", "En route", "#f9a825")
    ON_SCENE = ("on_scene", "到场", "On scene", "#c62828")
    WATER_ON = ("water_on", "出水", "Water on", "#1565c0")
    RETURNING = ("returning", "返回", "Returning", "#5e35b1")
    IN_QUARTERS = ("in_quarters", "归队", "In quarters", "#2e7d32")

    @property
    def is_active(self) -> bool:
        """Whether the unit is still bound to this incident."""
        return self is not AssignmentStatus.IN_QUARTERS


ASSIGNMENT_TRANSITIONS: dict[AssignmentStatus, frozenset[AssignmentStatus]] = {
    AssignmentStatus.ASSIGNED: frozenset({AssignmentStatus.EN_ROUTE, AssignmentStatus.RETURNING}),
    AssignmentStatus.EN_ROUTE: frozenset({AssignmentStatus.ON_SCENE, AssignmentStatus.RETURNING}),
    AssignmentStatus.ON_SCENE: frozenset({AssignmentStatus.WATER_ON, AssignmentStatus.RETURNING}),
    AssignmentStatus.WATER_ON: frozenset({AssignmentStatus.RETURNING}),
    AssignmentStatus.RETURNING: frozenset({AssignmentStatus.IN_QUARTERS}),
    AssignmentStatus.IN_QUARTERS: frozenset(),
}
"""Legal milestones; ``returning`` from ``assigned``/``en_route`` is 中途返回 (recalled)."""


class EventKind(Choice):
    """Timeline entries, in the order CAD systems record them."""

    RECEIVED = ("received", "接警", "Call received", "#e53935")
    REGISTERED = ("registered", "立案", "Registered", "#ef5350")
    DISPATCHED = ("dispatched", "调派", "Unit assigned", "#fb8c00")
    EN_ROUTE = ("en_route", "出动", "En route", "#f9a825")
    ON_SCENE = ("on_scene", "到场", "On scene", "#c62828")
    WATER_ON = ("water_on", "出水", "Water on", "#1565c0")
    CONTROLLED = ("controlled", "控制", "Under control", "#fdd835")
    EXTINGUISHED = ("extinguished", "扑灭", "Extinguished", "#7cb342")
    RETURNING = ("returning", "返回", "Returning", "#5e35b1")
    IN_QUARTERS = ("in_quarters", "归队", "In quarters", "#2e7d32")
    ESCALATED = ("escalated", "追加力量", "Escalated", "#d81b60")
    CLOSED = ("closed", "结束", "Closed", "#757575")
