"""The only way to change the forces registry: organizations, units, water sources.

Every function takes the acting user, checks role (``Actor.require``) and jurisdiction (records
outside the actor's subtree are reported as not found), writes, and audits in the caller's
transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.forces.choices import MANUAL_TRANSITIONS, OrgKind, UnitStatus
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.forces.schemas import (
    OrganizationCreate,
    OrganizationUpdate,
    UnitCreate,
    UnitStatusChange,
    UnitUpdate,
    WaterSourceCreate,
    WaterSourceUpdate,
)

ALLOWED_CHILDREN: dict[OrgKind, frozenset[OrgKind]] = {
    OrgKind.CORPS: frozenset({OrgKind.DETACHMENT}),
    OrgKind.DETACHMENT: frozenset(
        {OrgKind.BRIGADE, OrgKind.SPECIAL_STATION, OrgKind.STATION, OrgKind.ENTERPRISE_TEAM}
    ),
    OrgKind.BRIGADE: frozenset(
        {
            OrgKind.STATION,
            OrgKind.SPECIAL_STATION,
            OrgKind.GOV_TEAM,
            OrgKind.ENTERPRISE_TEAM,
            OrgKind.VOLUNTEER_TEAM,
            OrgKind.MICRO_STATION,
        }
    ),
    OrgKind.STATION: frozenset({OrgKind.MICRO_STATION, OrgKind.VOLUNTEER_TEAM}),
    OrgKind.SPECIAL_STATION: frozenset({OrgKind.MICRO_STATION}),
    OrgKind.GOV_TEAM: frozenset({OrgKind.MICRO_STATION, OrgKind.VOLUNTEER_TEAM}),
    OrgKind.ENTERPRISE_TEAM: frozenset({OrgKind.MICRO_STATION}),
    OrgKind.VOLUNTEER_TEAM: frozenset(),
    OrgKind.MICRO_STATION: frozenset(),
}
"""Which kind of organization may sit under which (总队 > 支队 > 大队 > 站 > 微型站)."""


# --- reading -----------------------------------------------------------------------------------
# Lists return a query restricted to the actor's jurisdiction (the API pages it, the exporter runs
# it whole); gets answer a record outside the jurisdiction like a missing one.


def get_organization(session: Session, actor: Actor, org_id: int) -> Organization:
    """One organization inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Organization, org_id)


def query_organizations(
    *,
    actor: Actor,
    kind: OrgKind | None = None,
    parent_id: int | None = None,
    q: str | None = None,
) -> Select[Organization]:
    """Organizations in the actor's subtree, filtered, in tree order."""
    actor.require(Action.READ)
    stmt = visible(actor, Organization).order_by(Organization.path)
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Organization.parent_id == parent_id)
    if q:
        stmt = stmt.where(Organization.name.contains(q, autoescape=True))
    return stmt


def get_unit(session: Session, actor: Actor, unit_id: int, *, lock: bool = False) -> Unit:
    """One unit whose home station is inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Unit, unit_id, lock=lock)


def query_units(
    *,
    actor: Actor,
    station_id: int | None = None,
    status: UnitStatus | None = None,
    type_: Any = None,
) -> Select[Unit]:
    """Units based in the actor's subtree, by station then call sign."""
    actor.require(Action.READ)
    stmt = (
        visible(actor, Unit).join(Unit.station).order_by(Organization.path, Unit.call_sign, Unit.id)
    )
    if station_id is not None:
        stmt = stmt.where(Unit.station_id == station_id)
    if status is not None:
        stmt = stmt.where(Unit.status == status)
    if type_ is not None:
        stmt = stmt.where(Unit.type == type_)
    return stmt


def get_water_source(session: Session, actor: Actor, ws_id: int) -> WaterSource:
    """One water source kept inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, WaterSource, ws_id)


def query_water_sources(
    *,
    actor: Actor,
    org_id: int | None = None,
    kind: Any = None,
    state: Any = None,
) -> Select[WaterSource]:
    """Water sources kept in the actor's subtree."""
    actor.require(Action.READ)
    stmt = visible(actor, WaterSource).order_by(WaterSource.id)
    if org_id is not None:
        stmt = stmt.where(WaterSource.org_id == org_id)
    if kind is not None:
        stmt = stmt.where(WaterSource.kind == kind)
    if state is not None:
        stmt = stmt.where(WaterSource.state == state)
    return stmt


# --- organizations -----------------------------------------------------------------------------


def _check_parent(parent: Organization, kind: OrgKind) -> None:
    if kind not in ALLOWED_CHILDREN[parent.kind]:
        raise Invalid(
            f"{parent.kind.zh}下不能设立{kind.zh}",
            f"a {kind.en} cannot sit under a {parent.kind.en}",
            errors=[{"field": "parent_id", "reason": "kind not allowed under this parent"}],
        )


