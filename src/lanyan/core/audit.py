"""The append-only audit trail: every write leaves who, when, what, before and after.

Rows are added by :func:`record` inside the same transaction as the write they describe, so a write
without its audit row cannot be committed. Database triggers (see the migration) refuse UPDATE and
DELETE on the table, and the API exposes it read-only.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.db import Base, UTCDateTime


class AuditLog(Base):
    """One write: who, when, what, and the record's state before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(80))
    actor_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(80), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The column values of an ORM object as plain JSON data, for before/after."""
    table = obj.__table__
    data = {c.key: _jsonable(getattr(obj, c.key)) for c in table.columns if c.key not in exclude}
    json.dumps(data)  # fail here, not at commit, if something is not serializable
    return data


def row_values(
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The columns of one audit row, for writers that insert many rows in one statement."""
    return {
        "at": at or utcnow(),
        "actor_id": actor.user_id,
        "actor_name": actor.username,
        "actor_ip": actor.ip,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": before,
        "after": after,
    }


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row to the current transaction."""
    row = AuditLog(
        **row_values(
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )
    session.add(row)
    return row
