"""Choices of public fire-safety education (宣传教育培训): activity kinds, 七进 targets, base
levels, volunteer states. Labels follow 社会消防安全教育培训规定 (公安部令第109号) and the yearly
reports."""

from __future__ import annotations

from lanyan.core.choices import Choice


class ActivityKind(Choice):
    """What an education activity was."""

    TRAINING = ("training", "消防安全培训", "Fire-safety training", "#1565c0")
    LECTURE = ("lecture", "消防宣传讲座", "Lecture", "#2e7d32")
    OUTREACH = ("outreach", "七进宣传", "Seven-into outreach", "#00838f")
    BASE_VISIT = ("base_visit", "科普教育基地参观", "Education-base visit", "#6a1b9a")
    LIVE_STREAM = ("live_stream", "网络直播", "Live stream", "#c62828")
    MEDIA_ARTICLE = ("media_article", "媒体宣传稿件", "Media article", "#ef6c00")
    DRILL_GUIDANCE = ("drill_guidance", "指导疏散演练", "Drill guidance", "#f9a825")
    MATERIALS = ("materials", "发放宣传资料", "Materials handed out", "#607d8b")


class OutreachTarget(Choice):
    """Where an outreach activity went (消防宣传"七进" and the website)."""

    COMMUNITY = ("community", "进社区", "Community", "#00838f")
    VILLAGE = ("village", "进农村", "Village", "#558b2f")
    FAMILY = ("family", "进家庭", "Family", "#ad1457")
    SCHOOL = ("school", "进学校", "School", "#1565c0")
    ENTERPRISE = ("enterprise", "进企业", "Enterprise", "#4e342e")
    VENUE = ("venue", "进场所", "Public venue", "#6a1b9a")
    AGENCY = ("agency", "进机关", "Government agency", "#37474f")
    WEBSITE = ("website", "进网站", "Website", "#c62828")


class BaseLevel(Choice):
    """Who named a fire-science education base (消防科普教育基地)."""

    NATIONAL = ("national", "全国消防科普教育基地", "National", "#b71c1c")
    PROVINCIAL = ("provincial", "省级消防科普教育基地", "Provincial", "#e65100")
    MUNICIPAL = ("municipal", "市级消防科普教育基地", "Municipal", "#1565c0")
    COUNTY = ("county", "县级消防宣传教育阵地", "County", "#607d8b")


class VolunteerStatus(Choice):
    """Whether a volunteer still serves (a volunteer who left stays on record)."""

    ACTIVE = ("active", "在册", "Active", "#2e7d32")
    LEFT = ("left", "已退出", "Left", "#9e9e9e")


ONLINE_KINDS = frozenset({ActivityKind.LIVE_STREAM, ActivityKind.MEDIA_ARTICLE})
"""Activities that reach people on line: they count views (浏览/观看量), not a room's audience."""
