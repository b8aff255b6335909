"""初战控火, reinforcement and 信息报送 figures: a lanyan.stats.sections section (chapter 灭火救援).

Keys, every one traceable to its records:

- ``response.water_on.{n,mean,p50,p90}``: fires of the period whose first water on the fire
  (出水, the earliest ``water_on_at`` of any unit) came after the first unit was assigned —
  the time from that first assignment (the turnout order the 5-minute standard counts from) to
  first water, in seconds. ``response.controlled.*`` and ``response.extinguished.*``: from the
  first assignment to the incident's 控制 / 扑灭 entry of the timeline. These sit beside the
  first-response measures of :data:`lanyan.stats.queries.METRICS` without changing them.
- ``command.controlled_fires``: fires with a 控制 entry; ``command.controlled_by_first``: those
  controlled by the first-arriving force — no unit was assigned after the first one arrived and
  before control (追加 units sent after arrival mean the first force did not suffice);
  ``command.controlled_by_first_pct`` their share.
- ``command.reinforcements``: reinforcement requests made for incidents of the subtree.
- ``reports.total``: 信息报送 items raised in the period (withdrawn ones left out);
  ``reports.on_time`` those whose 首报 went out within its time limit; ``reports.late`` those
  whose 首报 was late or is still missing past its limit; ``reports.on_time_pct``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from lanyan.command.combat_models import (
    InfoReport,
    InfoReportMessage,
    ReinforcementRequest,
    ReportStage,
    ReportStatus,
)
from lanyan.dispatch.choices import EventKind, IncidentType
from lanyan.dispatch.models import Assignment, Incident, IncidentEvent
from lanyan.stats.queries import (
    dialect_of,
    incident_base,
    incident_in_scope,
    joined_ints,
    joined_values,
    milliseconds_between,
    span_figures,
)
from lanyan.stats.sections import Section, Value

if TYPE_CHECKING:
    from lanyan.stats.periods import Period
    from lanyan.stats.queries import Figures, Scope

SPANS = {
    "water_on": "首车出水时间",
    "controlled": "火势控制时间",
    "extinguished": "火灾扑灭时间",
}
"""Measures of 初战控火, each from the first assignment, in seconds."""

STAT_LABELS = {"n": "样本数", "mean": "平均值(秒)", "p50": "中位数(秒)", "p90": "90百分位(秒)"}


@dataclass(frozen=True)
class CommandSection(Section):
    """A section owning several prefixes (``command``, ``reports``, the new response measures)."""

    also: tuple[str, ...] = ()

    def owns(self, key: str) -> bool:
        """Whether ``key`` is one of this section's figures."""
        return any(key == p or key.startswith(p + ".") for p in (self.prefix, *self.also))


def _event_at(kind: EventKind) -> Any:
    return (
        select(func.min(IncidentEvent.at))
        .where(IncidentEvent.incident_id == Incident.id, IncidentEvent.kind == kind)
        .correlate(Incident)
        .scalar_subquery()
    )


def _span_end(name: str) -> Any:
    if name == "water_on":
        return (
            select(func.min(Assignment.water_on_at))
            .where(Assignment.incident_id == Incident.id)
            .correlate(Incident)
            .scalar_subquery()
        )
    return _event_at(EventKind.CONTROLLED if name == "controlled" else EventKind.EXTINGUISHED)


def _span_ms(name: str, dialect: str) -> ColumnElement[int]:
    return milliseconds_between(_span_end(name), Incident.first_assigned_at, dialect)


def _incident_rows(scope: Scope, period: Period, cond: Any, value: Any = None) -> Any:
    return (
        select(
            Incident.id,
            Incident.number,
            Incident.received_at,
            Incident.type,
            Incident.subtype,
            Incident.brigade_id,
            Incident.address_text,
            (value if value is not None else literal(None)).label("value"),
        )
        .where(incident_base(scope, period), Incident.type == IncidentType.FIRE, cond)
        .order_by(Incident.received_at, Incident.id)
    )


def _span_rows(scope: Scope, period: Period, name: str, dialect: str) -> Any:
    ms = _span_ms(name, dialect)
    return _incident_rows(scope, period, ms >= 0, cast(ms, Float) / 1000.0)


