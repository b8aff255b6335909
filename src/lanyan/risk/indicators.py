"""The risk indicator table: every indicator, its points, its group and why it weighs what it does.

Like :mod:`lanyan.core.standards`, the numbers live here once, with their source or reason, and
docs/risk.md prints the same table for people. A deployment changes any of them with a JSON file
named by ``LANYAN_RISK_FILE`` (``{"hazards_overdue": {"per": 8, "cap": 24},
"group_weights": {"fire_forces": 0.25, ...}, "level_cuts": [20, 40, 60]}``).

Premises score
    The sum of the points of every indicator, capped at 100 (a higher score is riskier — the
    Chinese city assessments grade the other way round, 100 = safest; we follow the officers'
    reading of "red is dangerous"). An indicator gives points in one of three ways:

    * ``map`` — a category (venue type, control class) → its points;
    * ``steps`` — the points of the highest threshold the value reaches (``missing`` when the
      value is unknown: a premises never inspected counts as inspected long ago);
    * ``per`` — ``per`` points a unit of the value, at most ``cap``.

Level
    低 below ``level_cuts[0]``, 中 from it, 较高 from ``level_cuts[1]``, 高 from ``level_cuts[2]``.

Cell and area score
    Five indicator groups as Chinese city fire-risk assessments use them (火灾危险源, 城市基础信息,
    消防力量, 火灾预警防控, 社会防控能力), each a sub-score 0–100 computed from the cell's inputs
    by :func:`cell_groups`, weighted by ``group_weights`` (summing to 1).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from lanyan.risk.choices import RiskLevel

CELL_RESOLUTION = 8
"""H3 resolution of the area cells (~0.74 km², 460 m edge; the forecast uses the same)."""

Group = Literal["hazard_sources", "urban_base", "fire_forces", "warning_control", "social_control"]

GROUPS: dict[str, str] = {
    "hazard_sources": "火灾危险源",
    "urban_base": "城市基础信息",
    "fire_forces": "消防力量",
    "warning_control": "火灾预警防控",
    "social_control": "社会防控能力",
}
"""The five indicator groups of the city assessments, in report order."""


@dataclass(frozen=True, slots=True)
class Indicator:
    """One premises indicator: how its input becomes points, and why."""

    key: str
    label: str
    group: Group
    kind: Literal["map", "steps", "per"]
    unit: str
    source: str
    points: Mapping[str, float] = field(default_factory=dict)
    """``map``: category value → points."""
    steps: tuple[tuple[float, float], ...] = ()
    """``steps``: (threshold, points), ascending thresholds; the highest one reached counts."""
    missing: float = 0.0
    per: float = 0.0
    cap: float = 0.0


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "venue_type",
        "场所类别",
        "hazard_sources",
        "map",
        "",
        "GB 35181-2025 对人员密集场所、易燃易爆场所、儿童和老年人场所、劳动密集型企业设更严判定"
        "标准；公安部令61号第十三条所列重点单位类别。Points rank fire load and who cannot escape.",
        points={
            "hazmat": 20,
            "entertainment": 14,
            "elderly_care": 14,
            "public_assembly": 12,
            "shopping": 12,
            "hospital": 12,
            "kindergarten": 12,
            "high_rise": 10,
            "warehouse": 10,
            "factory": 10,
            "hotel": 10,
            "heritage": 10,
            "workshop": 8,
            "restaurant": 8,
            "school": 8,
            "transport": 8,
            "clinic": 6,
            "residential": 5,
            "office": 4,
            "other": 4,
        },
    ),
    Indicator(
        "category",
        "监管类别",
        "hazard_sources",
        "map",
        "",
        "公安部令61号: 消防安全重点单位 are designated for their fire risk; 九小场所 are the small "
        "venues where most deadly small fires occur (national fire statistics).",
        points={"key_unit": 6, "small_venue": 3, "general": 0},
    ),
    Indicator(
        "control_level",
        "三级管控",
        "hazard_sources",
        "map",
        "",
        "The brigade's own grading of the premises (一级管控 = watched most closely); Lanyan reads "
        "it as the officers' judgement of risk.",
        points={"level1": 12, "level2": 6, "level3": 2},
    ),
    Indicator(
        "occupants",
        "容纳人数",
        "hazard_sources",
        "steps",
        "人",
        "公安部令61号 and provincial key-unit thresholds (venues > 1,500 people; hospitals and "
        "elderly homes ≥ 150 beds): more people, more lives exposed.",
        steps=((100, 3), (300, 6), (1000, 10)),
    ),
    Indicator(
        "height_m",
        "建筑高度",
        "hazard_sources",
        "steps",
        "m",
        "GB 50016-2014 5.1.1: 高层公共建筑 > 24 m, 一类高层 > 50 m, 超高层 > 100 m (fire fighting "
        "from outside ends near 50 m).",
        steps=((24, 4), (50, 7), (100, 10)),
    ),
    Indicator(
        "floors_below",
        "地下层数",
        "hazard_sources",
        "steps",
        "层",
        "GB 50016-2014 地下或半地下建筑: smoke and access make underground fires the hardest.",
        steps=((1, 3),),
    ),
    Indicator(
        "hazards_open",
        "未销案隐患",
        "hazard_sources",
        "per",
        "处",
        "Each open hazard (reported to rectified, not closed) is a known weakness (公安部令120号).",
        per=2,
        cap=8,
    ),
    Indicator(
        "hazards_major_open",
        "未销案重大火灾隐患",
        "hazard_sources",
        "per",
        "处",
        "GB 35181-2025 重大火灾隐患: may cause a major fire; weighted most of any single finding.",
        per=10,
        cap=20,
    ),
    Indicator(
        "hazards_overdue",
        "逾期未改隐患",
        "social_control",
        "per",
        "处",
        "公安部令120号 arts. 19–21: past its rectification deadline the hazard stands and the "
        "unit is not acting; counted on top of the open hazard itself.",
        per=6,
        cap=18,
    ),
    Indicator(
        "listing_open",
        "挂牌督办中",
        "social_control",
        "per",
        "项",
        "挂牌督办 is the government's own statement that the hazard is grave and unresolved.",
        per=8,
        cap=8,
    ),
    Indicator(
        "fires_3y",
        "近三年火灾",
        "hazard_sources",
        "per",
        "起",
        "A premises that burned before burns again more often (fire-history weighting in the "
        "city assessments); fire incidents linked to the premises in the past three years.",
        per=3,
        cap=12,
    ),
    Indicator(
        "alarms_90d",
        "近90天物联报警",
        "warning_control",
        "per",
        "次",
        "Device fire alarms (any verdict but 测试) in 90 days: real fires and the false alarms "
        "that show a neglected system alike.",
        per=1.5,
        cap=6,
    ),
    Indicator(
        "devices_fault",
        "故障设备",
        "warning_control",
        "per",
        "台",
        "GB 35181-2025 annex on fire systems that do not work: a faulty detector warns no one.",
        per=2,
        cap=6,
    ),
    Indicator(
        "devices_offline",
        "离线设备",
        "warning_control",
        "per",
        "台",
        "An offline device reports nothing; less than a fault since it may be a network outage.",
        per=1,
        cap=4,
    ),
    Indicator(
        "inspection_age_days",
        "距上次监督检查",
        "social_control",
        "steps",
        "天",
        "消防监督检查规定 (公安部令120号): key units are inspected at least once a year; a year "
        "without inspection is a gap, half a year a warning sign. Never inspected counts as a gap.",
        steps=((180, 3), (365, 6)),
        missing=6,
    ),
    Indicator(
        "patrol_age_days",
        "距上次防火巡查",
        "social_control",
        "steps",
        "天",
        "Grid patrols (网格化巡查) of small venues are monthly in most plans; a quarter without a "
        "visit means no one watches. Never visited counts as a quarter.",
        steps=((30, 2), (90, 4)),
        missing=4,
    ),
    Indicator(
        "travel_s",
        "最近消防站行车时间",
        "fire_forces",
        "steps",
        "s",
        "建标152-2017: 5 minutes from the turnout order, 4 of them travel (240 s); beyond 300 s "
        "the fire grows past what the first engine holds; beyond 600 s it is out of any circle.",
        steps=((240, 3), (300, 6), (600, 10)),
    ),
)

LEVEL_CUTS: tuple[float, float, float] = (20.0, 40.0, 60.0)
"""Scores from which a premises or cell is 中, 较高, 高 (below the first: 低). Set so that a
typical supervised premises (a key-unit hotel, level-2 control, inspected this year) is 中, and
one overdue major hazard on it makes it 较高 — the point at which someone must act."""

GROUP_WEIGHTS: dict[str, float] = {
    "hazard_sources": 0.35,
    "urban_base": 0.15,
    "fire_forces": 0.20,
    "warning_control": 0.15,
    "social_control": 0.15,
}
"""Weights of the groups in a cell's score. Lanyan's reading of the published AHP weightings of
Chinese city assessments, where 火灾危险源 carries about a third and 消防力量 about a fifth; the
remaining groups share the rest equally. Configurable; they must sum to 1."""

CELL_CONSTANTS: dict[str, float] = {
    "max_share": 0.6,
    "density_saturation": 30.0,
    "key_unit_weight": 3.0,
    "small_venue_weight": 1.0,
    "general_weight": 0.5,
    "travel_good_s": 240.0,
    "travel_bad_s": 900.0,
    "travel_unknown_score": 50.0,
    "fires_saturation_per_year": 6.0,
    "fire_years": 3.0,
    "unpatrolled_days": 30.0,
    "overdue_points": 25.0,
}
"""The constants of :func:`cell_groups` (see it for each one's use and reason)."""

WINDOWS: dict[str, float] = {"fires_years": 3.0, "alarms_days": 90.0}
"""Look-back windows of the premises indicators ``fires_3y`` and ``alarms_90d``."""


@dataclass(frozen=True, slots=True)
class RiskTable:
    """The indicators, level cuts and group weights in force."""

    indicators: tuple[Indicator, ...]
    level_cuts: tuple[float, float, float]
    group_weights: dict[str, float]
    cell: dict[str, float]

    def indicator(self, key: str) -> Indicator:
        """The indicator named ``key``."""
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise KeyError(key)


def level_of(score: float, cuts: tuple[float, float, float] | None = None) -> RiskLevel:
    """The level of ``score`` (higher = riskier)."""
    low, mid, high = cuts or risk_table().level_cuts
    if score >= high:
        return RiskLevel.HIGH
    if score >= mid:
        return RiskLevel.ELEVATED
    if score >= low:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def _override(ind: Indicator, change: Mapping[str, Any]) -> Indicator:
    values: dict[str, Any] = {}
    for name, value in change.items():
        if name == "steps":
            values[name] = tuple((float(t), float(p)) for t, p in value)
        elif name == "points":
            values[name] = {**ind.points, **{str(k): float(v) for k, v in value.items()}}
        elif name in ("missing", "per", "cap"):
            values[name] = float(value)
        else:
            raise KeyError(f"{ind.key}: cannot override {name!r}")
    return replace(ind, **values)


@lru_cache(maxsize=1)
def risk_table() -> RiskTable:
    """The defaults with the overrides of ``LANYAN_RISK_FILE`` applied."""
    indicators = {i.key: i for i in INDICATORS}
    cuts = LEVEL_CUTS
    weights = dict(GROUP_WEIGHTS)
    cell = dict(CELL_CONSTANTS)
    path = os.environ.get("LANYAN_RISK_FILE")
    if path:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for key, change in data.items():
            if key == "level_cuts":
                a, b, c = (float(x) for x in change)
                cuts = (a, b, c)
            elif key == "group_weights":
                weights.update({str(k): float(v) for k, v in change.items()})
            elif key == "cell":
                cell.update({str(k): float(v) for k, v in change.items()})
            elif key in indicators:
                indicators[key] = _override(indicators[key], change)
            else:
                raise KeyError(f"unknown risk indicator in {path}: {key}")
    if abs(sum(weights.values()) - 1.0) > 1e-6 or set(weights) != set(GROUPS):
        raise ValueError("group_weights must name the five groups and sum to 1")
    if not cuts[0] < cuts[1] < cuts[2]:
        raise ValueError("level_cuts must rise")
    return RiskTable(tuple(indicators.values()), cuts, weights, cell)


def cell_groups(inputs: Mapping[str, Any], table: RiskTable | None = None) -> dict[str, float]:
    """The five group sub-scores (0–100) of a cell from its inputs; the documented aggregation.

    ``inputs``: ``premises_scores`` (list of the cell's premises scores), ``key_units``,
    ``small_venues``, ``general`` (premises counts by category), ``travel_s`` (nearest station
    to the cell centre; ``None`` unknown), ``fires`` (fire incidents in the past
    ``fire_years``), ``unpatrolled`` (premises without a patrol in ``unpatrolled_days``),
    ``overdue`` (overdue hazards).

    - 火灾危险源: ``max_share`` × the worst premises + (1 − ``max_share``) × the mean (one very
      dangerous site makes the area dangerous; many middling ones too);
    - 城市基础信息: weighted premises density (a key unit ``key_unit_weight``, a small venue
      ``small_venue_weight``, other ``general_weight``) against ``density_saturation`` per cell
      (population and building data are not imported in Lanyan: premises stand for them);
    - 消防力量: 0 within ``travel_good_s`` (the 5-minute circle's travel), 100 from
      ``travel_bad_s`` (the rural 15 minutes), linear between; ``travel_unknown_score`` unknown;
    - 火灾预警防控: fires a year against ``fires_saturation_per_year`` (the fire-incidence rate
      the assessments use as the warning signal);
    - 社会防控能力: half the share of premises not patrolled in ``unpatrolled_days``, half
      ``overdue_points`` per overdue hazard (grid work and rectification are the social side).
    """
    t = table or risk_table()
    c = t.cell
    scores = [float(s) for s in inputs.get("premises_scores", [])]
    worst = max(scores, default=0.0)
    mean = sum(scores) / len(scores) if scores else 0.0
    hazard_sources = c["max_share"] * worst + (1 - c["max_share"]) * mean
    density = (
        c["key_unit_weight"] * inputs.get("key_units", 0)
        + c["small_venue_weight"] * inputs.get("small_venues", 0)
        + c["general_weight"] * inputs.get("general", 0)
    )
    urban_base = min(100.0, 100.0 * density / c["density_saturation"])
    travel = inputs.get("travel_s")
    if travel is None:
        fire_forces = c["travel_unknown_score"]
    else:
        span = c["travel_bad_s"] - c["travel_good_s"]
        fire_forces = min(100.0, max(0.0, 100.0 * (float(travel) - c["travel_good_s"]) / span))
    per_year = inputs.get("fires", 0) / c["fire_years"]
    warning_control = min(100.0, 100.0 * per_year / c["fires_saturation_per_year"])
    unpatrolled_share = inputs.get("unpatrolled", 0) / len(scores) if scores else 0.0
    overdue_part = min(100.0, c["overdue_points"] * inputs.get("overdue", 0))
    social_control = 0.5 * 100.0 * unpatrolled_share + 0.5 * overdue_part
    return {
        "hazard_sources": round(hazard_sources, 2),
        "urban_base": round(urban_base, 2),
        "fire_forces": round(fire_forces, 2),
        "warning_control": round(warning_control, 2),
        "social_control": round(social_control, 2),
    }


def cell_score(groups: Mapping[str, float], table: RiskTable | None = None) -> float:
    """Σ group weight × group sub-score, rounded to 0.01 (0–100)."""
    t = table or risk_table()
    return round(sum(t.group_weights[g] * float(groups[g]) for g in GROUPS), 2)
