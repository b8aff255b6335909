"""Early warnings (早期预警): the rules that raise them, who gets them, and their workflow.

Rules (each raises at most one open warning per ``key``; a rule firing again while its warning
is open adds nothing, and once the warning is closed a new crossing raises a new one):

- ``level_up`` — a premises' level rose to 较高 or 高 from a lower one in a scoring run (a
  premises' first score is where it starts, not a crossing);
- ``level1_overdue_major`` — a 一级管控 premises has a major hazard past its deadline;
- ``repeated_alarms`` — a premises' devices raised :data:`REPEAT_ALARMS` or more alarms in
  :data:`~lanyan.risk.inputs.REPEAT_DAYS` days;
- ``forecast_spike`` — a cell's 7-day forecast (:func:`lanyan.risk.forecast.forecast_cells`) is
  at least :data:`SPIKE_RATIO` × its usual level and :data:`SPIKE_MIN_CALLS` calls;
- ``season_winter`` — the 冬春火灾防控 season (:data:`WINTER_MONTHS`): one warning per brigade
  and season naming its 高/较高 premises;
- ``holiday`` — :data:`HOLIDAY_LEAD_DAYS` days before a public holiday of the working-day
  calendar, one per brigade and holiday.

Routing: a premises' warning goes to its fire-prevention officer (``premises.officer_id``), else
to a grid worker of its grid, else to the organization's desk (no assignee); area warnings go to
the brigade. Workflow: :data:`~lanyan.risk.choices.WARNING_TRANSITIONS`, one audited move each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.core.workdays import calendar
from lanyan.prevention.models import GridMember
from lanyan.risk.choices import WARNING_TRANSITIONS, RiskLevel, WarningRule, WarningStatus
from lanyan.risk.models import CellRisk, PremisesRisk, RiskWarning

REPEAT_ALARMS = 3
"""Alarms within the window that make "repeated" (three in a week is past any one-off)."""
SPIKE_RATIO = 1.5
SPIKE_MIN_CALLS = 2.0
"""A forecast spike: half again the cell's usual week, and at least two calls expected."""
WINTER_MONTHS = (11, 12, 1, 2, 3)
"""冬春火灾防控: every year the national fire administration runs it from November to March."""
HOLIDAY_LEAD_DAYS = 3
"""Days before a public holiday from which its 节假日消防安保 warning is raised."""
WARN_LEVELS = (RiskLevel.ELEVATED, RiskLevel.HIGH)


def assignees(
    session: Session, premises: Sequence[tuple[int, int | None, int | None]]
) -> dict[int, int | None]:
    """Premises id → the user a warning about it goes to (officer, else a grid worker)."""
    grids = {g for _pid, _officer, g in premises if g is not None}
    worker: dict[int, int] = {}
    if grids:
        for gid, uid in session.execute(
            select(GridMember.grid_id, GridMember.user_id)
            .where(GridMember.grid_id.in_(grids))
            .order_by(GridMember.id)
        ):
            worker.setdefault(int(gid), int(uid))
    return {
        pid: officer if officer is not None else (worker.get(grid) if grid is not None else None)
        for pid, officer, grid in premises
    }


