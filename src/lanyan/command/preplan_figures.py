"""Figures of the pre-plans and the scene (scene.*), traceable like every other figure.

- ``scene.preplans.total``: pre-plans written before the period's end (a stock);
- ``scene.preplans.overdue``: of those, the ones whose review date had passed by the period's end
  (or today, for a period not over) — the same definition as the list's flag
  (:func:`lanyan.command.preplans.overdue_condition`), read from each plan's current review date;
- ``scene.preplans.key_premises_without``: key premises (重点单位) registered before the period's
  end with no pre-plan by then (a stock);
- ``scene.preplans.versions``: versions saved in the period (edits and imports);
- ``scene.reports.sent`` / ``scene.reports.reinforcement``: scene reports sent from the crews in
  the period, and those asking for reinforcement.

Versions and reports are never changed once written, so a past period reads the same later.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from lanyan.command.preplan_models import PrePlan, PrePlanVersion
from lanyan.command.preplans import local_today, overdue_condition
from lanyan.command.scene_models import SceneReport
from lanyan.core.errors import Invalid
from lanyan.dispatch.models import Incident
from lanyan.prevention.choices import PremisesCategory
from lanyan.prevention.models import Premises
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, Scope, org_in_scope
from lanyan.stats.sections import Section, Value

PREFIX = "scene"
LABELS = {
    f"{PREFIX}.preplans.total": "数字预案（份）",
    f"{PREFIX}.preplans.overdue": "超期未复核预案（份）",
    f"{PREFIX}.preplans.key_premises_without": "无预案重点单位（家）",
    f"{PREFIX}.preplans.versions": "预案修订（版次）",
    f"{PREFIX}.reports.sent": "现场报告（条）",
    f"{PREFIX}.reports.reinforcement": "现场增援请求（条）",
}


def _as_of(period: Period) -> date:
    return min(period.end, local_today())


def _plans(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(PrePlan.created_at < period.utc_end, org_in_scope(Premises.org_id, scope))


def _without(scope: Scope, period: Period) -> ColumnElement[bool]:
    has_plan = exists().where(
        PrePlan.premises_id == Premises.id, PrePlan.created_at < period.utc_end
    )
    return and_(
        Premises.category == PremisesCategory.KEY_UNIT,
        Premises.created_at < period.utc_end,
        org_in_scope(Premises.org_id, scope),
        ~has_plan,
    )


def _versions(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(
        PrePlanVersion.saved_at >= period.utc_start,
        PrePlanVersion.saved_at < period.utc_end,
        org_in_scope(Premises.org_id, scope),
    )


def _reports(scope: Scope, period: Period) -> ColumnElement[bool]:
    return and_(
        SceneReport.sent_at >= period.utc_start,
        SceneReport.sent_at < period.utc_end,
        org_in_scope(Incident.brigade_id, scope),
    )


def _plan_rows(cond: ColumnElement[bool]) -> Any:
    return (
        select(
            PrePlan.id,
            Premises.name,
            PrePlan.status,
            PrePlan.version,
            PrePlan.reviewed_on,
            PrePlan.review_due_on,
        )
        .join(Premises, Premises.id == PrePlan.premises_id)
        .where(cond)
        .order_by(PrePlan.id)
    )


def _queries(scope: Scope, period: Period) -> dict[str, Any]:
    overdue = and_(_plans(scope, period), overdue_condition(_as_of(period)))
    reports = (
        select(
            SceneReport.id,
            Incident.number,
            SceneReport.sent_at,
            SceneReport.sender_name,
            SceneReport.needs,
            SceneReport.status,
        )
        .join(Incident, Incident.id == SceneReport.incident_id)
        .order_by(SceneReport.sent_at, SceneReport.id)
    )
    return {
        f"{PREFIX}.preplans.total": _plan_rows(_plans(scope, period)),
        f"{PREFIX}.preplans.overdue": _plan_rows(overdue),
        f"{PREFIX}.preplans.key_premises_without": select(
            Premises.id, Premises.name, Premises.address
        )
        .where(_without(scope, period))
        .order_by(Premises.id),
        f"{PREFIX}.preplans.versions": select(
            PrePlanVersion.id,
            Premises.name,
            PrePlanVersion.version,
            PrePlanVersion.source,
            PrePlanVersion.saved_by_name,
            PrePlanVersion.saved_at,
        )
        .join(PrePlan, PrePlan.id == PrePlanVersion.preplan_id)
        .join(Premises, Premises.id == PrePlan.premises_id)
        .where(_versions(scope, period))
        .order_by(PrePlanVersion.saved_at, PrePlanVersion.id),
        f"{PREFIX}.reports.sent": reports.where(_reports(scope, period)),
        f"{PREFIX}.reports.reinforcement": reports.where(
            _reports(scope, period), SceneReport.needs_reinforcement.is_(True)
        ),
    }


def compute(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    """Every figure of the section: the size of its trace."""
    return {
        key: int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        for key, query in _queries(scope, period).items()
    }


def trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    """The records behind ``key``."""
    queries = _queries(scope, period)
    if key not in queries:
        raise Invalid(f"未知的统计指标：{key}", f"unknown figure key: {key}")
    return queries[key]


def paragraph(current: Figures, previous: Figures) -> str | None:
    """The yearly report's sentence on pre-plans and scene reports (None when nothing exists)."""
    values = current.values
    total = int(values.get(f"{PREFIX}.preplans.total") or 0)
    sent = int(values.get(f"{PREFIX}.reports.sent") or 0)
    if not total and not sent:
        return None
    overdue = int(values.get(f"{PREFIX}.preplans.overdue") or 0)
    without = int(values.get(f"{PREFIX}.preplans.key_premises_without") or 0)
    versions = int(values.get(f"{PREFIX}.preplans.versions") or 0)
    reinforcement = int(values.get(f"{PREFIX}.reports.reinforcement") or 0)
    return (
        f"年末共有数字化灭火救援预案{total:,}份，全年修订{versions:,}版次，"
        f"其中{overdue:,}份超过复核周期未复核，尚有{without:,}家重点单位未编制预案；"
        f"全年现场报告{sent:,}条，其中请求增援{reinforcement:,}条。"
    )


SECTION = Section(
    prefix=PREFIX,
    compute=compute,
    trace=trace,
    labels=LABELS,
    stock_prefixes=(
        f"{PREFIX}.preplans.total",
        f"{PREFIX}.preplans.overdue",
        f"{PREFIX}.preplans.key_premises_without",
    ),
    report_title="灭火救援预案与现场指挥",
    report_chapter="rescue",
    paragraph=paragraph,
)
