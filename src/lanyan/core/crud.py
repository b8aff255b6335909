"""The write path every domain shares: apply changes, flush, and audit in the same transaction.

Domain services check role, jurisdiction and their own rules first, then call these. Callers own the
transaction (the API's session dependency commits after the router returns).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.errors import Conflict

T = TypeVar("T")


def _conflict(entity_zh: str, exc: IntegrityError) -> Conflict:
    return Conflict(
        f"{entity_zh}与已有记录冲突（编号重复或仍被引用）",
        f"conflicts with an existing record (duplicate id or still referenced): {exc.orig}",
    )


def create(session: Session, *, actor: Actor, obj: T, entity: str, entity_zh: str) -> T:
    """Insert ``obj`` and audit it."""
    session.add(obj)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise _conflict(entity_zh, exc) from exc
    session.refresh(obj)
    audit.record(
        session,
        actor=actor,
        action="create",
        entity=entity,
        entity_id=obj.id,  # type: ignore[attr-defined]
        after=audit.snapshot(obj),
    )
    return obj


def update(
    session: Session,
    *,
    actor: Actor,
    obj: T,
    changes: dict[str, Any],
    entity: str,
    entity_zh: str,
    action: str = "update",
) -> T:
    """Apply ``changes`` to ``obj`` and audit before/after (no row when nothing changed)."""
    before = audit.snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise _conflict(entity_zh, exc) from exc
    session.refresh(obj)
    after = audit.snapshot(obj)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=obj.id,  # type: ignore[attr-defined]
        before=before,
        after=after,
    )
    return obj


def delete(session: Session, *, actor: Actor, obj: Any, entity: str, entity_zh: str) -> None:
    """Delete ``obj`` and audit what it was; a record still referenced is a conflict."""
    before = audit.snapshot(obj)
    session.delete(obj)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise _conflict(entity_zh, exc) from exc
    audit.record(
        session,
        actor=actor,
        action="delete",
        entity=entity,
        entity_id=before["id"],
        before=before,
    )
