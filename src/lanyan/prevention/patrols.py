"""Fire patrols (防火巡查): plans by premises level, generated tasks, check-ins with position.

The yearly report counts patrols; this module makes the count honest. How often a premises must
be visited follows its three-level control (三级管控) or category from the standards table (or a
per-premises override); :func:`generate_tasks` turns that plan into dated tasks and marks the ones
nobody did as missed. A check-in (:func:`check_in`) is refused when the phone is far from the
premises and flagged when it is somewhat far, answers the premises' own checklist, and turns each
finding into a hazard in the same transaction, so nothing seen on a patrol is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.core import audit, crud
from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Conflict, Invalid, not_found
from lanyan.core.jurisdiction import get_visible, visible, visible_condition
from lanyan.core.permissions import Action, Role
from lanyan.core.standards import standards
from lanyan.prevention.checklists import template_for, unknown_keys
from lanyan.prevention.choices import ControlLevel, PatrolTaskStatus, PremisesCategory
from lanyan.prevention.governance_schemas import Finding
from lanyan.prevention.grids import member_grid_ids
from lanyan.prevention.hazards import report_hazard
from lanyan.prevention.models import Hazard, PatrolTask, PatrolVisit, Premises
from lanyan.prevention.schemas import HazardReport
from lanyan.prevention.uploads import check_visible
from lanyan.routing import haversine_m

INTERVAL_BY_LEVEL: dict[ControlLevel, str] = {
    ControlLevel.LEVEL1: "patrol_interval_level1_days",
    ControlLevel.LEVEL2: "patrol_interval_level2_days",
    ControlLevel.LEVEL3: "patrol_interval_level3_days",
}
INTERVAL_BY_CATEGORY: dict[PremisesCategory, str] = {
    # The standards table has no separate key for key premises outside three-level control or
    # for general premises: they are patrolled like level-2 and level-3 premises.
    PremisesCategory.KEY_UNIT: "patrol_interval_level2_days",
    PremisesCategory.SMALL_VENUE: "patrol_interval_small_venue_days",
    PremisesCategory.GENERAL: "patrol_interval_level3_days",
}
MAX_AHEAD_DAYS = 366
"""Tasks are generated at most a year ahead (a typo of 2099 must not create a century of rows)."""


def patrol_interval_days(premises: Premises) -> int:
    """Days between visits: the premises' override, else by control level, else by category."""
    if premises.patrol_interval_days:
        return int(premises.patrol_interval_days)
    if premises.control_level is not None:
        key = INTERVAL_BY_LEVEL[premises.control_level]
    else:
        key = INTERVAL_BY_CATEGORY[premises.category]
    return int(standards()[key])


def local_today(now: datetime | None = None) -> date:
    """Today in Asia/Shanghai."""
    return as_local(now or utcnow()).date()


# --- tasks ---------------------------------------------------------------------------------------


def mark_missed(session: Session, *, actor: Actor, today: date | None = None) -> int:
    """Pending tasks due before ``today`` become MISSED (each audited); returns how many."""
    actor.require(Action.GRID_WRITE)
    today = today or local_today()
    overdue = list(
        session.scalars(
            select(PatrolTask.id).where(
                visible_condition(actor, PatrolTask),
                PatrolTask.status == PatrolTaskStatus.PENDING,
                PatrolTask.due_on < today,
            )
        )
    )
    if not overdue:
        return 0
    for start in range(0, len(overdue), 5000):
        session.execute(
            update(PatrolTask)
            .where(
                PatrolTask.id.in_(overdue[start : start + 5000]),
                PatrolTask.status == PatrolTaskStatus.PENDING,
            )
            .values(status=PatrolTaskStatus.MISSED)
            .execution_options(synchronize_session="fetch")
        )
    for task_id in overdue:
        audit.record(
            session,
            actor=actor,
            action="missed",
            entity="patrol_task",
            entity_id=task_id,
            before={"status": PatrolTaskStatus.PENDING.value},
            after={"status": PatrolTaskStatus.MISSED.value, "as_of": today.isoformat()},
        )
    session.flush()
    return len(overdue)


