"""Temporary seals (临时查封): list, and lift with a reason.

Lifting (解除) issues the numbered 解除临时查封决定书, due within
``enforcement_lift_doc_workdays`` working days, and stamps the original 临时查封决定书 as lifted
(its ``lifted_on`` and the lifting document), in one transaction. A seal is lifted once: 409 again.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.enforcement import documents
from lanyan.enforcement.choices import DocumentKind, SealStatus
from lanyan.enforcement.inspect import legal_due
from lanyan.enforcement.models import Document, Seal
from lanyan.prevention.patrols import local_today


def query_seals(*, actor: Actor, status: SealStatus | None = None) -> Select[Seal]:
    """Seals in the jurisdiction, latest first."""
    actor.require(Action.READ)
    stmt = visible(actor, Seal)
    if status is not None:
        stmt = stmt.where(Seal.status == status)
    return stmt.order_by(Seal.starts_on.desc(), Seal.id.desc())


def get_seal(session: Session, actor: Actor, seal_id: int) -> Seal:
    """A seal in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Seal, seal_id)


def lift_seal(
    session: Session, *, actor: Actor, seal_id: int, lifted_on: date, reason: str
) -> Seal:
    """Lift a seal: issue the 解除临时查封决定书 and stamp the original decision."""
    actor.require(Action.ENFORCE)
    seal = get_visible(session, actor, Seal, seal_id, lock=True)
    if seal.status != SealStatus.SEALED:
        raise Conflict("该临时查封已解除", "the seal was already lifted")
    if not reason.strip():
        raise Invalid("解除临时查封须填写理由", "a reason is required")
    if lifted_on < seal.starts_on or lifted_on > local_today():
        raise Invalid("解除日期须不早于查封日期且不晚于今天", "lifted_on out of range")
    decision = session.get(Document, seal.document_id)
    assert decision is not None
    before = audit.snapshot(seal)
    lift = documents.issue(
        session,
        actor=actor,
        kind=DocumentKind.LIFT,
        premises=seal.premises,
        issued_on=lifted_on,
        due_on=legal_due("lift", lifted_on),
        values={
            "seal_number": decision.number,
            "scope": seal.scope,
            "lifted_on": lifted_on,
            "reason": reason,
        },
        inspection_id=seal.inspection_id,
        parent_id=decision.id,
    )
    documents.stamp_lifted(session, actor=actor, document=decision, lifted_on=lifted_on, lift=lift)
    seal.status = SealStatus.LIFTED
    seal.lifted_on = lifted_on
    seal.lift_reason = reason
    seal.lift_document_id = lift.id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="lift",
        entity="enforcement_seal",
        entity_id=seal.id,
        before=before,
        after=audit.snapshot(seal),
    )
    return seal
