"""Campaign figures for the statistics and the yearly report (a :mod:`lanyan.stats.sections`
section, prefix ``campaigns``).

- ``campaigns.measures.<code>``: what campaign inspections did in the period, in the measure's
  physical unit (拆除铁栅栏 处, 充电端口 个, 气改电 家 …): the sum of the recorded quantities by
  inspection day. Its trace lists the inspections' measure rows with ``value`` = quantity, so the
  values add up to the figure. Every measure of the catalogue has its key, recorded or not, so
  two periods compare key by key.
- ``campaigns.directives.issued`` / ``answered`` / ``overdue``: 交办单 issued in the period, those
  first answered in it, and those issued in it that are overdue at the period's end (or now, for
  a period not over) — :func:`lanyan.prevention.directives.overdue_as_of`, one definition.

It lives in :mod:`lanyan.stats` rather than in prevention because the statistics already import
prevention (a prevention module importing the statistics would close a package cycle); it is
still a registered section, so the stats modules themselves are not edited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Invalid
from lanyan.prevention.campaign_catalogue import DEFAULT_MEASURES, MeasureKind
from lanyan.prevention.campaign_models import (
    CampaignDirective,
    CampaignMeasure,
    CampaignMeasureKind,
)
from lanyan.prevention.directives import overdue_as_of
from lanyan.prevention.models import Inspection, Premises
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, Scope, org_in_scope
from lanyan.stats.sections import Kind, Section, Value

PREFIX = "campaigns"
MEASURES = f"{PREFIX}.measures."
DIRECTIVES = ("issued", "answered", "overdue")


def _kinds(session: Session) -> dict[str, MeasureKind]:
    found = dict(DEFAULT_MEASURES)
    for row in session.scalars(select(CampaignMeasureKind)):
        found[row.code] = MeasureKind(row.code, row.zh, row.unit, row.active)
    return found


def _as_of(period: Period, now: datetime) -> datetime:
    return min(now, period.utc_end)


def _measure_in(period: Period, scope: Scope) -> Any:
    return (
        (CampaignMeasure.recorded_on >= period.start)
        & (CampaignMeasure.recorded_on < period.end)
        & org_in_scope(CampaignMeasure.org_id, scope)
    )


def _directive_condition(key: str, period: Period, now: datetime) -> Any:
    issued = (CampaignDirective.issued_at >= period.utc_start) & (
        CampaignDirective.issued_at < period.utc_end
    )
    if key == "issued":
        return issued
    if key == "answered":
        return (CampaignDirective.first_replied_on >= period.start) & (
            CampaignDirective.first_replied_on < period.end
        )
    return issued & overdue_as_of(_as_of(period, now))


def compute(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    """Measures by code (sums of quantities) and 交办单 issued / answered / overdue."""
    sums = dict(
        session.execute(
            select(CampaignMeasure.measure, func.sum(CampaignMeasure.quantity))
            .where(_measure_in(period, scope))
            .group_by(CampaignMeasure.measure)
        ).all()
    )
    out: dict[str, Value] = {}
    for code in sorted(set(_kinds(session)) | set(sums)):
        out[MEASURES + code] = int(sums.get(code) or 0)
    for key in DIRECTIVES:
        out[f"{PREFIX}.directives.{key}"] = int(
            session.scalar(
                select(func.count()).where(
                    org_in_scope(CampaignDirective.org_id, scope),
                    _directive_condition(key, period, now),
                )
            )
            or 0
        )
    return out


def trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    """The records behind a key: measure rows with their inspection, or the 交办单."""
    if key.startswith(MEASURES):
        code = key.removeprefix(MEASURES)
        return (
            select(
                CampaignMeasure.id,
                CampaignMeasure.inspection_id,
                CampaignMeasure.campaign_id,
                Premises.name.label("premises"),
                CampaignMeasure.org_id,
                Inspection.inspected_on,
                CampaignMeasure.measure,
                CampaignMeasure.quantity.label("value"),
            )
            .join(Inspection, Inspection.id == CampaignMeasure.inspection_id)
            .join(Premises, Premises.id == CampaignMeasure.premises_id)
            .where(_measure_in(period, scope), CampaignMeasure.measure == code)
            .order_by(CampaignMeasure.recorded_on, CampaignMeasure.id)
        )
    tail = key.removeprefix(f"{PREFIX}.directives.")
    if tail not in DIRECTIVES:
        raise Invalid(f"没有这个统计项：{key}", f"no such figure: {key}")
    return (
        select(
            CampaignDirective.id,
            CampaignDirective.number,
            CampaignDirective.subject,
            CampaignDirective.org_id,
            CampaignDirective.to_department,
            CampaignDirective.status,
            CampaignDirective.issued_at,
            CampaignDirective.due_on,
            CampaignDirective.first_replied_on,
        )
        .where(
            org_in_scope(CampaignDirective.org_id, scope),
            _directive_condition(tail, period, now),
        )
        .order_by(CampaignDirective.issued_at, CampaignDirective.id)
    )


_LABELS = {
    f"{PREFIX}.directives.issued": "交办单·发出",
    f"{PREFIX}.directives.answered": "交办单·回复",
    f"{PREFIX}.directives.overdue": "交办单·逾期",
}


def _label(key: str) -> str | None:
    if not key.startswith(MEASURES):
        return None
    code = key.removeprefix(MEASURES)
    kind = DEFAULT_MEASURES.get(code)
    return f"专项整治·{kind.zh}（{kind.unit}）" if kind else f"专项整治·{code}"


class _MeasureKinds(dict[str, Kind]):
    """Measure figures are sums of quantities (as ``people`` figures are sums of people):
    their traces carry each record's ``value``. The section registry has no neutral "sum"
    kind; ``people`` is the one whose meaning is "a sum over records"."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.startswith(MEASURES)

    def __missing__(self, key: str) -> Kind:
        if key.startswith(MEASURES):
            return "people"
        raise KeyError(key)


def paragraph(current: Figures, previous: Figures) -> str | None:
    """The yearly report's sentence on campaign results in physical units, and 交办单."""
    values = current.values
    parts = []
    kinds = DEFAULT_MEASURES
    for key, value in values.items():
        if key.startswith(MEASURES) and value:
            code = key.removeprefix(MEASURES)
            kind = kinds.get(code)
            name, unit = (kind.zh, kind.unit) if kind else (code, "")
            parts.append(f"{name}{int(value):,}{unit}")
    issued = int(values.get(f"{PREFIX}.directives.issued") or 0)
    if not parts and not issued:
        return None
    text = ""
    if parts:
        text += "开展专项整治，" + "、".join(parts) + "。"
    if issued:
        answered = int(values.get(f"{PREFIX}.directives.answered") or 0)
        overdue = int(values.get(f"{PREFIX}.directives.overdue") or 0)
        text += f"发出交办单{issued}份，回复{answered}份，逾期未按时回复{overdue}份。"
    return text


SECTION = Section(
    prefix=PREFIX,
    compute=compute,
    trace=trace,
    labels=_LABELS,
    dynamic_label=_label,
    kinds=_MeasureKinds(),
    report_title="专项整治",
    report_chapter="prevention",
    paragraph=paragraph,
)
