"""Graded response plans (等级调派): which units each kind of incident needs, per level.

The default table below is what a new detachment starts with; admins edit it through the API
(it lives in the ``response_plan_rule`` table once seeded). Each rule names its source; the
numbers are a starting point drafted from Chinese practice, not a national claim: every 支队
sets its own mixes (see docs/response-plans.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.permissions import Action
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.dispatch.models import ResponsePlanRule
from lanyan.prevention.choices import VenueType

WATER = ["water_tender", "foam"]
AERIAL = ["ladder", "aerial_platform", "water_cannon"]
RESCUE = ["rescue"]
COMMAND = ["command"]

SRC_GRADING = "《火警和应急救援分级规定（试行）》一至五级；调派力量由支队制定（本表为默认值）"
SRC_HIGH_RISE = "高层建筑火灾须调派举高车，举高高度不低于建筑高度（GB 50016 / 实战惯例，默认值）"
SRC_PRACTICE = "支队实战惯例（默认值，可由管理员修改）"


def _req(label: str, unit_types: list[str], count: int, **extra: Any) -> dict[str, Any]:
    return {"label": label, "unit_types": unit_types, "count": count, **extra}


@dataclass(frozen=True)
class DefaultRule:
    """A row of the shipped default table."""

    name: str
    incident_type: IncidentType
    level: int
    requirements: list[dict[str, Any]]
    source: str
    subtype: IncidentSubtype | None = None
    venue_type: VenueType | None = None


DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule(
        "一般火灾 一级", IncidentType.FIRE, 1, [_req("水罐/泡沫车", WATER, 2)], SRC_GRADING
    ),
    DefaultRule(
        "一般火灾 二级",
        IncidentType.FIRE,
        2,
        [_req("水罐/泡沫车", WATER, 3), _req("抢险救援车", RESCUE, 1)],
        SRC_GRADING,
    ),
    DefaultRule(
        "火灾 三级",
        IncidentType.FIRE,
        3,
        [
            _req("水罐/泡沫车", WATER, 5),
            _req("抢险救援车", RESCUE, 1),
            _req("举高车", AERIAL, 1),
            _req("通信指挥车", COMMAND, 1),
        ],
        SRC_GRADING,
    ),
    DefaultRule(
        "火灾 四级",
        IncidentType.FIRE,
        4,
        [
            _req("水罐/泡沫车", WATER, 8),
            _req("抢险救援车", RESCUE, 2),
            _req("举高车", AERIAL, 2),
            _req("通信指挥车", COMMAND, 1),
        ],
        SRC_GRADING,
    ),
    DefaultRule(
        "火灾 五级",
        IncidentType.FIRE,
        5,
        [
            _req("水罐/泡沫车", WATER, 12),
            _req("抢险救援车", RESCUE, 3),
            _req("举高车", AERIAL, 3),
            _req("通信指挥车", COMMAND, 1),
        ],
        SRC_GRADING,
    ),
    DefaultRule(
        "高层建筑火灾",
        IncidentType.FIRE,
        1,
        [
            _req("水罐/泡沫车", WATER, 3),
            _req("举高车（不低于建筑高度）", AERIAL, 1, ladder_from_building=True),
            _req("抢险救援车", RESCUE, 1),
        ],
        SRC_HIGH_RISE,
        subtype=IncidentSubtype.HIGH_RISE_FIRE,
    ),
    DefaultRule(
        "人员密集场所火灾",
        IncidentType.FIRE,
        1,
        [
            _req("水罐/泡沫车", WATER, 3),
            _req("抢险救援车", RESCUE, 1),
            _req("排烟车", ["smoke_exhaust"], 1),
        ],
        "《火警和应急救援分级规定（试行）》：人员密集场所火灾按二级以上调派",
        subtype=IncidentSubtype.CROWDED_PLACE_FIRE,
    ),
    DefaultRule(
        "化工火灾",
        IncidentType.FIRE,
        1,
        [
            _req("泡沫车", ["foam"], 2),
            _req("水罐车", ["water_tender"], 2),
            _req("化学救援车", ["hazmat"], 1),
        ],
        SRC_PRACTICE,
        subtype=IncidentSubtype.CHEMICAL_FIRE,
    ),
    DefaultRule(
        "地下建筑火灾",
        IncidentType.FIRE,
        1,
        [
            _req("水罐/泡沫车", WATER, 3),
            _req("排烟车", ["smoke_exhaust"], 1),
            _req("抢险救援车", RESCUE, 1),
        ],
        SRC_PRACTICE,
        subtype=IncidentSubtype.UNDERGROUND_FIRE,
    ),
    DefaultRule(
        "车辆火灾",
        IncidentType.FIRE,
        1,
        [_req("水罐/泡沫车", WATER, 1)],
        SRC_PRACTICE,
        subtype=IncidentSubtype.VEHICLE_FIRE,
    ),
    DefaultRule(
        "抢险救援 一级",
        IncidentType.RESCUE,
        1,
        [_req("抢险救援车", RESCUE, 1), _req("水罐车", ["water_tender"], 1)],
        SRC_PRACTICE,
    ),
    DefaultRule(
        "抢险救援 二级",
        IncidentType.RESCUE,
        2,
        [_req("抢险救援车", RESCUE, 2), _req("水罐车", ["water_tender"], 2)],
        SRC_PRACTICE,
    ),
    DefaultRule(
        "交通事故",
        IncidentType.RESCUE,
        1,
        [_req("抢险救援车", RESCUE, 1), _req("水罐车", ["water_tender"], 1)],
        SRC_PRACTICE,
        subtype=IncidentSubtype.TRAFFIC_ACCIDENT,
    ),
    DefaultRule(
        "水域救援",
        IncidentType.RESCUE,
        1,
        [_req("水域救援车", ["water_rescue"], 1), _req("抢险救援车", RESCUE, 1)],
        SRC_PRACTICE,
        subtype=IncidentSubtype.WATER_RESCUE,
    ),
    DefaultRule(
        "危化品泄漏",
        IncidentType.RESCUE,
        1,
        [
            _req("化学救援车", ["hazmat"], 1),
            _req("水罐/泡沫车", WATER, 2),
            _req("抢险救援车", RESCUE, 1),
        ],
        SRC_PRACTICE,
        subtype=IncidentSubtype.HAZMAT_LEAK,
    ),
    DefaultRule(
        "社会救助",
        IncidentType.SOCIAL,
        1,
        [_req("抢险救援车", [*RESCUE, "water_tender"], 1)],
        SRC_PRACTICE,
    ),
    DefaultRule(
        "安保勤务", IncidentType.DUTY, 1, [_req("水罐车", ["water_tender"], 1)], SRC_PRACTICE
    ),
    DefaultRule(
        "虚假警（核查）",
        IncidentType.FALSE_ALARM,
        1,
        [_req("任一出动车辆", WATER + RESCUE, 1)],
        "接警核查：虚假警计入总数，派一车核实（默认值）",
    ),
)


def seed_default_rules(session: Session, *, actor: Actor) -> int:
    """Write the default table when there is none yet; returns the rows written."""
    if session.scalar(select(func.count()).select_from(ResponsePlanRule)):
        return 0
    for rule in DEFAULT_RULES:
        row = ResponsePlanRule(
            name=rule.name,
            incident_type=rule.incident_type,
            subtype=rule.subtype,
            venue_type=rule.venue_type,
            level=rule.level,
            requirements=rule.requirements,
            source=rule.source,
            is_active=True,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="response_plan_rule",
            entity_id=row.id,
            after=audit.snapshot(row),
        )
    return len(DEFAULT_RULES)


def choose_rule(
    rules: list[ResponsePlanRule],
    *,
    incident_type: IncidentType,
    subtype: IncidentSubtype | None,
    venue_type: VenueType | None,
    level: int,
) -> ResponsePlanRule | None:
    """The most specific active rule for the incident, at the highest level not above its own.

    Specificity: a matching subtype beats none, a matching venue beats none; then the higher
    level wins. A subtype rule's own minimum still applies at higher levels through the general
    rule of that level, whichever asks for more (see :func:`merge_requirements`).
    """
    best: tuple[tuple[int, int, int], ResponsePlanRule] | None = None
    for rule in rules:
        if not rule.is_active or rule.incident_type != incident_type or rule.level > level:
            continue
        if rule.subtype is not None and rule.subtype != subtype:
            continue
        if rule.venue_type is not None and rule.venue_type != venue_type:
            continue
        key = (int(rule.subtype is not None), int(rule.venue_type is not None), rule.level)
        if best is None or key > best[0]:
            best = (key, rule)
    return best[1] if best else None


def general_rule(
    rules: list[ResponsePlanRule], *, incident_type: IncidentType, level: int
) -> ResponsePlanRule | None:
    """The type-wide rule for a level (no subtype, no venue)."""
    return choose_rule(
        rules, incident_type=incident_type, subtype=None, venue_type=None, level=level
    )


def merge_requirements(
    specific: list[dict[str, Any]], general: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Requirements of both rules; where both ask for the same unit types, the larger count."""
    merged = [dict(r) for r in specific]
    for req in general:
        same = next((m for m in merged if _same_line(m, req)), None)
        if same is None:
            merged.append(dict(req))
        else:
            same["count"] = max(int(same["count"]), int(req["count"]))
    return merged


