"""A year of demo fire-prevention work, recorded through the real prevention services.

The yearly report's 防火监督 paragraph and every 同比 of the prevention figures need records in
the year and the year before. Like the call history (:mod:`lanyan.demo.history`), the year is
*planned* from the seed alone and *recorded* through the same service functions a user's actions
go through, each with ``at=`` its simulated time, so every timestamp the statistics read (found,
ordered, answered, closed, listed, delisted, checked in) is set the way the live system sets it:

- patrols: a monthly task for each watched premises (three-level control or key unit first),
  most checked in on time, some late, some missed; a check-in sometimes finds hazards;
- hazards: a share of reports rejected as untrue; the rest verified, ordered with a deadline
  (some fixed on the spot), rectified (some late, some failing the re-check and ordered again)
  and closed; those found late in the year may still stand at its end;
- major hazards are listed for supervision (挂牌督办) and delisted once closed;
- enforcement inspections (监督检查) with their outcomes, findings among them.

Times never pass the present: a step that would fall after now is left for later.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import Actor
from lanyan.core.clock import LOCAL_TZ, utcnow
from lanyan.core.db import transaction
from lanyan.core.errors import NotFound
from lanyan.core.permissions import Role
from lanyan.forces.models import Organization
from lanyan.prevention import hazards, inspections, listing, patrols
from lanyan.prevention.choices import (
    HazardSeverity,
    InspectionOutcome,
    ListingLevel,
    ListingStatus,
    PatrolTaskStatus,
    PremisesCategory,
)
from lanyan.prevention.governance_schemas import Finding
from lanyan.prevention.models import Hazard, PatrolTask, PatrolVisit, Premises
from lanyan.prevention.schemas import (
    HazardCheck,
    HazardOrder,
    HazardRectified,
    HazardVerify,
    ListingAdvance,
    ListingPropose,
)

DETACHMENT_EXTERNAL_ID = "demo:detachment"
PATROLLED_PREMISES = 24
"""Premises with a monthly patrol task in the demo (the most closely watched first), ± 3."""
INSPECTIONS_PER_MONTH = 5
MAJOR_MONTHS = (3, 9)

HAZARD_TITLES = (
    ("疏散通道堵塞", "疏散通道"),
    ("安全出口锁闭", "安全出口"),
    ("灭火器过期失效", "消防器材"),
    ("消火栓被遮挡", "消防设施"),
    ("电动自行车室内充电", "电气"),
    ("电气线路私拉乱接", "电气"),
    ("应急照明损坏", "消防设施"),
    ("疏散指示标志缺失", "消防设施"),
    ("防火门常开未闭", "防火分隔"),
    ("自动报警系统故障", "消防设施"),
    ("厨房油烟管道未清洗", "用火用电"),
    ("易燃物品堆放", "可燃物"),
)
MAJOR_TITLES = (
    ("自动喷水灭火系统瘫痪", "消防设施"),
    ("人员密集场所疏散设施严重不足", "疏散设施"),
    ("违规住人的三合一场所", "三合一"),
)
OUTCOMES = (
    (InspectionOutcome.PASSED, 0.62),
    (InspectionOutcome.ORDERED, 0.30),
    (InspectionOutcome.PENALIZED, 0.06),
    (InspectionOutcome.SEALED, 0.02),
)


@dataclass(frozen=True)
class PreventionSummary:
    """What :func:`load_prevention_history` recorded for one year."""

    year: int
    skipped: bool
    patrol_tasks: int
    visits: int
    hazards: int
    hazards_by_status: dict[str, int]
    listings: int
    inspections: int
    elapsed_s: float


def officer_actor(session: Session) -> Actor:
    """A fire-prevention officer at the demo detachment (the records' author)."""
    detachment = session.scalar(
        select(Organization).where(Organization.external_id == DETACHMENT_EXTERNAL_ID)
    )
    if detachment is None:
        raise NotFound(
            "演示城市尚未加载，请先运行 lanyan demo",
            "the demo city is not loaded; run `lanyan demo` first",
        )
    return Actor(
        user_id=None,
        username="demo-prevention-history",
        role=Role.PREVENTION,
        org_id=detachment.id,
        org_path=detachment.path,
    )


def _local(day: date, hour: float) -> datetime:
    moment = datetime.combine(day, dtime(0), tzinfo=LOCAL_TZ) + timedelta(hours=hour)
    return moment.astimezone(UTC)


def _year_has_records(session: Session, year: int) -> bool:
    start, end = _local(date(year, 1, 1), 0), _local(date(year + 1, 1, 1), 0)
    found = session.scalar(
        select(func.count())
        .select_from(Hazard)
        .where(Hazard.found_at >= start, Hazard.found_at < end)
    )
    visits = session.scalar(
        select(func.count())
        .select_from(PatrolVisit)
        .where(PatrolVisit.at >= start, PatrolVisit.at < end)
    )
    return bool(found or visits)


class _Year:
    """Records one planned year; every step no later than ``now``."""

    def __init__(
        self, session: Session, actor: Actor, rng: random.Random, year: int, now: datetime
    ) -> None:
        self.s, self.actor, self.rng, self.year, self.now = session, actor, rng, year, now
        self.hazards: list[int] = []
        self.visits = 0
        self.tasks = 0
        self.listings = 0
        self.inspections = 0
        # the workload differs a little from year to year, as a real detachment's does
        self.inspections_per_month = INSPECTIONS_PER_MONTH + rng.randint(-1, 1)
        self.patrolled = PATROLLED_PREMISES + rng.randint(-3, 3)

    def _findings(self, p: float) -> list[Finding]:
        out: list[Finding] = []
        while self.rng.random() < p and len(out) < 3:
            major = self.rng.random() < 0.06
            title, category = self.rng.choice(MAJOR_TITLES if major else HAZARD_TITLES)
            severity = HazardSeverity.MAJOR if major else HazardSeverity.GENERAL
            out.append(Finding(title=title, category=category, severity=severity, photo_ids=[]))
            p *= 0.5
        return out

    def patrols(self, premises: list[Premises]) -> None:
        for month in range(1, 13):
            for p in premises:
                due = date(self.year, month, self.rng.randint(3, 26))
                task = PatrolTask(
                    premises_id=p.id,
                    org_id=p.org_id,
                    due_on=due,
                    status=PatrolTaskStatus.PENDING,
                    created_at=_local(due.replace(day=1), 8),
                    updated_at=_local(due.replace(day=1), 8),
                )
                self.s.add(task)
                self.s.flush()
                self.tasks += 1
                roll = self.rng.random()
                if roll < 0.07:  # missed
                    task.status = PatrolTaskStatus.MISSED
                    continue
                late_days = self.rng.randint(1, 6) if roll < 0.12 else 0
                at = _local(due + timedelta(days=late_days), self.rng.uniform(8.5, 17.5))
                if at > self.now:
                    continue
                result = patrols.check_in(
                    self.s, actor=self.actor, premises_id=p.id, lon=p.lon, lat=p.lat,
                    checklist={}, photo_ids=[], task_id=task.id, at=at,
                    findings=self._findings(0.16),
                )  # fmt: skip
                self.visits += 1
                for hazard in result.hazards:
                    self._life(hazard.id, at, verified=False)

    def inspections_(self, premises: list[Premises]) -> None:
        for month in range(1, 13):
            for i in range(self.inspections_per_month):
                p = self.rng.choice(premises)
                day = date(self.year, month, self.rng.randint(1, 28))
                at = _local(day, self.rng.uniform(9, 16))
                if at > self.now:
                    continue
                outcome = self.rng.choices(
                    [o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES]
                )[0]
                findings = self._findings(0.8) if outcome != InspectionOutcome.PASSED else []
                if month in MAJOR_MONTHS and i == 0:
                    # a major hazard in spring and autumn, so every year has listings to report
                    outcome = InspectionOutcome.ORDERED
                    title, category = MAJOR_TITLES[month % len(MAJOR_TITLES)]
                    findings = [
                        Finding(
                            title=title,
                            category=category,
                            severity=HazardSeverity.MAJOR,
                            photo_ids=[],
                        )
                    ]
                result = inspections.record_inspection(
                    self.s, actor=self.actor, premises_id=p.id, inspected_on=day, checklist={},
                    outcome=outcome,
                    follow_up_on=None if outcome == InspectionOutcome.PASSED
                    else day + timedelta(days=15),
                    findings=findings, at=at,
                )  # fmt: skip
                self.inspections += 1
                for hazard in result.hazards:
                    self._life(hazard.id, at, verified=True)

    def _step(self, after: datetime, low_h: float, high_h: float) -> datetime | None:
        at = after + timedelta(hours=self.rng.uniform(low_h, high_h))
        return at if at <= self.now else None

    def _life(self, hazard_id: int, found: datetime, *, verified: bool) -> None:
        """Verify (or reject), order, rectify, re-check and close one hazard; list a major one."""
        self.hazards.append(hazard_id)
        s, actor, rng = self.s, self.actor, self.rng
        at = found
        if not verified:
            verified_at = self._step(found, 4, 72)
            if verified_at is None:
                return
            at = verified_at
            if rng.random() < 0.06:  # 不属实
                hazards.verify_hazard(
                    s, actor=actor, hazard_id=hazard_id, data=HazardVerify(accept=False), at=at
                )
                return
            hazards.verify_hazard(s, actor=actor, hazard_id=hazard_id, data=HazardVerify(), at=at)
        hazard = s.get_one(Hazard, hazard_id)
        major = hazard.severity == HazardSeverity.MAJOR
        listing_id = None
        if rng.random() < 0.12 and not major:  # fixed on the spot
            fixed = self._step(at, 0.5, 3)
            if fixed is not None:
                hazards.mark_rectified(
                    s, actor=actor, hazard_id=hazard_id, data=HazardRectified(), at=fixed
                )
                closed = self._step(fixed, 24, 120)
                if closed is not None:
                    hazards.check_hazard(
                        s,
                        actor=actor,
                        hazard_id=hazard_id,
                        data=HazardCheck(passed=True),
                        at=closed,
                    )
            return
        ordered = self._step(at, 1, 24)
        if ordered is None:
            return
        at = ordered
        hazards.order_rectification(s, actor=actor, hazard_id=hazard_id, data=HazardOrder(), at=at)
        if major:
            proposed = listing.propose_listing(
                s, actor=actor, data=ListingPropose(hazard_id=hazard_id, level=ListingLevel.CITY),
                at=self._step(at, 24, 72) or self.now,
            )  # fmt: skip
            listed_at = self._step(proposed.proposed_at, 24, 240)
            if listed_at is not None:
                listing.advance_listing(
                    s, actor=actor, listing_id=proposed.id,
                    data=ListingAdvance(status=ListingStatus.LISTED), at=listed_at,
                )  # fmt: skip
                self.listings += 1
                listing_id = proposed.id
                at = max(at, listed_at)
        for attempt in range(3):
            deadline = s.get_one(Hazard, hazard_id).deadline_at
            assert deadline is not None
            span_h = (deadline - at).total_seconds() / 3600
            # most meet the deadline; some run late (overdue until they answer)
            if rng.random() < 0.15:
                answered = self._step(at, span_h * 1.05, span_h * 3.0)
            else:
                answered = self._step(at, span_h * 0.2, span_h * 0.95)
            if answered is None:
                return
            hazards.mark_rectified(
                s, actor=actor, hazard_id=hazard_id, data=HazardRectified(), at=answered
            )
            checked = self._step(answered, 24, 96)
            if checked is None:
                return
            at = checked
            passed = attempt == 2 or rng.random() > 0.1
            hazards.check_hazard(
                s, actor=actor, hazard_id=hazard_id, data=HazardCheck(passed=passed), at=at
            )
            if passed:
                break
        if listing_id is not None:
            for status in (ListingStatus.RECTIFYING, ListingStatus.DELISTED):
                step = self._step(at, 2, 48)
                if step is None:
                    return
                at = step
                listing.advance_listing(
                    s, actor=actor, listing_id=listing_id,
                    data=ListingAdvance(status=status), at=at,
                )  # fmt: skip


def _watched(session: Session, rng: random.Random) -> list[Premises]:
    premises = list(session.scalars(select(Premises).order_by(Premises.id)))
    premises.sort(
        key=lambda p: (
            p.control_level is None,
            p.category != PremisesCategory.KEY_UNIT,
            rng.random(),
        )
    )
    return premises


def load_prevention_history(
    session_factory: sessionmaker[Session],
    *,
    seed: int,
    year: int,
    now: datetime | None = None,
) -> PreventionSummary:
    """Record a planned year of prevention work (skip if the year has hazards or check-ins).

    One transaction for the year, like the call history: the year is there completely or not at
    all. The same ``seed`` and ``year`` give the same records.
    """
    started = time.perf_counter()
    now = now or utcnow()
    with session_factory() as session:
        if _year_has_records(session, year):
            return PreventionSummary(year, True, 0, 0, 0, {}, 0, 0, 0.0)
    with transaction(session_factory) as session:
        rng = random.Random(f"prevention:{seed}:{year}")  # noqa: S311 - demo data, seeded
        actor = officer_actor(session)
        premises = _watched(session, rng)
        if not premises:
            return PreventionSummary(year, True, 0, 0, 0, {}, 0, 0, 0.0)
        recorder = _Year(session, actor, rng, year, now)
        recorder.patrols(premises[: recorder.patrolled])
        recorder.inspections_(premises)
        session.flush()
        by_status = Counter(
            h.value
            for h in session.scalars(select(Hazard.status).where(Hazard.id.in_(recorder.hazards)))
        )
    return PreventionSummary(
        year=year,
        skipped=False,
        patrol_tasks=recorder.tasks,
        visits=recorder.visits,
        hazards=len(recorder.hazards),
        hazards_by_status=dict(by_status),
        listings=recorder.listings,
        inspections=recorder.inspections,
        elapsed_s=round(time.perf_counter() - started, 3),
    )
