"""Digital pre-plans: save a version, move the review machine, read for a premises or a call.

Every save writes a new ``preplan_version`` row and moves the plan by the ``edit`` action of
``PREPLAN_TRANSITIONS`` (a plan under review cannot be edited: 409); ``submit``, ``approve``,
``reject`` and ``flag`` are the other moves, each checked against the same table and audited in
the same transaction. Approval stamps ``reviewed_on`` and ``review_due_on``; a premises whose
plan is past ``review_due_on`` is *overdue* — one definition (:func:`overdue_condition`) used by
the list, the figure and the flag on every answer.

Water supply points may name a registered water source; uploads (floor plans, photos) and water
sources must lie in the saving user's jurisdiction, so a plan cannot reach across brigades.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from lanyan.command.preplan_models import (
    PREPLAN_TRANSITIONS,
    PrePlan,
    PreplanAction,
    PreplanStatus,
    PrePlanVersion,
)
from lanyan.command.preplan_schemas import PreplanContent, PreplanRow, PreplanSave
from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Conflict, Forbidden, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.forces.models import WaterSource
from lanyan.prevention.models import Premises
from lanyan.prevention.uploads import check_visible

ACTION_NEEDS: dict[PreplanAction, Action] = {
    PreplanAction.EDIT: Action.PREPLAN_WRITE,
    PreplanAction.SUBMIT: Action.PREPLAN_WRITE,
    PreplanAction.APPROVE: Action.PREPLAN_REVIEW,
    PreplanAction.REJECT: Action.PREPLAN_REVIEW,
    PreplanAction.FLAG: Action.PREPLAN_REVIEW,
}
"""The permission each move needs: authors edit and submit, reviewers decide."""


def local_today() -> date:
    """Today in Asia/Shanghai: review dates are the days people read on the plan."""
    return as_local(utcnow()).date()


def default_interval_days() -> int:
    """The review interval a new pre-plan gets (standards: ``preplan_review_interval_days``)."""
    return int(standards()["preplan_review_interval_days"])


def overdue_condition(today: date) -> ColumnElement[bool]:
    """SQL: the plan's review is due before ``today`` (the one definition of *overdue*)."""
    return and_(PrePlan.review_due_on.is_not(None), PrePlan.review_due_on < today)


def is_overdue(plan: PrePlan, today: date) -> bool:
    """The same definition as :func:`overdue_condition`, for a loaded row."""
    return plan.review_due_on is not None and plan.review_due_on < today


def plan_of(session: Session, premises_id: int) -> PrePlan | None:
    """The pre-plan of a premises (no jurisdiction check: callers have checked the premises)."""
    return session.scalars(select(PrePlan).where(PrePlan.premises_id == premises_id)).one_or_none()


def version_of(session: Session, plan: PrePlan, version: int) -> PrePlanVersion:
    """One saved version of ``plan``; 404-like Invalid when there is no such version."""
    row = session.scalars(
        select(PrePlanVersion).where(
            PrePlanVersion.preplan_id == plan.id, PrePlanVersion.version == version
        )
    ).one_or_none()
    if row is None:
        raise Invalid(f"预案没有第 {version} 版", f"the pre-plan has no version {version}")
    return row


def versions(session: Session, *, actor: Actor, premises_id: int) -> list[PrePlanVersion]:
    """Every saved version of a premises' pre-plan, newest first (empty when none)."""
    actor.require(Action.READ)
    get_visible(session, actor, Premises, premises_id)
    plan = plan_of(session, premises_id)
    if plan is None:
        return []
    return list(
        session.scalars(
            select(PrePlanVersion)
            .where(PrePlanVersion.preplan_id == plan.id)
            .order_by(PrePlanVersion.version.desc())
        )
    )