def _same_line(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """issue 19: two lines ask for the same thing: the same vehicle types and combat unit kind."""
    same_types = set(a["unit_types"]) == set(b["unit_types"])
    return same_types and a.get("combat_unit") == b.get("combat_unit")


# --- editing the table (administrators of the detachment) ---------------------------------------


def _require_plan_editor(session: Session, actor: Actor) -> None:
    from lanyan.core.errors import Forbidden
    from lanyan.forces.choices import OrgKind
    from lanyan.forces.models import Organization

    actor.require(Action.PLAN_WRITE)
    if actor.org_id is None:
        return
    org = session.get(Organization, actor.org_id)
    if org is None or org.kind not in (OrgKind.CORPS, OrgKind.DETACHMENT):
        raise Forbidden(
            "调派方案由支队（总队）管理员维护", "the detachment's administrators keep the plans"
        )


def _check_subtype(incident_type: IncidentType, subtype: IncidentSubtype | None) -> None:
    from lanyan.core.errors import Invalid
    from lanyan.dispatch.choices import TYPE_OF

    if (
        subtype is not None
        and subtype != IncidentSubtype.OTHER
        and TYPE_OF[subtype] != (incident_type)
    ):
        raise Invalid(
            f"子类“{subtype.zh}”不属于“{incident_type.zh}”",
            f"subtype {subtype.value} is not a {incident_type.value}",
            errors=[{"field": "subtype", "reason": "does not belong to the type"}],
        )


def create_rule(session: Session, *, actor: Actor, data: Any) -> ResponsePlanRule:
    """Add a rule to the table."""
    from lanyan.core import crud

    _require_plan_editor(session, actor)
    _check_subtype(data.incident_type, data.subtype)
    values = data.model_dump(mode="json")
    values["incident_type"] = data.incident_type
    values["subtype"] = data.subtype
    values["venue_type"] = data.venue_type
    values["is_active"] = True if data.is_active is None else data.is_active
    rule = ResponsePlanRule(**values)
    return crud.create(
        session, actor=actor, obj=rule, entity="response_plan_rule", entity_zh="调派方案"
    )


def list_rules(session: Session, *, actor: Actor) -> list[ResponsePlanRule]:
    """The whole table, by incident type and level: one table for the detachment, which every
    signed-in user may read (it names unit types, not any brigade's records)."""
    actor.require(Action.READ)
    return list(
        session.scalars(
            select(ResponsePlanRule).order_by(
                ResponsePlanRule.incident_type, ResponsePlanRule.level, ResponsePlanRule.id
            )
        )
    )


def get_rule(session: Session, rule_id: int) -> ResponsePlanRule:
    """One rule, else 404."""
    from lanyan.core.errors import not_found

    rule = session.get(ResponsePlanRule, rule_id)
    if rule is None:
        raise not_found("调派方案", "response plan rule", rule_id)
    return rule


def update_rule(session: Session, *, actor: Actor, rule_id: int, data: Any) -> ResponsePlanRule:
    """Change a rule (deactivate it with ``is_active: false`` rather than deleting it)."""
    from lanyan.core import crud

    _require_plan_editor(session, actor)
    rule = get_rule(session, rule_id)
    changes = {
        k: v
        for k, v in data.model_dump(mode="json", exclude_unset=True).items()
        if v is not None or k in ("subtype", "venue_type")
    }
    for key in ("incident_type", "subtype", "venue_type"):
        if key in changes:
            changes[key] = getattr(data, key)
    _check_subtype(
        changes.get("incident_type", rule.incident_type), changes.get("subtype", rule.subtype)
    )
    return crud.update(
        session,
        actor=actor,
        obj=rule,
        changes=changes,
        entity="response_plan_rule",
        entity_zh="调派方案",
    )
