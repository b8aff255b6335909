"""Early-warning figures (risk.warnings.*) for the statistics and the yearly report, traceable.

Every figure counts ``risk_warning`` rows by their timestamps, which never change once written
(a warning is raised once, signed for once, closed once), so a past period reads the same later:

- ``risk.warnings.raised``: warnings raised in the period; ``risk.warnings.rule.<rule>``: by rule;
- ``risk.warnings.acknowledged`` / ``risk.warnings.closed``: signed for / closed in the period;
- ``risk.warnings.open``: raised before the period's end and not closed by it (a stock).

The trace of each lists exactly the warnings it counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Invalid
from lanyan.risk.choices import WarningRule
from lanyan.risk.models import RiskWarning
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, Scope, org_in_scope
from lanyan.stats.sections import Section, Value

W = RiskWarning
PREFIX = "risk.warnings"
LABELS = {
    f"{PREFIX}.raised": "风险预警（条）",
    f"{PREFIX}.acknowledged": "预警签收（条）",
    f"{PREFIX}.closed": "预警办结（条）",
    f"{PREFIX}.open": "期末未办结预警（条）",
}
STAMPS = {
    f"{PREFIX}.raised": W.raised_at,
    f"{PREFIX}.acknowledged": W.acknowledged_at,
    f"{PREFIX}.closed": W.closed_at,
}


def _between(column: Any, scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.utc_start, column < period.utc_end, org_in_scope(W.org_id, scope))


def _open_at(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(
        W.raised_at < period.utc_end,
        or_(W.closed_at.is_(None), W.closed_at >= period.utc_end),
        org_in_scope(W.org_id, scope),
    )


def compute(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    """Every warning figure of the period and subtree."""
    out: dict[str, Value] = {}
    for key, column in STAMPS.items():
        out[key] = int(
            session.scalar(
                select(func.count()).select_from(W).where(_between(column, scope, period))
            )
            or 0
        )
    by_rule = dict(
        session.execute(
            select(W.rule, func.count())
            .where(_between(W.raised_at, scope, period))
            .group_by(W.rule)
        ).all()
    )
    for rule in WarningRule:
        out[f"{PREFIX}.rule.{rule.value}"] = int(by_rule.get(rule, 0))
    out[f"{PREFIX}.open"] = int(
        session.scalar(select(func.count()).select_from(W).where(_open_at(scope, period))) or 0
    )
    return out


def _rows(cond: ColumnElement[bool]) -> Any:
    return (
        select(
            W.id, W.rule, W.status, W.title, W.org_id, W.raised_at, W.acknowledged_at, W.closed_at
        )
        .where(cond)
        .order_by(W.raised_at, W.id)
    )


def trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    """The warnings behind ``key``."""
    if key in STAMPS:
        return _rows(_between(STAMPS[key], scope, period))
    if key == f"{PREFIX}.open":
        return _rows(_open_at(scope, period))
    value = key.removeprefix(f"{PREFIX}.rule.")
    if value != key and value in WarningRule._value2member_map_:
        return _rows(and_(_between(W.raised_at, scope, period), W.rule == WarningRule(value)))
    raise Invalid(f"未知的统计指标：{key}", f"unknown figure key: {key}")


def _label(key: str) -> str | None:
    value = key.removeprefix(f"{PREFIX}.rule.")
    if value != key and value in WarningRule._value2member_map_:
        return f"预警：{WarningRule(value).zh}"
    return None


def paragraph(current: Figures, previous: Figures) -> str | None:
    """全年发出风险预警N条… (``None`` when no warning was raised or open)."""
    raised = int(current.values.get(f"{PREFIX}.raised") or 0)
    still = int(current.values.get(f"{PREFIX}.open") or 0)
    if not raised and not still:
        return None
    closed = int(current.values.get(f"{PREFIX}.closed") or 0)
    text = f"全年发出风险预警{raised:,}条，办结{closed:,}条，期末尚有{still:,}条未办结"
    top = sorted(
        ((int(current.values.get(f"{PREFIX}.rule.{r.value}") or 0), r.zh) for r in WarningRule),
        reverse=True,
    )
    named = [f"{zh}{n:,}条" for n, zh in top if n][:3]
    if named:
        text += "，其中" + "、".join(named)
    return text + "。"


SECTION = Section(
    prefix=PREFIX,
    compute=compute,
    trace=trace,
    labels=LABELS,
    dynamic_label=_label,
    stock_prefixes=(f"{PREFIX}.open",),
    report_title="风险预警",
    report_chapter="prevention",
    paragraph=paragraph,
)
