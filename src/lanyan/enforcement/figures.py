"""Enforcement figures for the statistics and the yearly report (report chapter 防火监督).

Each figure is defined once, by a condition shared by its count and its trace, so the trace of a
count figure lists exactly as many records as the figure says:

- ``enforcement.units_inspected``: distinct premises inspected in the period (one trace row each);
- ``enforcement.inspections``: inspections in the period;
- ``enforcement.ordered``: 责令限期改正通知书 issued; ``enforcement.sealed``: seals begun;
  ``enforcement.sealed_lifted``: seals lifted; ``enforcement.cases``: cases filed;
- ``enforcement.fines_cny``: fines (元) decided in the period (the trace lists each fine with its
  ``value``); ``enforcement.fines_paid_cny``: payments received in the period;
- ``enforcement.three_stops``: cases decided in the period with 责令停产停业/停止使用/停止施工.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from lanyan.enforcement.choices import THREE_STOPS, DocumentKind, PenaltyKind
from lanyan.enforcement.models import Case, Document, Payment, Penalty, Seal
from lanyan.prevention.models import Inspection, Premises
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, Scope, org_in_scope
from lanyan.stats.sections import Section, Value

PREFIX = "enforcement"


def _between(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _inspections(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(_between(Inspection.inspected_on, period), org_in_scope(Inspection.org_id, scope))


def _ordered(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(
        Document.kind == DocumentKind.ORDER,
        _between(Document.issued_on, period),
        org_in_scope(Document.org_id, scope),
    )


def _sealed(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(_between(Seal.starts_on, period), org_in_scope(Seal.org_id, scope))


def _lifted(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(_between(Seal.lifted_on, period), org_in_scope(Seal.org_id, scope))


def _cases(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(_between(Case.filed_on, period), org_in_scope(Case.org_id, scope))


def _decided(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(_between(Case.decided_on, period), org_in_scope(Case.org_id, scope))


def _fines(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(Penalty.kind == PenaltyKind.FINE, _decided(scope, period))


def _stops() -> ColumnElement[bool]:
    return exists().where(Penalty.case_id == Case.id, Penalty.kind.in_(list(THREE_STOPS)))


def _paid(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(_between(Payment.paid_on, period), org_in_scope(Case.org_id, scope))


def compute(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    """Every enforcement figure of the subtree and period."""

    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    inspections = session.execute(
        select(func.count(), func.count(func.distinct(Inspection.premises_id))).where(
            _inspections(scope, period)
        )
    ).one()
    fines = session.scalar(
        select(func.coalesce(func.sum(Penalty.amount_cny), 0))
        .join(Case, Case.id == Penalty.case_id)
        .where(_fines(scope, period))
    )
    paid = session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cny), 0))
        .join(Case, Case.id == Payment.case_id)
        .where(_paid(scope, period))
    )
    return {
        f"{PREFIX}.units_inspected": int(inspections[1]),
        f"{PREFIX}.inspections": int(inspections[0]),
        f"{PREFIX}.ordered": count(select(func.count(Document.id)).where(_ordered(scope, period))),
        f"{PREFIX}.sealed": count(select(func.count(Seal.id)).where(_sealed(scope, period))),
        f"{PREFIX}.sealed_lifted": count(select(func.count(Seal.id)).where(_lifted(scope, period))),
        f"{PREFIX}.cases": count(select(func.count(Case.id)).where(_cases(scope, period))),
        f"{PREFIX}.fines_cny": int(fines or 0),
        f"{PREFIX}.fines_paid_cny": int(paid or 0),
        f"{PREFIX}.three_stops": count(
            select(func.count(Case.id)).where(_decided(scope, period), _stops())
        ),
    }


def trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    """The records behind ``key`` (a SELECT; oldest first)."""
    name = key.removeprefix(PREFIX + ".")
    if name == "units_inspected":
        return (
            select(
                Premises.id,
                Premises.name,
                Premises.org_id,
                func.count(Inspection.id).label("inspections"),
                func.min(Inspection.inspected_on).label("first_inspected_on"),
            )
            .join(Inspection, Inspection.premises_id == Premises.id)
            .where(_inspections(scope, period))
            .group_by(Premises.id, Premises.name, Premises.org_id)
            .order_by(func.min(Inspection.inspected_on), Premises.id)
        )
    if name == "inspections":
        return (
            select(
                Inspection.id,
                Inspection.premises_id,
                Inspection.org_id,
                Inspection.inspected_on,
                Inspection.outcome,
            )
            .where(_inspections(scope, period))
            .order_by(Inspection.inspected_on, Inspection.id)
        )
    if name == "ordered":
        return (
            select(
                Document.id,
                Document.number,
                Document.premises_id,
                Document.org_id,
                Document.issued_on,
                Document.due_on,
            )
            .where(_ordered(scope, period))
            .order_by(Document.issued_on, Document.id)
        )
    if name in ("sealed", "sealed_lifted"):
        cond = _sealed(scope, period) if name == "sealed" else _lifted(scope, period)
        return (
            select(
                Seal.id,
                Seal.premises_id,
                Seal.org_id,
                Seal.scope,
                Seal.starts_on,
                Seal.ends_on,
                Seal.status,
                Seal.lifted_on,
            )
            .where(cond)
            .order_by(Seal.starts_on, Seal.id)
        )
    case_columns = (Case.id, Case.title, Case.premises_id, Case.org_id, Case.status)
    if name == "cases":
        return (
            select(*case_columns, Case.filed_on)
            .where(_cases(scope, period))
            .order_by(Case.filed_on, Case.id)
        )
    if name == "three_stops":
        return (
            select(*case_columns, Case.decided_on)
            .where(_decided(scope, period), _stops())
            .order_by(Case.decided_on, Case.id)
        )
    if name == "fines_cny":
        return (
            select(
                Penalty.id,
                Penalty.case_id,
                Case.title,
                Case.premises_id,
                Case.org_id,
                Case.decided_on,
                Penalty.amount_cny.label("value"),
            )
            .join(Case, Case.id == Penalty.case_id)
            .where(_fines(scope, period))
            .order_by(Case.decided_on, Penalty.id)
        )
    if name == "fines_paid_cny":
        return (
            select(
                Payment.id,
                Payment.case_id,
                Case.org_id,
                Payment.paid_on,
                Payment.receipt_no,
                Payment.amount_cny.label("value"),
            )
            .join(Case, Case.id == Payment.case_id)
            .where(_paid(scope, period))
            .order_by(Payment.paid_on, Payment.id)
        )
    from lanyan.core.errors import Invalid

    raise Invalid(f"未知的统计指标：{key}", f"unknown figure: {key}")


LABELS = {
    f"{PREFIX}.units_inspected": "检查单位（家）",
    f"{PREFIX}.inspections": "监督检查（次）",
    f"{PREFIX}.ordered": "责令限期改正（份）",
    f"{PREFIX}.sealed": "临时查封（处）",
    f"{PREFIX}.sealed_lifted": "解除临时查封（处）",
    f"{PREFIX}.cases": "立案（起）",
    f"{PREFIX}.fines_cny": "罚款（元）",
    f"{PREFIX}.fines_paid_cny": "罚款已缴（元）",
    f"{PREFIX}.three_stops": "责令“三停”（起）",
}


def _yuan(value: Value) -> str:
    amount = int(value or 0)
    return f"{amount / 10_000:.2f}万元" if amount >= 10_000 else f"{amount}元"


def paragraph(current: Figures, previous: Figures) -> str | None:
    """The yearly report's 监督执法 paragraph, or ``None`` when nothing was recorded."""
    v = {key.removeprefix(PREFIX + "."): current.values[key] for key in LABELS}
    if not any(v.values()):
        return None
    before = previous.values.get(f"{PREFIX}.inspections") or 0
    trend = ""
    if before:
        change = (int(v["inspections"] or 0) - int(before)) / int(before) * 100
        trend = f"，同比{'上升' if change >= 0 else '下降'}{abs(change):.1f}%"
    return (
        f"全年共检查单位{v['units_inspected']}家、开展监督检查{v['inspections']}次{trend}；"
        f"下发责令限期改正通知书{v['ordered']}份，临时查封{v['sealed']}处（解除{v['sealed_lifted']}处），"
        f"立案查处{v['cases']}起，罚款{_yuan(v['fines_cny'])}（已缴{_yuan(v['fines_paid_cny'])}），"
        f"责令“三停”{v['three_stops']}起。"
    )


SECTION = Section(
    prefix=PREFIX,
    compute=compute,
    trace=trace,
    labels=LABELS,
    kinds={f"{PREFIX}.fines_cny": "cny", f"{PREFIX}.fines_paid_cny": "cny"},
    report_title="监督执法",
    report_chapter="prevention",
    paragraph=paragraph,
)
