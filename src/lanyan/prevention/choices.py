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
