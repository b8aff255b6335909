"""Education activities (宣传教育培训活动): record from phone or desk, correct, remove, list.

Stations and grid workers record what they held from the phone, officers from the desk; every
write goes through one function here that checks the rules, writes the row and its audit entry
in the same transaction. The rules are what makes the yearly "受众 M 人次" honest: counts are
never negative and within what one activity can reach, a day is never in the future, a 七进
activity names where it went, a base visit names the base, and only on-line activities count
views (a room has an audience, a stream has viewers; the report adds neither to the other).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Forbidden, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action, allowed
from lanyan.forces.models import Organization
from lanyan.outreach.choices import ONLINE_KINDS, ActivityKind, OutreachTarget
from lanyan.outreach.models import EducationActivity, EducationBase
from lanyan.outreach.schemas import ActivityCreate, ActivityUpdate
from lanyan.prevention.uploads import check_visible

MAX_AUDIENCE = 100_000
"""People one activity can gather (a stadium-sized event); more is a typing slip."""
MAX_VIEWS = 100_000_000
"""Views of one stream or article (a national platform's hit)."""
MAX_MATERIALS = 1_000_000
"""Leaflets handed out at one activity."""
NEEDS_AUDIENCE = frozenset(
    {
        ActivityKind.TRAINING,
        ActivityKind.LECTURE,
        ActivityKind.OUTREACH,
        ActivityKind.BASE_VISIT,
        ActivityKind.DRILL_GUIDANCE,
    }
)
"""Activities held in front of people: an audience of nobody is a slip, not a record."""


def local_today() -> date:
    """Today in Asia/Shanghai."""
    return as_local(utcnow()).date()


def check_rules(values: dict[str, Any], *, today: date | None = None) -> None:
    """Refuse (422, Chinese) an activity whose fields do not fit together."""
    kind = ActivityKind(values["kind"])
    today = today or local_today()
    if values["held_on"] > today:
        raise Invalid("活动日期不能晚于今天", "the activity date must not be in the future")
    audience, views, materials = values["audience"], values["views"], values["materials"]
    for name_zh, name_en, value, bound in (
        ("受众人数", "audience", audience, MAX_AUDIENCE),
        ("浏览/观看量", "views", views, MAX_VIEWS),
        ("发放资料数", "materials", materials, MAX_MATERIALS),
    ):
        if value < 0:
            raise Invalid(f"{name_zh}不能为负数", f"{name_en} must not be negative")
        if value > bound:
            raise Invalid(
                f"{name_zh}{value:,}超出单次活动的合理范围（上限{bound:,}）",
                f"{name_en} {value} is beyond one activity's bound ({bound})",
            )
    if kind in ONLINE_KINDS:
        if audience:
            raise Invalid(
                f"{kind.zh}为线上活动，请填写浏览/观看量而非现场受众",
                "an on-line activity counts views, not an audience",
            )
    elif views:
        raise Invalid(f"{kind.zh}为线下活动，不填浏览/观看量", "an activity on site has no views")
    if kind in NEEDS_AUDIENCE and audience < 1:
        raise Invalid(f"{kind.zh}须填写受众人数", f"a {kind.en} needs its audience")
    if kind == ActivityKind.MATERIALS and materials < 1:
        raise Invalid("发放宣传资料须填写发放数量", "materials handed out need their number")
    if kind == ActivityKind.OUTREACH and values.get("target") is None:
        raise Invalid(
            "七进宣传须选择对象（进社区、进农村、进家庭、进学校、进企业、进场所…）",
            "a seven-into activity needs its target",
        )
    if kind == ActivityKind.BASE_VISIT and values.get("base_id") is None:
        raise Invalid("参观科普教育基地须选择基地", "a base visit needs the base")
    if kind != ActivityKind.BASE_VISIT and values.get("base_id") is not None:
        raise Invalid("只有参观科普教育基地才选择基地", "only a base visit names a base")


def _require_record(actor: Actor) -> None:
    actor.require(Action.OUTREACH_RECORD)


def record_activity(
    session: Session, *, actor: Actor, data: ActivityCreate, today: date | None = None
) -> EducationActivity:
    """Record a held activity for the actor's organization (or one in their jurisdiction)."""
    _require_record(actor)
    org_id = data.org_id or actor.org_id
    if org_id is None:
        raise Invalid("请选择开展活动的单位", "the organization is required")
    get_visible(session, actor, Organization, org_id)
    values = data.model_dump(exclude={"org_id", "via_phone"})
    check_rules(values, today=today)
    if data.base_id is not None:
        get_visible(session, actor, EducationBase, data.base_id)
    check_visible(session, actor, list(data.photo_ids))
    activity = EducationActivity(
        **values,
        org_id=org_id,
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.display_name or actor.username,
        recorded_via="phone" if data.via_phone else "desk",
    )
    return crud.create(
        session, actor=actor, obj=activity, entity="edu_activity", entity_zh="宣传教育活动"
    )


def get_activity(session: Session, actor: Actor, activity_id: int) -> EducationActivity:
    """An activity in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, EducationActivity, activity_id)


def _may_change(actor: Actor, activity: EducationActivity) -> None:
    """Officers correct any activity; a recorder corrects their own."""
    if allowed(actor.role, Action.OUTREACH_MANAGE):
        return
    _require_record(actor)
    if actor.user_id is None or activity.recorded_by_id != actor.user_id:
        raise Forbidden("只能修改本人录入的活动", "only your own activities can be changed")


def update_activity(
    session: Session,
    *,
    actor: Actor,
    activity_id: int,
    data: ActivityUpdate,
    today: date | None = None,
) -> EducationActivity:
    """Correct an activity; the whole record is checked again."""
    activity = get_activity(session, actor, activity_id)
    _may_change(actor, activity)
    changes = data.model_dump(exclude_unset=True)
    for required in ("kind", "title", "held_on", "audience", "views", "materials", "photo_ids"):
        if required in changes and changes[required] is None:
            changes.pop(required)
    merged = {
        "kind": activity.kind,
        "target": activity.target,
        "held_on": activity.held_on,
        "audience": activity.audience,
        "views": activity.views,
        "materials": activity.materials,
        "base_id": activity.base_id,
    } | {k: v for k, v in changes.items() if k != "photo_ids"}
    check_rules(merged, today=today)
    if changes.get("base_id") is not None:
        get_visible(session, actor, EducationBase, changes["base_id"])
    if "photo_ids" in changes:
        check_visible(session, actor, list(changes["photo_ids"]))
    return crud.update(
        session,
        actor=actor,
        obj=activity,
        changes=changes,
        entity="edu_activity",
        entity_zh="宣传教育活动",
    )


def delete_activity(session: Session, *, actor: Actor, activity_id: int) -> None:
    """Remove an activity recorded by mistake (officers only; the audit keeps what it was)."""
    actor.require(Action.OUTREACH_MANAGE)
    activity = get_activity(session, actor, activity_id)
    crud.delete(session, actor=actor, obj=activity, entity="edu_activity", entity_zh="宣传教育活动")


def query_activities(
    *,
    actor: Actor,
    kind: ActivityKind | None = None,
    target: OutreachTarget | None = None,
    org_id: int | None = None,
    base_id: int | None = None,
    held_from: date | None = None,
    held_to: date | None = None,
    mine: bool = False,
    q: str | None = None,
) -> Select[EducationActivity]:
    """Activities in the jurisdiction, newest first (the list's index: org, day, id)."""
    actor.require(Action.READ)
    stmt = visible(actor, EducationActivity)
    if kind is not None:
        stmt = stmt.where(EducationActivity.kind == kind)
    if target is not None:
        stmt = stmt.where(EducationActivity.target == target)
    if org_id is not None:
        stmt = stmt.where(EducationActivity.org_id == org_id)
    if base_id is not None:
        stmt = stmt.where(EducationActivity.base_id == base_id)
    if held_from is not None:
        stmt = stmt.where(EducationActivity.held_on >= held_from)
    if held_to is not None:
        stmt = stmt.where(EducationActivity.held_on <= held_to)
    if mine:
        stmt = stmt.where(EducationActivity.recorded_by_id == actor.user_id)
    if q:
        stmt = stmt.where(EducationActivity.title.contains(q, autoescape=True))
    return stmt.order_by(EducationActivity.held_on.desc(), EducationActivity.id.desc())