def generate_tasks(
    session: Session, *, actor: Actor, until: date, today: date | None = None
) -> int:
    """Create the patrol tasks due up to ``until`` for every premises in the jurisdiction.

    A premises' next visit is its last visit or last task (whichever is later) plus its
    interval — today if it has neither or that day is already past — then every interval after
    it up to ``until``. Pending tasks already past due are marked missed first. Returns the
    number of tasks created; one audit row records the batch.
    """
    actor.require(Action.GRID_WRITE)
    today = today or local_today()
    if until < today:
        raise Invalid("截止日期不能早于今天", "until must not be before today")
    if (until - today).days > MAX_AHEAD_DAYS:
        raise Invalid(
            f"最多生成{MAX_AHEAD_DAYS}天内的任务",
            f"tasks are generated at most {MAX_AHEAD_DAYS} days ahead",
        )
    mark_missed(session, actor=actor, today=today)
    last_visit = (
        select(PatrolVisit.premises_id, func.max(PatrolVisit.at).label("at"))
        .group_by(PatrolVisit.premises_id)
        .subquery()
    )
    last_task = (
        select(PatrolTask.premises_id, func.max(PatrolTask.due_on).label("due_on"))
        .group_by(PatrolTask.premises_id)
        .subquery()
    )
    rows = session.execute(
        select(Premises, last_visit.c.at, last_task.c.due_on)
        .outerjoin(last_visit, last_visit.c.premises_id == Premises.id)
        .outerjoin(last_task, last_task.c.premises_id == Premises.id)
        .where(visible_condition(actor, Premises))
        .order_by(Premises.id)
    ).all()
    created: list[PatrolTask] = []
    for premises, visited_at, task_due in rows:
        interval = timedelta(days=patrol_interval_days(premises))
        last = max(
            [d for d in (as_local(visited_at).date() if visited_at else None, task_due) if d],
            default=None,
        )
        due = today if last is None else max(last + interval, today)
        while due <= until:
            created.append(
                PatrolTask(
                    premises_id=premises.id,
                    org_id=premises.org_id,
                    grid_id=premises.grid_id,
                    due_on=due,
                    status=PatrolTaskStatus.PENDING,
                )
            )
            due += interval
    if created:
        session.add_all(created)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as exc:  # a concurrent run created the same tasks
            raise Conflict(
                "巡查任务正在由他人生成，请稍后重试", "tasks are being generated by someone else"
            ) from exc
    audit.record(
        session,
        actor=actor,
        action="generate",
        entity="patrol_task",
        entity_id=None,
        after={
            "until": until.isoformat(),
            "today": today.isoformat(),
            "created": len(created),
            "task_ids": [t.id for t in created],
        },
    )
    return len(created)


def _tasks_visible(session: Session, actor: Actor) -> Select[PatrolTask]:
    """Tasks the actor sees: a grid worker with cells sees their cells, others their subtree."""
    stmt = visible(actor, PatrolTask)
    if actor.role == Role.GRID and actor.user_id is not None:
        cells = member_grid_ids(session, actor.user_id)
        if cells:
            # the premises' current cell, not the one it had when the task was generated
            in_cells = select(Premises.id).where(Premises.grid_id.in_(cells))
            stmt = stmt.where(PatrolTask.premises_id.in_(in_cells))
    return stmt


def get_task(session: Session, actor: Actor, task_id: int) -> PatrolTask:
    """A patrol task the actor sees, else 404."""
    actor.require(Action.READ)
    task = session.scalars(_tasks_visible(session, actor).where(PatrolTask.id == task_id)).first()
    if task is None:
        raise not_found("巡查任务", "patrol task", task_id)
    return task


def query_tasks(
    session: Session,
    *,
    actor: Actor,
    status: PatrolTaskStatus | None = None,
    premises_id: int | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
) -> Select[PatrolTask]:
    """The actor's patrol tasks, soonest first (a grid worker's: the premises of their cells)."""
    actor.require(Action.READ)
    stmt = _tasks_visible(session, actor)
    if status is not None:
        stmt = stmt.where(PatrolTask.status == status)
    if premises_id is not None:
        stmt = stmt.where(PatrolTask.premises_id == premises_id)
    if due_from is not None:
        stmt = stmt.where(PatrolTask.due_on >= due_from)
    if due_to is not None:
        stmt = stmt.where(PatrolTask.due_on <= due_to)
    return stmt.order_by(PatrolTask.due_on, PatrolTask.id)


# --- check-in ------------------------------------------------------------------------------------


@dataclass
class CheckInResult:
    """A check-in and the hazards its findings became."""

    visit: PatrolVisit
    hazards: list[Hazard] = field(default_factory=list)


