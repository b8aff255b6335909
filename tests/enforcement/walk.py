"""Enforcement records of one side of the jurisdiction walk (tests/test_jurisdiction_walk.py)."""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from sqlalchemy.orm import Session

from lanyan.enforcement.choices import (
    CaseStatus,
    DocumentKind,
    PenaltyKind,
    PlanKind,
    SealStatus,
)
from lanyan.enforcement.models import Case, Document, Payment, Penalty, Plan, PlanItem, Seal


def enforcement_walk_records(
    session: Session, *, org_id: int, premises_id: int, tag: str
) -> dict[str, int]:
    """A plan with its premises, a seal with its decision, a decided case with a payment."""
    today = date.today()
    seq = 9000 + zlib.crc32(tag.encode()) % 900
    plan = Plan(
        org_id=org_id,
        name=f"{tag}检查计划",
        kind=PlanKind.COMPLAINT,
        starts_on=today,
        ends_on=today + timedelta(days=30),
        complaint=f"{tag}举报内容",
    )
    plan.items = [PlanItem(premises_id=premises_id)]
    case = Case(
        org_id=org_id,
        premises_id=premises_id,
        title=f"{tag}案由",
        facts=f"{tag}违法事实",
        status=CaseStatus.DECIDED,
        filed_on=today,
        limit_on=today + timedelta(days=90),
        decided_on=today,
    )
    case.penalties = [Penalty(kind=PenaltyKind.FINE, amount_cny=5000, note=f"{tag}罚款")]
    case.payments = [Payment(paid_on=today, amount_cny=1000, receipt_no=f"{tag}票据")]
    session.add_all([plan, case])
    session.flush()
    document = Document(
        org_id=org_id,
        kind=DocumentKind.SEAL,
        year=today.year,
        seq=seq,
        number=f"{tag}消封字〔{today.year}〕第{seq}号",
        premises_id=premises_id,
        case_id=case.id,
        title="临时查封决定书",
        body=f"{tag}文书正文",
        issued_on=today,
        due_on=today + timedelta(days=5),
    )
    session.add(document)
    session.flush()
    seal = Seal(
        org_id=org_id,
        premises_id=premises_id,
        document_id=document.id,
        scope=f"{tag}查封部位",
        starts_on=today,
        ends_on=today + timedelta(days=30),
        status=SealStatus.SEALED,
    )
    session.add(seal)
    session.flush()
    return {"plan_id": plan.id, "document_id": document.id, "seal_id": seal.id, "case_id": case.id}
