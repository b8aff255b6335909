"""Choices for premises (重点单位 / 九小场所) shared by dispatch and prevention."""

from __future__ import annotations

from lanyan.core.choices import Choice


class PremisesCategory(Choice):
    """Regulatory category of a premises."""

    KEY_UNIT = ("key_unit", "消防安全重点单位", "Key fire-safety premises", "#c62828")
    SMALL_VENUE = ("small_venue", "九小场所", "Small venue", "#f9a825")
    GENERAL = ("general", "一般单位", "General premises", "#78909c")


class ControlLevel(Choice):
    """Three-level control (三级管控): level 1 is watched most closely."""

    LEVEL1 = ("level1", "一级管控", "Level 1 control", "#b71c1c")
    LEVEL2 = ("level2", "二级管控", "Level 2 control", "#ef6c00")
    LEVEL3 = ("level3", "三级管控", "Level 3 control", "#fdd835")


class VenueType(Choice):
    """What the premises is used for (drives plans, checklists and risk)."""

    SHOPPING = ("shopping", "商场市场", "Shopping centre / market", "#8d6e63")
    HOTEL = ("hotel", "宾馆饭店", "Hotel", "#6d4c41")
    RESTAURANT = ("restaurant", "餐饮场所", "Restaurant", "#ff7043")
    ENTERTAINMENT = ("entertainment", "公共娱乐场所", "Entertainment venue", "#ab47bc")
    HOSPITAL = ("hospital", "医院", "Hospital", "#e53935")
    CLINIC = ("clinic", "诊所", "Clinic", "#ef5350")
    ELDERLY_CARE = ("elderly_care", "养老机构", "Elderly care", "#ec407a")
    SCHOOL = ("school", "学校", "School", "#42a5f5")
    KINDERGARTEN = ("kindergarten", "幼儿园", "Kindergarten", "#29b6f6")
    HIGH_RISE = ("high_rise", "高层建筑", "High-rise building", "#5c6bc0")
    OFFICE = ("office", "办公场所", "Office", "#78909c")
    FACTORY = ("factory", "厂房", "Factory", "#8e24aa")
    WAREHOUSE = ("warehouse", "仓库", "Warehouse", "#6a1b9a")
    HAZMAT = ("hazmat", "易燃易爆危险品场所", "Hazardous materials site", "#d50000")
    PUBLIC_ASSEMBLY = ("public_assembly", "人员密集场所", "Public assembly", "#ff8f00")
    HERITAGE = ("heritage", "文物古建筑", "Heritage building", "#a1887f")
    TRANSPORT = ("transport", "交通枢纽", "Transport hub", "#26a69a")
    WORKSHOP = ("workshop", "小作坊", "Small workshop", "#9ccc65")
    RESIDENTIAL = ("residential", "住宅", "Residential", "#bdbdbd")
    OTHER = ("other", "其他", "Other", "#9e9e9e")


class GridLevel(Choice):
    """四级网格: county, township, village/community, grid."""

    COUNTY = ("county", "县级网格", "County", "#37474f")
    TOWNSHIP = ("township", "乡镇（街道）网格", "Township", "#546e7a")
    VILLAGE = ("village", "村（社区）网格", "Village / community", "#78909c")
    GRID = ("grid", "网格", "Grid cell", "#90a4ae")


class HazardSeverity(Choice):
    """How serious a hazard is; drives its rectification deadline."""

    GENERAL = ("general", "一般隐患", "General hazard", "#f9a825")
    MAJOR = ("major", "重大火灾隐患", "Major fire hazard", "#c62828")


class HazardStatus(Choice):
    """The hazard workflow: report → verify → order → rectified → closed (or rejected)."""

    REPORTED = ("reported", "已上报", "Reported", "#ef6c00")
    VERIFIED = ("verified", "已核实", "Verified", "#f9a825")
    ORDERED = ("ordered", "限期整改", "Ordered to rectify", "#d84315")
    RECTIFIED = ("rectified", "已整改待复查", "Rectified, awaiting check", "#1565c0")
    CLOSED = ("closed", "已销案", "Closed", "#2e7d32")
    REJECTED = ("rejected", "不属实", "Rejected", "#9e9e9e")

    @property
    def is_open(self) -> bool:
        """Whether someone still has to act on it."""
        return self not in (HazardStatus.CLOSED, HazardStatus.REJECTED)


HAZARD_TRANSITIONS: dict[HazardStatus, frozenset[HazardStatus]] = {
    HazardStatus.REPORTED: frozenset({HazardStatus.VERIFIED, HazardStatus.REJECTED}),
    HazardStatus.VERIFIED: frozenset({HazardStatus.ORDERED, HazardStatus.RECTIFIED}),
    HazardStatus.ORDERED: frozenset({HazardStatus.RECTIFIED}),
    HazardStatus.RECTIFIED: frozenset({HazardStatus.CLOSED, HazardStatus.ORDERED}),
    HazardStatus.CLOSED: frozenset(),
    HazardStatus.REJECTED: frozenset(),
}
"""Legal moves. A failed re-check sends a rectified hazard back to ORDERED with a new deadline;
a hazard fixed on the spot goes VERIFIED → RECTIFIED without an order."""


class ListingLevel(Choice):
    """Who lists the hazard for supervision (挂牌督办)."""

    PROVINCE = ("province", "省级挂牌", "Provincial listing", "#b71c1c")
    CITY = ("city", "市级挂牌", "City listing", "#d84315")
    COUNTY = ("county", "县级挂牌", "County listing", "#ef6c00")


class ListingStatus(Choice):
    """Supervised listing workflow: proposed → listed → rectifying → delisted."""

    PROPOSED = ("proposed", "拟挂牌", "Proposed", "#f9a825")
    LISTED = ("listed", "已挂牌", "Listed", "#c62828")
    RECTIFYING = ("rectifying", "整改中", "Rectifying", "#ef6c00")
    DELISTED = ("delisted", "已摘牌", "Delisted", "#2e7d32")
    WITHDRAWN = ("withdrawn", "已撤销", "Withdrawn", "#9e9e9e")


LISTING_TRANSITIONS: dict[ListingStatus, frozenset[ListingStatus]] = {
    ListingStatus.PROPOSED: frozenset({ListingStatus.LISTED, ListingStatus.WITHDRAWN}),
    ListingStatus.LISTED: frozenset({ListingStatus.RECTIFYING}),
    ListingStatus.RECTIFYING: frozenset({ListingStatus.DELISTED}),
    ListingStatus.DELISTED: frozenset(),
    ListingStatus.WITHDRAWN: frozenset(),
}


class PatrolTaskStatus(Choice):
    """A patrol visit that a plan asks for."""

    PENDING = ("pending", "待巡查", "Pending", "#f9a825")
    DONE = ("done", "已巡查", "Done", "#2e7d32")
    MISSED = ("missed", "逾期未巡", "Missed", "#c62828")


class InspectionOutcome(Choice):
    """Result of an enforcement inspection (监督检查)."""

    PASSED = ("passed", "合格", "Passed", "#2e7d32")
    ORDERED = ("ordered", "责令改正", "Ordered to correct", "#ef6c00")
    PENALIZED = ("penalized", "行政处罚", "Penalized", "#c62828")
    SEALED = ("sealed", "临时查封", "Temporarily sealed", "#6a1b9a")
