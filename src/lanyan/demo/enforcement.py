"""Demo supervision and enforcement (监督执法) for the history years, through the real services.

Per year and brigade: a 双随机 plan each quarter (drawn from the brigade's register with a seed
of its own) whose premises are inspected on the category checklist during the quarter, and a
complaint (投诉举报) plan; the outcomes issue their documents — orders to correct (served, most
in time, some late; re-checked after the term), temporary seals (most lifted with a reason, which
stamps the decision) and cases carried through 立案 … 结案 with warnings, fines (paid) and
三停. Every step is dated inside the year and never after today. A year whose plans are there
already is skipped, so ``lanyan demo`` may run again.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.accounts.models import User
from lanyan.accounts.schemas import UserCreate
from lanyan.accounts.service import create_user
from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.clock import utcnow
from lanyan.core.db import transaction
from lanyan.core.permissions import Role
from lanyan.core.workdays import calendar
from lanyan.enforcement import cases, documents, inspect, plans, seals
from lanyan.enforcement.cases import PenaltyInput
from lanyan.enforcement.choices import CaseStatus, PenaltyKind, PlanKind
from lanyan.enforcement.models import Document, Plan
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.checklists import template_for
from lanyan.prevention.choices import InspectionOutcome
from lanyan.prevention.models import Premises
from lanyan.prevention.patrols import local_today

Progress = Callable[[str, int, int], None]

PER_QUARTER = 5
"""Premises drawn per brigade and quarter."""
OUTCOMES = (
    (InspectionOutcome.PASSED, 0.55),
    (InspectionOutcome.ORDERED, 0.25),
    (InspectionOutcome.SEALED, 0.08),
    (InspectionOutcome.PENALIZED, 0.12),
)
SEAL_SCOPES = ("地下一层仓库", "三楼KTV包厢区", "厨房操作间", "二层住人区域", "电动车充电间")
CASE_TITLES = (
    "消防设施、器材未保持完好有效",
    "占用、堵塞、封闭疏散通道、安全出口",
    "埋压、圈占、遮挡消火栓",
    "人员密集场所门窗设置影响逃生的障碍物",
    "生产、储存、经营易燃易爆危险品的场所与居住场所设置在同一建筑物内",
)


OFFICER_NAMES = ("王建军", "李志强", "张海燕", "刘卫东", "陈晓明", "杨静", "赵国庆", "周婷")


def _officer(session: Session, brigade: Organization, fallback: Actor, n: int) -> Actor:
    """The brigade's fire-prevention officer: the first one on file, else one created for the
    demo (a random password nobody knows: the account shows in 考评, it is not for logging in)."""
    user = session.scalar(
        select(User)
        .join(Organization, Organization.id == User.organization_id)
        .where(User.role == Role.PREVENTION, Organization.path.startswith(brigade.path))
        .order_by(User.id)
        .limit(1)
    )
    if user is None:
        user = create_user(
            session,
            actor=SYSTEM,
            data=UserCreate(
                username=f"demo_officer_{brigade.id}",
                display_name=OFFICER_NAMES[n % len(OFFICER_NAMES)],
                role=Role.PREVENTION,
                organization_id=brigade.id,
                password=secrets.token_urlsafe(24),
            ),
        )
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role.PREVENTION,
        org_id=fallback.org_id,
        org_path=fallback.org_path,
        display_name=user.display_name,
    )


def _pick(rng: random.Random) -> InspectionOutcome:
    roll, acc = rng.random(), 0.0
    for outcome, p in OUTCOMES:
        acc += p
        if roll < acc:
            return outcome
    return InspectionOutcome.PASSED


class _Year:
    """One brigade's enforcement work of one year."""

    def __init__(self, session: Session, actor: Actor, rng: random.Random, today: date) -> None:
        self.session, self.actor, self.rng, self.today = session, actor, rng, today
        self.counts = {"inspections": 0, "documents": 0, "seals": 0, "lifted": 0, "cases": 0}
        self.fines = 0

    def day_between(self, start: date, end: date) -> date | None:
        end = min(end, self.today)
        if end < start:
            return None
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def inspect(self, premises: Premises, day: date, plan_id: int | None) -> None:
        items = template_for(premises.category, premises.venue_type, premises.control_level).items
        outcome = _pick(self.rng)
        failed = (
            set()
            if outcome == InspectionOutcome.PASSED
            else set(self.rng.sample(items, k=min(len(items), self.rng.randint(1, 3))))
        )
        out = inspect.run_inspection(
            self.session,
            actor=self.actor,
            premises_id=premises.id,
            inspected_on=day,
            checklist={key: key not in failed for key in items},
            outcome=outcome,
            note=None if outcome == InspectionOutcome.PASSED else "现场检查发现上述问题",
            plan_id=plan_id,
            correct_by=day + timedelta(days=self.rng.choice((7, 15, 30))),
            seal_scope=self.rng.choice(SEAL_SCOPES),
            seal_days=self.rng.choice((10, 15, 30)),
            case_title=self.rng.choice(CASE_TITLES),
        )
        self.counts["inspections"] += 1
        for document in out.documents:
            self.serve(document)
            if document.deadline_on and document.kind.value == "order":
                self.recheck(document)
        if out.seal is not None:
            self.counts["seals"] += 1
            lifted = self.day_between(day + timedelta(days=5), day + timedelta(days=28))
            if lifted is not None and self.rng.random() < 0.8:
                seal = seals.lift_seal(
                    self.session,
                    actor=self.actor,
                    seal_id=out.seal.id,
                    lifted_on=lifted,
                    reason="火灾隐患已消除，经检查符合消防安全要求",
                )
                lift = self.session.get(Document, seal.lift_document_id)
                if lift is not None:
                    self.serve(lift, same_day=True)
                self.counts["lifted"] += 1
        if out.case is not None:
            self.case(out.case.id, day)

    def serve(self, document: Document, *, same_day: bool = False) -> None:
        self.counts["documents"] += 1
        late = self.rng.random() < 0.08
        days = 0 if same_day else self.rng.randint(4, 6) if late else 1
        served = calendar().add_workdays(document.issued_on, days)
        if served <= self.today and self.rng.random() < 0.97:
            documents.serve(
                self.session, actor=self.actor, document_id=document.id, served_on=served
            )

    def recheck(self, order: Document) -> None:
        assert order.deadline_on is not None
        day = calendar().add_workdays(order.deadline_on, self.rng.randint(1, 3))
        if day > self.today:
            return
        passed = self.rng.random() < 0.85
        doc = inspect.recheck(
            self.session,
            actor=self.actor,
            order_id=order.id,
            rechecked_on=day,
            passed=passed,
            opinion="经复查，已按要求改正。" if passed else "经复查，未按要求改正，依法处理。",
        )
        self.serve(doc, same_day=True)

    def case(self, case_id: int, filed: date) -> None:
        self.counts["cases"] += 1
        day = filed
        for to in (CaseStatus.INVESTIGATING, CaseStatus.NOTIFIED, CaseStatus.DECIDED):
            day = day + timedelta(days=self.rng.randint(2, 12))
            if day > self.today:
                return
            penalties = None
            if to == CaseStatus.DECIDED:
                penalties = [PenaltyInput(PenaltyKind.FINE, self.rng.choice((5000, 10000, 30000)))]
                if self.rng.random() < 0.2:
                    penalties = [PenaltyInput(PenaltyKind.WARNING)]
                if self.rng.random() < 0.3:
                    penalties.append(
                        PenaltyInput(
                            self.rng.choice((PenaltyKind.STOP_PRODUCTION, PenaltyKind.STOP_USE))
                        )
                    )
            case = cases.move_case(
                self.session,
                actor=self.actor,
                case_id=case_id,
                to=to,
                on=day,
                penalties=penalties,
            )
        self.fines += case.fine_cny
        decision = cases.decision_of(self.session, case)
        if decision is not None:
            self.serve(decision, same_day=True)
        day += timedelta(days=self.rng.randint(1, 5))
        if day > self.today:
            return
        cases.move_case(
            self.session, actor=self.actor, case_id=case_id, to=CaseStatus.EXECUTING, on=day
        )
        paid_on = day + timedelta(days=self.rng.randint(1, 14))
        if case.fine_cny and paid_on <= self.today:
            cases.record_payment(
                self.session,
                actor=self.actor,
                case_id=case_id,
                paid_on=paid_on,
                amount_cny=case.fine_cny,
                receipt_no=f"FK{paid_on:%Y%m%d}{case_id:04d}",
            )
        closed = paid_on + timedelta(days=self.rng.randint(1, 5))
        if closed <= self.today and case.paid_cny >= case.fine_cny:
            cases.move_case(
                self.session, actor=self.actor, case_id=case_id, to=CaseStatus.CLOSED, on=closed
            )