def _parent_for(session: Session, actor: Actor, parent_id: int) -> Organization:
    label = ("上级组织机构", "parent organization")
    return get_visible(session, actor, Organization, parent_id, label=label)


def create_organization(
    session: Session, *, actor: Actor, data: OrganizationCreate
) -> Organization:
    """Add an organization under a parent inside the actor's jurisdiction."""
    actor.require(Action.ORG_WRITE)
    parent = _parent_for(session, actor, data.parent_id)
    _check_parent(parent, data.kind)
    org = Organization(**data.model_dump(), path="/pending/")
    org = crud.create(session, actor=actor, obj=org, entity="organization", entity_zh="组织机构")
    org.path = f"{parent.path}{org.id}/"
    session.flush()
    return org


def create_root_organization(
    session: Session, *, actor: Actor, external_id: str, name: str, kind: OrgKind, **fields: Any
) -> Organization:
    """Add a top-level organization (CLI and demo only: API users always sit under a root)."""
    if actor.org_path != "/":
        raise Conflict(
            "只有系统可以创建顶级组织机构", "only the system may create a root organization"
        )
    org = Organization(external_id=external_id, name=name, kind=kind, path="/pending/", **fields)
    org = crud.create(session, actor=actor, obj=org, entity="organization", entity_zh="组织机构")
    org.path = f"/{org.id}/"
    session.flush()
    return org


def update_organization(
    session: Session, *, actor: Actor, org_id: int, data: OrganizationUpdate
) -> Organization:
    """Change an organization; moving it moves its whole subtree (paths are rewritten)."""
    actor.require(Action.ORG_WRITE)
    org = get_organization(session, actor, org_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items()}
    if changes.get("name") is None:
        changes.pop("name", None)
    if changes.get("kind") is None:
        changes.pop("kind", None)
    new_parent_id = changes.pop("parent_id", None)
    kind = changes.get("kind", org.kind)
    old_path = org.path
    new_path = old_path
    if org.path == actor.org_path and (new_parent_id is not None or "kind" in changes):
        raise Conflict(
            "不能移动或改变自己所属的组织机构", "you cannot move or re-kind your own organization"
        )
    if new_parent_id is not None and new_parent_id != org.parent_id:
        parent = _parent_for(session, actor, new_parent_id)
        if parent.path.startswith(org.path):
            raise Invalid(
                "不能把组织机构移到它自己的下级", "cannot move an organization under itself"
            )
        _check_parent(parent, kind)
        changes["parent_id"] = parent.id
        new_path = f"{parent.path}{org.id}/"
        changes["path"] = new_path
    elif "kind" in changes and org.parent is not None:
        _check_parent(org.parent, kind)
    if "kind" in changes:
        for child in session.scalars(select(Organization).where(Organization.parent_id == org.id)):
            if child.kind not in ALLOWED_CHILDREN[kind]:
                raise Invalid(
                    f"下级{child.kind.zh}不能隶属于{kind.zh}",
                    f"its child {child.kind.en} cannot sit under a {kind.en}",
                )
    org = crud.update(
        session, actor=actor, obj=org, changes=changes, entity="organization", entity_zh="组织机构"
    )
    if new_path != old_path:
        session.execute(
            update(Organization)
            .where(Organization.path.startswith(old_path, autoescape=True))
            .where(Organization.id != org.id)
            .values(path=func.replace(Organization.path, old_path, new_path))
            .execution_options(synchronize_session=False)
        )
        session.expire_all()
    return org


def delete_organization(session: Session, *, actor: Actor, org_id: int) -> None:
    """Remove an organization that has no sub-organizations, units, sources, premises or users."""
    actor.require(Action.ORG_WRITE)
    org = get_organization(session, actor, org_id)
    if org.path == actor.org_path:
        raise Conflict("不能删除自己所属的组织机构", "you cannot delete your own organization")
    has_children = session.scalar(select(func.count()).where(Organization.parent_id == org.id))
    if has_children:
        raise Conflict(
            "该组织机构还有下级组织，不能删除", "the organization still has sub-organizations"
        )
    crud.delete(session, actor=actor, obj=org, entity="organization", entity_zh="组织机构")


# --- units -------------------------------------------------------------------------------------


def _home_station(session: Session, actor: Actor, station_id: int) -> Organization:
    label = ("所属站", "home station")
    station = get_visible(session, actor, Organization, station_id, label=label)
    if not station.kind.responds:
        raise Invalid(
            f"车辆只能配属到出动力量（站、专职队、微型站），不能配属到{station.kind.zh}",
            f"units belong to a responding organization, not a {station.kind.en}",
            errors=[{"field": "station_id", "reason": "not a responding organization"}],
        )
    return station


