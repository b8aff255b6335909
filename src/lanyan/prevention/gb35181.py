"""Major-fire-hazard helper (重大火灾隐患判定) after GB 35181.

The edition in force is GB 35181-2025 《重大火灾隐患判定规则》 (published 2025-04-25, in force
2025-11-01); it replaced GB 35181-2017 《重大火灾隐患判定方法》. Its foreword says what changed:
new terms (儿童活动场所, 老年人照料设施, 劳动密集型企业, 多业态混合生产经营场所), the 2017
term 重要场所 deleted, the exemption principle rewritten (2025 4.2, was 2017 5.1.3), the direct
and composite elements revised (2025 chapters 5 and 6, were 2017 chapters 6 and 7) and a new
Annex A on fire alarm and fixed extinguishing systems that do not work.

The sub-clause text of the 2025 edition could not be located, so every criterion here keeps the
2017 numbering (``"6.5"``, ``"7.3.9"``) and the 2017 composite rules (2017 chapter 8). What is
unconfirmed is marked: :attr:`Criterion.source_seen`, :attr:`CompositeRule.source_seen`, and the
``[U]`` notes in ``docs/gb35181.md``. The descriptions are paraphrases, never quotations.

The module is pure: no database, no web. An inspector ticks which criteria were found, optionally
lets :func:`from_observations` derive some of them from measured facts, marks findings that do not
count (:class:`Exemption`), and :func:`assess` returns an :class:`Assessment` that the hazard
workflow stores (``Hazard.gb35181``) and that proposes supervised listing (挂牌督办) when major.
The result supports, and does not replace, the fire-rescue agency's own determination.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lanyan.core.choices import Choice
from lanyan.core.errors import Invalid

__all__ = [
    "CATALOGUE",
    "COMPOSITE_RULES",
    "EDITION_IN_FORCE",
    "NUMBERING_EDITION",
    "Assessment",
    "CompositeRule",
    "Criterion",
    "CriterionGroup",
    "CrowdedKind",
    "Exemption",
    "Facts",
    "Findings",
    "Gb35181Error",
    "SiteCategory",
    "assess",
    "criteria_for",
    "from_observations",
]

EDITION_IN_FORCE = "GB 35181-2025"
NUMBERING_EDITION = "GB 35181-2017"


class Gb35181Error(Invalid, ValueError):
    """An assessment input the standard cannot accept (unknown id, wrong group, wrong site)."""


class SiteCategory(Choice):
    """The kind of site, which decides the criteria that apply and the composite rule.

    A site gets one category. When several fit, take the one with the stricter rule: a crowded
    place in a high-rise is ``CROWDED``; a kindergarten is ``CHILDREN``.
    """

    CROWDED = ("crowded", "人员密集场所", "Crowded place", "#ff8f00")
    HAZMAT = ("hazmat", "易燃易爆危险品场所", "Flammable / explosive goods site", "#d50000")
    HIGH_RISE_UNDERGROUND = (
        "high_rise_underground",
        "高层建筑、地下建筑",
        "High-rise or underground building",
        "#5c6bc0",
    )
    CHILDREN = ("children", "儿童活动场所", "Children's activity place", "#29b6f6")
    ELDERLY_CARE = ("elderly_care", "老年人照料设施", "Elderly care facility", "#ec407a")
    LABOUR_INTENSIVE = (
        "labour_intensive",
        "劳动密集型企业",
        "Labour-intensive enterprise",
        "#8e24aa",
    )
    MIXED_USE = ("mixed_use", "多业态混合生产经营场所", "Mixed-use premises", "#6d4c41")
    OTHER = ("other", "其他场所", "Other site", "#9e9e9e")


#: Sites that are crowded places in law (消防法 art. 73 lists 托儿所/幼儿园, 养老院 and the
#: workshops and dormitories of labour-intensive enterprises). Mixed-use premises are put here
#: by project decision [U]: they usually mix sleeping with production or trade.
CROWDED_FAMILY: frozenset[SiteCategory] = frozenset(
    {
        SiteCategory.CROWDED,
        SiteCategory.CHILDREN,
        SiteCategory.ELDERLY_CARE,
        SiteCategory.LABOUR_INTENSIVE,
        SiteCategory.MIXED_USE,
    }
)
ALL_SITES: frozenset[SiteCategory] = frozenset(SiteCategory)
_PRODUCTION_SITES: frozenset[SiteCategory] = frozenset(
    {
        SiteCategory.HAZMAT,
        SiteCategory.LABOUR_INTENSIVE,
        SiteCategory.MIXED_USE,
        SiteCategory.OTHER,
    }
)


class CriterionGroup(StrEnum):
    """Direct criteria make a site major alone; composite elements are counted."""

    DIRECT = "direct"
    COMPOSITE = "composite"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return "直接判定要素" if self is CriterionGroup.DIRECT else "综合判定要素"


class Exemption(Choice):
    """Why a finding, or the whole site, is not judged a major hazard.

    Per element: :attr:`FIXABLE_ON_SPOT`, :attr:`STANDARD_REVISED`, :attr:`EXPERT_REVIEWED`.
    Whole site: :attr:`OUT_OF_USE`, :attr:`LIMITED_CONSEQUENCE`, :attr:`EXPERT_REVIEWED`.
    """

    FIXABLE_ON_SPOT = ("fixable_on_spot", "可以立即改正", "Can be corrected on the spot", "#66bb6a")
    STANDARD_REVISED = (
        "standard_revised",
        "建成时合规、因标准修订才不符合(法律法规另有明确规定的除外)",
        "Lawful when built; non-compliant only after a standard was revised",
        "#9ccc65",
    )
    EXPERT_REVIEWED = (
        "expert_reviewed",
        "已依法经专家评审(技术论证)并落实相应技术措施",
        "Expert review held as the law requires and its measures taken",
        "#26a69a",
    )
    OUT_OF_USE = ("out_of_use", "已停产停业或停止使用", "Site closed or out of use", "#90a4ae")
    LIMITED_CONSEQUENCE = (
        "limited_consequence",
        "不足以导致重大、特别重大火灾事故或严重社会影响",
        "Cannot lead to a major fire or serious social impact",
        "#b0bec5",
    )


#: Where each exemption comes from. 2017 clauses were read in secondary copies; the 2025 clause
#: is known only from the foreword (4.2 rewrote 2017 5.1.3), its list is unconfirmed [U].
EXEMPTION_SOURCES: dict[Exemption, str] = {
    Exemption.FIXABLE_ON_SPOT: "2017 5.1 (判定要素须为不能立即改正的隐患); 2025 4.2 [U]",
    Exemption.STANDARD_REVISED: "2025 4.2 [U] (2025 年版新增原则, 条文未核实)",
    Exemption.EXPERT_REVIEWED: "2017 5.1.3 a); 2025 4.2 [U]",
    Exemption.OUT_OF_USE: "2017 5.1.3 b); 2025 4.2 [U]",
    Exemption.LIMITED_CONSEQUENCE: "2017 5.1.3 c); 2025 4.2 [U]",
}
ELEMENT_EXEMPTIONS: frozenset[Exemption] = frozenset(
    {Exemption.FIXABLE_ON_SPOT, Exemption.STANDARD_REVISED, Exemption.EXPERT_REVIEWED}
)
SITE_EXEMPTIONS: frozenset[Exemption] = frozenset(
    {Exemption.OUT_OF_USE, Exemption.LIMITED_CONSEQUENCE, Exemption.EXPERT_REVIEWED}
)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One direct criterion or composite element of the standard.

    Attributes
    ----------
    id : str
        Clause number in :data:`NUMBERING_EDITION` (``"6.5"``, ``"7.3.9"``, ``"7.5"``).
    edition : str
        The edition whose numbering and content the entry follows.
    group : CriterionGroup
        Direct or composite.
    section : str
        Sub-clause group, e.g. ``"7.3 安全疏散设施及灭火救援条件"``.
    summary_zh : str
        What is checked, in our own words (not a quotation).
    applies_to : frozenset[SiteCategory]
        Site categories the criterion may be ticked for.
    source_seen : bool
        True when the clause's content was read during implementation in a public copy of the
        2017 text (a full-text page, or an exam explanation citing the 2017 clause); False when
        it rests on recollection of the 2017 text and is unconfirmed [U].
    """

    id: str
    edition: str
    group: CriterionGroup
    section: str
    summary_zh: str
    applies_to: frozenset[SiteCategory]
    source_seen: bool


