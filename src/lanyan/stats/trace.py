"""The records behind a figure: every number on a dashboard or in a report can be opened.

``trace(session, actor, "incidents.by_type.fire", period, org_id)`` lists the incidents that figure
counts; "hazards.rectified" the hazards rectified and closed in the period (never a rejected one:
:mod:`lanyan.prevention.definitions`); "response.within_standard" the incidents whose first unit
arrived within the standard; "turnouts.stations" (队次) one record per incident and station sent,
"turnouts.units" (辆次) the assignments. The keys are exactly those of
:class:`~lanyan.stats.queries.Figures`, and the conditions are built from the same expressions as
the aggregates in :mod:`lanyan.stats.queries`, so for a count figure the trace has exactly as many
records as the figure says (the tests check every key). For a sum (people rescued, direct loss) the
trace lists the records that contribute to it, with their ``value``; for a time or a rate the
incidents it is computed from, with their seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, true
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.clock import as_local, utcnow
from lanyan.core.errors import Invalid
from lanyan.core.standards import standards
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.dispatch.grading import FireGrade
from lanyan.dispatch.models import Assignment, Incident
from lanyan.forces.models import Unit
from lanyan.prevention.choices import ControlLevel
from lanyan.prevention.definitions import (
    found_between,
    listing_open_as_of,
    major_as_of,
    overdue_as_of,
    rectified_between,
    task_done_as_of,
    task_missed_as_of,
)
from lanyan.prevention.models import (
    Hazard,
    HazardOrder,
    Inspection,
    PatrolTask,
    PatrolVisit,
    Premises,
    SupervisedListing,
)
from lanyan.stats.periods import Period
from lanyan.stats.queries import (
    METRICS,
    NONE_KEY,
    UNSPECIFIED,
    AnySelect,
    Scope,
    dialect_of,
    incident_base,
    local_hour,
    org_in_scope,
    resolve_scope,
    response_ms,
    response_span,
    turnout_stations,
)
from lanyan.stats.sections import section_of

MAX_TRACE_ROWS = 100_000
"""The most records one trace call returns (pages go further with ``offset``)."""


@dataclass(frozen=True, slots=True)
class _Context:
    session: Session
    scope: Scope
    period: Period
    now: datetime
    dialect: str


def _unknown(key: str) -> Invalid:
    return Invalid(f"未知的统计指标：{key}", f"unknown figure key: {key}")


def _incidents(
    ctx: _Context,
    cond: ColumnElement[bool],
    value: Any = None,
    *,
    response: str | None = None,
    within: bool = False,
) -> AnySelect:
    """Incidents of the period and scope meeting ``cond``; ``value`` is shown beside each. With
    ``response`` only incidents whose first assignment has that measure, which is the value."""
    if response is not None:
        ms = response_ms(response, ctx.dialect)  # the figures' own expression, so counts agree
        value = response_span(response, ctx.dialect)
        cond = and_(cond, ms >= 0)
        if within:
            cond = and_(cond, ms <= standards()["urban_arrival_s"] * 1000)
    stmt = select(
        Incident.id,
        Incident.number,
        Incident.received_at,
        Incident.type,
        Incident.subtype,
        Incident.brigade_id,
        Incident.address_text,
        (value if value is not None else literal(None)).label("value"),
    )
    return stmt.where(incident_base(ctx.scope, ctx.period), cond).order_by(
        Incident.received_at, Incident.id
    )


def _incident_key(ctx: _Context, parts: list[str]) -> AnySelect:
    head, tail = parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""
    if parts == ["incidents", "total"]:
        return _incidents(ctx, true())
    if parts == ["incidents", "false_alarms"]:
        return _incidents(ctx, Incident.type == IncidentType.FALSE_ALARM)
    if len(parts) != 3:
        raise _unknown(".".join(parts))
    if head == "by_type" and tail in IncidentType._value2member_map_:
        return _incidents(ctx, Incident.type == IncidentType(tail))
    if head == "by_subtype" and tail == UNSPECIFIED:
        return _incidents(ctx, Incident.subtype.is_(None))
    if head == "by_subtype" and tail in IncidentSubtype._value2member_map_:
        return _incidents(ctx, Incident.subtype == IncidentSubtype(tail))
    if head == "by_month":
        for month, lo, hi in ctx.period.months():
            if month == tail:
                return _incidents(ctx, and_(Incident.received_at >= lo, Incident.received_at < hi))
    if head == "by_hour" and tail.isdigit() and len(tail) == 2 and int(tail) < 24:
        return _incidents(ctx, local_hour(Incident.received_at, ctx.dialect) == int(tail))
    if head == "by_brigade" and tail == NONE_KEY:
        return _incidents(ctx, Incident.brigade_id.is_(None))
    if head == "by_brigade" and tail.isdigit() and len(tail) <= 10:
        return _incidents(ctx, Incident.brigade_id == int(tail))
    raise _unknown(".".join(parts))


def _response_key(ctx: _Context, parts: list[str]) -> AnySelect:
    if parts == ["response", "within_standard"]:
        return _incidents(ctx, true(), response="response", within=True)
    if parts == ["response", "within_standard_pct"]:
        return _incidents(ctx, true(), response="response")
    if len(parts) == 3 and parts[1] in METRICS and parts[2] in ("n", "mean", "p50", "p90"):
        return _incidents(ctx, true(), response=parts[1])
    raise _unknown(".".join(parts))


_SUMS: dict[str, tuple[Any, bool]] = {
    "people.rescued": (Incident.rescued, False),
    "people.evacuated": (Incident.evacuated, False),
    "property.protected_cny": (Incident.property_protected_cny, False),
    "fires.deaths": (Incident.deaths, True),
    "fires.serious_injuries": (Incident.serious_injuries, True),
    "fires.minor_injuries": (Incident.minor_injuries, True),
    "fires.direct_loss_cny": (Incident.direct_loss_cny, True),
}
"""Sum figures: the column summed and whether only fires count."""


def _turnout_key(ctx: _Context, key: str) -> AnySelect:
    """队次: one record per incident and station sent (its units and crew beside it); 辆次 and
    人次: the assignments, with the crew each unit was sent with as ``value``."""
    if key == "turnouts.stations":
        pairs = turnout_stations(ctx.scope, ctx.period).subquery("t")
        return (
            select(
                Incident.id,
                Incident.number,
                Incident.received_at,
                Incident.type,
                pairs.c.station_id,
                pairs.c.units,
                pairs.c.people.label("value"),
            )
            .join(pairs, pairs.c.incident_id == Incident.id)
            .order_by(Incident.received_at, Incident.id, pairs.c.station_id)
        )
    if key not in ("turnouts.units", "turnouts.people"):
        raise _unknown(key)
    cond = true() if key == "turnouts.units" else Assignment.crew_sent > 0
    return (
        select(
            Assignment.id,
            Incident.number,
            Incident.received_at,
            Incident.type,
            Unit.station_id,
            Assignment.unit_id,
            Unit.call_sign,
            Assignment.assigned_at,
            Assignment.crew_sent.label("value"),
        )
        .join(Incident, Incident.id == Assignment.incident_id)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(incident_base(ctx.scope, ctx.period), cond)
        .order_by(Incident.received_at, Incident.id, Assignment.id)
    )


def _hazards(ctx: _Context, cond: ColumnElement[bool]) -> AnySelect:
    return (
        select(
            Hazard.id,
            Hazard.title,
            Hazard.org_id,
            Hazard.premises_id,
            Hazard.severity,
            Hazard.status,
            Hazard.found_at,
            Hazard.deadline_at,
            Hazard.closed_at,
        )
        .where(org_in_scope(Hazard.org_id, ctx.scope), cond)
        .order_by(Hazard.id)
    )


def _in(column: Any, lo: Any, hi: Any) -> ColumnElement[bool]:
    return and_(column >= lo, column < hi)


def _prevention_key(ctx: _Context, key: str) -> AnySelect:
    lo, hi = ctx.period.utc_start, ctx.period.utc_end
    d0, d1 = ctx.period.start, ctx.period.end
    as_of = min(ctx.now, hi)  # as the figures: a past period as of its end
    if key == "hazards.found":
        return _hazards(ctx, found_between(lo, hi))
    if key == "hazards.major":
        return _hazards(ctx, and_(found_between(lo, hi), major_as_of(hi)))
    if key == "hazards.rectified":
        return _hazards(ctx, rectified_between(lo, hi))
    if key == "hazards.overdue":
        standing = select(HazardOrder.hazard_id).where(overdue_as_of(as_of))
        return _hazards(ctx, Hazard.id.in_(standing))
    if key == "patrol.visits":
        return (
            select(
                PatrolVisit.id,
                PatrolVisit.premises_id,
                PatrolVisit.org_id,
                PatrolVisit.task_id,
                PatrolVisit.at,
                PatrolVisit.far_from_premises,
            )
            .where(_in(PatrolVisit.at, lo, hi), org_in_scope(PatrolVisit.org_id, ctx.scope))
            .order_by(PatrolVisit.at, PatrolVisit.id)
        )
    tasks = {
        "patrol.tasks_planned": true(),
        "patrol.tasks_done": task_done_as_of(as_of),
        "patrol.tasks_missed": task_missed_as_of(as_of),
    }
    if key in tasks:
        return (
            select(
                PatrolTask.id,
                PatrolTask.premises_id,
                PatrolTask.org_id,
                PatrolTask.due_on,
                PatrolTask.status,
            )
            .where(
                _in(PatrolTask.due_on, d0, d1),
                org_in_scope(PatrolTask.org_id, ctx.scope),
                tasks[key],
            )
            .order_by(PatrolTask.due_on, PatrolTask.id)
        )
    if key == "patrol.inspections":
        return (
            select(
                Inspection.id,
                Inspection.premises_id,
                Inspection.org_id,
                Inspection.inspected_on,
                Inspection.outcome,
            )
            .where(_in(Inspection.inspected_on, d0, d1), org_in_scope(Inspection.org_id, ctx.scope))
            .order_by(Inspection.inspected_on, Inspection.id)
        )
    listings = {
        "listings.listed": _in(SupervisedListing.listed_at, lo, hi),
        "listings.open": listing_open_as_of(as_of),
        "listings.delisted": _in(SupervisedListing.delisted_at, lo, hi),
    }
    if key in listings:
        return (
            select(
                SupervisedListing.id,
                SupervisedListing.hazard_id,
                func.coalesce(Hazard.title, SupervisedListing.area_name).label("title"),
                SupervisedListing.org_id,
                SupervisedListing.kind,
                SupervisedListing.level,
                SupervisedListing.status,
                SupervisedListing.listed_at,
                SupervisedListing.delisted_at,
            )
            .outerjoin(Hazard, Hazard.id == SupervisedListing.hazard_id)
            .where(org_in_scope(SupervisedListing.org_id, ctx.scope), listings[key])
            .order_by(SupervisedListing.id)
        )
    if key.startswith("premises.controlled."):
        tail = key.rsplit(".", 1)[1]
        if tail == "total":
            cond: ColumnElement[bool] = Premises.control_level.is_not(None)
        elif tail in ControlLevel._value2member_map_:
            cond = Premises.control_level == ControlLevel(tail)
        else:
            raise _unknown(key)
        return (
            select(
                Premises.id,
                Premises.external_id,
                Premises.name,
                Premises.org_id,
                Premises.control_level,
            )
            .where(org_in_scope(Premises.org_id, ctx.scope), cond)
            .order_by(Premises.id)
        )
    raise _unknown(key)


def _statement(ctx: _Context, key: str) -> AnySelect:
    if len(key) > 80:
        raise _unknown(key[:80] + "…")
    parts = key.split(".")
    if parts[0] == "incidents":
        return _incident_key(ctx, parts)
    if parts[0] == "response" and (owner := section_of(key)) is not None:  # issue 19: 出水/控制
        return owner.trace(ctx.session, ctx.scope, ctx.period, ctx.now, key)  # type: ignore[no-any-return]
    if parts[0] == "response":
        return _response_key(ctx, parts)
    if parts[0] == "turnouts":
        return _turnout_key(ctx, key)
    if key in _SUMS:
        column, fires_only = _SUMS[key]
        cond = column > 0
        if fires_only:
            cond = and_(cond, Incident.type == IncidentType.FIRE)
        return _incidents(ctx, cond, column)
    if key == "fires.total":
        return _incidents(ctx, Incident.type == IncidentType.FIRE)
    if key == "fires.slight":
        return _incidents(
            ctx, and_(Incident.type == IncidentType.FIRE, Incident.slight_fire.is_(True))
        )
    section = section_of(key)
    if section is not None:
        return section.trace(ctx.session, ctx.scope, ctx.period, ctx.now, key)  # type: ignore[no-any-return]
    if parts[:2] == ["fires", "by_grade"] and len(parts) == 3:
        if parts[2] not in FireGrade._value2member_map_:
            raise _unknown(key)
        return _incidents(
            ctx,
            and_(Incident.type == IncidentType.FIRE, Incident.fire_grade == FireGrade(parts[2])),
        )
    return _prevention_key(ctx, key)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_local(value).isoformat(timespec="seconds")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _context(
    session: Session, actor: Actor, period: Period, org_id: int | None, now: datetime | None
) -> _Context:
    scope = resolve_scope(session, actor, org_id)
    return _Context(session, scope, period, now or utcnow(), dialect_of(session))


def trace(
    session: Session,
    actor: Actor,
    key: str,
    period: Period,
    org_id: int | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The records the figure ``key`` counts (or sums, or is computed from), oldest first.

    Times are local (Asia/Shanghai) ISO strings, choices their values. Incident records carry
    ``id, number, received_at, type, subtype, brigade_id, address_text, value``; hazards
    ``id, title, org_id, premises_id, severity, status, found_at, deadline_at, closed_at``.
    An unknown key is :class:`~lanyan.core.errors.Invalid`; jurisdiction as in
    :func:`~lanyan.stats.queries.compute_figures`. ``now`` must match the one the figures used
    for snapshot keys (hazards.overdue).
    """
    ctx = _context(session, actor, period, org_id, now)
    stmt = _statement(ctx, key)
    stmt = stmt.limit(min(limit, MAX_TRACE_ROWS) if limit is not None else MAX_TRACE_ROWS)
    if offset:
        stmt = stmt.offset(offset)
    result = session.execute(stmt)
    names = list(result.keys())
    return [{k: _plain(v) for k, v in zip(names, row, strict=True)} for row in result]


def trace_count(
    session: Session,
    actor: Actor,
    key: str,
    period: Period,
    org_id: int | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """How many records :func:`trace` lists for ``key`` (for paging)."""
    ctx = _context(session, actor, period, org_id, now)
    stmt = _statement(ctx, key).order_by(None)
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