def _controlled(scope: Scope, period: Period, *, by_first: bool) -> Any:
    controlled_at = _event_at(EventKind.CONTROLLED)
    cond: Any = controlled_at.is_not(None)
    if by_first:
        late = exists().where(
            Assignment.incident_id == Incident.id,
            Assignment.assigned_at > Incident.first_on_scene_at,
            Assignment.assigned_at < controlled_at,
        )
        cond = and_(cond, Incident.first_on_scene_at.is_not(None), ~late)
    return _incident_rows(scope, period, cond)


def _first_message(on_time: bool) -> Any:
    return exists().where(
        InfoReportMessage.report_id == InfoReport.id,
        InfoReportMessage.stage == ReportStage.FIRST,
        InfoReportMessage.on_time.is_(on_time),
    )


def _report_rows(scope: Scope, period: Period, now: datetime, which: str) -> Any:
    cond: Any = and_(
        InfoReport.triggered_at >= period.utc_start,
        InfoReport.triggered_at < period.utc_end,
        InfoReport.status != ReportStatus.WITHDRAWN,
        incident_in_scope(scope),
    )
    if which == "on_time":
        cond = and_(cond, _first_message(True))
    elif which == "late":
        missing = and_(InfoReport.first_sent_at.is_(None), InfoReport.first_due_at < now)
        cond = and_(cond, or_(_first_message(False), missing))
    return (
        select(
            InfoReport.id,
            Incident.number,
            InfoReport.status,
            InfoReport.triggered_at,
            InfoReport.first_due_at,
            InfoReport.first_sent_at,
        )
        .join(Incident, Incident.id == InfoReport.incident_id)
        .where(cond)
        .order_by(InfoReport.triggered_at, InfoReport.id)
    )


def _reinforcement_rows(scope: Scope, period: Period) -> Any:
    return (
        select(
            ReinforcementRequest.id,
            Incident.number,
            ReinforcementRequest.status,
            ReinforcementRequest.requested_at,
            ReinforcementRequest.incident_summary,
        )
        .join(Incident, Incident.id == ReinforcementRequest.incident_id)
        .where(
            ReinforcementRequest.requested_at >= period.utc_start,
            ReinforcementRequest.requested_at < period.utc_end,
            incident_in_scope(scope),
        )
        .order_by(ReinforcementRequest.requested_at, ReinforcementRequest.id)
    )


def _count(session: Session, stmt: Any) -> int:
    return int(
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )


def _pct(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _fire_pass(session: Session, scope: Scope, period: Period) -> tuple[dict[str, Any], int, int]:
    """One pass over the period's fires: the three spans (numpy arrays of whole milliseconds, each
    non-negative span, as :func:`_span_rows` lists them), the fires controlled
    and those controlled by the first force (as :func:`_controlled` lists them).

    The fires are read once with their three moments (each a probe of an index) in a subquery
    the planner must not merge into the aggregate (the ``OFFSET``), so every correlated subquery
    runs once per fire; a query per figure ran them seven times over, twice where a span was both
    filtered and selected, which cost a year of a million calls 4 s (bench/stats.py).
    """
    dialect = dialect_of(session)
    fires = (
        select(
            Incident.id.label("id"),
            Incident.first_assigned_at.label("assigned_at"),
            Incident.first_on_scene_at.label("on_scene_at"),
            *(_span_end(name).label(name) for name in SPANS),
        )
        .where(incident_base(scope, period), Incident.type == IncidentType.FIRE)
        .offset(0)
        .subquery("f")
    )
    controlled_at = fires.c.controlled
    late = exists().where(
        Assignment.incident_id == fires.c.id,
        Assignment.assigned_at > fires.c.on_scene_at,
        Assignment.assigned_at < controlled_at,
    )
    by_first = and_(controlled_at.is_not(None), fires.c.on_scene_at.is_not(None), ~late)
    row = session.execute(
        select(
            *(
                joined_values(
                    milliseconds_between(fires.c[name], fires.c.assigned_at, dialect), dialect
                )
                for name in SPANS
            ),
            func.count(controlled_at),
            func.coalesce(func.sum(case((by_first, 1), else_=0)), 0),
        )
    ).one()
    spans = {}
    for name, joined in zip(SPANS, row[: len(SPANS)], strict=True):
        ms = joined_ints(joined)
        spans[name] = ms[ms >= 0]
    return spans, int(row[-2]), int(row[-1])


def compute(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    """Every figure of the section for one period and subtree."""
    out: dict[str, Value] = {}
    spans, controlled, by_first = _fire_pass(session, scope, period)
    for name in SPANS:
        out.update(span_figures(spans[name], f"response.{name}"))
    out["command.controlled_fires"] = controlled
    out["command.controlled_by_first"] = by_first
    out["command.controlled_by_first_pct"] = _pct(by_first, controlled)
    out["command.reinforcements"] = _count(session, _reinforcement_rows(scope, period))
    total = _count(session, _report_rows(scope, period, now, "total"))
    on_time = _count(session, _report_rows(scope, period, now, "on_time"))
    out["reports.total"] = total
    out["reports.on_time"] = on_time
    out["reports.late"] = _count(session, _report_rows(scope, period, now, "late"))
    out["reports.on_time_pct"] = _pct(on_time, total)
    return out


def trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    """The records behind ``key`` (as many rows as a count figure says)."""
    from lanyan.core.errors import Invalid

    parts = key.split(".")
    if parts[0] == "response" and len(parts) == 3 and parts[1] in SPANS:
        return _span_rows(scope, period, parts[1], dialect_of(session))
    if key in ("command.controlled_fires", "command.controlled_by_first_pct"):
        return _controlled(scope, period, by_first=False)
    if key == "command.controlled_by_first":
        return _controlled(scope, period, by_first=True)
    if key == "command.reinforcements":
        return _reinforcement_rows(scope, period)
    if key in ("reports.total", "reports.on_time_pct"):
        return _report_rows(scope, period, now, "total")
    if key in ("reports.on_time", "reports.late"):
        return _report_rows(scope, period, now, parts[1])
    raise Invalid(f"未知的统计指标：{key}", f"unknown figure: {key}")


LABELS: dict[str, str] = {
    "command.controlled_fires": "火势得到控制的火灾",
    "command.controlled_by_first": "首批力量控制火势起数",
    "command.controlled_by_first_pct": "首批力量控火率(%)",
    "command.reinforcements": "跨区域增援请求",
    "reports.total": "信息报送起数",
    "reports.on_time": "按时首报起数",
    "reports.late": "首报超时起数",
    "reports.on_time_pct": "按时首报率(%)",
}
LABELS.update(
    {
        f"response.{name}.{stat}": f"{zh}·{STAT_LABELS[stat]}"
        for name, zh in SPANS.items()
        for stat in STAT_LABELS
    }
)

KINDS: dict[str, Any] = {
    "command.controlled_by_first_pct": "percent",
    "reports.on_time_pct": "percent",
    **{f"response.{name}.{s}": "seconds" for name in SPANS for s in ("mean", "p50", "p90")},
}


def _mmss(seconds: Value) -> str:
    total = round(float(seconds or 0))
    return f"{total // 60}分{total % 60:02d}秒"


def paragraph(current: Figures, previous: Figures) -> str | None:
    """The yearly report's text on 初战控火 and 信息报送 (None when nothing was recorded)."""
    v = current.values
    if not v.get("response.water_on.n") and not v.get("reports.total"):
        return None
    parts = []
    if v.get("response.water_on.n"):
        parts.append(
            f"全年有出水记录的火灾{v['response.water_on.n']}起，"
            f"首车出水时间中位数{_mmss(v['response.water_on.p50'])}"
        )
    if v.get("response.controlled.n"):
        parts.append(f"火势控制时间中位数{_mmss(v['response.controlled.p50'])}")
    if v.get("command.controlled_fires"):
        parts.append(
            f"首批力量控制火势{v['command.controlled_by_first']}起，"
            f"占已控制火灾的{v['command.controlled_by_first_pct']}%"
        )
    if v.get("reports.total"):
        parts.append(
            f"紧急信息报送{v['reports.total']}起，按时首报{v['reports.on_time']}起"
            f"（{v['reports.on_time_pct']}%）"
        )
    return "；".join(parts) + "。"


SECTION = CommandSection(
    prefix="command",
    also=("reports", *(f"response.{name}" for name in SPANS)),
    compute=compute,
    trace=trace,
    labels=LABELS,
    kinds=KINDS,
    report_title="初战控火与信息报送",
    report_chapter="rescue",
    paragraph=paragraph,
)