_S6 = "6 直接判定要素"
_S71 = "7.1 总平面布置"
_S72 = "7.2 防火分隔"
_S73 = "7.3 安全疏散设施及灭火救援条件"
_S74 = "7.4 消防给水及灭火设施"
_S75 = "7.5 防烟排烟设施"
_S76 = "7.6 消防供电"
_S77 = "7.7 火灾自动报警系统"
_S78 = "7.8 消防安全管理 [U]"
_S79 = "7.9 其他 [U]"

_D = CriterionGroup.DIRECT
_C = CriterionGroup.COMPOSITE


def _row(
    cid: str,
    group: CriterionGroup,
    section: str,
    summary_zh: str,
    applies_to: Iterable[SiteCategory],
    *,
    seen: bool,
) -> Criterion:
    return Criterion(
        cid, NUMBERING_EDITION, group, section, summary_zh, frozenset(applies_to), seen
    )


_ROWS: tuple[Criterion, ...] = (
    # -- direct criteria (2017 chapter 6; 2025 chapter 5, sub-numbers unconfirmed) --
    _row(
        "6.1",
        _D,
        _S6,
        "易燃易爆危险品的工厂、仓库、专用车站码头或储罐区,不在城市边缘或相对独立的安全地带",
        {SiteCategory.HAZMAT},
        seen=True,
    ),
    _row(
        "6.2",
        _D,
        _S6,
        "易燃易爆危险品生产、储存、"
        "经营场所与人员密集场所或居住场所同在一栋建筑,"
        "或彼此防火间距不到规定值的75%",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "6.3",
        _D,
        _S6,
        "城市建成区内的加油站、加气站或加油加气合建站,储量达到或超过一级站",
        {SiteCategory.HAZMAT},
        seen=True,
    ),
    _row(
        "6.4",
        _D,
        _S6,
        "甲、乙类生产场所或仓库设在地下室、半地下室",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "6.5",
        _D,
        _S6,
        "公共娱乐场所、商店、地下人员密集场所的安全出口数量不够,或总净宽不到规定值的80%",
        CROWDED_FAMILY,
        seen=True,
    ),
    _row(
        "6.6",
        _D,
        _S6,
        "旅馆、公共娱乐场所、商店、"
        "地下人员密集场所按规定应设而未设自动喷水灭火系统或火灾自动报警系统",
        CROWDED_FAMILY,
        seen=True,
    ),
    _row(
        "6.7",
        _D,
        _S6,
        "易燃可燃液体或可燃气体储罐(区)未按规定设固定灭火、冷却、可燃气体浓度报警或火灾报警设施",
        {SiteCategory.HAZMAT},
        seen=True,
    ),
    _row(
        "6.8",
        _D,
        _S6,
        "在人员密集场所违反规定使用、储存或销售易燃易爆危险品",
        CROWDED_FAMILY,
        seen=False,
    ),
    _row(
        "6.9",
        _D,
        _S6,
        "托儿所、幼儿园的儿童用房或老年人活动场所所在楼层不合消防技术标准",
        CROWDED_FAMILY,
        seen=True,
    ),
    _row(
        "6.10",
        _D,
        _S6,
        "人员密集场所内供人居住的部分用彩钢夹芯板搭建,且芯材燃烧性能低于A级",
        CROWDED_FAMILY,
        seen=False,
    ),
    # -- composite elements (2017 chapter 7; 2025 chapter 6, sub-numbers unconfirmed) --
    _row(
        "7.1.1",
        _C,
        _S71,
        "消防车道未按技术标准或城市消防规划设置,或被堵塞、占用",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.1.2",
        _C,
        _S71,
        "建筑间既有防火间距被占用或不到规定值的80%;或明火、散发火花地点离易燃易爆厂房、装置过近",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.1.3",
        _C,
        _S71,
        "厂房、库房、商场内设员工宿舍,或在住宅等民用建筑内从事生产、储存、经营,且不合 GA 703",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.1.4",
        _C,
        _S71,
        "地下车站站厅乘客疏散区、站台或疏散通道内开设商业经营",
        {SiteCategory.CROWDED, SiteCategory.HIGH_RISE_UNDERGROUND, SiteCategory.MIXED_USE},
        seen=True,
    ),
    _row(
        "7.2.1",
        _C,
        _S72,
        "原有防火分区被改变,实际分区面积超出规定值,达到原文所定的50%界限",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.2.2",
        _C,
        _S72,
        "防火门、防火卷帘等分隔设施损坏,超过该防火分区同类设施总数的一半",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.2.3",
        _C,
        _S72,
        "丙、丁、戊类厂房内有火灾或爆炸危险的部位未做防火分隔等防火防爆措施",
        _PRODUCTION_SITES,
        seen=True,
    ),
    _row(
        "7.3.1",
        _C,
        _S73,
        "避难走道、避难间或避难层设置不合标准,或被占用",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.3.2",
        _C,
        _S73,
        "人员密集场所的疏散楼梯间形式不合标准",
        CROWDED_FAMILY,
        seen=True,
    ),
    _row(
        "7.3.3",
        _C,
        _S73,
        "6.5 所列场所以外的建筑或场所安全出口数量或宽度不合标准,或既有安全出口被封堵",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.3.4",
        _C,
        _S73,
        "按标准应设独立的安全出口或疏散楼梯而未设",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.3.5",
        _C,
        _S73,
        "商店营业厅内疏散距离超过规定值的125%",
        {SiteCategory.CROWDED, SiteCategory.MIXED_USE},
        seen=False,
    ),
    _row(
        "7.3.6",
        _C,
        _S73,
        "疏散指示标志、应急照明未按标准设置,或损坏率超限(高层、地下建筑30%,其他50%)",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.3.7",
        _C,
        _S73,
        "封闭楼梯间或防烟楼梯间的门损坏率超限(设有人员密集场所的高层建筑20%,其他50%)",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.3.8",
        _C,
        _S73,
        "人员密集场所疏散走道、疏散楼梯间、前室的装修材料燃烧性能不合 GB 50222",
        CROWDED_FAMILY,
        seen=False,
    ),
    _row(
        "7.3.9",
        _C,
        _S73,
        "人员密集场所的疏散走道、楼梯间、疏散门或安全出口装设栅栏、卷帘门",
        CROWDED_FAMILY,
        seen=False,
    ),
    _row(
        "7.3.10",
        _C,
        _S73,
        "人员密集场所的外窗被封堵,或被广告牌等遮挡",
        CROWDED_FAMILY,
        seen=False,
    ),
    _row(
        "7.3.11",
        _C,
        _S73,
        "高层建筑的消防车道、救援场地不合要求或被占用,妨碍灭火救援",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.3.12",
        _C,
        _S73,
        "消防电梯不能正常运行",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.4.1",
        _C,
        _S74,
        "未按标准设置消防水源,或未储存泡沫液等灭火剂",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.4.2",
        _C,
        _S74,
        "室外消防给水系统应设未设,或不合标准、不能正常使用",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.4.3",
        _C,
        _S74,
        "室内消火栓系统应设未设,或不合标准、不能正常使用",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.4.4",
        _C,
        _S74,
        "6.6 所列场所以外的建筑或场所按标准应设而未设自动喷水灭火系统",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.4.5",
        _C,
        _S74,
        "按标准应设的其他固定灭火设施(自动喷水灭火系统以外)未设",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.4.6",
        _C,
        _S74,
        "已设的自动喷水灭火系统或其他固定灭火设施不能正常使用或运行",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.5",
        _C,
        _S75,
        "人员密集场所、高层建筑或地下建筑的防烟排烟设施应设未设,或不能正常使用、运行",
        CROWDED_FAMILY | {SiteCategory.HIGH_RISE_UNDERGROUND},
        seen=True,
    ),
    _row(
        "7.6.1",
        _C,
        _S76,
        "消防用电设备的供电负荷等级不合标准",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.6.2",
        _C,
        _S76,
        "消防用电设备未按标准使用专用供电回路",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.6.3",
        _C,
        _S76,
        "消防用电设备末端自动切换装置应设未设,或不合标准、不能自动切换",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.7.1",
        _C,
        _S77,
        "6.6 所列场所以外的场所按标准应设而未设火灾自动报警系统",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.7.2",
        _C,
        _S77,
        "火灾自动报警系统不能正常运行",
        ALL_SITES,
        seen=True,
    ),
    _row(
        "7.7.3",
        _C,
        _S77,
        "防烟排烟系统、消防水泵等自动消防设施不能正常联动控制",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.8.1",
        _C,
        _S78,
        "依法应当建立专职消防队的单位未建立",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.8.2",
        _C,
        _S78,
        "消防控制室值班操作人员未按 GB 25506 持证上岗",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.9.1",
        _C,
        _S79,
        "生产、储存场所的建筑耐火等级与所生产、储存物品的火灾危险性类别不匹配",
        _PRODUCTION_SITES,
        seen=False,
    ),
    _row(
        "7.9.2",
        _C,
        _S79,
        "易燃易爆危险品场所或有粉尘爆炸危险的场所未按规定设防爆电气设备和泄压设施,或其失效",
        _PRODUCTION_SITES,
        seen=False,
    ),
    _row(
        "7.9.3",
        _C,
        _S79,
        "违反技术标准使用燃油、燃气设备,或燃油燃气管道敷设、紧急切断装置不合标准",
        ALL_SITES,
        seen=False,
    ),
    _row(
        "7.9.4",
        _C,
        _S79,
        "人员密集场所违反技术标准使用易燃、可燃材料装修、装饰",
        CROWDED_FAMILY,
        seen=False,
    ),
)

