"""``lanyan prevention tick``: the prevention work that falls due with the calendar.

Run from cron (or by ``lanyan serve``, at start and every day at 00:05 Asia/Shanghai), it

1. escalates overdue ordered hazards to their brigade and stamps reminders
   (:func:`lanyan.prevention.hazards.process_deadlines`);
2. marks the patrol tasks nobody did before today as missed
   (:func:`lanyan.prevention.patrols.mark_missed`);
3. generates the patrol tasks due from today to ``days`` ahead from each premises' patrol plan —
   its interval by three-level control or category, or its own override
   (:func:`lanyan.prevention.patrols.generate_tasks`).

Every step is idempotent: a second run the same day creates nothing and escalates nothing; the
next day's run adds the one day that entered the window. Each step runs in its own transaction
as the system actor, so every change is audited as the system's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import LOCAL_TZ, utcnow
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.choices import PatrolTaskStatus
from lanyan.prevention.hazards import process_deadlines
from lanyan.prevention.models import PatrolTask
from lanyan.prevention.patrols import generate_tasks, local_today, mark_missed

log = logging.getLogger(__name__)

DEFAULT_DAYS_AHEAD = 7
"""Tasks are generated a week ahead: a grid worker sees this week's round on the phone."""
DAILY_AT = time(0, 5)
"""When the server's own daily tick runs (Asia/Shanghai), just after the day turned."""

Step = Callable[[str, int, int], None]
"""Progress callback: (step description, steps done, steps in all)."""


@dataclass
class TickResult:
    """What one tick did."""

    today: date
    until: date
    escalated: int = 0
    reminded: int = 0
    missed: int = 0
    created: int = 0
    due_today: int = 0
    created_by_brigade: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One Chinese line for the console and the log."""
        return (
            f"{self.today}：隐患逾期升级{self.escalated}处、到期提醒{self.reminded}处；"
            f"巡查任务标记漏巡{self.missed}个、新生成{self.created}个"
            f"（至{self.until}），今日待巡查{self.due_today}个"
        )


def _by_brigade(session: Session, first_id: int | None) -> dict[str, int]:
    """Tasks created by this run (ids after ``first_id``) per brigade, by the brigade's name."""
    if first_id is None:
        return {}
    brigades = {
        path: name
        for path, name in session.execute(
            select(Organization.path, Organization.name).where(Organization.kind == OrgKind.BRIGADE)
        )
    }
    rows = session.execute(
        select(Organization.path, func.count())
        .select_from(PatrolTask)
        .join(Organization, Organization.id == PatrolTask.org_id)
        .where(PatrolTask.id > first_id)
        .group_by(Organization.path)
    ).all()
    out: dict[str, int] = {}
    for path, count in rows:
        name = next((n for p, n in brigades.items() if path.startswith(p)), "支队直属")
        out[name] = out.get(name, 0) + int(count)
    return dict(sorted(out.items(), key=lambda item: -item[1]))


def tick(
    factory: sessionmaker[Session],
    *,
    days: int = DEFAULT_DAYS_AHEAD,
    today: date | None = None,
    now: datetime | None = None,
    progress: Step | None = None,
) -> TickResult:
    """Run the three steps, each in its own transaction; what was done."""
    today = today or local_today(now)
    result = TickResult(today=today, until=today + timedelta(days=days))
    step = progress or (lambda _text, _done, _total: None)
    step("隐患逾期升级与提醒 hazard deadlines", 0, 3)
    with factory() as session:
        done = process_deadlines(session, actor=SYSTEM, now=now)
        session.commit()
    result.escalated, result.reminded = done["escalated"], done["reminded"]
    step("标记漏巡 missed patrols", 1, 3)
    with factory() as session:
        result.missed = mark_missed(session, actor=SYSTEM, today=today)
        session.commit()
    step("生成巡查任务 patrol tasks", 2, 3)
    with factory() as session:
        last_id = session.scalar(select(func.max(PatrolTask.id)))
        result.created = generate_tasks(session, actor=SYSTEM, until=result.until, today=today)
        session.commit()
        result.created_by_brigade = _by_brigade(session, last_id or 0)
        result.due_today = int(
            session.scalar(
                select(func.count())
                .select_from(PatrolTask)
                .where(PatrolTask.due_on == today, PatrolTask.status == PatrolTaskStatus.PENDING)
            )
            or 0
        )
    step("完成 done", 3, 3)
    return result


def _seconds_until_next_run(now: datetime) -> float:
    local = now.astimezone(LOCAL_TZ)
    run = datetime.combine(local.date(), DAILY_AT, tzinfo=LOCAL_TZ)
    if run <= local:
        run += timedelta(days=1)
    return (run - local).total_seconds()


def start_daily(
    factory: sessionmaker[Session], *, days: int = DEFAULT_DAYS_AHEAD
) -> threading.Event:
    """Run :func:`tick` every day at 00:05 in a daemon thread; set the returned event to stop.

    One thread per ``lanyan serve`` (its parent process, not each worker). Two servers on the
    same database are safe: generation is idempotent and a concurrent run that would create the
    same tasks fails on the unique (premises, day) and is logged, not retried.
    """
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(_seconds_until_next_run(utcnow())):
            try:
                log.info("prevention tick: %s", tick(factory, days=days).summary())
            except Exception:  # a failed night must not end the server's daily ticks
                log.exception("prevention tick failed")

    threading.Thread(target=loop, name="lanyan-prevention-tick", daemon=True).start()
    return stop
