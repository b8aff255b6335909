"""Figures of training, drills, duty declarations and 督察 (chapter 队伍建设 of the yearly report).

Four sections, one per prefix, so every key is owned by exactly one (see
:mod:`lanyan.stats.sections`): ``training.*`` (this module's :data:`SECTION`), ``drills.*``,
``duty.*`` and ``supervision.*`` (listed through the small modules ``figures_drills``,
``figures_duty`` and ``figures_supervision``). Counts trace to exactly their rows.

- training.sessions / person_times: sessions held in the period and their attendance rows
  (参训人次); by subject;
- training.assessed / passed / pass_pct: results of assessments *published* in the period's
  days (held_on), the pass rate overall and by subject; competitions held;
- drills.total: incidents flagged ``is_drill`` received in the period (never in the incident
  figures), with the mean alert-to-turnout and alert-to-arrival of their first unit;
- duty.declarations / on_time / on_time_pct: daily declarations and those made by the set time;
- supervision.inspections, findings (by 秩序), findings_closed in the period, findings_open at
  the period's end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from lanyan.dispatch.models import Incident
from lanyan.duty.choices import AssessmentKind, AssessmentStatus, Order, Subject
from lanyan.duty.declarations import declare_by
from lanyan.duty.models import (
    Assessment,
    AssessmentResult,
    Declaration,
    Person,
    Supervision,
    SupervisionFinding,
    TrainingAttendance,
    TrainingSession,
)
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, Scope, incident_in_scope, org_in_scope
from lanyan.stats.sections import Section, Value


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


# --- training ----------------------------------------------------------------------------------


def _sessions(scope: Scope, period: Period) -> Any:
    return and_(
        TrainingSession.held_on >= period.start,
        TrainingSession.held_on < period.end,
        org_in_scope(TrainingSession.org_id, scope),
    )


def _results(scope: Scope, period: Period) -> Any:
    return and_(
        Assessment.status == AssessmentStatus.PUBLISHED,
        Assessment.held_on >= period.start,
        Assessment.held_on < period.end,
        org_in_scope(Assessment.org_id, scope),
    )


def _training(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    by_subject = dict(
        session.execute(
            select(TrainingSession.subject, func.count())
            .where(_sessions(scope, period))
            .group_by(TrainingSession.subject)
        ).all()
    )
    attendance = session.scalar(
        select(func.count())
        .select_from(TrainingAttendance)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(_sessions(scope, period))
    )
    results = session.execute(
        select(Assessment.subject, AssessmentResult.passed, func.count())
        .join(Assessment, Assessment.id == AssessmentResult.assessment_id)
        .where(_results(scope, period))
        .group_by(Assessment.subject, AssessmentResult.passed)
    ).all()
    competitions = session.scalar(
        select(func.count())
        .select_from(Assessment)
        .where(_results(scope, period), Assessment.kind == AssessmentKind.COMPETITION)
    )
    assessed = sum(int(n) for _, _, n in results)
    passed = sum(int(n) for _, ok, n in results if ok)
    values: dict[str, Value] = {
        "training.sessions": sum(int(n) for n in by_subject.values()),
        "training.person_times": int(attendance or 0),
        "training.assessed": assessed,
        "training.passed": passed,
        "training.pass_pct": _pct(passed, assessed),
        "training.competitions": int(competitions or 0),
    }
    for subject in Subject:
        values[f"training.by_subject.{subject.value}"] = int(by_subject.get(subject, 0))
        whole = sum(int(n) for s, _, n in results if s == subject)
        part = sum(int(n) for s, ok, n in results if s == subject and ok)
        values[f"training.pass_pct_by_subject.{subject.value}"] = _pct(part, whole)
    return values


def _training_trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    if key == "training.person_times":
        return (
            select(
                TrainingSession.id.label("session_id"),
                TrainingSession.held_on,
                TrainingSession.title,
                Person.name,
            )
            .select_from(TrainingAttendance)
            .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
            .join(Person, Person.id == TrainingAttendance.person_id)
            .where(_sessions(scope, period))
            .order_by(TrainingSession.held_on, TrainingSession.id, Person.id)
        )
    if key == "training.sessions" or key.startswith("training.by_subject."):
        stmt = select(
            TrainingSession.id,
            TrainingSession.held_on,
            TrainingSession.subject,
            TrainingSession.title,
        ).where(_sessions(scope, period))
        if key.startswith("training.by_subject."):
            stmt = stmt.where(TrainingSession.subject == Subject(key.rsplit(".", 1)[1]))
        return stmt.order_by(TrainingSession.held_on, TrainingSession.id)
    if key == "training.competitions":
        return (
            select(Assessment.id, Assessment.held_on, Assessment.item)
            .where(_results(scope, period), Assessment.kind == AssessmentKind.COMPETITION)
            .order_by(Assessment.held_on, Assessment.id)
        )
    results: Any = (
        select(
            AssessmentResult.id,
            Assessment.held_on,
            Assessment.item,
            Person.name,
            AssessmentResult.value,
            AssessmentResult.passed,
        )
        .join(Assessment, Assessment.id == AssessmentResult.assessment_id)
        .join(Person, Person.id == AssessmentResult.person_id)
        .where(_results(scope, period))
    )
    if key == "training.passed":
        results = results.where(AssessmentResult.passed.is_(True))
    if key.startswith("training.pass_pct_by_subject."):
        results = results.where(Assessment.subject == Subject(key.rsplit(".", 1)[1]))
    return results.order_by(Assessment.held_on, AssessmentResult.id)


def _training_label(key: str) -> str | None:
    tail = key.rsplit(".", 1)[-1]
    if key.startswith("training.by_subject."):
        return f"{Subject(tail).zh}训练(次)"
    if key.startswith("training.pass_pct_by_subject."):
        return f"{Subject(tail).zh}考核合格率"
    return None


def _training_paragraph(current: Figures, previous: Figures) -> str | None:
    v = current.values
    if not v.get("training.sessions") and not v.get("training.assessed"):
        return None
    text = f"全年组织训练{v['training.sessions']}次、参训{v['training.person_times']}人次"
    subjects = [
        f"{s.zh}{v[f'training.by_subject.{s.value}']}次"
        for s in Subject
        if v.get(f"training.by_subject.{s.value}")
    ]
    if subjects:
        text += f"（{'、'.join(subjects)}）"
    if v.get("training.assessed"):
        text += (
            f"；考核{v['training.assessed']}人次，合格{v['training.passed']}人次，"
            f"合格率{v['training.pass_pct']}%，考核结果均在网上公示"
        )
    if v.get("training.competitions"):
        text += f"；组织比武竞赛{v['training.competitions']}项"
    before = previous.values.get("training.person_times")
    now_times = v.get("training.person_times") or 0
    if before:
        text += f"，参训人次同比{'增长' if now_times >= before else '下降'}"
    return text + "。"


SECTION = Section(
    prefix="training",
    compute=_training,
    trace=_training_trace,
    labels={
        "training.sessions": "训练(次)",
        "training.person_times": "参训人次",
        "training.assessed": "考核人次",
        "training.passed": "考核合格人次",
        "training.pass_pct": "考核合格率",
        "training.competitions": "比武竞赛(项)",
    },
    dynamic_label=_training_label,
    kinds={
        "training.pass_pct": "percent",
        **{f"training.pass_pct_by_subject.{s.value}": "percent" for s in Subject},
    },
    report_title="练兵考核",
    report_chapter="forces",
    paragraph=_training_paragraph,
)


# --- drills ------------------------------------------------------------------------------------


def _drills_where(scope: Scope, period: Period) -> Any:
    # the drills by their own index, then the period: SQLite's planner, which cannot tell the
    # few drills from the million calls by the is_drill statistics, otherwise walked the whole
    # period's incidents (0.3 s of a year's figures over a million calls, bench/stats.py)
    drills = select(Incident.id).where(Incident.is_drill.is_(True))
    return and_(
        Incident.id.in_(drills),
        Incident.received_at >= period.utc_start,
        Incident.received_at < period.utc_end,
        incident_in_scope(scope),
    )


def _drills(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    rows = session.execute(
        select(
            Incident.first_assigned_at, Incident.first_en_route_at, Incident.first_on_scene_at
        ).where(_drills_where(scope, period))
    ).all()
    turnout = [(b - a).total_seconds() for a, b, _ in rows if a is not None and b is not None]
    arrival = [(c - a).total_seconds() for a, _, c in rows if a is not None and c is not None]
    return {
        "drills.total": len(rows),
        "drills.arrived": len(arrival),
        "drills.turnout_mean_s": _mean(turnout),
        "drills.arrival_mean_s": _mean(arrival),
    }


def _drills_trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    stmt = select(
        Incident.id,
        Incident.number,
        Incident.received_at,
        Incident.description,
        Incident.first_assigned_at,
        Incident.first_en_route_at,
        Incident.first_on_scene_at,
    ).where(_drills_where(scope, period))
    if key == "drills.arrived" or key == "drills.arrival_mean_s":
        stmt = stmt.where(
            Incident.first_assigned_at.is_not(None), Incident.first_on_scene_at.is_not(None)
        )
    if key == "drills.turnout_mean_s":
        stmt = stmt.where(
            Incident.first_assigned_at.is_not(None), Incident.first_en_route_at.is_not(None)
        )
    return stmt.order_by(Incident.received_at, Incident.id)


def _drills_paragraph(current: Figures, previous: Figures) -> str | None:
    v = current.values
    if not v.get("drills.total"):
        return None
    text = f"全年组织拉动演练{v['drills.total']}次"
    if v.get("drills.turnout_mean_s") is not None:
        text += f"，平均出动用时{v['drills.turnout_mean_s']:.0f}秒"
    if v.get("drills.arrival_mean_s") is not None:
        text += f"，平均到场用时{v['drills.arrival_mean_s']:.0f}秒"
    return text + "（演练不计入警情统计）。"


DRILLS = Section(
    prefix="drills",
    compute=_drills,
    trace=_drills_trace,
    labels={
        "drills.total": "拉动演练(次)",
        "drills.arrived": "演练到场(次)",
        "drills.turnout_mean_s": "演练平均出动用时",
        "drills.arrival_mean_s": "演练平均到场用时",
    },
    kinds={"drills.turnout_mean_s": "seconds", "drills.arrival_mean_s": "seconds"},
    report_title="拉动演练",
    report_chapter="forces",
    paragraph=_drills_paragraph,
)


# --- duty declarations -------------------------------------------------------------------------


def _declarations(scope: Scope, period: Period) -> Any:
    return and_(
        Declaration.day >= period.start,
        Declaration.day < period.end,
        org_in_scope(Declaration.station_id, scope),
    )


def _on_time_rows(session: Session, scope: Scope, period: Period) -> list[tuple[int, bool]]:
    rows = session.execute(
        select(Declaration.id, Declaration.day, Declaration.declared_at).where(
            _declarations(scope, period)
        )
    ).all()
    return [(i, at <= declare_by(day)) for i, day, at in rows]


def _duty(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    rows = _on_time_rows(session, scope, period)
    on_time = sum(1 for _, ok in rows if ok)
    return {
        "duty.declarations": len(rows),
        "duty.on_time": on_time,
        "duty.on_time_pct": _pct(on_time, len(rows)),
    }


def _duty_trace(session: Session, scope: Scope, period: Period, now: datetime, key: str) -> Any:
    stmt = select(
        Declaration.id, Declaration.station_id, Declaration.day, Declaration.declared_at
    ).where(_declarations(scope, period))
    if key == "duty.on_time":
        ids = [i for i, ok in _on_time_rows(session, scope, period) if ok]
        stmt = stmt.where(Declaration.id.in_(ids))
    return stmt.order_by(Declaration.day, Declaration.id)


def _duty_paragraph(current: Figures, previous: Figures) -> str | None:
    v = current.values
    if not v.get("duty.declarations"):
        return None
    return (
        f"各站申报执勤实力{v['duty.declarations']}次，按时申报{v['duty.on_time']}次，"
        f"按时率{v['duty.on_time_pct']}%。"
    )


DUTY = Section(
    prefix="duty",
    compute=_duty,
    trace=_duty_trace,
    labels={
        "duty.declarations": "执勤实力申报(次)",
        "duty.on_time": "按时申报(次)",
        "duty.on_time_pct": "按时申报率",
    },
    kinds={"duty.on_time_pct": "percent"},
    report_title="执勤实力",
    report_chapter="forces",
    paragraph=_duty_paragraph,
)


# --- 督察 -----------------------------------------------------------------------------------


def _inspections(scope: Scope, period: Period) -> Any:
    return and_(
        Supervision.inspected_on >= period.start,
        Supervision.inspected_on < period.end,
        org_in_scope(Supervision.org_id, scope),
    )


def _finding_conditions(scope: Scope, period: Period) -> dict[str, Callable[[], Any]]:
    return {
        "found": lambda: _inspections(scope, period),
        "closed": lambda: and_(
            org_in_scope(Supervision.org_id, scope),
            SupervisionFinding.closed_at >= period.utc_start,
            SupervisionFinding.closed_at < period.utc_end,
        ),
        "open": lambda: and_(
            org_in_scope(Supervision.org_id, scope),
            Supervision.inspected_on < period.end,
            or_(
                SupervisionFinding.closed_at.is_(None),
                SupervisionFinding.closed_at >= period.utc_end,
            ),
        ),
    }


def _count_findings(session: Session, condition: Any) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SupervisionFinding)
            .join(Supervision, Supervision.id == SupervisionFinding.supervision_id)
            .where(condition)
        )
        or 0
    )


def _supervision(session: Session, scope: Scope, period: Period, now: datetime) -> dict[str, Value]:
    cond = _finding_conditions(scope, period)
    inspections = session.scalar(
        select(func.count()).select_from(Supervision).where(_inspections(scope, period))
    )
    by_order = dict(
        session.execute(
            select(SupervisionFinding.order, func.count())
            .join(Supervision, Supervision.id == SupervisionFinding.supervision_id)
            .where(cond["found"]())
            .group_by(SupervisionFinding.order)
        ).all()
    )
    values: dict[str, Value] = {
        "supervision.inspections": int(inspections or 0),
        "supervision.findings": sum(int(n) for n in by_order.values()),
        "supervision.findings_closed": _count_findings(session, cond["closed"]()),
        "supervision.findings_open": _count_findings(session, cond["open"]()),
    }
    for order in Order:
        values[f"supervision.by_order.{order.value}"] = int(by_order.get(order, 0))
    return values


def _supervision_trace(
    session: Session, scope: Scope, period: Period, now: datetime, key: str
) -> Any:
    if key == "supervision.inspections":
        return (
            select(Supervision.id, Supervision.inspected_on, Supervision.inspector)
            .where(_inspections(scope, period))
            .order_by(Supervision.inspected_on, Supervision.id)
        )
    cond = _finding_conditions(scope, period)
    which = {"supervision.findings_closed": "closed", "supervision.findings_open": "open"}
    stmt = (
        select(
            SupervisionFinding.id,
            Supervision.inspected_on,
            SupervisionFinding.order,
            SupervisionFinding.description,
            SupervisionFinding.state,
        )
        .join(Supervision, Supervision.id == SupervisionFinding.supervision_id)
        .where(cond[which.get(key, "found")]())
    )
    if key.startswith("supervision.by_order."):
        stmt = stmt.where(SupervisionFinding.order == Order(key.rsplit(".", 1)[1]))
    return stmt.order_by(Supervision.inspected_on, SupervisionFinding.id)


def _supervision_label(key: str) -> str | None:
    if key.startswith("supervision.by_order."):
        return f"{Order(key.rsplit('.', 1)[1]).zh}问题"
    return None


def _supervision_paragraph(current: Figures, previous: Figures) -> str | None:
    v = current.values
    if not v.get("supervision.inspections"):
        return None
    orders = "、".join(
        f"{o.zh}{v[f'supervision.by_order.{o.value}']}个"
        for o in Order
        if v.get(f"supervision.by_order.{o.value}")
    )
    text = (
        f"围绕“四个秩序”开展督察{v['supervision.inspections']}次，"
        f"发现问题{v['supervision.findings']}个"
    )
    if orders:
        text += f"（{orders}）"
    return text + (
        f"，整改销号{v['supervision.findings_closed']}个，"
        f"期末尚未销号{v['supervision.findings_open']}个。"
    )


SUPERVISION = Section(
    prefix="supervision",
    compute=_supervision,
    trace=_supervision_trace,
    labels={
        "supervision.inspections": "督察(次)",
        "supervision.findings": "督察发现问题(个)",
        "supervision.findings_closed": "督察问题整改销号(个)",
        "supervision.findings_open": "督察问题未销号(个)",
    },
    dynamic_label=_supervision_label,
    stock_prefixes=("supervision.findings_open",),
    report_title="督察",
    report_chapter="forces",
    paragraph=_supervision_paragraph,
)

__all__ = ["DRILLS", "DUTY", "SECTION", "SUPERVISION"]