#: Every criterion by id, in clause order.
CATALOGUE: dict[str, Criterion] = {c.id: c for c in _ROWS}


@dataclass(frozen=True, slots=True)
class CompositeRule:
    """A composite count rule: ``threshold`` or more counted elements from ``pool`` → major.

    Attributes
    ----------
    clause : str
        Clause number in :data:`NUMBERING_EDITION`.
    categories : frozenset[SiteCategory]
        Sites the rule applies to.
    pool : frozenset[str] | None
        The elements that count; ``None`` means any composite element.
    threshold : int
        Number of counted elements (inclusive) that makes the site major.
    summary_zh : str
        The rule in our own words.
    source_seen : bool
        False: rests on recollection of the 2017 text, unconfirmed [U].
    """

    clause: str
    categories: frozenset[SiteCategory]
    pool: frozenset[str] | None
    threshold: int
    summary_zh: str
    source_seen: bool = False


def _ids(*ranges: tuple[str, int, int] | str) -> frozenset[str]:
    out: set[str] = set()
    for item in ranges:
        if isinstance(item, str):
            out.add(item)
        else:
            prefix, first, last = item
            out.update(f"{prefix}.{n}" for n in range(first, last + 1))
    return frozenset(out)


#: 2017 chapter 8 as recalled [U]; the 2025 thresholds are unconfirmed [U]. The new 2025 site
#: categories are mapped onto the 2017 rules by project decision (see ``CROWDED_FAMILY``).
COMPOSITE_RULES: tuple[CompositeRule, ...] = (
    CompositeRule(
        "8.1",
        CROWDED_FAMILY,
        _ids(("7.3", 1, 9), "7.5", "7.9.3"),
        3,
        "人员密集场所:7.3.1～7.3.9、7.5、7.9.3 所列要素中存在 3 项及以上",
    ),
    CompositeRule(
        "8.2",
        frozenset({SiteCategory.HAZMAT}),
        _ids(("7.1", 1, 3), "7.4.5", "7.4.6", "7.9.2"),
        3,
        "易燃易爆危险品场所:7.1.1～7.1.3、7.4.5、7.4.6、7.9.2 所列要素中存在 3 项及以上",
    ),
    CompositeRule(
        "8.3",
        CROWDED_FAMILY | {SiteCategory.HAZMAT},
        None,
        4,
        "人员密集场所、易燃易爆危险品场所:第7章任意要素存在 4 项及以上",
    ),
    CompositeRule(
        "8.4",
        frozenset({SiteCategory.HIGH_RISE_UNDERGROUND, SiteCategory.OTHER}),
        None,
        6,
        "其他场所:第7章任意要素存在 6 项及以上",
    ),
)