def _brigade_year(
    session: Session,
    actor: Actor,
    rng: random.Random,
    year: int,
    brigade: Organization,
    today: date,
) -> _Year:
    work = _Year(session, actor, rng, today)
    for quarter in range(4):
        start = date(year, 3 * quarter + 1, 1)
        if start > today:
            break
        end = (date(year, 3 * quarter + 4, 1) if quarter < 3 else date(year + 1, 1, 1)) - timedelta(
            days=1
        )
        plan = plans.create_plan(
            session,
            actor=actor,
            org_id=brigade.id,
            name=f"{year}年第{quarter + 1}季度双随机抽查（{brigade.name}）",
            kind=PlanKind.RANDOM,
            starts_on=start,
            ends_on=end,
            sample_size=PER_QUARTER,
            seed=rng.randrange(2**31),
        )
        for item in list(plan.items):
            day = work.day_between(start, end)
            if day is not None and rng.random() < 0.9:
                premises = session.get(Premises, item.premises_id)
                assert premises is not None
                work.inspect(premises, day, plan.id)
    register = plans.register_ids(session, actor, brigade, None)
    start = date(year, rng.randint(1, 11), rng.randint(1, 28))
    if register and start <= today:
        chosen = rng.sample(register, k=min(2, len(register)))
        plan = plans.create_plan(
            session,
            actor=actor,
            org_id=brigade.id,
            name=f"{year}年投诉举报核查（{brigade.name}）",
            kind=PlanKind.COMPLAINT,
            starts_on=start,
            ends_on=start + timedelta(days=14),
            premises_ids=chosen,
            complaint="群众举报：场所安全出口上锁，楼道堆放杂物",
        )
        for premises_id in chosen:
            day = work.day_between(start, start + timedelta(days=14))
            premises = session.get(Premises, premises_id)
            if day is not None and premises is not None:
                work.inspect(premises, day, plan.id)
    return work