def _premises(session: Session, actor: Actor, premises_id: int) -> Premises:
    return get_visible(session, actor, Premises, premises_id)


def check_in(
    session: Session,
    *,
    actor: Actor,
    premises_id: int,
    lon: float,
    lat: float,
    checklist: dict[str, Any],
    photo_ids: list[int],
    note: str | None = None,
    task_id: int | None = None,
    findings: list[Finding] | None = None,
    at: datetime | None = None,
) -> CheckInResult:
    """Record a patrol check-in at a premises; its findings become hazards in the same step.

    Refused (422) beyond ``patrol_checkin_reject_m`` from the premises, flagged beyond
    ``patrol_checkin_flag_m``. The task (given, or the premises' earliest open one) is marked
    done.
    """
    actor.require(Action.PATROL)
    premises = _premises(session, actor, premises_id)
    table = standards()
    distance_m = float(haversine_m(lon, lat, premises.lon, premises.lat))
    reject_m = float(table["patrol_checkin_reject_m"])
    if distance_m > reject_m:
        raise Invalid(
            f"距单位{distance_m:.0f}米，无法打卡（须在{reject_m:.0f}米内）",
            f"{distance_m:.0f} m from the premises; check-in needs to be within {reject_m:.0f} m",
        )
    template = template_for(premises.category, premises.venue_type, premises.control_level)
    unknown = unknown_keys(checklist, template.items)
    if unknown:
        raise Invalid(
            f"检查项不属于“{template.zh}”检查表：{'、'.join(unknown)}",
            f"not items of the {template.en} checklist: {', '.join(unknown)}",
        )
    check_visible(session, actor, list(photo_ids))
    task = _task_for(session, actor, premises, task_id)
    now = at or utcnow()
    visit = PatrolVisit(
        task_id=task.id if task else None,
        premises_id=premises.id,
        org_id=premises.org_id,
        user_id=actor.user_id,
        at=now,
        lon=lon,
        lat=lat,
        distance_m=round(distance_m, 1),
        far_from_premises=distance_m > float(table["patrol_checkin_flag_m"]),
        checklist=dict(checklist),
        photo_ids=list(photo_ids),
        note=note,
    )
    crud.create(session, actor=actor, obj=visit, entity="patrol_visit", entity_zh="巡查记录")
    if task is not None:
        crud.update(
            session,
            actor=actor,
            obj=task,
            changes={"status": PatrolTaskStatus.DONE},
            entity="patrol_task",
            entity_zh="巡查任务",
            action="done",
        )
    hazards = [
        report_hazard(
            session,
            actor=actor,
            data=HazardReport(premises_id=premises.id, **finding.model_dump()),
            at=now,
            source="patrol",
            patrol_visit_id=visit.id,
        )
        for finding in findings or []
    ]
    return CheckInResult(visit, hazards)


def _task_for(
    session: Session, actor: Actor, premises: Premises, task_id: int | None
) -> PatrolTask | None:
    if task_id is None:
        return session.scalars(
            select(PatrolTask)
            .where(
                PatrolTask.premises_id == premises.id,
                PatrolTask.status == PatrolTaskStatus.PENDING,
            )
            .order_by(PatrolTask.due_on, PatrolTask.id)
            .limit(1)
        ).first()
    task = get_visible(session, actor, PatrolTask, task_id)
    if task.premises_id != premises.id:
        raise Invalid("巡查任务不属于该单位", "the task is for another premises")
    if task.status == PatrolTaskStatus.DONE:
        raise Conflict("该巡查任务已完成", "the task is already done")
    return task


def get_visit(session: Session, actor: Actor, visit_id: int) -> PatrolVisit:
    """A visit at a premises in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, PatrolVisit, visit_id)


def query_visits(
    *,
    actor: Actor,
    premises_id: int | None = None,
    far_only: bool = False,
) -> Select[PatrolVisit]:
    """Visits in the jurisdiction, newest first (``far_only``: the flagged ones to review)."""
    actor.require(Action.READ)
    stmt = visible(actor, PatrolVisit)
    if premises_id is not None:
        stmt = stmt.where(PatrolVisit.premises_id == premises_id)
    if far_only:
        stmt = stmt.where(PatrolVisit.far_from_premises.is_(True))
    return stmt.order_by(PatrolVisit.at.desc(), PatrolVisit.id.desc())