def criteria_for(
    category: SiteCategory | str, group: CriterionGroup | None = None
) -> list[Criterion]:
    """The criteria an inspector may tick for a site category (the checklist to show).

    Parameters
    ----------
    category : SiteCategory or str
        The site category (value, Chinese or English label).
    group : CriterionGroup, optional
        Only direct or only composite criteria.

    Returns
    -------
    list[Criterion]
        In clause order.
    """
    site = _category(category)
    return [
        c
        for c in CATALOGUE.values()
        if site in c.applies_to and (group is None or c.group is group)
    ]


class CrowdedKind(Choice):
    """Which kind of crowded place: 6.5 and 6.6 name only some of them."""

    HOTEL = ("hotel", "旅馆", "Hotel", "#6d4c41")
    ENTERTAINMENT = ("entertainment", "公共娱乐场所", "Public entertainment venue", "#ab47bc")
    SHOP = ("shop", "商店", "Shop", "#8d6e63")
    UNDERGROUND = ("underground", "地下人员密集场所", "Underground crowded place", "#455a64")
    OTHER = ("other", "其他人员密集场所", "Other crowded place", "#ff8f00")


_NAMED_IN_6_5 = frozenset({CrowdedKind.ENTERTAINMENT, CrowdedKind.SHOP, CrowdedKind.UNDERGROUND})
_NAMED_IN_6_6 = _NAMED_IN_6_5 | {CrowdedKind.HOTEL}


