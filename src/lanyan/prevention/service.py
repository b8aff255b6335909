"""The only way to change premises master data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.errors import not_found
from lanyan.core.permissions import Action
from lanyan.forces.models import Organization
from lanyan.forces.service import in_subtree
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType
from lanyan.prevention.models import Premises
from lanyan.prevention.schemas import PremisesCreate, PremisesUpdate

REQUIRED = ("name", "category", "venue_type", "org_id", "lon", "lat")


def get_premises(session: Session, actor: Actor, premises_id: int) -> Premises:
    """One premises supervised inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    premises = session.get(Premises, premises_id)
    if premises is None or not actor.covers(premises.org.path):
        raise not_found("单位场所", "premises", premises_id)
    return premises


def list_premises(
    session: Session,
    *,
    actor: Actor,
    category: PremisesCategory | None = None,
    venue_type: VenueType | None = None,
    control_level: ControlLevel | None = None,
    org_id: int | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Premises], int]:
    """Premises in the actor's subtree, filtered."""
    actor.require(Action.READ)
    stmt = select(Premises).join(Premises.org).where(in_subtree(actor)).order_by(Premises.id)
    filters: dict[str, Any] = {
        "category": category,
        "venue_type": venue_type,
        "control_level": control_level,
        "org_id": org_id,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Premises, column) == value)
    if q:
        stmt = stmt.where(Premises.name.contains(q, autoescape=True))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(limit).offset(offset)).unique().all()
    return list(rows), total


def _supervisor(session: Session, actor: Actor, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or not actor.covers(org.path):
        raise not_found("监管单位", "supervising organization", org_id)
    return org


def create_premises(session: Session, *, actor: Actor, data: PremisesCreate) -> Premises:
    """Add a premises supervised by an organization inside the actor's jurisdiction."""
    actor.require(Action.PREMISES_WRITE)
    _supervisor(session, actor, data.org_id)
    premises = Premises(**data.model_dump(exclude_none=True))
    return crud.create(session, actor=actor, obj=premises, entity="premises", entity_zh="单位场所")


def update_premises(
    session: Session, *, actor: Actor, premises_id: int, data: PremisesUpdate
) -> Premises:
    """Change a premises' master data."""
    actor.require(Action.PREMISES_WRITE)
    premises = get_premises(session, actor, premises_id)
    changes = data.model_dump(exclude_unset=True)
    for required in REQUIRED:
        if required in changes and changes[required] is None:
            changes.pop(required)
    if "org_id" in changes:
        _supervisor(session, actor, changes["org_id"])
    return crud.update(
        session,
        actor=actor,
        obj=premises,
        changes=changes,
        entity="premises",
        entity_zh="单位场所",
    )


def delete_premises(session: Session, *, actor: Actor, premises_id: int) -> None:
    """Remove a premises."""
    actor.require(Action.PREMISES_WRITE)
    premises = get_premises(session, actor, premises_id)
    crud.delete(session, actor=actor, obj=premises, entity="premises", entity_zh="单位场所")
