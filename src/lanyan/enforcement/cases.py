"""Administrative cases (行政案件, 普通程序): 立案 → 调查 → 告知 → 决定 → 执行 → 结案.

One transition function, like the hazard machine: :data:`TRANSITIONS` is the whole policy, an
illegal move is a 409, a legal one is audited with before and after. Moving to 决定 records the
penalties (警告, 罚款 in 元, 三停, 拘留 referral) and issues the numbered 行政处罚决定书; 结案 from
执行 needs the fines paid in full (payments are recorded against the case); 结案 from 调查 (不予
处罚, 撤销案件) needs a reason. The case's limit (办案期限) is ``enforcement_case_limit_days``
after 立案.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from lanyan.core import audit, crud
from lanyan.core.actor import Actor
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.enforcement import documents
from lanyan.enforcement.choices import THREE_STOPS, CaseStatus, DocumentKind, PenaltyKind
from lanyan.enforcement.models import Case, Document, Payment, Penalty
from lanyan.prevention.models import Premises
from lanyan.prevention.patrols import local_today

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.FILED: frozenset({CaseStatus.INVESTIGATING}),
    CaseStatus.INVESTIGATING: frozenset({CaseStatus.NOTIFIED, CaseStatus.CLOSED}),
    # 陈述、申辩 may bring new facts: back to 调查 before deciding
    CaseStatus.NOTIFIED: frozenset({CaseStatus.INVESTIGATING, CaseStatus.DECIDED}),
    CaseStatus.DECIDED: frozenset({CaseStatus.EXECUTING}),
    CaseStatus.EXECUTING: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}
"""Every legal move of a case; anything else is refused with 409."""


@dataclass(frozen=True, slots=True)
class PenaltyInput:
    """One penalty to decide."""

    kind: PenaltyKind
    amount_cny: int | None = None
    note: str | None = None


def _snapshot(case: Case) -> dict[str, object]:
    return audit.snapshot(case)


def file_case(
    session: Session,
    *,
    actor: Actor,
    premises_id: int,
    title: str,
    facts: str | None,
    filed_on: date,
    inspection_id: int | None = None,
) -> Case:
    """File a case (立案) against a premises in the actor's jurisdiction."""
    actor.require(Action.ENFORCE)
    premises = get_visible(session, actor, Premises, premises_id)
    if filed_on > local_today():
        raise Invalid("立案日期不能晚于今天", "filed_on must not be in the future")
    limit = filed_on + timedelta(days=int(standards()["enforcement_case_limit_days"]))
    case = Case(
        org_id=premises.org_id,
        premises_id=premises.id,
        inspection_id=inspection_id,
        title=title,
        facts=facts,
        status=CaseStatus.FILED,
        filed_on=filed_on,
        limit_on=limit,
        officer_id=actor.user_id,
    )
    return crud.create(session, actor=actor, obj=case, entity="enforcement_case", entity_zh="案件")