def load(
    factory: sessionmaker[Session], *, seed: int, years: Sequence[int], progress: Progress
) -> list[str]:
    """Plans, inspections, documents, seals and cases of each history year."""
    from lanyan.demo.prevention_history import officer_actor

    lines: list[str] = []
    today = local_today(utcnow())
    for n, year in enumerate(years, start=1):
        progress("监督执法", n, len(years))
        with factory() as session:
            if session.scalar(select(Plan.id).where(Plan.name.startswith(f"{year}年第1季度"))):
                lines.append(f"{year}年监督执法：已存在，跳过")
                continue
        rng = random.Random(f"enforcement:{seed}:{year}")  # noqa: S311 - demo data, seeded
        totals = {"inspections": 0, "documents": 0, "seals": 0, "lifted": 0, "cases": 0}
        fines = 0
        with transaction(factory) as session:
            detachment_actor = officer_actor(session)
            brigades = list(
                session.scalars(
                    select(Organization)
                    .where(
                        Organization.kind == OrgKind.BRIGADE,
                        Organization.path.startswith(detachment_actor.org_path),
                    )
                    .order_by(Organization.path)
                )
            )
            for i, brigade in enumerate(brigades):
                actor = _officer(session, brigade, detachment_actor, i)
                work = _brigade_year(session, actor, rng, year, brigade, today)
                for key, value in work.counts.items():
                    totals[key] += value
                fines += work.fines
        t = totals
        lines.append(
            f"{year}年监督执法：检查 {t['inspections']} 次，法律文书 {t['documents']} 份，"
            f"临时查封 {t['seals']} 处（解除 {t['lifted']} 处），立案 {t['cases']} 起，"
            f"罚款 {fines} 元"
        )
    return lines