def open_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` have an open warning."""
    out: set[str] = set()
    for start in range(0, len(keys), 5000):
        part = list(keys[start : start + 5000])
        out.update(
            session.scalars(
                select(RiskWarning.key).where(
                    RiskWarning.key.in_(part), RiskWarning.status != WarningStatus.CLOSED
                )
            )
        )
    return out


def insert_new(
    session: Session, *, actor: Actor, drafts: list[dict[str, Any]], now: datetime
) -> int:
    """Insert the drafts whose key has no open warning, each with its audit row; how many."""
    if not drafts:
        return 0
    taken = open_keys(session, [d["key"] for d in drafts])
    fresh: list[dict[str, Any]] = []
    for d in drafts:
        if d["key"] in taken:
            continue
        taken.add(d["key"])
        fresh.append(
            {
                **d,
                "status": WarningStatus.OPEN,
                "raised_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    if not fresh:
        return 0
    ids = session.scalars(insert(RiskWarning).returning(RiskWarning.id), fresh).all()
    session.execute(
        insert(audit.AuditLog),
        [
            audit.row_values(
                actor=actor,
                action="raise",
                entity="risk_warning",
                entity_id=wid,
                after=audit._jsonable({k: v for k, v in d.items() if k != "created_at"}),
                at=now,
            )
            for wid, d in zip(ids, fresh, strict=True)
        ],
    )
    return len(fresh)


def premises_drafts(
    *,
    rows: Sequence[dict[str, Any]],
    previous: dict[int, RiskLevel],
    routed: dict[int, int | None],
) -> list[dict[str, Any]]:
    """Warnings of the premises rules for the premises just scored.

    ``rows``: per premises ``premises_id``, ``org_id``, ``name``, ``score``, ``level``,
    ``control_level``, ``major_overdue``, ``alarms_7d``.
    """
    out: list[dict[str, Any]] = []
    for r in rows:
        pid = r["premises_id"]
        base = {
            "org_id": r["org_id"],
            "premises_id": pid,
            "cell": None,
            "assignee_id": routed.get(pid),
        }
        level: RiskLevel = r["level"]
        was = previous.get(pid)
        # a first score is where a premises starts, not a crossing: only a rise warns
        if level in WARN_LEVELS and was is not None and was.rank < level.rank:
            out.append(
                {
                    **base,
                    "rule": WarningRule.LEVEL_UP,
                    "key": f"level:{pid}:{level.value}",
                    "level": level,
                    "title": f"{r['name']} 风险等级升至“{level.zh}”（{r['score']:.0f} 分）",
                    "detail": (
                        f"由“{was.zh if was else '未评估'}”升至“{level.zh}”；"
                        f"主要因素：{r['drivers']}"
                    ),
                }
            )
        if r["control_level"] == "level1" and r["major_overdue"] > 0:
            out.append(
                {
                    **base,
                    "rule": WarningRule.LEVEL1_OVERDUE_MAJOR,
                    "key": f"l1major:{pid}",
                    "level": RiskLevel.HIGH,
                    "title": f"{r['name']}（一级管控）重大火灾隐患逾期未改",
                    "detail": (
                        f"逾期重大火灾隐患 {int(r['major_overdue'])} 处，须立即督促整改并复查"
                    ),
                }
            )
        if r["alarms_7d"] >= REPEAT_ALARMS:
            out.append(
                {
                    **base,
                    "rule": WarningRule.REPEATED_ALARMS,
                    "key": f"alarms:{pid}",
                    "level": RiskLevel.ELEVATED,
                    "title": f"{r['name']} 近7天物联报警 {int(r['alarms_7d'])} 次",
                    "detail": "报警频发：核查火灾自动报警系统与现场用火用电情况",
                }
            )
    return out


def season_drafts(session: Session, now: datetime) -> list[dict[str, Any]]:
    """The seasonal and holiday warnings due at ``now``, one per brigade (org of the cells)."""
    today = as_local(now).date()
    due: list[tuple[WarningRule, str, str, str]] = []
    if today.month in WINTER_MONTHS:
        season = today.year if today.month >= WINTER_MONTHS[0] else today.year - 1
        due.append(
            (
                WarningRule.SEASON_WINTER,
                f"winter:{season}",
                f"{season}—{season + 1}年度冬春火灾防控",
                "冬春季用火用电用气增多、天干物燥：对下列高风险单位加密检查巡查",
            )
        )
    holiday = next_holiday(today)
    if holiday is not None:
        due.append(
            (
                WarningRule.HOLIDAY,
                f"holiday:{holiday.isoformat()}",
                f"{holiday.isoformat()} 起节假日消防安保",
                "节假日人员密集场所客流增大：落实值守、巡查和应急准备",
            )
        )
    if not due:
        return []
    high: dict[int, list[str]] = defaultdict(list)
    from lanyan.prevention.models import Premises

    for org_id, name in session.execute(
        select(Premises.org_id, Premises.name)
        .join(PremisesRisk, PremisesRisk.premises_id == Premises.id)
        .where(PremisesRisk.level.in_(WARN_LEVELS))
        .order_by(PremisesRisk.score.desc())
    ):
        high[int(org_id)].append(name)
    brigades = sorted(
        {
            int(o)
            for o in session.scalars(select(CellRisk.org_id).where(CellRisk.org_id.is_not(None)))
            if o is not None
        }
    )
    from lanyan.risk.inputs import brigade_of_orgs

    brigade_of = brigade_of_orgs(session)
    per_brigade: dict[int, list[str]] = defaultdict(list)
    for org_id, names in high.items():
        b = brigade_of.get(org_id)
        if b is not None:
            per_brigade[b].extend(names)
    out = []
    for rule, key, title, detail in due:
        for b in brigades:
            names = per_brigade.get(b, [])
            listed = "、".join(names[:10]) + (f" 等 {len(names)} 家" if len(names) > 10 else "")
            out.append(
                {
                    "rule": rule,
                    "key": f"{key}:{b}",
                    "level": RiskLevel.MEDIUM,
                    "org_id": b,
                    "premises_id": None,
                    "cell": None,
                    "assignee_id": None,
                    "title": title,
                    "detail": detail
                    + (f"：{listed}" if names else "（辖区暂无较高及以上风险单位）"),
                }
            )
    return out


def next_holiday(today: date) -> date | None:
    """The first day of a public holiday starting within :data:`HOLIDAY_LEAD_DAYS` days (or
    today), from the working-day calendar; ``None`` otherwise."""
    holidays = calendar().holidays
    for ahead in range(HOLIDAY_LEAD_DAYS + 1):
        day = today + timedelta(days=ahead)
        if day in holidays and (day - timedelta(days=1)) not in holidays:
            return day
    return None


def spike_drafts(session: Session, spikes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Warnings for forecast spikes in cells that have a brigade."""
    if not spikes:
        return []
    org_of = dict(
        session.execute(
            select(CellRisk.cell, CellRisk.org_id).where(
                CellRisk.cell.in_([s["cell"] for s in spikes]), CellRisk.org_id.is_not(None)
            )
        ).all()
    )
    out = []
    for s in spikes:
        org = org_of.get(s["cell"])
        if org is None:
            continue
        ratio = f"，为常态的 {s['ratio']} 倍" if s.get("ratio") else ""
        out.append(
            {
                "rule": WarningRule.FORECAST_SPIKE,
                "key": f"spike:{s['cell']}:{s['origin']}",
                "level": RiskLevel.ELEVATED,
                "org_id": org,
                "premises_id": None,
                "cell": s["cell"],
                "assignee_id": None,
                "title": f"网格 {s['cell']} 未来7天警情预测 {s['expected']} 起{ratio}",
                "detail": f"常态每7天 {s['usual']} 起；建议加密巡查、提前前置力量",
            }
        )
    return out


# ---- workflow --------------------------------------------------------------------------------

_STAMP = {
    WarningStatus.ACKNOWLEDGED: "acknowledged_at",
    WarningStatus.HANDLING: "handling_at",
    WarningStatus.CLOSED: "closed_at",
}
_ACTION = {
    WarningStatus.ACKNOWLEDGED: "acknowledge",
    WarningStatus.HANDLING: "handle",
    WarningStatus.CLOSED: "close",
}


def query_warnings(
    *,
    actor: Actor,
    status: WarningStatus | None = None,
    rule: WarningRule | None = None,
    open_only: bool = False,
    mine: bool = False,
    premises_id: int | None = None,
) -> Select[RiskWarning]:
    """Warnings in the actor's jurisdiction, open ones first, newest first."""
    actor.require(Action.READ)
    stmt = visible(actor, RiskWarning)
    if status is not None:
        stmt = stmt.where(RiskWarning.status == status)
    if open_only:
        stmt = stmt.where(RiskWarning.status != WarningStatus.CLOSED)
    if rule is not None:
        stmt = stmt.where(RiskWarning.rule == rule)
    if mine:
        stmt = stmt.where(RiskWarning.assignee_id == actor.user_id)
    if premises_id is not None:
        stmt = stmt.where(RiskWarning.premises_id == premises_id)
    return stmt.order_by(
        RiskWarning.closed_at.is_not(None), RiskWarning.raised_at.desc(), RiskWarning.id.desc()
    )


def move_warning(
    session: Session,
    *,
    actor: Actor,
    warning_id: int,
    to: WarningStatus,
    note: str | None = None,
    at: datetime | None = None,
) -> RiskWarning:
    """Move a warning one step of its workflow (illegal → 409), audited."""
    actor.require(Action.RISK_WARNING_HANDLE)
    warning = get_visible(session, actor, RiskWarning, warning_id, lock=True)
    if to not in WARNING_TRANSITIONS[warning.status]:
        raise Conflict(
            f"预警不能从“{warning.status.zh}”变为“{to.zh}”",
            f"a warning cannot go from {warning.status.en} to {to.en}",
        )
    if to is WarningStatus.CLOSED and not (note or warning.note):
        raise Invalid("办结预警须填写处置情况", "closing a warning needs a note on what was done")
    before = audit.snapshot(warning)
    now = at or utcnow()
    warning.status = to
    setattr(warning, _STAMP[to], now)
    if note:
        warning.note = note
    warning.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=_ACTION[to],
        entity="risk_warning",
        entity_id=warning.id,
        before=before,
        after=audit.snapshot(warning),
    )
    return warning
