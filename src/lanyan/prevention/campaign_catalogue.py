"""The campaign catalogue: topics with their checklists and measures, measures with their units.

Topics used to be fixed in code (:data:`lanyan.prevention.checklists.CAMPAIGN_TOPICS`); they are
now data an administrator edits. The code keeps the defaults (the five topics of before and the
measures the yearly reports quote), and a row of ``campaign_topic`` / ``campaign_measure_kind``
adds a topic or measure or overrides the default of the same key — so a fresh installation has a
working catalogue without a seeding step, and an edit never needs a release.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.errors import Invalid
from lanyan.core.permissions import Action
from lanyan.prevention.campaign_models import CampaignMeasureKind, CampaignTopic
from lanyan.prevention.checklists import CAMPAIGN_TOPICS, ITEMS

INSPECTED = "inspected"
"""The target key of premises inspected (家), beside the measures' codes."""


@dataclass(frozen=True, slots=True)
class MeasureKind:
    """A measure counted in physical units: 拆除铁栅栏, counted in 处."""

    code: str
    zh: str
    unit: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class Topic:
    """A campaign topic: its checklist and the measures its inspections record."""

    key: str
    zh: str
    en: str
    checklist: tuple[str, ...]
    measures: tuple[str, ...]
    active: bool = True


DEFAULT_MEASURES: dict[str, MeasureKind] = {
    m.code: m
    for m in (
        MeasureKind("window_bars_removed", "拆除铁栅栏（防盗网）", "处"),
        MeasureKind("gas_alarms_installed", "安装可燃气体报警器", "套"),
        MeasureKind("charging_ports_added", "新增电动自行车充电端口", "个"),
        MeasureKind("gas_to_electric", "气改电", "家"),
        MeasureKind("ebikes_removed", "清理楼道违停电动自行车", "辆"),
        MeasureKind("smoke_alarms_installed", "安装独立式感烟火灾探测报警器", "个"),
        MeasureKind("lane_obstacles_removed", "清除消防车通道障碍物", "处"),
        MeasureKind("shutoff_valves_installed", "安装燃气紧急切断阀", "套"),
        MeasureKind("wiring_fixed", "整改私拉乱接电线", "处"),
    )
}
"""The measures the yearly reports quote, in the units they quote them."""

_TOPIC_MEASURES: dict[str, tuple[str, ...]] = {
    "ebike_charging": ("charging_ports_added", "ebikes_removed", "wiring_fixed"),
    "restaurant_gas": ("gas_alarms_installed", "shutoff_valves_installed", "gas_to_electric"),
    "fire_lanes": ("lane_obstacles_removed",),
    "small_venues": ("window_bars_removed", "smoke_alarms_installed", "wiring_fixed"),
    "hazmat_sites": ("gas_alarms_installed",),
}

DEFAULT_TOPICS: dict[str, Topic] = {
    t.key: Topic(t.key, t.zh, t.en, t.items, _TOPIC_MEASURES.get(t.key, ()))
    for t in CAMPAIGN_TOPICS.values()
}
"""The five topics that were fixed in code before, each with the measures it counts."""


def measure_kinds(session: Session, *, include_inactive: bool = False) -> dict[str, MeasureKind]:
    """Every measure: the defaults, overridden and extended by the administrators' rows."""
    found = dict(DEFAULT_MEASURES)
    for row in session.scalars(select(CampaignMeasureKind)):
        found[row.code] = MeasureKind(row.code, row.zh, row.unit, row.active)
    if include_inactive:
        return found
    return {code: m for code, m in found.items() if m.active}


def topics(session: Session, *, include_inactive: bool = False) -> dict[str, Topic]:
    """Every topic: the defaults, overridden and extended by the administrators' rows."""
    found = dict(DEFAULT_TOPICS)
    for row in session.scalars(select(CampaignTopic)):
        found[row.key] = Topic(
            row.key, row.zh, row.en, tuple(row.checklist), tuple(row.measures), row.active
        )
    if include_inactive:
        return found
    return {key: t for key, t in found.items() if t.active}


def topic(session: Session, key: str) -> Topic:
    """An active topic by key, else 422 naming the known ones."""
    known = topics(session)
    found = known.get(key)
    if found is None:
        names = "、".join(f"{t.key}（{t.zh}）" for t in known.values())
        raise Invalid(f"未知的整治主题：{key}；可选 {names}", f"unknown campaign topic {key!r}")
    return found


def topic_label(session: Session, key: str) -> str:
    """The Chinese name of a topic, active or not (the key when it is unknown)."""
    found = topics(session, include_inactive=True).get(key)
    return found.zh if found else key


def _check_checklist(checklist: list[str]) -> list[str]:
    unknown = sorted(set(checklist) - set(ITEMS))
    if unknown:
        raise Invalid(f"未知的检查项：{'、'.join(unknown)}", f"unknown checklist items: {unknown}")
    if not checklist:
        raise Invalid("检查表不能为空", "the checklist must not be empty")
    return list(dict.fromkeys(checklist))


def save_topic(
    session: Session,
    *,
    actor: Actor,
    key: str,
    zh: str,
    en: str,
    checklist: list[str],
    measures: list[str],
    active: bool = True,
) -> Topic:
    """Add a topic or change one (a default is overridden by a row of the same key)."""
    actor.require(Action.CAMPAIGN_CATALOGUE)
    items = _check_checklist(checklist)
    known = measure_kinds(session, include_inactive=True)
    unknown = sorted(set(measures) - set(known))
    if unknown:
        raise Invalid(f"未知的整治措施：{'、'.join(unknown)}", f"unknown measures: {unknown}")
    row = session.scalar(select(CampaignTopic).where(CampaignTopic.key == key))
    values = {
        "zh": zh,
        "en": en,
        "checklist": items,
        "measures": list(dict.fromkeys(measures)),
        "active": active,
    }
    if row is None:
        row = CampaignTopic(key=key, **values)
        crud.create(session, actor=actor, obj=row, entity="campaign_topic", entity_zh="整治主题")
    else:
        crud.update(
            session,
            actor=actor,
            obj=row,
            changes=values,
            entity="campaign_topic",
            entity_zh="整治主题",
        )
    return topics(session, include_inactive=True)[key]


def save_measure_kind(
    session: Session, *, actor: Actor, code: str, zh: str, unit: str, active: bool = True
) -> MeasureKind:
    """Add a measure or change one (its name, unit, whether it is offered)."""
    actor.require(Action.CAMPAIGN_CATALOGUE)
    if code == INSPECTED:
        raise Invalid(f"“{INSPECTED}”是检查单位数的保留代码", f"{INSPECTED!r} is reserved")
    row = session.scalar(select(CampaignMeasureKind).where(CampaignMeasureKind.code == code))
    values = {"zh": zh, "unit": unit, "active": active}
    if row is None:
        row = CampaignMeasureKind(code=code, **values)
        crud.create(
            session, actor=actor, obj=row, entity="campaign_measure_kind", entity_zh="整治措施"
        )
    else:
        crud.update(
            session,
            actor=actor,
            obj=row,
            changes=values,
            entity="campaign_measure_kind",
            entity_zh="整治措施",
        )
    return MeasureKind(code, zh, unit, active)