@dataclass(frozen=True, slots=True)
class Facts:
    """Measured or observed facts that map onto criteria (see :func:`from_observations`).

    Every field is optional; ``None``/``False`` means "not observed". Whether a system is
    *required* stays the officer's judgement under the building codes.

    Attributes
    ----------
    crowded_kind : CrowdedKind, optional
        For a crowded site, which kind; 6.5 and 6.6 apply only to the kinds they name.
    exit_width_ratio : float, optional
        Total net width of the safety exits divided by the width the code requires.
    exit_count, exit_count_required : int, optional
        Safety exits present and required.
    sprinklers_missing, alarm_missing : bool
        Automatic sprinklers / fire alarm system required but not installed.
    sprinklers_not_working, alarm_not_working : bool
        Installed but not working (2025 Annex A gives the test for "not working" [U]).
    hazmat_in_crowded_place : bool
        Flammable or explosive goods used, stored or sold in a crowded place against the rules.
    hazmat_shares_building : bool
        A flammable/explosive goods site in the same building as a crowded or residential use.
    hazmat_spacing_ratio : float, optional
        Fire separation distance between a hazmat site and a crowded/residential use divided by
        the code value.
    children_rooms_floor : int, optional
        Lowest storey of kindergarten/nursery children's rooms (1 = ground; 0 or less =
        basement or semi-basement). Checked against the highest storey allowed by
        GB 50016 for ``fire_resistance_grade``.
    highest_children_rooms_floor : int, optional
        Highest storey holding children's rooms (defaults to ``children_rooms_floor``).
    fire_resistance_grade : int, optional
        耐火等级 of the building, 1 to 4.
    elderly_rooms_on_forbidden_floor : bool
        Elderly rooms on a storey the code forbids (the officer applies GB 50016).
    sandwich_panel_sleeping_quarters : bool
        Sleeping quarters of a crowded place built of sandwich panel with a core below class A.
    """

    crowded_kind: CrowdedKind | None = None
    exit_width_ratio: float | None = None
    exit_count: int | None = None
    exit_count_required: int | None = None
    sprinklers_missing: bool = False
    alarm_missing: bool = False
    sprinklers_not_working: bool = False
    alarm_not_working: bool = False
    hazmat_in_crowded_place: bool = False
    hazmat_shares_building: bool = False
    hazmat_spacing_ratio: float | None = None
    children_rooms_floor: int | None = None
    highest_children_rooms_floor: int | None = None
    fire_resistance_grade: int | None = None
    elderly_rooms_on_forbidden_floor: bool = False
    sandwich_panel_sleeping_quarters: bool = False


@dataclass(frozen=True, slots=True)
class Findings:
    """Criteria derived from :class:`Facts`, with notes on what could not be mapped."""

    direct: frozenset[str] = frozenset()
    composite: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()


# GB 50016 (2014, 2018 revision) 5.4.4: highest storey for children's rooms by fire-resistance
# grade; never below ground.
_CHILDREN_MAX_FLOOR = {1: 3, 2: 3, 3: 2, 4: 1}


