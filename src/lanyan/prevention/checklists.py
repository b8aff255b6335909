"""Patrol and inspection checklists: one catalogue of items, templates per kind of premises.

A grid worker at a restaurant must be asked about the gas pipes, at a chemical store about
static earthing, and at neither about what only a key premises has (a manned control room). So
each premises gets the checklist of what it is (:func:`checklist_for`), assembled from one
catalogue of items with stable keys: answers are stored by key, so a reworded label never
breaks the history, and a check-in or inspection answering an item the premises does not have
is refused. Special campaigns (专项整治) draw their checklists from the same catalogue
(:data:`CAMPAIGN_TOPICS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One question of a checklist; ``key`` is what answers are stored under."""

    key: str
    zh: str
    en: str


_ITEMS: tuple[ChecklistItem, ...] = (
    # every premises
    ChecklistItem("fire_lane_clear", "消防通道畅通", "Fire lane clear"),
    ChecklistItem("exits_unlocked", "安全出口未锁闭", "Exits not locked"),
    ChecklistItem(
        "evacuation_signs_ok", "疏散指示标志、应急照明完好", "Exit signs and lights work"
    ),
    ChecklistItem("extinguishers_valid", "灭火器有效", "Extinguishers in date and charged"),
    ChecklistItem("wiring_safe", "电气线路无私拉乱接", "No improvised wiring"),
    ChecklistItem("ebike_not_indoor", "电动自行车未在室内充电", "No e-bike charging indoors"),
    # restaurants (餐饮场所)
    ChecklistItem("gas_no_leak", "燃气管道无泄漏", "Gas pipes do not leak"),
    ChecklistItem("gas_alarm_ok", "燃气泄漏报警装置有效", "Gas leak alarm works"),
    ChecklistItem("gas_shutoff_ok", "燃气紧急切断阀有效", "Gas emergency shut-off works"),
    ChecklistItem("hood_duct_clean", "厨房排油烟管道定期清洗", "Kitchen hood duct cleaned"),
    ChecklistItem("cylinders_safe", "液化气钢瓶规范存放", "LPG cylinders stored safely"),
    # small venues (九小场所)
    ChecklistItem("no_sleeping_inside", "无“三合一”违规住人", "Nobody sleeps in the shop"),
    ChecklistItem("window_bars_openable", "外窗防盗网可从内开启", "Window bars open from inside"),
    ChecklistItem("simple_alarm_ok", "独立式火灾探测报警器有效", "Stand-alone smoke alarm works"),
    # key premises (重点单位)
    ChecklistItem("control_room_manned", "消防控制室双人值守", "Fire control room manned"),
    ChecklistItem("fire_systems_ok", "自动消防设施运行正常", "Automatic systems in service"),
    ChecklistItem("fire_doors_closed", "常闭式防火门处于关闭状态", "Fire doors kept closed"),
    ChecklistItem("hydrants_ok", "室内消火栓完好有水", "Indoor hydrants work"),
    ChecklistItem("responsible_named", "消防安全责任人、管理人明确", "Responsible persons named"),
    ChecklistItem("patrol_records_kept", "每日防火巡查记录完整", "Daily patrol records kept"),
    ChecklistItem("micro_station_ready", "微型消防站人员器材到位", "Micro fire station ready"),
    # hazardous materials (易燃易爆危险品场所)
    ChecklistItem("hazmat_segregated", "危险品分类分区存放", "Dangerous goods segregated"),
    ChecklistItem("explosion_proof_ok", "防爆电气设备完好", "Explosion-proof equipment intact"),
    ChecklistItem("static_earthing_ok", "防静电接地完好", "Static earthing intact"),
    ChecklistItem("flammable_gas_alarm_ok", "可燃气体报警装置有效", "Flammable gas detectors work"),
    ChecklistItem("no_open_flame", "严禁烟火措施落实", "No-open-flame rule enforced"),
    # campaign-only items
    ChecklistItem(
        "ebike_charging_area", "设置电动自行车集中充电场所", "E-bike charging area provided"
    ),
    ChecklistItem(
        "ebike_not_in_corridor", "楼道、楼梯间无电动自行车停放", "No e-bikes in corridors"
    ),
    ChecklistItem("lane_marked", "消防车通道标识标线清晰", "Fire lane marked"),
    ChecklistItem("lane_no_obstacles", "消防车通道无地桩、隔离桩等障碍物", "No posts on fire lane"),
    ChecklistItem("rescue_site_clear", "消防救援场地无占用", "Rescue hardstanding clear"),
)

ITEMS: dict[str, ChecklistItem] = {item.key: item for item in _ITEMS}
"""The catalogue by key."""

