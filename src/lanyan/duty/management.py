"""队伍管理: the daily routine, roll calls and handovers, 督察 with rectification, the 四级安全网格,
and each unit's own crew minimum.

A 督察 finding moves open → rectifying (the station reports its fix) → closed (the inspector
verifies), or back from rectifying to open when the fix is not accepted; any other move is a
conflict (409). The safety grid is a tree whose levels go down one step at a time
(支队 → 大队 → 站 → 班/个人), each cell naming the person responsible.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core import audit, crud
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Forbidden, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.duty.choices import FINDING_TRANSITIONS, FindingState, GridLevel, LogKind
from lanyan.duty.models import (
    DutyLog,
    Person,
    RoutineTemplate,
    SafetyGridNode,
    Supervision,
    SupervisionFinding,
)
from lanyan.duty.schemas import (
    CrewMinimumIn,
    FindingMove,
    FindingPublic,
    GridNodeIn,
    GridNodePublic,
    LogIn,
    RoutineIn,
    SupervisionIn,
    SupervisionPublic,
)
from lanyan.forces import crew
from lanyan.forces.crew import CrewMinimum
from lanyan.forces.models import Organization, Unit

CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
"""A time of day of the routine (06:30)."""

# --- daily routine and duty log ----------------------------------------------------------------


def set_routine(session: Session, *, actor: Actor, org_id: int, data: RoutineIn) -> RoutineTemplate:
    """Write a station's 一日生活制度 (times in order; replaces the earlier one)."""
    actor.require(Action.DUTY_MANAGE)
    get_visible(session, actor, Organization, org_id)
    times = [item.at for item in data.items]
    wrong = [t for t in times if not CLOCK.fullmatch(t)]
    if wrong:
        raise Invalid(f"时间格式应为 HH:MM：{'、'.join(wrong)}", "times are HH:MM")
    if times != sorted(times):
        raise Invalid("作息时间须按时间先后排列", "items must be in time order")
    items = [item.model_dump() for item in data.items]
    row = session.scalars(
        select(RoutineTemplate).where(RoutineTemplate.org_id == org_id)
    ).one_or_none()
    if row is None:
        return crud.create(
            session,
            actor=actor,
            obj=RoutineTemplate(org_id=org_id, items=items),
            entity="duty_routine",
            entity_zh="一日生活制度",
        )
    return crud.update(
        session,
        actor=actor,
        obj=row,
        changes={"items": items},
        entity="duty_routine",
        entity_zh="一日生活制度",
    )


def get_routine(session: Session, *, actor: Actor, org_id: int) -> RoutineTemplate | None:
    """A station's routine (``None`` when it has none)."""
    get_visible(session, actor, Organization, org_id)
    return session.scalars(
        visible(actor, RoutineTemplate).where(RoutineTemplate.org_id == org_id)
    ).one_or_none()


def record_log(
    session: Session, *, actor: Actor, data: LogIn, at: datetime | None = None
) -> DutyLog:
    """Record a roll call (点名) or a handover (交接班) from the crew page."""
    actor.require(Action.DUTY_DECLARE)
    get_visible(session, actor, Organization, data.org_id)
    if data.kind == LogKind.HANDOVER and not (data.handed_over_by and data.taken_over_by):
        raise Invalid("交接班须填写交班人和接班人", "a handover names both people")
    row = DutyLog(**data.model_dump(), at=at or utcnow(), recorded_by_id=actor.user_id)
    return crud.create(session, actor=actor, obj=row, entity="duty_log", entity_zh="点名交接记录")


# --- 督察 -----------------------------------------------------------------------------------------


def create_supervision(session: Session, *, actor: Actor, data: SupervisionIn) -> Supervision:
    """Record a 督察 of a station with its findings (each opens for rectification)."""
    actor.require(Action.DUTY_SUPERVISE)
    get_visible(session, actor, Organization, data.org_id)
    row = Supervision(
        org_id=data.org_id,
        inspected_on=data.inspected_on,
        inspector=data.inspector,
        online=data.online,
        summary=data.summary,
        findings=[
            SupervisionFinding(
                order=f.order,
                description=f.description,
                deadline=f.deadline,
                state=FindingState.OPEN,
            )
            for f in data.findings
        ],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="supervision",
        entity_id=row.id,
        after={
            **audit.snapshot(row),
            "findings": [audit.snapshot(f) for f in row.findings],
        },
    )
    return row


def supervision_public(row: Supervision) -> SupervisionPublic:
    """A 督察 for the API."""
    return SupervisionPublic(
        id=row.id,
        org_id=row.org_id,
        org_name=row.org.name,
        inspected_on=row.inspected_on,
        inspector=row.inspector,
        online=row.online,
        summary=row.summary,
        findings=[FindingPublic.model_validate(f) for f in row.findings],
    )


