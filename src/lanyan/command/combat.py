"""Combat units (作战编成): a station's named groups of vehicles with their roles.

"3+N" 作战单元编成: a station keeps, for each kind of task, a group of vehicles that turns out
together (灭火攻坚编成 = 水罐车 + 抢险救援车 + 登高车 with their crews). Response plans ask for a
kind by name; :mod:`lanyan.command.combat_fill` sends a whole group where one is available. Every
write goes through one function here that checks role and jurisdiction and writes the audit row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lanyan.command.combat_models import CombatUnit, CombatUnitMember
from lanyan.command.combat_schemas import (
    CombatUnitCreate,
    CombatUnitPublic,
    CombatUnitUpdate,
    MemberIn,
    MemberPublic,
)
from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.forces.choices import UnitStatus
from lanyan.forces.models import Organization, Unit


def query_combat_units(
    *, actor: Actor, station_id: int | None = None, kind: str | None = None
) -> Select[CombatUnit]:
    """Combat units in the actor's jurisdiction, by station and kind."""
    actor.require(Action.READ)
    stmt = visible(actor, CombatUnit)
    if station_id is not None:
        stmt = stmt.where(CombatUnit.station_id == station_id)
    if kind:
        stmt = stmt.where(CombatUnit.kind == kind)
    return stmt.order_by(CombatUnit.station_id, CombatUnit.kind, CombatUnit.id)


def public(group: CombatUnit) -> CombatUnitPublic:
    """A combat unit for the API, with whether it can turn out whole now."""
    members = [
        MemberPublic(
            unit_id=m.unit_id,
            call_sign=m.unit.call_sign,
            unit_type=m.unit.type,
            unit_type_zh=m.unit.type.zh,
            role=m.role,
            status_zh=m.unit.status.zh,
            crew_on_duty=m.unit.crew_on_duty,
        )
        for m in group.members
    ]
    return CombatUnitPublic(
        id=group.id,
        station_id=group.station_id,
        station_name=group.station.name,
        kind=group.kind,
        name=group.name,
        notes=group.notes,
        is_active=group.is_active,
        members=members,
        ready=all(m.unit.status == UnitStatus.AVAILABLE for m in group.members),
        crew_total=sum(m.unit.crew_on_duty for m in group.members),
    )


def _members(
    session: Session, actor: Actor, station: Organization, members: list[MemberIn]
) -> list[CombatUnitMember]:
    ids = [m.unit_id for m in members]
    if len(set(ids)) != len(ids):
        raise Invalid("同一车辆在编成中列了两次", "a vehicle is listed twice")
    found = {u.id: u for u in session.scalars(visible(actor, Unit).where(Unit.id.in_(ids)))}
    out = []
    for position, member in enumerate(members):
        unit = found.get(member.unit_id)
        if unit is None:
            raise Invalid(
                f"车辆{member.unit_id}不存在或不在您的管辖范围内",
                f"unit {member.unit_id} not found in your jurisdiction",
                errors=[{"field": "members", "reason": "unknown unit"}],
            )
        if unit.station_id != station.id:
            raise Invalid(
                f"{unit.call_sign}不属于{station.name}，编成只能由本站车辆组成",
                f"{unit.call_sign} is not a vehicle of {station.name}",
                errors=[{"field": "members", "reason": "another station's vehicle"}],
            )
        out.append(CombatUnitMember(unit_id=unit.id, role=member.role, position=position))
    return out


def _snapshot(group: CombatUnit) -> dict[str, Any]:
    return {
        **audit.snapshot(group),
        "members": [{"unit_id": m.unit_id, "role": m.role} for m in group.members],
    }


def create_combat_unit(session: Session, *, actor: Actor, data: CombatUnitCreate) -> CombatUnit:
    """Form a combat unit of a station's own vehicles."""
    actor.require(Action.COMBAT_UNIT_WRITE)
    station = get_visible(
        session, actor, Organization, data.station_id, label=("所属站", "station")
    )
    if not station.kind.responds:
        raise Invalid(
            f"{station.name}不是出动队站，不能建立作战编成",
            f"{station.name} does not turn out",
            errors=[{"field": "station_id", "reason": "not a station"}],
        )
    group = CombatUnit(
        station_id=station.id,
        kind=data.kind,
        name=data.name,
        notes=data.notes,
        is_active=True,
    )
    group.members = _members(session, actor, station, data.members)
    session.add(group)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="combat_unit",
        entity_id=group.id,
        after=_snapshot(group),
    )
    return group


def get_combat_unit(session: Session, actor: Actor, combat_unit_id: int) -> CombatUnit:
    """One combat unit in the actor's jurisdiction (404 otherwise)."""
    actor.require(Action.READ)
    return get_visible(session, actor, CombatUnit, combat_unit_id)


def update_combat_unit(
    session: Session, *, actor: Actor, combat_unit_id: int, data: CombatUnitUpdate
) -> CombatUnit:
    """Rename, retype, (de)activate a combat unit or replace its vehicles."""
    actor.require(Action.COMBAT_UNIT_WRITE)
    group = get_visible(session, actor, CombatUnit, combat_unit_id, lock=True)
    before = _snapshot(group)
    changes = data.model_dump(exclude_unset=True, exclude={"members"})
    for key, value in changes.items():
        if value is None:
            raise Invalid(f"{key}不能为空", f"{key} cannot be null")
        setattr(group, key, value)
    if data.members is not None:
        group.members = _members(session, actor, group.station, data.members)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="combat_unit",
        entity_id=group.id,
        before=before,
        after=_snapshot(group),
    )
    return group


def delete_combat_unit(session: Session, *, actor: Actor, combat_unit_id: int) -> None:
    """Dissolve a combat unit (its vehicles stay)."""
    actor.require(Action.COMBAT_UNIT_WRITE)
    group = get_visible(session, actor, CombatUnit, combat_unit_id, lock=True)
    before = _snapshot(group)
    session.delete(group)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="delete",
        entity="combat_unit",
        entity_id=combat_unit_id,
        before=before,
    )


def kinds(session: Session, actor: Actor) -> list[str]:
    """The kinds of combat unit kept in the actor's jurisdiction (for plans and forms)."""
    actor.require(Action.READ)
    stmt = (
        select(CombatUnit.kind)
        .where(CombatUnit.id.in_(visible(actor, CombatUnit).with_only_columns(CombatUnit.id)))
        .distinct()
        .order_by(CombatUnit.kind)
    )
    return list(session.scalars(stmt))
