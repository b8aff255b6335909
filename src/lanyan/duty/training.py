"""练兵考核: training plans, sessions with attendees, assessments with results, the ranking.

An assessment carries its own standard: the pass value, whether a lower time or a higher score
is better (``measure``), and the possible range of a result; a result outside that range is a
typing error and the whole batch is refused. Results are entered while the assessment is a
draft; publishing it (网上公示) freezes the results and shows the ranking on the monthly page.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lanyan.core import audit, crud
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Forbidden, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.duty.choices import AssessmentStatus, Measure
from lanyan.duty.models import (
    Assessment,
    AssessmentResult,
    Person,
    TrainingAttendance,
    TrainingPlan,
    TrainingSession,
)
from lanyan.duty.schemas import (
    AssessmentIn,
    AssessmentPublic,
    PlanIn,
    PlanPublic,
    RankRow,
    ResultsIn,
    SessionIn,
    SessionPublic,
)
from lanyan.forces.models import Organization


def month_of(day: date) -> str:
    """``YYYY-MM`` of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def _people(session: Session, actor: Actor, ids: list[int]) -> dict[int, Person]:
    found = {
        p.id: p for p in session.scalars(visible(actor, Person).where(Person.id.in_(set(ids))))
    }
    unknown = sorted({pid for pid in ids if pid not in found})
    if unknown:
        raise Invalid(
            f"人员不存在或不在您的辖区内：{'、'.join(map(str, unknown))}",
            f"unknown people: {unknown}",
            errors=[{"field": "person_id", "value": pid} for pid in unknown],
        )
    twice = [found[pid].name for pid, n in Counter(ids).items() if n > 1]
    if twice:
        raise Invalid(f"{'、'.join(twice)}重复出现", f"listed twice: {', '.join(twice)}")
    return found


# --- plans and sessions -----------------------------------------------------------------------


def create_plan(session: Session, *, actor: Actor, data: PlanIn) -> TrainingPlan:
    """Add a line to a month's training plan."""
    actor.require(Action.DUTY_TRAIN)
    get_visible(session, actor, Organization, data.org_id)
    plan = TrainingPlan(**data.model_dump(exclude={"month"}), month=month_of(data.month))
    return crud.create(session, actor=actor, obj=plan, entity="training_plan", entity_zh="训练计划")


def list_plans(
    session: Session, *, actor: Actor, month: str, org_id: int | None = None
) -> list[PlanPublic]:
    """A month's plan lines with the sessions held against each."""
    actor.require(Action.READ)
    stmt = visible(actor, TrainingPlan).where(TrainingPlan.month == month)
    if org_id is not None:
        stmt = stmt.where(TrainingPlan.org_id == org_id)
    plans = list(session.scalars(stmt.order_by(TrainingPlan.org_id, TrainingPlan.id)))
    held = dict(
        session.execute(
            select(TrainingSession.plan_id, func.count())
            .where(TrainingSession.plan_id.in_([p.id for p in plans]))
            .group_by(TrainingSession.plan_id)
        ).all()
    )
    out = []
    for plan in plans:
        row = PlanPublic.model_validate(plan)
        row.org_name = plan.org.name
        row.sessions_held = int(held.get(plan.id, 0))
        out.append(row)
    return out


def record_session(session: Session, *, actor: Actor, data: SessionIn) -> TrainingSession:
    """Record a session held and who attended (unknown people: 422, nothing written)."""
    actor.require(Action.DUTY_TRAIN)
    get_visible(session, actor, Organization, data.org_id)
    if data.plan_id is not None:
        plan = get_visible(session, actor, TrainingPlan, data.plan_id)
        if plan.org_id != data.org_id or plan.month != month_of(data.held_on):
            raise Invalid(
                "训练记录与所选计划的单位或月份不一致", "the plan is of another unit or month"
            )
    _people(session, actor, list(data.attendee_ids))
    row = TrainingSession(
        org_id=data.org_id,
        plan_id=data.plan_id,
        subject=data.subject,
        title=data.title,
        held_on=data.held_on,
        hours=data.hours,
        attendees=[TrainingAttendance(person_id=pid) for pid in data.attendee_ids],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="training_session",
        entity_id=row.id,
        after={**audit.snapshot(row), "attendee_ids": list(data.attendee_ids)},
    )
    return row


def session_public(row: TrainingSession) -> SessionPublic:
    """A session for the API."""
    return SessionPublic(
        id=row.id,
        org_id=row.org_id,
        org_name=row.org.name,
        plan_id=row.plan_id,
        subject=row.subject,
        title=row.title,
        held_on=row.held_on,
        hours=row.hours,
        attendees=len(row.attendees),
    )


def query_sessions(*, actor: Actor, month: str | None = None) -> Select[TrainingSession]:
    """Sessions in the jurisdiction, newest first."""
    stmt = visible(actor, TrainingSession)
    if month:
        year, mon = (int(x) for x in month.split("-"))
        start = date(year, mon, 1)
        end = date(year + (mon == 12), mon % 12 + 1, 1)
        stmt = stmt.where(TrainingSession.held_on >= start, TrainingSession.held_on < end)
    return stmt.order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())


# --- assessments ------------------------------------------------------------------------------


def passes(measure: Measure, value: float, pass_value: float) -> bool:
    """A time passes at or under the standard, a score at or over it."""
    return value <= pass_value if measure == Measure.TIME else value >= pass_value