def keep_pictures(session: Session, premises_id: int, data: PreplanSave) -> PreplanSave:
    """``data`` with the current version's floor plans and photos where it has none (an XLSX
    carries no pictures: importing one must not drop the plan's drawings)."""
    plan = plan_of(session, premises_id)
    content = data.content
    if plan is None or content.floor_plans or content.photos:
        return data
    current = version_of(session, plan, plan.version).content
    kept = content.model_copy(
        update={
            "floor_plans": PreplanContent.model_validate(
                {"floor_plans": current.get("floor_plans", [])}
            ).floor_plans,
            "photos": PreplanContent.model_validate({"photos": current.get("photos", [])}).photos,
        }
    )
    return data.model_copy(update={"content": kept})


def water_external_ids(session: Session, content: dict[str, Any]) -> dict[int, str]:
    """External ids of the water sources a body links (for the XLSX export)."""
    ids = [
        p["water_source_id"] for p in content.get("water_supply", []) if p.get("water_source_id")
    ]
    if not ids:
        return {}
    rows = session.execute(
        select(WaterSource.id, WaterSource.external_id).where(WaterSource.id.in_(ids))
    ).all()
    return {row.id: row.external_id for row in rows}


def _check_references(session: Session, actor: Actor, content: PreplanContent) -> None:
    """Uploads and water sources named by the body must be ones the author may see."""
    check_visible(
        session,
        actor,
        [a.upload_id for a in (*content.floor_plans, *content.photos)],
    )
    for point in content.water_supply:
        if point.water_source_id is not None:
            get_visible(session, actor, WaterSource, point.water_source_id)
        elif point.lon is None or point.lat is None:
            raise Invalid(
                f"供水点“{point.name}”需要关联消防水源或填写经纬度",
                f"water point {point.name!r} needs a water source or a position",
            )


def _move(plan: PrePlan, action: PreplanAction) -> PreplanStatus:
    target = PREPLAN_TRANSITIONS.get((plan.status, action))
    if target is None:
        raise Conflict(
            f"预案处于“{plan.status.zh}”状态，不能{action.zh}",
            f"a pre-plan in state {plan.status.en} cannot be {action.value}ed",
        )
    return target


def save_version(
    session: Session,
    *,
    actor: Actor,
    premises_id: int,
    data: PreplanSave,
    source: str = "edit",
) -> PrePlan:
    """Save ``data`` as the newest version of the premises' pre-plan (creating the plan)."""
    actor.require(Action.PREPLAN_WRITE)
    premises = get_visible(session, actor, Premises, premises_id, lock=True)
    _check_references(session, actor, data.content)
    plan = plan_of(session, premises.id)
    now = utcnow()
    if plan is None:
        plan = PrePlan(
            premises_id=premises.id,
            status=PreplanStatus.DRAFT,
            version=1,
            review_interval_days=data.review_interval_days or default_interval_days(),
        )
        session.add(plan)
        session.flush()
        before = None
    else:
        before = audit.snapshot(plan)
        plan.status = _move(plan, PreplanAction.EDIT)
        plan.version += 1
        if data.review_interval_days is not None:
            plan.review_interval_days = data.review_interval_days
            if plan.reviewed_on is not None:
                plan.review_due_on = plan.reviewed_on + timedelta(days=data.review_interval_days)
    session.add(
        PrePlanVersion(
            preplan_id=plan.id,
            version=plan.version,
            content=data.content.model_dump(mode="json", exclude_none=True),
            source=source,
            note=data.note,
            saved_by_id=actor.user_id,
            saved_by_name=actor.display_name or actor.username,
            saved_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="import" if source == "import" else "save_version",
        entity="preplan",
        entity_id=plan.id,
        before=before,
        after=audit.snapshot(plan) | {"premises_name": premises.name, "note": data.note},
    )
    return plan


def review(
    session: Session,
    *,
    actor: Actor,
    premises_id: int,
    action: PreplanAction,
    note: str | None = None,
) -> PrePlan:
    """Move the premises' pre-plan by ``action`` (submit, approve, reject, flag)."""
    if action is PreplanAction.EDIT:
        raise Invalid("修改预案请保存新版本", "edit by saving a new version")
    actor.require(ACTION_NEEDS[action])
    premises = get_visible(session, actor, Premises, premises_id, lock=True)
    plan = plan_of(session, premises.id)
    if plan is None:
        raise Conflict("该单位尚无预案", "the premises has no pre-plan yet")
    before = audit.snapshot(plan)
    plan.status = _move(plan, action)
    now = utcnow()
    if action is PreplanAction.SUBMIT:
        plan.submitted_at = now
    elif action is PreplanAction.APPROVE:
        today = local_today()
        plan.published_version = plan.version
        plan.published_at = now
        plan.reviewed_on = today
        plan.review_due_on = today + timedelta(days=plan.review_interval_days)
    plan.review_note = note
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action.value,
        entity="preplan",
        entity_id=plan.id,
        before=before,
        after=audit.snapshot(plan),
    )
    return plan


