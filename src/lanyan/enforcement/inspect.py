"""An enforcement inspection from the phone, and the documents its outcome issues.

The inspection is recorded by the prevention domain (:func:`lanyan.prevention.inspections.
record_inspection`: checklist keys checked against the premises' category template, the visit
date, the follow-up date); in the same transaction this module adds enforcement's side: the plan
it fulfils, the checklist result (how many items of the template were checked and failed), and
what the outcome obliges by law —

- 责令改正 (ordered): a 责令限期改正通知书, due within the working days of
  ``enforcement_order_doc_workdays`` after the inspection;
- 临时查封 (sealed): a :class:`~lanyan.enforcement.models.Seal` with its period and a
  临时查封决定书 due within ``enforcement_seal_doc_workdays``;
- 行政处罚 (penalized): the order to correct as above and a case filed (立案), since a penalty
  is decided in a case, never at the door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.core.workdays import calendar
from lanyan.enforcement import documents
from lanyan.enforcement.cases import file_case
from lanyan.enforcement.choices import DocumentKind, SealStatus
from lanyan.enforcement.models import Case, Document, InspectionRecord, Plan, PlanItem, Seal
from lanyan.prevention.checklists import ITEMS, template_for
from lanyan.prevention.choices import InspectionOutcome
from lanyan.prevention.inspections import record_inspection
from lanyan.prevention.models import Inspection, Premises
from lanyan.prevention.patrols import local_today


@dataclass
class Outcome:
    """An inspection and what it issued."""

    inspection: Inspection
    record: InspectionRecord
    documents: list[Document] = field(default_factory=list)
    seal: Seal | None = None
    case: Case | None = None


def legal_due(kind: str, day: date) -> date:
    """The last day a document of ``kind`` may be made and served, counted from ``day``."""
    table = standards()
    if kind in ("order", "seal", "lift"):
        return calendar().add_workdays(day, int(table[f"enforcement_{kind}_doc_workdays"]))
    if kind == "recheck":
        return calendar().add_workdays(day, int(table["hazard_recheck_workdays"]))
    return day + timedelta(days=int(table["enforcement_penalty_doc_days"]))


def _findings_text(failed: list[str], note: str | None) -> str:
    lines = [f"{i}. {ITEMS[key].zh}：不符合要求" for i, key in enumerate(failed, 1)]
    if note:
        lines.append(f"{len(lines) + 1}. {note}")
    return "\n".join(lines) or "（见检查记录）"


def run_inspection(
    session: Session,
    *,
    actor: Actor,
    premises_id: int,
    inspected_on: date,
    checklist: dict[str, bool],
    outcome: InspectionOutcome,
    note: str | None = None,
    plan_id: int | None = None,
    correct_by: date | None = None,
    seal_scope: str | None = None,
    seal_days: int | None = None,
    case_title: str | None = None,
    at: datetime | None = None,
) -> Outcome:
    """Record an inspection with its category checklist and issue what its outcome obliges."""
    actor.require(Action.ENFORCE)
    premises = get_visible(session, actor, Premises, premises_id)
    failed = [key for key, ok in checklist.items() if ok is False]
    if outcome != InspectionOutcome.PASSED and not failed and not note:
        raise Invalid(
            f"检查结果为“{outcome.zh}”时须至少有一项不合格或填写违法事实",
            "a non-passing outcome needs a failed item or a note",
        )
    follow_up: date | None = None
    if outcome in (InspectionOutcome.ORDERED, InspectionOutcome.PENALIZED):
        if correct_by is None:
            raise Invalid("责令改正须填写改正期限", "correct_by is required")
        if correct_by <= inspected_on:
            raise Invalid("改正期限须晚于检查日期", "correct_by must be after inspected_on")
        follow_up = correct_by
    seal_end: date | None = None
    if outcome == InspectionOutcome.SEALED:
        limit = int(standards()["enforcement_seal_max_days"])
        if not seal_scope:
            raise Invalid("临时查封须填写查封部位或场所", "seal_scope is required")
        if seal_days is None or not 1 <= seal_days <= limit:
            raise Invalid(
                f"临时查封期限须为1至{limit}天（消防监督检查规定第二十二条）",
                f"seal_days must be 1..{limit}",
            )
        seal_end = inspected_on + timedelta(days=seal_days)
        follow_up = seal_end
    item: PlanItem | None = None
    if plan_id is not None:
        plan = get_visible(session, actor, Plan, plan_id)
        item = next((i for i in plan.items if i.premises_id == premises.id), None)
        if item is None:
            raise Invalid("该单位不在此检查计划中", "the premises is not in this plan")
        if item.inspection_id is not None:
            raise Conflict("该单位在此计划中已检查", "the premises was already inspected")
    result = record_inspection(
        session,
        actor=actor,
        premises_id=premises.id,
        inspected_on=inspected_on,
        checklist=dict(checklist),
        outcome=outcome,
        follow_up_on=follow_up,
        note=note,
        at=at,
    )
    inspection = result.inspection
    template = template_for(premises.category, premises.venue_type, premises.control_level)
    record = crud.create(
        session,
        actor=actor,
        obj=InspectionRecord(
            inspection_id=inspection.id,
            plan_id=plan_id,
            template_key=template.key,
            items_checked=len(checklist),
            items_failed=len(failed),
            failed_items=failed,
        ),
        entity="enforcement_inspection",
        entity_zh="检查记录",
    )
    if item is not None:
        crud.update(
            session,
            actor=actor,
            obj=item,
            changes={"inspection_id": inspection.id},
            entity="enforcement_plan_item",
            entity_zh="计划单位",
        )
    out = Outcome(inspection, record)
    findings = _findings_text(failed, note)
    if outcome in (InspectionOutcome.ORDERED, InspectionOutcome.PENALIZED):
        out.documents.append(
            documents.issue(
                session,
                actor=actor,
                kind=DocumentKind.ORDER,
                premises=premises,
                issued_on=inspected_on,
                due_on=legal_due("order", inspected_on),
                values={
                    "inspected_on": inspected_on,
                    "findings": findings,
                    "deadline_on": correct_by,
                },
                inspection_id=inspection.id,
                deadline_on=correct_by,
            )
        )
    if outcome == InspectionOutcome.SEALED:
        assert seal_end is not None
        assert seal_scope is not None
        decision = documents.issue(
            session,
            actor=actor,
            kind=DocumentKind.SEAL,
            premises=premises,
            issued_on=inspected_on,
            due_on=legal_due("seal", inspected_on),
            values={
                "inspected_on": inspected_on,
                "findings": findings,
                "scope": seal_scope,
                "starts_on": inspected_on,
                "ends_on": seal_end,
            },
            inspection_id=inspection.id,
            deadline_on=seal_end,
        )
        out.documents.append(decision)
        out.seal = crud.create(
            session,
            actor=actor,
            obj=Seal(
                org_id=premises.org_id,
                premises_id=premises.id,
                inspection_id=inspection.id,
                document_id=decision.id,
                scope=seal_scope,
                starts_on=inspected_on,
                ends_on=seal_end,
                status=SealStatus.SEALED,
                officer_id=actor.user_id,
            ),
            entity="enforcement_seal",
            entity_zh="临时查封",
        )
    if outcome == InspectionOutcome.PENALIZED:
        out.case = file_case(
            session,
            actor=actor,
            premises_id=premises.id,
            title=case_title or f"{premises.name}消防安全违法行为",
            facts=findings,
            filed_on=inspected_on,
            inspection_id=inspection.id,
        )
    return out


def recheck(
    session: Session,
    *,
    actor: Actor,
    order_id: int,
    rechecked_on: date,
    passed: bool,
    opinion: str,
) -> Document:
    """Re-inspect after an order's term (复查) and issue the 复查意见书.

    The law allows ``hazard_recheck_workdays`` working days after the term, so the opinion is due
    then; one order is re-checked once (409 again).
    """
    actor.require(Action.ENFORCE)
    order = get_visible(session, actor, Document, order_id, lock=True)
    if order.kind != DocumentKind.ORDER:
        raise Invalid("只能对责令限期改正通知书进行复查", "only an order can be re-checked")
    if rechecked_on < order.issued_on or rechecked_on > local_today():
        raise Invalid("复查日期须在通知书开具之后且不晚于今天", "rechecked_on out of range")
    done = session.scalar(
        select(Document.id).where(
            Document.parent_id == order.id, Document.kind == DocumentKind.RECHECK
        )
    )
    if done is not None:
        raise Conflict(f"{order.number}已复查", f"order {order.number} was already re-checked")
    premises = get_visible(session, actor, Premises, order.premises_id)
    return documents.issue(
        session,
        actor=actor,
        kind=DocumentKind.RECHECK,
        premises=premises,
        issued_on=rechecked_on,
        due_on=legal_due("recheck", order.deadline_on or order.issued_on),
        values={
            "order_number": order.number,
            "rechecked_on": rechecked_on,
            "result": "已改正" if passed else "未改正",
            "opinion": opinion,
        },
        inspection_id=order.inspection_id,
        parent_id=order.id,
    )
