"""The four-level grid (四级网格: 县/乡镇/村社/网格), its workers, and where each premises lies.

Grids are how grassroots fire prevention is organised: a grid worker patrols the premises of the
cells they are assigned to, and every premises falls in one grid cell. Cells nest one level at a
time (a village grid under a township grid); jurisdiction follows the organization that answers
for the cell. Premises are placed by geometry — the finest cell whose polygon covers the point —
with one batch service so a new boundary or an import re-places everything in one audited step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely import STRtree, points
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core import audit, crud
from lanyan.core.actor import Actor
from lanyan.core.errors import Conflict, Invalid, not_found
from lanyan.core.jurisdiction import get_visible, visible, visible_condition
from lanyan.core.permissions import Action, Role
from lanyan.forces.models import Organization
from lanyan.forces.service import get_organization
from lanyan.prevention.choices import GridLevel
from lanyan.prevention.governance_schemas import GridCreate, GridUpdate
from lanyan.prevention.models import Grid, GridMember, Premises

LEVELS: tuple[GridLevel, ...] = (
    GridLevel.COUNTY,
    GridLevel.TOWNSHIP,
    GridLevel.VILLAGE,
    GridLevel.GRID,
)
"""Coarsest first; a cell's parent is the level just before it."""

DEPTH: dict[GridLevel, int] = {level: i for i, level in enumerate(LEVELS)}

_CHUNK = 5000
"""Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits."""


# --- reading -------------------------------------------------------------------------------------


def get_grid(session: Session, actor: Actor, grid_id: int) -> Grid:
    """A grid cell inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Grid, grid_id)


def query_grids(
    *,
    actor: Actor,
    level: GridLevel | None = None,
    parent_id: int | None = None,
    org_id: int | None = None,
    q: str | None = None,
) -> Select[Grid]:
    """Grid cells in the actor's jurisdiction, coarsest first."""
    actor.require(Action.READ)
    stmt = visible(actor, Grid)
    if level is not None:
        stmt = stmt.where(Grid.level == level)
    if parent_id is not None:
        stmt = stmt.where(Grid.parent_id == parent_id)
    if org_id is not None:
        stmt = stmt.where(Grid.org_id == org_id)
    if q:
        stmt = stmt.where(Grid.name.contains(q, autoescape=True))
    return stmt.order_by(Grid.parent_id.nulls_first(), Grid.id)


def descendant_ids(session: Session, grid_ids: set[int]) -> set[int]:
    """The cells and every cell below them (at most three levels down)."""
    found = set(grid_ids)
    frontier = set(grid_ids)
    for _ in range(len(LEVELS) - 1):
        if not frontier:
            break
        frontier = set(session.scalars(select(Grid.id).where(Grid.parent_id.in_(frontier)))) - found
        found |= frontier
    return found


def member_grid_ids(session: Session, user_id: int) -> set[int]:
    """Cells a grid worker answers for: those assigned to them and the cells inside them."""
    direct = set(session.scalars(select(GridMember.grid_id).where(GridMember.user_id == user_id)))
    return descendant_ids(session, direct) if direct else set()


def list_members(session: Session, actor: Actor, grid_id: int) -> list[User]:
    """The grid workers of a cell (those in the actor's jurisdiction)."""
    get_grid(session, actor, grid_id)
    stmt = (
        visible(actor, User)
        .join(GridMember, GridMember.user_id == User.id)
        .where(GridMember.grid_id == grid_id)
        .order_by(User.username)
    )
    return list(session.scalars(stmt).unique())


# --- writing -------------------------------------------------------------------------------------


def _check_parent_level(level: GridLevel, parent_id: int | None) -> None:
    if level == GridLevel.COUNTY:
        if parent_id is not None:
            raise Invalid("县级网格是最高一级，不能有上级网格", "a county grid has no parent")
        return
    if parent_id is None:
        want = LEVELS[DEPTH[level] - 1]
        raise Invalid(
            f"{level.zh}须有上级的{want.zh}", f"a {level.en} grid needs a {want.en} parent"
        )