def from_observations(category: SiteCategory | str, facts: Facts) -> Findings:
    """Map measured facts to criteria ids for a site category.

    Only criteria that apply to ``category`` are returned; a fact that points at a criterion the
    category does not take is reported in ``notes`` instead.

    Parameters
    ----------
    category : SiteCategory or str
        The site category.
    facts : Facts
        What was measured or observed.

    Returns
    -------
    Findings
        Direct and composite ids, and notes in Chinese.

    Raises
    ------
    Gb35181Error
        If a ratio is negative or the fire-resistance grade is not 1 to 4.
    """
    site = _category(category)
    crowded = site in CROWDED_FAMILY
    kind = facts.crowded_kind
    direct: set[str] = set()
    composite: set[str] = set()
    notes: list[str] = []

    for name in ("exit_width_ratio", "hazmat_spacing_ratio"):
        value = getattr(facts, name)
        if value is not None and value < 0:
            raise Gb35181Error(f"{name} 不能为负数", f"{name} must not be negative")
    if facts.fire_resistance_grade is not None and facts.fire_resistance_grade not in (1, 2, 3, 4):
        raise Gb35181Error("耐火等级应为 1～4 级", "fire_resistance_grade must be 1 to 4")

    exits_short = facts.exit_count is not None and (
        facts.exit_count_required is not None and facts.exit_count < facts.exit_count_required
    )
    width_ratio = facts.exit_width_ratio
    if crowded and kind in _NAMED_IN_6_5:
        if exits_short or (width_ratio is not None and width_ratio < 0.8):
            direct.add("6.5")
        elif width_ratio is not None and width_ratio < 1.0:
            # 7.3.3 excludes the places 6.5 names, so a shortfall under 20% counts for neither.
            notes.append(
                "安全出口总净宽不足但未低于规定值的80%,不构成 6.5,且 7.3.3 不适用于此类场所"
            )
    elif exits_short or (width_ratio is not None and width_ratio < 1.0):
        composite.add("7.3.3")
    if (
        crowded
        and kind is None
        and (exits_short or (width_ratio is not None and width_ratio < 1.0))
    ):
        notes.append(
            "未说明人员密集场所类型,安全出口不足按 7.3.3 计;若为娱乐场所、商店或地下场所请注明"
        )

    for missing, direct_id, composite_id in (
        (facts.sprinklers_missing, "6.6", "7.4.4"),
        (facts.alarm_missing, "6.6", "7.7.1"),
    ):
        if missing:
            if crowded and kind in _NAMED_IN_6_6:
                direct.add(direct_id)
            else:
                composite.add(composite_id)
    if facts.sprinklers_not_working:
        composite.add("7.4.6")
    if facts.alarm_not_working:
        composite.add("7.7.2")

    if facts.hazmat_in_crowded_place:
        direct.add("6.8")
    if facts.hazmat_shares_building or (
        facts.hazmat_spacing_ratio is not None and facts.hazmat_spacing_ratio < 0.75
    ):
        direct.add("6.2")

    low = facts.children_rooms_floor
    if low is not None:
        high = (
            low
            if facts.highest_children_rooms_floor is None
            else max(low, facts.highest_children_rooms_floor)
        )
        grade = facts.fire_resistance_grade
        if low <= 0:
            direct.add("6.9")
        elif grade is None:
            notes.append("儿童用房楼层已填,但缺少耐火等级,无法判断 6.9")
        elif high > _CHILDREN_MAX_FLOOR[grade]:
            direct.add("6.9")
    if facts.elderly_rooms_on_forbidden_floor:
        direct.add("6.9")
    if facts.sandwich_panel_sleeping_quarters:
        direct.add("6.10")

    for cid in sorted(direct | composite, key=_clause_key):
        if site not in CATALOGUE[cid].applies_to:
            notes.append(f"{cid} 不适用于{site.zh},未计入;请核对场所类别")
    return Findings(
        direct=frozenset(c for c in direct if site in CATALOGUE[c].applies_to),
        composite=frozenset(c for c in composite if site in CATALOGUE[c].applies_to),
        notes=tuple(notes),
    )