def create_assessment(session: Session, *, actor: Actor, data: AssessmentIn) -> Assessment:
    """Set an assessment or competition item with its standard and possible range."""
    actor.require(Action.DUTY_ASSESS)
    get_visible(session, actor, Organization, data.org_id)
    if not data.min_value < data.max_value:
        raise Invalid("成绩下限须小于上限", "min_value must be below max_value")
    if not data.min_value <= data.pass_value <= data.max_value:
        raise Invalid("合格标准须在成绩可能范围之内", "pass_value must lie in the possible range")
    row = Assessment(**data.model_dump(), month=month_of(data.held_on))
    return crud.create(session, actor=actor, obj=row, entity="assessment", entity_zh="考核")


def get_assessment(session: Session, actor: Actor, assessment_id: int) -> Assessment:
    """An assessment in the actor's jurisdiction (404 otherwise)."""
    return get_visible(session, actor, Assessment, assessment_id)


def _own_assessment(session: Session, actor: Actor, assessment_id: int) -> Assessment:
    """An assessment the actor may change: one of its own subtree (one set above it is shown to
    it, published or not, but is changed by those who set it)."""
    item = get_assessment(session, actor, assessment_id)
    if not actor.covers(item.org.path):
        raise Forbidden(
            f"该考核由{item.org.name}组织，您只能查看", "set by an organization above yours"
        )
    return item


def enter_results(
    session: Session, *, actor: Actor, assessment_id: int, data: ResultsIn
) -> Assessment:
    """Enter (or correct) results of a draft assessment; any bad result refuses the batch."""
    actor.require(Action.DUTY_ASSESS)
    item = _own_assessment(session, actor, assessment_id)
    if item.status != AssessmentStatus.DRAFT:
        raise Conflict("考核成绩已公示，不能再修改", "the assessment is published")
    people = _people(session, actor, [r.person_id for r in data.results])
    outside = [
        f"{people[r.person_id].name}（{r.value:g}）"
        for r in data.results
        if not item.min_value <= r.value <= item.max_value
    ]
    if outside:
        raise Invalid(
            f"成绩超出可能范围 {item.min_value:g}–{item.max_value:g}：{'、'.join(outside)}",
            f"results outside {item.min_value:g}-{item.max_value:g}",
            errors=[{"field": "value", "reason": text} for text in outside],
        )
    before = {r.person_id: r.value for r in item.results}
    existing = {r.person_id: r for r in item.results}
    for entry in data.results:
        passed = passes(item.measure, entry.value, item.pass_value)
        row = existing.get(entry.person_id)
        if row is None:
            item.results.append(
                AssessmentResult(person_id=entry.person_id, value=entry.value, passed=passed)
            )
        else:
            row.value, row.passed = entry.value, passed
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="results",
        entity="assessment",
        entity_id=item.id,
        before={"results": {str(k): v for k, v in before.items()}},
        after={"results": {str(r.person_id): r.value for r in item.results}},
    )
    return item


def publish(
    session: Session, *, actor: Actor, assessment_id: int, at: datetime | None = None
) -> Assessment:
    """Publish the ranking (网上公示): draft → published; publishing twice is a conflict."""
    actor.require(Action.DUTY_ASSESS)
    item = _own_assessment(session, actor, assessment_id)
    if item.status != AssessmentStatus.DRAFT:
        raise Conflict("考核已公示", "already published")
    if not item.results:
        raise Conflict("还没有成绩，不能公示", "no results to publish")
    return crud.update(
        session,
        actor=actor,
        obj=item,
        changes={"status": AssessmentStatus.PUBLISHED, "published_at": at or utcnow()},
        entity="assessment",
        entity_zh="考核",
        action="publish",
    )


def ranking(item: Assessment) -> list[RankRow]:
    """Results best first (lowest time, highest score); equal results share a rank."""
    reverse = item.measure == Measure.SCORE
    ordered = sorted(item.results, key=lambda r: (-r.value if reverse else r.value, r.person.name))
    rows: list[RankRow] = []
    for index, result in enumerate(ordered, start=1):
        rank = rows[-1].rank if rows and rows[-1].value == result.value else index
        rows.append(
            RankRow(
                rank=rank,
                person_id=result.person_id,
                name=result.person.name,
                org_name=result.person.org.name,
                value=result.value,
                passed=result.passed,
            )
        )
    return rows


def pass_pct(passed: int, assessed: int) -> float | None:
    """Pass rate in percent to two decimals (``None`` with nobody assessed)."""
    return round(100.0 * passed / assessed, 2) if assessed else None


def assessment_public(item: Assessment) -> AssessmentPublic:
    """An assessment with its ranking and pass rate."""
    passed = sum(1 for r in item.results if r.passed)
    return AssessmentPublic(
        id=item.id,
        org_id=item.org_id,
        org_name=item.org.name,
        kind=item.kind,
        month=item.month,
        held_on=item.held_on,
        subject=item.subject,
        item=item.item,
        measure=item.measure,
        pass_value=item.pass_value,
        min_value=item.min_value,
        max_value=item.max_value,
        standard_source=item.standard_source,
        status=item.status,
        published_at=item.published_at,
        assessed=len(item.results),
        passed=passed,
        pass_pct=pass_pct(passed, len(item.results)),
        ranking=ranking(item),
    )


def list_assessments(
    session: Session, *, actor: Actor, month: str | None = None, published_only: bool = False
) -> list[AssessmentPublic]:
    """Assessments (with rankings) of a month, or the latest ones."""
    actor.require(Action.READ)
    stmt = visible(actor, Assessment)
    if month:
        stmt = stmt.where(Assessment.month == month)
    if published_only:
        stmt = stmt.where(Assessment.status == AssessmentStatus.PUBLISHED)
    stmt = stmt.order_by(Assessment.held_on.desc(), Assessment.id.desc()).limit(200)
    return [assessment_public(a) for a in session.scalars(stmt)]