def get_case(session: Session, actor: Actor, case_id: int) -> Case:
    """A case in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Case, case_id)


def query_cases(
    *, actor: Actor, status: CaseStatus | None = None, premises_id: int | None = None
) -> Select[Case]:
    """Cases in the jurisdiction, latest filed first."""
    actor.require(Action.READ)
    # penalties and payments of the whole page in two queries, not two per case
    stmt = visible(actor, Case).options(selectinload(Case.penalties), selectinload(Case.payments))
    if status is not None:
        stmt = stmt.where(Case.status == status)
    if premises_id is not None:
        stmt = stmt.where(Case.premises_id == premises_id)
    return stmt.order_by(Case.filed_on.desc(), Case.id.desc())


def _check_penalties(penalties: list[PenaltyInput]) -> None:
    if not penalties:
        raise Invalid("作出处罚决定须至少有一项处罚", "a decision needs at least one penalty")
    kinds = [p.kind for p in penalties]
    if len(set(kinds)) != len(kinds):
        raise Invalid("同一处罚种类只能出现一次", "each penalty kind at most once")
    for p in penalties:
        if p.kind == PenaltyKind.FINE:
            if p.amount_cny is None or p.amount_cny <= 0:
                raise Invalid("罚款须填写大于0的金额（元）", "a fine needs a positive amount_cny")
        elif p.amount_cny is not None:
            raise Invalid(f"“{p.kind.zh}”不填写金额", f"{p.kind.en} takes no amount")


def _penalties_text(penalties: list[PenaltyInput]) -> str:
    parts = []
    for p in penalties:
        if p.kind == PenaltyKind.FINE:
            parts.append(f"罚款人民币{p.amount_cny}元")
        else:
            parts.append(p.kind.zh)
    return "；".join(parts)


def move_case(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    to: CaseStatus,
    on: date,
    reason: str | None = None,
    penalties: list[PenaltyInput] | None = None,
) -> Case:
    """Move a case to ``to`` on day ``on`` (409 when the machine does not allow it)."""
    actor.require(Action.ENFORCE)
    case = get_visible(session, actor, Case, case_id, lock=True)
    if to not in TRANSITIONS[case.status]:
        raise Conflict(
            f"案件不能从“{case.status.zh}”转为“{to.zh}”",
            f"a case cannot move from {case.status.value} to {to.value}",
        )
    if on < case.filed_on or on > local_today():
        raise Invalid("日期须不早于立案日期且不晚于今天", "on must lie between filed_on and today")
    before = _snapshot(case)
    if penalties and to != CaseStatus.DECIDED:
        raise Invalid("只有作出处罚决定时才填写处罚", "penalties only with the decision")
    if to == CaseStatus.NOTIFIED:
        case.notified_on = on
    elif to == CaseStatus.DECIDED:
        items = list(penalties or [])
        _check_penalties(items)
        case.decided_on = on
        for p in items:
            case.penalties.append(Penalty(kind=p.kind, amount_cny=p.amount_cny, note=p.note))
        session.flush()
        pay_days = int(standards()["enforcement_fine_payment_days"])
        documents.issue(
            session,
            actor=actor,
            kind=DocumentKind.PENALTY,
            premises=case.premises,
            issued_on=on,
            due_on=on + timedelta(days=int(standards()["enforcement_penalty_doc_days"])),
            values={
                "case_title": case.title,
                "facts": case.facts or "",
                "penalties": _penalties_text(items),
                "fine_cny": sum(p.amount_cny or 0 for p in items),
                "pay_by": on + timedelta(days=pay_days),
            },
            case_id=case.id,
            inspection_id=case.inspection_id,
        )
    elif to == CaseStatus.CLOSED:
        if case.status == CaseStatus.INVESTIGATING and not reason:
            raise Invalid("未经处罚结案（不予处罚、撤销案件）须填写理由", "closing needs a reason")
        if case.status == CaseStatus.EXECUTING and case.paid_cny < case.fine_cny:
            raise Conflict(
                f"罚款尚未缴清（应缴{case.fine_cny}元，已缴{case.paid_cny}元），不能结案",
                "the fines are not paid in full",
            )
        case.closed_on = on
        case.close_reason = reason
    case.status = to
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"to_{to.value}",
        entity="enforcement_case",
        entity_id=case.id,
        before=before,
        after=_snapshot(case),
    )
    return case


def record_payment(
    session: Session,
    *,
    actor: Actor,
    case_id: int,
    paid_on: date,
    amount_cny: int,
    receipt_no: str | None = None,
) -> Payment:
    """Record a payment against a decided case's fines (no more than is still owed)."""
    actor.require(Action.ENFORCE)
    case = get_visible(session, actor, Case, case_id, lock=True)
    if case.status not in (CaseStatus.DECIDED, CaseStatus.EXECUTING):
        raise Conflict(
            f"案件处于“{case.status.zh}”，不能登记缴款", "payments only after the decision"
        )
    owed = case.fine_cny - case.paid_cny
    if amount_cny <= 0 or amount_cny > owed:
        raise Invalid(f"缴款金额须大于0且不超过未缴金额{owed}元", f"amount must be 1..{owed}")
    if (case.decided_on is not None and paid_on < case.decided_on) or paid_on > local_today():
        raise Invalid("缴款日期须在处罚决定之后且不晚于今天", "paid_on out of range")
    payment = Payment(
        case_id=case.id,
        paid_on=paid_on,
        amount_cny=amount_cny,
        receipt_no=receipt_no,
        recorded_by=actor.user_id,
    )
    case.payments.append(payment)
    return crud.create(
        session, actor=actor, obj=payment, entity="enforcement_payment", entity_zh="缴款"
    )


def decision_of(session: Session, case: Case) -> Document | None:
    """The case's 行政处罚决定书, once decided."""
    return session.scalars(
        select(Document).where(Document.case_id == case.id, Document.kind == DocumentKind.PENALTY)
    ).first()


def three_stops(case: Case) -> bool:
    """Whether the case decided one of 三停."""
    return any(p.kind in THREE_STOPS for p in case.penalties)