@dataclass(frozen=True, slots=True)
class Assessment:
    """The outcome of :func:`assess`.

    Attributes
    ----------
    category : SiteCategory
        The site category assessed.
    is_major : bool
        Whether the findings make a major fire hazard.
    basis : list[str]
        Why: each direct criterion counted (``"直接判定 6.5"``), or each composite rule met with
        the counted ids (``"综合判定 8.1: 7.3.2, 7.3.9, 7.5 (3 ≥ 3)"``), or the site exemption.
    counted : int
        Direct criteria counted when ``rule`` is ``None`` and the site is major by a direct
        criterion; otherwise the composite elements counted under ``rule``.
    threshold : int | None
        The threshold of ``rule``; ``None`` for a direct determination or a site exemption.
    rule : str | None
        The composite rule reported (the one met, or the closest when none is).
    counted_ids : list[str]
        The ids behind ``counted``.
    clauses_cited : list[str]
        Every clause relied on, in clause order.
    excluded : dict[str, str]
        Findings not counted, with the reason's Chinese label.
    recommend_listing : bool
        Propose supervised listing (挂牌督办): true when major.
    explanation_zh : str
        A Chinese explanation for the officer and the record.
    edition : str
        The edition applied (:data:`EDITION_IN_FORCE`).
    numbering : str
        The edition whose clause numbers are used (:data:`NUMBERING_EDITION`).
    notes : list[str]
        Notes from :func:`from_observations` and on unconfirmed rules.
    """

    category: SiteCategory
    is_major: bool
    basis: list[str]
    counted: int
    threshold: int | None
    rule: str | None
    counted_ids: list[str]
    clauses_cited: list[str]
    excluded: dict[str, str]
    recommend_listing: bool
    explanation_zh: str
    edition: str = EDITION_IN_FORCE
    numbering: str = NUMBERING_EDITION
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, as stored in ``Hazard.gb35181``."""
        return {
            "category": self.category.value,
            "is_major": self.is_major,
            "basis": list(self.basis),
            "counted": self.counted,
            "threshold": self.threshold,
            "rule": self.rule,
            "counted_ids": list(self.counted_ids),
            "clauses_cited": list(self.clauses_cited),
            "excluded": dict(self.excluded),
            "recommend_listing": self.recommend_listing,
            "explanation_zh": self.explanation_zh,
            "edition": self.edition,
            "numbering": self.numbering,
            "notes": list(self.notes),
            "unconfirmed": self.unconfirmed(),
        }

    def unconfirmed(self) -> list[str]:
        """What this determination rests on that could not be confirmed from the 2025 text.

        The 2025 body was not found in any source we could read (docs/gb35181.md), so the clause
        numbering is always listed; then each cited criterion and the composite rule used whose
        content was not seen in a published text of the standard.
        """
        out = [f"条款编号与综合判定规则沿用 {self.numbering}，尚未按 {self.edition} 正文核对"]
        for ident in dict.fromkeys([*self.counted_ids, *self.clauses_cited]):
            criterion = CATALOGUE.get(ident)
            if criterion is not None and not criterion.source_seen:
                out.append(f"第 {ident} 条的判定内容未能从标准原文核实")
        for rule in COMPOSITE_RULES:
            if rule.clause == self.rule and not rule.source_seen:
                out.append(
                    f"综合判定规则第 {rule.clause} 条（{rule.threshold} 项）未能从标准原文核实"
                )
        return out


def assess(
    category: SiteCategory | str,
    *,
    direct: Iterable[str],
    composite: Iterable[str],
    facts: Facts | None = None,
    not_counted: Mapping[str, Exemption | str] | None = None,
    site_exemption: Exemption | str | None = None,
) -> Assessment:
    """Judge whether the findings at a site make a major fire hazard.

    Direct criteria first: any one counted makes the site major. Otherwise every composite rule
    for the category is tried; the site is major when any rule's count reaches its threshold.

    Parameters
    ----------
    category : SiteCategory or str
        The site category.
    direct : iterable of str
        Direct criteria ticked, e.g. ``{"6.5"}``.
    composite : iterable of str
        Composite elements ticked, e.g. ``{"7.3.2", "7.5"}``.
    facts : Facts, optional
        Measured facts; the criteria :func:`from_observations` derives are added to the ticks.
    not_counted : mapping of str to Exemption, optional
        Findings that do not count, with the reason (可以立即改正, 因标准修订, 专家评审).
    site_exemption : Exemption, optional
        A reason the whole site is not judged major (停产停业, 后果有限, 专家评审).

    Returns
    -------
    Assessment

    Raises
    ------
    Gb35181Error
        (a ``ValueError``) for an unknown id, an id ticked in the wrong group, a criterion that
        does not apply to the category, an exemption for something not found, or an exemption
        reason that does not fit an element or a site.
    """
    site = _category(category)
    ticked_direct = _check_ids(direct, CriterionGroup.DIRECT, site)
    ticked_composite = _check_ids(composite, CriterionGroup.COMPOSITE, site)
    notes: list[str] = []
    if facts is not None:
        derived = from_observations(site, facts)
        ticked_direct |= derived.direct
        ticked_composite |= derived.composite
        notes.extend(derived.notes)

    excluded = _check_exemptions(not_counted or {}, ticked_direct | ticked_composite)
    counted_direct = sorted(ticked_direct - excluded.keys(), key=_clause_key)
    counted_composite = sorted(ticked_composite - excluded.keys(), key=_clause_key)
    excluded_labels = {cid: excluded[cid].zh for cid in sorted(excluded, key=_clause_key)}
    exclusion_text = "".join(f"{cid} 因“{label}”不计入。" for cid, label in excluded_labels.items())
    exemption_clauses = sorted({_exemption_clause(r) for r in excluded.values()})

    if site_exemption is not None:
        reason = _exemption(site_exemption)
        if reason not in SITE_EXEMPTIONS:
            raise Gb35181Error(
                f"“{reason.zh}”不能作为整个场所不予判定的理由",
                f"{reason.value} is not a reason to exempt a whole site",
            )
        return Assessment(
            category=site,
            is_major=False,
            basis=[f"不予判定: {reason.zh}"],
            counted=0,
            threshold=None,
            rule=None,
            counted_ids=[],
            clauses_cited=[_exemption_clause(reason)],
            excluded=excluded_labels,
            recommend_listing=False,
            explanation_zh=(
                f"{site.zh}:因“{reason.zh}”,不判定为重大火灾隐患"
                f"(依据 {EXEMPTION_SOURCES[reason]})。发现的问题仍按一般火灾隐患督促整改。"
            ),
            notes=notes,
        )

    if counted_direct:
        joined = "、".join(counted_direct)
        return Assessment(
            category=site,
            is_major=True,
            basis=[f"直接判定 {cid}" for cid in counted_direct],
            counted=len(counted_direct),
            threshold=None,
            rule=None,
            counted_ids=counted_direct,
            clauses_cited=sorted({*counted_direct, *exemption_clauses}, key=_clause_key),
            excluded=excluded_labels,
            recommend_listing=True,
            explanation_zh=(
                f"{site.zh}存在直接判定要素 {joined}"
                f"({CATALOGUE[counted_direct[0]].summary_zh}),直接判定为重大火灾隐患。"
                f"{exclusion_text}建议提请挂牌督办。{_numbering_note()}"
            ),
            notes=notes,
        )

    rules = [r for r in COMPOSITE_RULES if site in r.categories]
    scored = [(r, [c for c in counted_composite if r.pool is None or c in r.pool]) for r in rules]
    met = [(r, ids) for r, ids in scored if len(ids) >= r.threshold]
    notes.extend(f"综合判定规则 {r.clause} 的适用范围与数量沿用 2017 年版 [U]" for r, _ in scored)
    if met:
        rule, rule_ids = met[0]
        basis = [
            f"综合判定 {r.clause}: {', '.join(ids)} ({len(ids)} ≥ {r.threshold})" for r, ids in met
        ]
        explanation = (
            f"{site.zh}按第 {rule.clause} 条({rule.summary_zh})计入 {len(rule_ids)} 项"
            f"({'、'.join(rule_ids)}),达到 {rule.threshold} 项,综合判定为重大火灾隐患。"
            f"{exclusion_text}建议提请挂牌督办。{_numbering_note()}"
        )
    else:
        rule, rule_ids = min(scored, key=lambda s: s[0].threshold - len(s[1]))
        basis = []
        explanation = (
            f"{site.zh}未发现直接判定要素;按第 {rule.clause} 条({rule.summary_zh})计入 "
            f"{len(rule_ids)} 项{_listed(rule_ids)},未达到 {rule.threshold} 项,"
            "不判定为重大火灾隐患。"
            f"{exclusion_text}发现的问题按一般火灾隐患督促整改。{_numbering_note()}"
        )
    relied_on = met or [(rule, rule_ids)]
    cited = {*exemption_clauses}
    for r, ids in relied_on:
        cited.update([r.clause, *ids])
    return Assessment(
        category=site,
        is_major=bool(met),
        basis=basis,
        counted=len(rule_ids),
        threshold=rule.threshold,
        rule=rule.clause,
        counted_ids=rule_ids,
        clauses_cited=sorted(cited, key=_clause_key),
        excluded=excluded_labels,
        recommend_listing=bool(met),
        explanation_zh=explanation,
        notes=notes,
    )


def _listed(ids: list[str]) -> str:
    return f"({'、'.join(ids)})" if ids else ""


def _numbering_note() -> str:
    return f"(适用 {EDITION_IN_FORCE};条款编号沿用 {NUMBERING_EDITION},2025 年版编号待核实。)"


def _category(value: SiteCategory | str) -> SiteCategory:
    if isinstance(value, SiteCategory):
        return value
    try:
        return SiteCategory.parse(value)
    except ValueError:
        raise Gb35181Error(f"未知的场所类别: {value}", f"unknown site category: {value}") from None


def _exemption(value: Exemption | str) -> Exemption:
    if isinstance(value, Exemption):
        return value
    try:
        return Exemption.parse(value)
    except ValueError:
        raise Gb35181Error(f"未知的不予判定理由: {value}", f"unknown exemption: {value}") from None


def _exemption_clause(reason: Exemption) -> str:
    # The clause a reason rests on, for ``clauses_cited``; the 2025 number is the foreword's.
    return "4.2 (2025)" if reason is Exemption.STANDARD_REVISED else "5.1 (2017) / 4.2 (2025)"


def _check_ids(ids: Iterable[str], group: CriterionGroup, site: SiteCategory) -> set[str]:
    if isinstance(ids, str):
        raise Gb35181Error("判定要素应为编号集合,而非单个字符串", "pass a set of ids, not a string")
    out: set[str] = set()
    for raw in ids:
        cid = raw.strip()
        criterion = CATALOGUE.get(cid)
        if criterion is None:
            raise Gb35181Error(f"未知的判定要素编号: {raw}", f"unknown criterion id: {raw}")
        if criterion.group is not group:
            raise Gb35181Error(
                f"{cid} 属于{criterion.group.zh},不是{group.zh}",
                f"{cid} is a {criterion.group.value} criterion, not {group.value}",
            )
        if site not in criterion.applies_to:
            raise Gb35181Error(
                f"{cid} 不适用于{site.zh};请核对场所类别或所勾选的要素",
                f"{cid} does not apply to a {site.en} site",
            )
        out.add(cid)
    return out


def _check_exemptions(
    not_counted: Mapping[str, Exemption | str], found: set[str]
) -> dict[str, Exemption]:
    out: dict[str, Exemption] = {}
    for raw, why in not_counted.items():
        cid = raw.strip()
        if cid not in CATALOGUE:
            raise Gb35181Error(f"未知的判定要素编号: {raw}", f"unknown criterion id: {raw}")
        if cid not in found:
            raise Gb35181Error(
                f"{cid} 未被勾选为发现的问题,不能标为不计入",
                f"{cid} was not found, so it cannot be exempted",
            )
        reason = _exemption(why)
        if reason not in ELEMENT_EXEMPTIONS:
            raise Gb35181Error(
                f"“{reason.zh}”适用于整个场所,不能用于单个要素",
                f"{reason.value} exempts a whole site, not one element",
            )
        out[cid] = reason
    return out


def _clause_key(clause: str) -> tuple[int, ...]:
    head = clause.split(" ", 1)[0]
    return tuple(int(part) for part in head.split(".") if part.isdigit())