_BASE = (
    "fire_lane_clear",
    "exits_unlocked",
    "evacuation_signs_ok",
    "extinguishers_valid",
    "wiring_safe",
    "ebike_not_indoor",
)
_RESTAURANT = ("gas_no_leak", "gas_alarm_ok", "gas_shutoff_ok", "hood_duct_clean", "cylinders_safe")
_SMALL_VENUE = ("no_sleeping_inside", "window_bars_openable", "simple_alarm_ok")
_KEY_UNIT = (
    "control_room_manned",
    "fire_systems_ok",
    "fire_doors_closed",
    "hydrants_ok",
    "responsible_named",
    "patrol_records_kept",
    "micro_station_ready",
)
_HAZMAT = (
    "hazmat_segregated",
    "explosion_proof_ok",
    "static_earthing_ok",
    "flammable_gas_alarm_ok",
    "no_open_flame",
)


@dataclass(frozen=True, slots=True)
class Template:
    """A named checklist (for a kind of premises, or a campaign topic)."""

    key: str
    zh: str
    en: str
    items: tuple[str, ...]

    def checklist(self) -> list[ChecklistItem]:
        """The items, in order."""
        return [ITEMS[key] for key in self.items]


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template("general", "一般单位", "General premises", _BASE),
        Template("small_venue", "九小场所", "Small venue", _BASE + _SMALL_VENUE),
        Template("restaurant", "餐饮场所", "Restaurant", _BASE + _RESTAURANT),
        Template(
            "small_restaurant",
            "餐饮类九小场所",
            "Small restaurant",
            _BASE + _RESTAURANT + _SMALL_VENUE,
        ),
        Template("key_unit", "消防安全重点单位", "Key premises", _BASE + _KEY_UNIT),
        Template(
            "key_restaurant",
            "重点单位（餐饮）",
            "Key premises (catering)",
            _BASE + _KEY_UNIT + _RESTAURANT,
        ),
        Template("hazmat", "易燃易爆危险品场所", "Hazardous materials site", _BASE + _HAZMAT),
        Template(
            "key_hazmat", "重点单位（危险品）", "Key premises (hazmat)", _BASE + _KEY_UNIT + _HAZMAT
        ),
    )
}
"""Checklists per kind of premises (see :func:`template_for`)."""

CAMPAIGN_TOPICS: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "ebike_charging",
            "电动自行车充电专项整治",
            "E-bike charging",
            (
                "ebike_not_indoor",
                "ebike_not_in_corridor",
                "ebike_charging_area",
                "wiring_safe",
                "fire_lane_clear",
            ),
        ),
        Template(
            "restaurant_gas",
            "餐饮场所燃气安全专项整治",
            "Gas safety in restaurants",
            (*_RESTAURANT, "extinguishers_valid"),
        ),
        Template(
            "fire_lanes",
            "消防通道专项整治",
            "Blocked fire lanes",
            ("fire_lane_clear", "lane_marked", "lane_no_obstacles", "rescue_site_clear"),
        ),
        Template(
            "small_venues",
            "九小场所专项整治",
            "Small venues",
            _BASE + _SMALL_VENUE,
        ),
        Template(
            "hazmat_sites",
            "易燃易爆危险品场所专项整治",
            "Hazardous materials sites",
            (*_HAZMAT, "extinguishers_valid", "fire_lane_clear"),
        ),
    )
}
"""Topics of special campaigns (专项整治), each with the checklist the inspectors use."""


def template_for(
    category: PremisesCategory, venue_type: VenueType, control_level: ControlLevel | None = None
) -> Template:
    """The checklist template of a premises of this kind.

    What the premises handles (gas, dangerous goods) adds its items to what it is (key premises,
    small venue); a premises under three-level control is treated as a key premises.
    """
    key_unit = category == PremisesCategory.KEY_UNIT or control_level is not None
    if venue_type == VenueType.HAZMAT:
        return TEMPLATES["key_hazmat" if key_unit else "hazmat"]
    if venue_type == VenueType.RESTAURANT:
        if key_unit:
            return TEMPLATES["key_restaurant"]
        if category == PremisesCategory.SMALL_VENUE:
            return TEMPLATES["small_restaurant"]
        return TEMPLATES["restaurant"]
    if key_unit:
        return TEMPLATES["key_unit"]
    if category == PremisesCategory.SMALL_VENUE:
        return TEMPLATES["small_venue"]
    return TEMPLATES["general"]


def unknown_keys(answers: dict[str, object], allowed: set[str] | tuple[str, ...]) -> list[str]:
    """Keys of ``answers`` that are not items of the checklist, sorted (empty if all known)."""
    allowed_set = set(allowed)
    return sorted(key for key in answers if key not in allowed_set)
