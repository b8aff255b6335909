"""Demo content of risk sensing and early warning (issue 18).

Scores every premises and cell of the demo city (by road when the demo's road file is registered)
and replays the early warnings the rules would have raised over the history years, from the
records already there, each with its workflow (签收, 处置, 办结) in time:

- 冬春火灾防控 for every brigade each November, closed by the end of March;
- 节假日消防安保 for every brigade three days before each public holiday, closed after it;
- 一级管控单位重大隐患逾期 for every level-1 premises whose major hazard passed its deadline
  (from the rectification orders' history), closed when the unit reported it rectified.

Idempotent: the replayed warnings carry keys starting with ``demo:`` and are not added twice; the
scoring run is incremental when a previous run exists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core import audit
from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.core.workdays import calendar
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.choices import ControlLevel, HazardSeverity
from lanyan.prevention.models import Hazard, HazardOrder, Premises
from lanyan.risk.choices import RiskLevel, WarningRule, WarningStatus
from lanyan.risk.models import RiskWarning
from lanyan.risk.service import road_travel, run_scoring

Progress = Callable[[str, int, int], None]
SHANGHAI = timedelta(hours=8)


def _at(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock Asia/Shanghai on ``day``, in UTC."""
    return datetime.combine(day, time(hour), tzinfo=UTC) - SHANGHAI


def _row(
    rule: WarningRule,
    key: str,
    org_id: int,
    title: str,
    detail: str,
    raised: datetime,
    closed: datetime | None,
    *,
    premises_id: int | None = None,
    level: RiskLevel = RiskLevel.MEDIUM,
    now: datetime,
) -> dict[str, Any]:
    acknowledged = raised + timedelta(hours=3)
    handling = raised + timedelta(days=1)
    if closed is not None and closed > now:
        closed = None
    status = WarningStatus.CLOSED if closed else WarningStatus.HANDLING
    if acknowledged > now:
        status, acknowledged = WarningStatus.OPEN, None  # type: ignore[assignment]
    return {
        "rule": rule,
        "key": f"demo:{key}",
        "status": status,
        "level": level,
        "org_id": org_id,
        "premises_id": premises_id,
        "cell": None,
        "assignee_id": None,
        "title": title,
        "detail": detail,
        "raised_at": raised,
        "acknowledged_at": acknowledged,
        "handling_at": handling if status is not WarningStatus.OPEN else None,
        "closed_at": closed,
        "note": "已组织检查并通报辖区单位" if closed else None,
        "created_at": raised,
        "updated_at": closed or raised,
    }


def _seasonal(
    brigades: list[tuple[int, str]], years: Sequence[int], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    holidays = sorted(calendar().holidays)
    for year in years:
        for bid, name in brigades:
            rows.append(
                _row(
                    WarningRule.SEASON_WINTER,
                    f"winter:{year}:{bid}",
                    bid,
                    f"{year}—{year + 1}年度冬春火灾防控",
                    f"{name}：冬春季用火用电用气增多，对高风险单位加密检查巡查",
                    _at(date(year, 11, 1)),
                    _at(date(year + 1, 3, 31), 17),
                    now=now,
                )
            )
            for day in holidays:
                if day.year != year or (day - timedelta(days=1)) in calendar().holidays:
                    continue
                rows.append(
                    _row(
                        WarningRule.HOLIDAY,
                        f"holiday:{day.isoformat()}:{bid}",
                        bid,
                        f"{day.isoformat()} 起节假日消防安保",
                        f"{name}：节假日人员密集场所客流增大，落实值守、巡查和应急准备",
                        _at(day - timedelta(days=3)),
                        _at(day + timedelta(days=7), 17),
                        now=now,
                    )
                )
    return rows


def _overdue_major(session: Session, years: Sequence[int], now: datetime) -> list[dict[str, Any]]:
    first = _at(date(min(years), 1, 1), 0)
    rows = session.execute(
        select(
            HazardOrder.id,
            HazardOrder.deadline_at,
            HazardOrder.answered_at,
            Premises.id,
            Premises.name,
            Premises.org_id,
            Hazard.title,
        )
        .join(Hazard, Hazard.id == HazardOrder.hazard_id)
        .join(Premises, Premises.id == Hazard.premises_id)
        .where(
            Premises.control_level == ControlLevel.LEVEL1,
            Hazard.severity == HazardSeverity.MAJOR,
            HazardOrder.deadline_at >= first,
            HazardOrder.deadline_at < now,
            (HazardOrder.answered_at.is_(None))
            | (HazardOrder.answered_at > HazardOrder.deadline_at),
        )
    ).all()
    return [
        _row(
            WarningRule.LEVEL1_OVERDUE_MAJOR,
            f"l1major:{order_id}",
            org_id,
            f"{name}（一级管控）重大火灾隐患逾期未改",
            f"“{title}”已过整改期限，须立即督促整改并复查",
            deadline,
            answered,
            premises_id=pid,
            level=RiskLevel.HIGH,
            now=now,
        )
        for order_id, deadline, answered, pid, name, org_id, title in rows
    ]


def load(
    factory: sessionmaker[Session], *, seed: int, years: Sequence[int], progress: Progress
) -> list[str]:
    """Score the demo city and replay the history years' warnings (see the module docstring)."""
    del seed  # nothing random here: everything follows from the records already loaded
    now = utcnow()
    lines = []
    with factory() as session:
        progress("风险评分 risk scores", 0, 1)
        travel = road_travel(session)
        result = run_scoring(session, actor=SYSTEM, full=False, travel=travel, now=now)
        session.commit()
        progress("风险评分 risk scores", 1, 1)
        lines.append(
            f"风险评分：单位 {result.premises_scored} 家，网格 {result.cells_scored} 个，"
            f"新预警 {result.warnings_raised} 条"
        )
        done = session.scalar(
            select(func.count()).select_from(RiskWarning).where(RiskWarning.key.like("demo:%"))
        )
        if done:
            lines.append(f"风险预警历史：已有 {done} 条，未重复生成")
            return lines
        brigades = [
            (int(i), str(n))
            for i, n in session.execute(
                select(Organization.id, Organization.name)
                .where(Organization.kind == OrgKind.BRIGADE)
                .order_by(Organization.id)
            )
        ]
        rows = _seasonal(brigades, years, now) + _overdue_major(session, years, now)
        rows = [r for r in rows if r["raised_at"] < now]
        if rows:
            ids = session.scalars(insert(RiskWarning).returning(RiskWarning.id), rows).all()
            session.execute(
                insert(audit.AuditLog),
                [
                    audit.row_values(
                        actor=SYSTEM,
                        action="raise",
                        entity="risk_warning",
                        entity_id=wid,
                        after={
                            "rule": r["rule"].value,
                            "key": r["key"],
                            "status": r["status"].value,
                        },
                        at=r["raised_at"],
                    )
                    for wid, r in zip(ids, rows, strict=True)
                ],
            )
        session.commit()
        lines.append(f"风险预警历史：{len(rows)} 条（冬春防控、节假日、一级管控单位重大隐患逾期）")
    return lines
