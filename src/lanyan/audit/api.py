"""Audit API: read-only. There is deliberately no route that changes or deletes an audit row."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, func, select

from lanyan.api.deps import CurrentActor, Limit, Offset, SessionDep
from lanyan.core.audit import AuditLog
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


class AuditList(BaseModel):
    """A page of audit rows, newest first."""

    items: list[AuditPublic]
    total: int


@router.get("", response_model=AuditList)
def list_audit(
    actor: CurrentActor,
    session: SessionDep,
    entity: Annotated[str | None, Query(max_length=40, pattern=r"^[^\x00]*$")] = None,
    entity_id: Annotated[str | None, Query(max_length=80, pattern=r"^[^\x00]*$")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AuditList:
    """The audit trail (administrators and leadership).

    Rows written by users outside your subtree are not shown (a brigade administrator sees the
    brigade's writes, the detachment sees all).
    """
    actor.require(Action.AUDIT_READ)
    from lanyan.accounts.models import User
    from lanyan.forces.models import Organization

    visible_users = (
        select(User.id).join(User.organization).where(Organization.path.startswith(actor.org_path))
    )
    visible: ColumnElement[bool] = AuditLog.actor_id.in_(visible_users)
    if actor.org_path == "/" or actor.org_path.count("/") <= 2:
        # the root organization also sees what the system itself did (CLI imports, the demo)
        visible = visible | AuditLog.actor_id.is_(None)
    stmt = select(AuditLog).where(visible)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset)).all()
    return AuditList(items=[AuditPublic.model_validate(r) for r in rows], total=total)
