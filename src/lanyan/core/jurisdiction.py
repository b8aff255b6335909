"""One jurisdiction layer: which rows an actor may see, decided inside the query.

Every read that returns records starts from :func:`visible` (a list) or :func:`get_visible` (one
record by id, also the first step of every update and delete), so "which records" is written once,
here, the way netbox's ``RestrictedQuerySet.restrict()`` does it. A record outside the actor's
jurisdiction is answered exactly like a missing one (:class:`~lanyan.core.errors.NotFound`), so an
id of another brigade reveals nothing.

Jurisdiction is the organization tree: an actor sees the records of every organization whose
materialized path ("/1/4/9/") starts with its own. The root actor (``org_path == "/"``: the CLI,
the demo loader) sees everything, including records that belong to no organization.

Core knows no domain, so each domain declares how its models reach the tree, in its models.py,
right after the classes (a model that is not registered cannot be read through this layer: a
:class:`LookupError` names it)::

    from lanyan.core import jurisdiction

    jurisdiction.register(Organization, path=Organization.path, label=("组织机构", "organization"))
    jurisdiction.register(Unit, via=Unit.station_id, parent=Organization, label=("车辆", "unit"))

    # dispatch/models.py: an incident through its brigade (one with no brigade, brigade_id
    # NULL, is seen by the root actor only), an assignment through its unit's station
    jurisdiction.register(
        Incident, via=Incident.brigade_id, parent=Organization, label=("警情", "incident")
    )
    jurisdiction.register(
        Assignment, via=Assignment.unit_id, parent=Unit, label=("调派记录", "assignment")
    )

    # audit/__init__.py: the table lives in core, so the audit package declares it; rows of no
    # user (the system's) are seen by the top of the tree
    jurisdiction.register(
        AuditLog, via=AuditLog.actor_id, parent=User, orphans=jurisdiction.is_top, label=...
    )

A domain that reads another's table without importing it (planning routing to an incident) names
it: ``get_visible(session, actor, model_named("incident"), incident_id)``.

``via`` is a foreign-key column and ``parent`` the registered model it points to: the row is
visible when the row it points to is (chains are followed: an assignment through its unit through
the unit's station). A NULL link hides the row from everyone but the root actor, unless
``orphans`` says which actors see it. ``ancestors=True`` (only with ``parent`` being the tree)
also shows rows of the organizations above the actor (a campaign of the detachment is seen by its
brigades).

Reading::

    stmt = jurisdiction.visible(actor, Unit).where(Unit.status == status).order_by(Unit.id)
    page = paginate(session, stmt, limit, offset, UnitPublic.model_validate)  # lanyan.api.paging
    unit = jurisdiction.get_visible(session, actor, Unit, unit_id)            # or NotFound
    unit = jurisdiction.get_visible(session, actor, Unit, unit_id, lock=True) # FOR UPDATE
    cond = jurisdiction.visible_condition(actor, Unit)  # a WHERE clause for joins and aggregates

These check jurisdiction only; the role (``actor.require(Action...)``) is the service's job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, inspect, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from lanyan.core.actor import Actor
from lanyan.core.errors import NotFound, not_found

M = TypeVar("M")

ROOT_PATH = "/"
"""Path of the root actor (the system): sees every record, also those of no organization."""


def is_root(org_path: str) -> bool:
    """Whether an actor at ``org_path`` is the root actor (sees everything)."""
    return org_path == ROOT_PATH


def is_top(org_path: str) -> bool:
    """Whether ``org_path`` is a top organization of the tree ("/1/") or the root itself."""
    return org_path.count("/") <= 2


@dataclass(frozen=True, slots=True)
class Reach:
    """How rows of one model reach the organization tree (see the module docstring)."""

    model: type[Any]
    label: tuple[str, str]
    path: Any = None  # InstrumentedAttribute[str]; typed Any: a dataclass would call its __get__
    via: Any = None  # InstrumentedAttribute[int | None]
    parent: type[Any] | None = None
    orphans: Callable[[str], bool] | None = None
    ancestors: bool = False


_REACH: dict[type[Any], Reach] = {}


def register(
    model: type[Any],
    *,
    label: tuple[str, str],
    path: InstrumentedAttribute[str] | None = None,
    via: InstrumentedAttribute[Any] | None = None,
    parent: type[Any] | None = None,
    orphans: Callable[[str], bool] | None = None,
    ancestors: bool = False,
) -> None:
    """Declare how ``model`` reaches the tree: its own ``path``, or ``via`` a link to ``parent``.

    ``label`` is (Chinese, English) for the not-found message. ``orphans(actor_org_path)`` says
    whether rows whose link is NULL are visible to that actor (default: the root actor only).
    """
    if (path is None) == (via is None):
        raise ValueError(f"{model.__name__}: give exactly one of path= or via=")
    if via is not None and parent is None:
        raise ValueError(f"{model.__name__}: via= needs the parent model it points to")
    if ancestors and (parent is None or reach_of(parent).path is None):
        raise ValueError(f"{model.__name__}: ancestors=True needs the tree model as parent")
    _REACH[model] = Reach(model, label, path, via, parent, orphans, ancestors)


def reach_of(model: type[Any]) -> Reach:
    """The registration of ``model``; :class:`LookupError` when its domain declared none."""
    try:
        return _REACH[model]
    except KeyError:
        raise LookupError(
            f"{model.__name__} has no jurisdiction: call lanyan.core.jurisdiction.register()"
            " for it in its domain's models.py"
        ) from None


def registered() -> tuple[type[Any], ...]:
    """Every model with a declared jurisdiction (for tests that walk them all)."""
    return tuple(_REACH)


def ancestor_ids(org_path: str) -> list[int]:
    """Ids of the organizations on ``org_path`` (the actor's own and every one above it)."""
    return [int(part) for part in org_path.strip("/").split("/") if part.isdigit()]


def _condition(org_path: str, model: type[Any]) -> ColumnElement[bool]:
    reach = reach_of(model)
    if reach.path is not None:
        own: ColumnElement[bool] = reach.path.startswith(org_path, autoescape=True)
        return own
    assert reach.via is not None
    assert reach.parent is not None
    parent_key = inspect(reach.parent).primary_key[0]
    # never correlated: the outer query may join the same table (units ordered by station path)
    parents = select(parent_key).where(_condition(org_path, reach.parent)).correlate(None)
    linked: ColumnElement[bool] = reach.via.in_(parents)
    if reach.ancestors:
        linked = or_(linked, reach.via.in_(ancestor_ids(org_path)))
    if reach.orphans is not None and reach.orphans(org_path):
        linked = or_(linked, reach.via.is_(None))
    return linked


def visible_condition(actor: Actor, model: type[Any]) -> ColumnElement[bool]:
    """SQL condition: a row of ``model`` lies in the actor's jurisdiction."""
    reach_of(model)  # an unregistered model fails even for the root actor
    if is_root(actor.org_path):
        return true()
    return _condition(actor.org_path, model)


def visible(actor: Actor, model: type[M]) -> Select[M]:
    """``SELECT model WHERE <in the actor's jurisdiction>``: add filters, order, then run."""
    return select(model).where(visible_condition(actor, model))


def get_visible(
    session: Session,
    actor: Actor,
    model: type[M],
    ident: int,
    *,
    lock: bool = False,
    label: tuple[str, str] | None = None,
) -> M:
    """The ``model`` row ``ident`` if it exists and lies in the actor's jurisdiction.

    Raises the same :class:`NotFound` for a missing row and for one outside the jurisdiction;
    ``label`` (Chinese, English) names the record in that message when the registered one is too
    general ("所属站" rather than "组织机构"). ``lock=True`` takes a row lock (``SELECT ... FOR
    UPDATE`` on PostgreSQL; SQLite serializes writers) for a read-modify-write.
    """
    key = inspect(model).primary_key[0]
    stmt = visible(actor, model).where(key == ident)
    if lock:
        stmt = stmt.with_for_update(of=model).execution_options(populate_existing=True)
    row = session.scalars(stmt).unique().one_or_none()
    if row is None:
        if label is not None:
            raise not_found(label[0], label[1], ident)
        raise not_found_error(model, ident)
    return row


def not_found_error(model: type[Any], ident: object) -> NotFound:
    """The 404 of ``model`` (the same for a missing record and one outside the jurisdiction)."""
    zh, en = reach_of(model).label
    return not_found(zh, en, ident)


def model_named(table: str) -> type[Any]:
    """The registered model stored in ``table`` (lets a domain read another's records by name
    without importing it, e.g. planning routing to an incident)."""
    for model in _REACH:
        if getattr(model, "__tablename__", None) == table:
            return model
    raise LookupError(f"no registered model is stored in table {table!r}")
