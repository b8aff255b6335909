"""Audit API: read-only. There is deliberately no route that changes or deletes an audit row."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from lanyan.api.deps import CurrentActor, Limit, Offset, SessionDep
from lanyan.api.paging import Page, paginate
from lanyan.core.audit import AuditLog
from lanyan.core.jurisdiction import visible
from lanyan.core.permissions import Action

router = APIRouter(prefix="/api/audit", tags=["audit 审计"])


class AuditPublic(BaseModel):
    """One audit row."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    actor_ip: str | None
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("", response_model=Page[AuditPublic])
def list_audit(
    actor: CurrentActor,
    session: SessionDep,
    entity: Annotated[str | None, Query(max_length=40, pattern=r"^[^\x00]*$")] = None,
    entity_id: Annotated[str | None, Query(max_length=80, pattern=r"^[^\x00]*$")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AuditPublic]:
    """The audit trail (administrators and leadership).

    Rows written by users outside your subtree are not shown (a brigade administrator sees the
    brigade's writes, the detachment sees all).
    """
    actor.require(Action.AUDIT_READ)
    stmt = visible(actor, AuditLog).order_by(AuditLog.id.desc())
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    return paginate(session, stmt, limit, offset, AuditPublic.model_validate)