def create_unit(session: Session, *, actor: Actor, data: UnitCreate) -> Unit:
    """Add a unit to a station inside the actor's jurisdiction; it starts available."""
    actor.require(Action.UNIT_WRITE)
    _home_station(session, actor, data.station_id)
    values = data.model_dump(exclude_none=True)
    unit = Unit(**values, status=UnitStatus.AVAILABLE, status_changed_at=utcnow())
    return crud.create(session, actor=actor, obj=unit, entity="unit", entity_zh="车辆")


def update_unit(session: Session, *, actor: Actor, unit_id: int, data: UnitUpdate) -> Unit:
    """Change a unit's master data (not its status)."""
    actor.require(Action.UNIT_WRITE)
    unit = get_unit(session, actor, unit_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("call_sign", "type", "station_id", "crew_on_duty"):
        if changes.get(required, 0) is None:
            changes.pop(required)
    if "station_id" in changes:
        _home_station(session, actor, changes["station_id"])
    return crud.update(
        session, actor=actor, obj=unit, changes=changes, entity="unit", entity_zh="车辆"
    )


def change_unit_status(
    session: Session, *, actor: Actor, unit_id: int, data: UnitStatusChange
) -> Unit:
    """Take a unit out of service or back (检修 ↔ 在库); other changes are refused (409).

    Milestones of a call (出动, 到场, 出水, 返回, 归队) go through the incident's assignment
    (lanyan.dispatch) so each is recorded on the incident. The row is locked (SELECT ... FOR
    UPDATE on PostgreSQL; SQLite serializes writers).
    """
    actor.require(Action.UNIT_STATUS)
    unit = get_unit(session, actor, unit_id, lock=True)
    if data.status == unit.status:
        raise Conflict(f"车辆已经是“{unit.status.zh}”状态", f"the unit is already {unit.status.en}")
    if data.status not in MANUAL_TRANSITIONS.get(unit.status, frozenset()):
        raise Conflict(
            f"车辆状态不能从“{unit.status.zh}”直接变为“{data.status.zh}”"
            "（出动、到场、出水、返回、归队须在警情中记录）",
            f"a unit cannot go from {unit.status.en} to {data.status.en} directly"
            " (call milestones are recorded on the incident's assignment)",
        )
    if (data.lon is None) != (data.lat is None):
        raise Invalid("经度和纬度需同时提供", "give both lon and lat, or neither")
    changes: dict[str, Any] = {"status": data.status, "status_changed_at": utcnow()}
    if data.status == UnitStatus.AVAILABLE:
        changes |= {"lon": None, "lat": None}
    elif data.lon is not None:
        changes |= {"lon": data.lon, "lat": data.lat}
    return crud.update(
        session,
        actor=actor,
        obj=unit,
        changes=changes,
        entity="unit",
        entity_zh="车辆",
        action="status",
    )


def delete_unit(session: Session, *, actor: Actor, unit_id: int) -> None:
    """Remove a unit that is in quarters or out of service."""
    actor.require(Action.UNIT_WRITE)
    unit = get_unit(session, actor, unit_id)
    if unit.status not in (UnitStatus.AVAILABLE, UnitStatus.OUT_OF_SERVICE):
        raise Conflict("车辆正在执行任务，不能删除", "the unit is on a call and cannot be removed")
    crud.delete(session, actor=actor, obj=unit, entity="unit", entity_zh="车辆")


# --- water sources -----------------------------------------------------------------------------


def _keeper(session: Session, actor: Actor, org_id: int) -> Organization:
    label = ("管护单位", "keeping organization")
    return get_visible(session, actor, Organization, org_id, label=label)


def create_water_source(session: Session, *, actor: Actor, data: WaterSourceCreate) -> WaterSource:
    """Add a water source kept by an organization inside the actor's jurisdiction."""
    actor.require(Action.WATER_WRITE)
    _keeper(session, actor, data.org_id)
    ws = WaterSource(**data.model_dump(exclude_none=True))
    return crud.create(session, actor=actor, obj=ws, entity="water_source", entity_zh="消防水源")


def update_water_source(
    session: Session, *, actor: Actor, ws_id: int, data: WaterSourceUpdate
) -> WaterSource:
    """Change a water source (its state after an inspection, its position, ...)."""
    actor.require(Action.WATER_WRITE)
    ws = get_water_source(session, actor, ws_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "kind", "state", "org_id", "lon", "lat"):
        if required in changes and changes[required] is None:
            changes.pop(required)
    if "org_id" in changes:
        _keeper(session, actor, changes["org_id"])
    return crud.update(
        session, actor=actor, obj=ws, changes=changes, entity="water_source", entity_zh="消防水源"
    )


def delete_water_source(session: Session, *, actor: Actor, ws_id: int) -> None:
    """Remove a water source."""
    actor.require(Action.WATER_WRITE)
    ws = get_water_source(session, actor, ws_id)
    crud.delete(session, actor=actor, obj=ws, entity="water_source", entity_zh="消防水源")