def move_finding(
    session: Session,
    *,
    actor: Actor,
    finding_id: int,
    data: FindingMove,
    at: datetime | None = None,
) -> SupervisionFinding:
    """One step of a finding's rectification (see :data:`FINDING_TRANSITIONS`)."""
    finding = get_visible(session, actor, SupervisionFinding, finding_id)
    target = data.state
    actor.require(
        Action.DUTY_RECTIFY if target == FindingState.RECTIFYING else Action.DUTY_SUPERVISE
    )
    if target not in FINDING_TRANSITIONS[finding.state]:
        raise Conflict(
            f"问题当前为“{finding.state.zh}”，不能改为“{target.zh}”",
            f"cannot move a finding from {finding.state.value} to {target.value}",
        )
    now = at or utcnow()
    changes: dict[str, object] = {"state": target}
    if target == FindingState.RECTIFYING:
        if not data.note:
            raise Invalid("请说明整改情况", "describe the rectification")
        changes.update(rectification=data.note, rectified_at=now)
    elif target == FindingState.CLOSED:
        changes["closed_at"] = now
    return crud.update(
        session,
        actor=actor,
        obj=finding,
        changes=changes,
        entity="supervision_finding",
        entity_zh="督察问题",
        action=target.value,
    )


# --- 四级安全网格 ----------------------------------------------------------------------------


def create_grid_node(session: Session, *, actor: Actor, data: GridNodeIn) -> SafetyGridNode:
    """Add a cell; its level is one below its parent's, and the top is the detachment's."""
    actor.require(Action.DUTY_MANAGE)
    get_visible(session, actor, Organization, data.org_id)
    if data.parent_id is None:
        if data.level != GridLevel.DETACHMENT:
            raise Invalid("网格的顶层须为支队级", "the top cell is the detachment's")
    else:
        parent = get_visible(session, actor, SafetyGridNode, data.parent_id)
        if not actor.covers(_org_path(session, parent.org_id)) and not actor.covers(
            _org_path(session, data.org_id)
        ):
            raise Forbidden("不能在上级单位的网格下添加", "the parent cell is above you")
        if data.level.depth != parent.level.depth + 1:
            raise Invalid(
                f"“{parent.level.zh}”级网格下只能设“{list(GridLevel)[parent.level.depth + 1].zh}”级"
                if parent.level != GridLevel.SQUAD
                else "班/个人是网格的最末一级",
                "a cell sits one level below its parent",
            )
    if data.person_id is not None:
        get_visible(session, actor, Person, data.person_id)
    row = SafetyGridNode(**data.model_dump())
    return crud.create(
        session, actor=actor, obj=row, entity="safety_grid_node", entity_zh="安全网格"
    )


def _org_path(session: Session, org_id: int) -> str:
    org = session.get(Organization, org_id)
    return org.path if org is not None else ""


def grid_tree(session: Session, *, actor: Actor) -> list[GridNodePublic]:
    """The visible cells as trees (a cell whose parent is not visible is a root here)."""
    actor.require(Action.READ)
    rows = list(session.scalars(visible(actor, SafetyGridNode).order_by(SafetyGridNode.id)))
    nodes = {
        r.id: GridNodePublic(
            id=r.id,
            parent_id=r.parent_id,
            org_id=r.org_id,
            level=r.level,
            name=r.name,
            responsible=r.responsible,
            phone=r.phone,
            duties=r.duties,
        )
        for r in rows
    }
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


# --- crew minimums -------------------------------------------------------------------------------


def set_crew_minimum(
    session: Session, *, actor: Actor, unit_id: int, data: CrewMinimumIn
) -> CrewMinimum:
    """Give a unit its own minimum crew and seats (instead of its type's standard)."""
    actor.require(Action.DUTY_MANAGE)
    get_visible(session, actor, Unit, unit_id)
    if data.min_crew > data.seats:
        raise Invalid("最低执勤人数不能多于座位数", "min_crew exceeds the seats")
    row = session.get(CrewMinimum, unit_id)
    crew.forget(session)
    if row is None:
        row = CrewMinimum(unit_id=unit_id, **data.model_dump())
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="duty_crew_minimum",
            entity_id=unit_id,
            after=audit.snapshot(row),
        )
        return row
    before = audit.snapshot(row)
    for key, value in data.model_dump().items():
        setattr(row, key, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="duty_crew_minimum",
        entity_id=unit_id,
        before=before,
        after=audit.snapshot(row),
    )
    return row