def flag_overdue(session: Session, *, actor: Actor, today: date | None = None) -> int:
    """Move every published plan past its review date to 需复核 (the nightly sweep)."""
    if not actor.org_path == "/":
        raise Forbidden("只有系统任务可以批量标记", "only the system sweep flags in bulk")
    day = today or local_today()
    plans = session.scalars(
        select(PrePlan).where(PrePlan.status == PreplanStatus.PUBLISHED, overdue_condition(day))
    ).all()
    for plan in plans:
        before = audit.snapshot(plan)
        plan.status = _move(plan, PreplanAction.FLAG)
        plan.review_note = "超过复核周期，自动标记需复核"
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="flag",
            entity="preplan",
            entity_id=plan.id,
            before=before,
            after=audit.snapshot(plan),
        )
    return len(plans)


def query_plans(
    *,
    actor: Actor,
    status: PreplanStatus | None = None,
    overdue: bool = False,
    q: str | None = None,
    today: date | None = None,
) -> Select[Any]:
    """The pre-plan list in the jurisdiction: overdue first, then by review date."""
    actor.require(Action.READ)
    stmt = visible(actor, PrePlan).join(Premises, Premises.id == PrePlan.premises_id)
    if status is not None:
        stmt = stmt.where(PrePlan.status == status)
    if overdue:
        stmt = stmt.where(overdue_condition(today or local_today()))
    if q:
        stmt = stmt.where(Premises.name.contains(q, autoescape=True))
    return stmt.order_by(PrePlan.review_due_on.asc().nulls_last(), PrePlan.id)


def row_of(plan: PrePlan, today: date) -> PreplanRow:
    """A line of the list."""
    return PreplanRow(
        id=plan.id,
        premises_id=plan.premises_id,
        premises_name=plan.premises.name,
        org_name=plan.premises.org.name,
        status=plan.status,
        status_zh=plan.status.zh,
        version=plan.version,
        published_version=plan.published_version,
        reviewed_on=plan.reviewed_on,
        review_due_on=plan.review_due_on,
        overdue=is_overdue(plan, today),
    )


def shown_for_call(session: Session, plan: PrePlan) -> PrePlanVersion:
    """What a call shows: the published version, else the newest draft (marked as such)."""
    return version_of(session, plan, plan.published_version or plan.version)


def resolved_water(session: Session, content: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's water supply points with the linked water sources' position, state and flow
    filled in (read without a jurisdiction check: whoever may read the plan may see its water)."""
    points = [dict(p) for p in content.get("water_supply", [])]
    ids = [p["water_source_id"] for p in points if p.get("water_source_id")]
    if not ids:
        return points
    sources = {w.id: w for w in session.scalars(select(WaterSource).where(WaterSource.id.in_(ids)))}
    for point in points:
        source = sources.get(point.get("water_source_id") or 0)
        if source is None:
            continue
        point.setdefault("lon", source.lon)
        point.setdefault("lat", source.lat)
        if point.get("flow_lps") is None and source.flow_lps is not None:
            point["flow_lps"] = source.flow_lps
        point["state"] = source.state.value
        point["state_zh"] = source.state.zh
    return points