def create_grid(session: Session, *, actor: Actor, data: GridCreate) -> Grid:
    """Add a grid cell answered for by an organization in the actor's jurisdiction.

    Its parent must be exactly one level up, and the cell's organization must lie inside the
    parent's (a station's village grid under its brigade's township grid, not across brigades).
    """
    actor.require(Action.GRID_WRITE)
    org = get_organization(session, actor, data.org_id)
    _check_parent_level(data.level, data.parent_id)
    if data.parent_id is not None:
        parent = get_grid(session, actor, data.parent_id)
        want = LEVELS[DEPTH[data.level] - 1]
        if parent.level != want:
            raise Invalid(
                f"{data.level.zh}的上级须为{want.zh}（所选为{parent.level.zh}）",
                f"a {data.level.en} grid's parent must be a {want.en} grid, not {parent.level.en}",
            )
        if not org.path.startswith(parent.org.path):
            raise Invalid(
                "网格的责任单位须在上级网格责任单位的辖区内",
                "the grid's organization must lie inside its parent grid's organization",
            )
    grid = Grid(**data.model_dump())
    return crud.create(session, actor=actor, obj=grid, entity="grid", entity_zh="网格")


def update_grid(session: Session, *, actor: Actor, grid_id: int, data: GridUpdate) -> Grid:
    """Rename a cell or redraw its boundary (re-run premises assignment afterwards)."""
    actor.require(Action.GRID_WRITE)
    grid = get_grid(session, actor, grid_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        changes.pop("name")
    return crud.update(
        session, actor=actor, obj=grid, changes=changes, entity="grid", entity_zh="网格"
    )


def _grid_worker(session: Session, actor: Actor, user_id: int) -> User:
    user = get_visible(session, actor, User, user_id)
    if user.role != Role.GRID:
        raise Invalid(
            f"只能指派网格员（该用户为{user.role.zh}）",
            f"only grid workers can be assigned (this user is {user.role.en})",
        )
    return user


def add_member(session: Session, *, actor: Actor, grid_id: int, user_id: int) -> GridMember:
    """Assign a grid worker (in the actor's jurisdiction) to a cell."""
    actor.require(Action.GRID_WRITE)
    get_grid(session, actor, grid_id)
    _grid_worker(session, actor, user_id)
    exists = session.scalar(
        select(GridMember.id).where(GridMember.grid_id == grid_id, GridMember.user_id == user_id)
    )
    if exists is not None:
        raise Conflict("该网格员已在此网格", "the grid worker is already assigned to this grid")
    member = GridMember(grid_id=grid_id, user_id=user_id)
    return crud.create(session, actor=actor, obj=member, entity="grid_member", entity_zh="网格员")


def remove_member(session: Session, *, actor: Actor, grid_id: int, user_id: int) -> None:
    """Take a grid worker off a cell."""
    actor.require(Action.GRID_WRITE)
    get_grid(session, actor, grid_id)
    member = session.scalars(
        select(GridMember).where(GridMember.grid_id == grid_id, GridMember.user_id == user_id)
    ).first()
    if member is None:
        raise not_found("网格员", "grid member", user_id)
    crud.delete(session, actor=actor, obj=member, entity="grid_member", entity_zh="网格员")


# --- placing premises ----------------------------------------------------------------------------


@dataclass
class _Cells:
    """Grid cells with polygons, ready for point-in-polygon queries (finest first)."""

    ids: list[int]
    geoms: list[BaseGeometry]
    rank: list[tuple[int, float, int]]
    tree: STRtree | None

    @classmethod
    def build(cls, grids: Sequence[tuple[int, GridLevel, dict[str, Any] | None]]) -> _Cells:
        ids: list[int] = []
        geoms: list[BaseGeometry] = []
        rank: list[tuple[int, float, int]] = []
        for grid_id, level, polygon in grids:
            if not polygon:
                continue
            geom = shape(polygon)
            ids.append(grid_id)
            geoms.append(geom)
            # finest level first; among overlapping cells of one level the smaller, then lower id
            rank.append((-DEPTH[level], float(geom.area), grid_id))
        return cls(ids, geoms, rank, STRtree(geoms) if geoms else None)

    def locate(self, lons: Sequence[float], lats: Sequence[float]) -> list[int | None]:
        """For each point, the id of the finest cell covering it (boundaries included)."""
        result: list[int | None] = [None] * len(lons)
        if self.tree is None or not lons:
            return result
        pairs = self.tree.query(points(list(lons), list(lats)), predicate="covered_by")
        best: dict[int, int] = {}
        for point_ix, cell_ix in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            current = best.get(point_ix)
            if current is None or self.rank[cell_ix] < self.rank[current]:
                best[point_ix] = cell_ix
        for point_ix, cell_ix in best.items():
            result[point_ix] = self.ids[cell_ix]
        return result


def locate_premises_grid(session: Session, premises: Premises) -> Grid | None:
    """The finest grid cell whose polygon covers the premises' position, or None."""
    rows = session.execute(
        select(Grid.id, Grid.level, Grid.polygon).where(Grid.polygon.is_not(None))
    ).all()
    cells = _Cells.build([(r[0], r[1], r[2]) for r in rows])
    (grid_id,) = cells.locate([premises.lon], [premises.lat])
    return session.get(Grid, grid_id) if grid_id is not None else None


@dataclass
class Assignment:
    """What :func:`assign_premises_to_grids` did."""

    premises: int = 0
    assigned: int = 0
    changed: int = 0
    outside_ids: list[int] = field(default_factory=list)


def assign_premises_to_grids(
    session: Session, *, actor: Actor, org_id: int | None = None
) -> Assignment:
    """Set every premises' grid (in the actor's jurisdiction, or one organization's subtree).

    Candidate cells are those in the actor's jurisdiction; a premises covered by none is left
    without a grid and reported, so the officer sees which ones the boundaries miss. One audit
    row records the whole batch with every change.
    """
    actor.require(Action.GRID_WRITE)
    scope = actor.org_path
    premises_in_scope = visible_condition(actor, Premises)
    if org_id is not None:
        scope = get_organization(session, actor, org_id).path
        premises_in_scope = Premises.org_id.in_(
            select(Organization.id).where(Organization.path.startswith(scope, autoescape=True))
        )
    grid_rows = session.execute(
        select(Grid.id, Grid.level, Grid.polygon).where(
            visible_condition(actor, Grid), Grid.polygon.is_not(None)
        )
    ).all()
    cells = _Cells.build([(r[0], r[1], r[2]) for r in grid_rows])
    premises_rows = session.execute(
        select(Premises.id, Premises.lon, Premises.lat, Premises.grid_id)
        .where(premises_in_scope)
        .order_by(Premises.id)
    ).all()
    located = cells.locate([r[1] for r in premises_rows], [r[2] for r in premises_rows])
    report = Assignment(premises=len(premises_rows))
    moves: dict[int | None, list[int]] = defaultdict(list)
    changes: list[list[int | None]] = []
    for row, grid_id in zip(premises_rows, located, strict=True):
        if grid_id is None:
            report.outside_ids.append(row[0])
        else:
            report.assigned += 1
        if grid_id != row[3]:
            moves[grid_id].append(row[0])
            changes.append([row[0], row[3], grid_id])
    report.changed = len(changes)
    for grid_id, ids in moves.items():
        for start in range(0, len(ids), _CHUNK):
            session.execute(
                update(Premises)
                .where(Premises.id.in_(ids[start : start + _CHUNK]))
                .values(grid_id=grid_id)
                .execution_options(synchronize_session="fetch")
            )
    audit.record(
        session,
        actor=actor,
        action="assign_grids",
        entity="premises",
        entity_id=None,
        after={
            "scope": scope,
            "premises": report.premises,
            "assigned": report.assigned,
            "outside": len(report.outside_ids),
            "changes": changes,
        },
    )
    session.flush()
    return report
