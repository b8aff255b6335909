"""The only way to change premises master data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.forces.models import Organization
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType
from lanyan.prevention.models import Premises
from lanyan.prevention.schemas import PremisesCreate, PremisesUpdate

REQUIRED = ("name", "category", "venue_type", "org_id", "lon", "lat")


def get_premises(session: Session, actor: Actor, premises_id: int) -> Premises:
    """One premises supervised inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Premises, premises_id)


def query_premises(
    *,
    actor: Actor,
    category: PremisesCategory | None = None,
    venue_type: VenueType | None = None,
    control_level: ControlLevel | None = None,
    org_id: int | None = None,
    q: str | None = None,
) -> Select[Premises]:
    """Premises in the actor's subtree, filtered."""
    actor.require(Action.READ)
    stmt = visible(actor, Premises).order_by(Premises.id)
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
    return stmt


def _supervisor(session: Session, actor: Actor, org_id: int) -> Organization:
    label = ("监管单位", "supervising organization")
    return get_visible(session, actor, Organization, org_id, label=label)


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
