"""Statistics of a period and an organization subtree: every figure a dashboard or report shows.

One source of truth for the dashboards, the API, the CLI and the yearly report. Each figure has a
dotted key ("incidents.by_type.fire", "response.response.p90", "hazards.rectified") and is
computed in the database with aggregation (GROUP BY, CASE, SUM), never by walking rows in Python:
a detachment has about a million calls and a million hazards a year, and the yearly statistics
must come back in seconds (bench/stats.py). Response-time percentiles come from 5-second histogram
buckets counted in SQL (NFPA 1710 reports the 90th percentile), so no query fetches every row.

Where SQL differs between the backends the expression is chosen by dialect: SQLite stores
timestamps as UTC text ("2025-12-31 15:30:00.000000"), so local hours use ``strftime`` with the
zone's offset and durations ``julianday`` differences; PostgreSQL uses ``AT TIME ZONE`` and
``extract(epoch ...)``. Local months need no dialect at all: they are CASE ranges on the UTC
bounds of each local month, which the ``received_at`` index also serves.

:mod:`lanyan.stats.trace` lists the records behind any figure with the same conditions, and
:func:`compare` states changes the way reports do ("下降4.81%").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.clock import LOCAL_TZ, utcnow
from lanyan.core.errors import not_found
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.dispatch.grading import FireGrade
from lanyan.dispatch.models import Assignment, Incident
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.choices import (
    ControlLevel,
    HazardSeverity,
    HazardStatus,
    ListingStatus,
    PatrolTaskStatus,
)
from lanyan.prevention.models import (
    Hazard,
    Inspection,
    PatrolTask,
    PatrolVisit,
    Premises,
    SupervisedListing,
)
from lanyan.stats.periods import Period

Value = int | float | None
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
Kind = Literal["count", "people", "cny", "seconds", "percent"]

BUCKET_S = 5
"""Width of the response-time histogram bins; a percentile is exact to within one bin."""

METRICS: dict[str, tuple[str, str]] = {
    "call_handling": ("接警处理时间", "first assignment − call received"),
    "turnout": ("出动时间", "en route − assigned"),
    "travel": ("行驶时间", "on scene − en route"),
    "response": ("到场时间", "on scene − assigned (the 5-minute standard's measure)"),
}
"""Response-time measures of an incident's FIRST assignment."""

PERCENTILES = (50, 90)
UNSPECIFIED = "unspecified"
NONE_KEY = "none"

_OFFSET_H = int((LOCAL_TZ.utcoffset(datetime(2000, 1, 1)) or timedelta(0)).total_seconds() // 3600)
# Asia/Shanghai has kept UTC+8 without daylight saving since 1991: a fixed offset is exact for
# every timestamp the platform stores.


# --- scope --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """The organization subtree the figures cover (``path`` "/" is everything)."""

    org_id: int | None
    org_name: str
    path: str


def resolve_scope(session: Session, actor: Actor, org_id: int | None) -> Scope:
    """The subtree of ``org_id`` (default: the actor's own), which must lie in the actor's
    jurisdiction: 403 without the READ right, 404 for an organization the actor cannot see."""
    actor.require(Action.READ)
    if org_id is None:
        if actor.org_id is None:
            return Scope(None, "全部", actor.org_path)
        org_id = actor.org_id
    org = session.get(Organization, org_id)
    if org is None or not actor.covers(org.path):
        raise not_found("组织机构", "organization", org_id)
    return Scope(org.id, org.name, org.path)


def _orgs_in(scope: Scope) -> Select[int]:
    return select(Organization.id).where(Organization.path.startswith(scope.path, autoescape=True))


def incident_in_scope(scope: Scope) -> ColumnElement[bool]:
    """Incidents of the subtree, by their brigade's organization (unattributed ones only when the
    scope is everything, as in the incident list)."""
    if scope.path == "/":
        return true()
    return Incident.brigade_id.in_(_orgs_in(scope))


def org_in_scope(column: Any, scope: Scope) -> ColumnElement[bool]:
    """Records whose ``org_id`` column lies in the subtree."""
    if scope.path == "/":
        return true()
    result: ColumnElement[bool] = column.in_(_orgs_in(scope))
    return result


def incident_base(scope: Scope, period: Period) -> ColumnElement[bool]:
    """Incidents received in the period, in the subtree."""
    return and_(
        Incident.received_at >= period.utc_start,
        Incident.received_at < period.utc_end,
        incident_in_scope(scope),
    )


# --- dialect-aware expressions -----------------------------------------------------------------


def dialect_of(session: Session) -> str:
    """``sqlite`` or ``postgresql``."""
    return session.get_bind().dialect.name


def local_hour(column: Any, dialect: str) -> ColumnElement[int]:
    """Hour of day (0–23) of a stored UTC timestamp, in local time."""
    if dialect == "sqlite":
        return cast(func.strftime("%H", column, f"+{_OFFSET_H} hours"), Integer)
    return cast(func.extract("hour", func.timezone(LOCAL_TZ.key, column)), Integer)


def seconds_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    """``later − earlier`` in seconds (NULL when either is missing)."""
    if dialect == "sqlite":
        # julianday differences carry ~1e-4 s of float noise: round to the millisecond so that a
        # response of exactly 300 s counts as within the 300 s standard
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)
    return cast(func.extract("epoch", later - earlier), Float)


def bin_of(seconds: Any, dialect: str) -> ColumnElement[int]:
    """Histogram bin of a non-negative number of seconds (``BUCKET_S`` wide)."""
    width: ColumnElement[Any] = literal_column(str(BUCKET_S))
    if dialect == "sqlite":  # CAST truncates, which is floor for the non-negative spans kept
        return cast(seconds / width, Integer)
    return cast(func.floor(seconds / width), Integer)


def month_index(column: Any, period: Period) -> ColumnElement[int]:
    """0-based index into ``period.months()`` of a timestamp inside the period."""
    months = period.months()
    whens: list[tuple[Any, Any]] = [
        (column < hi, literal_column(str(i))) for i, (_, _, hi) in enumerate(months[:-1])
    ]
    if not whens:
        return literal_column("0")
    return case(*whens, else_=literal_column(str(len(months) - 1)))


def first_response(scope: Scope, period: Period, dialect: str) -> AnySelect:
    """Per incident of the period with an assignment: the four measures of its FIRST assignment
    (earliest ``assigned_at``; PostgreSQL breaks ties by the lowest id) in seconds; a span is NULL
    when a milestone is missing, and users filter ``>= 0`` (which also drops negative spans).
    """
    in_period = select(Incident.id).where(incident_base(scope, period))
    if dialect == "sqlite":
        # SQLite returns the other columns of the row holding min(): the first assignment in one
        # pass over the incident_id index (measured faster here than a window function or one
        # correlated LIMIT 1 probe per incident); among equal times SQLite picks either row
        ranked = (
            select(
                Assignment.incident_id,
                func.min(Assignment.assigned_at).label("assigned_at"),
                Assignment.en_route_at,
                Assignment.on_scene_at,
            )
            .where(Assignment.incident_id.in_(in_period))
            .group_by(Assignment.incident_id)
            .subquery("ranked")
        )
    else:
        ranked = (
            select(
                Assignment.incident_id,
                Assignment.assigned_at,
                Assignment.en_route_at,
                Assignment.on_scene_at,
            )
            .where(Assignment.incident_id.in_(in_period))
            .ext(distinct_on(Assignment.incident_id))
            .order_by(Assignment.incident_id, Assignment.assigned_at, Assignment.id)
            .subquery("ranked")
        )
    spans = {
        "call_handling": seconds_between(ranked.c.assigned_at, Incident.received_at, dialect),
        "turnout": seconds_between(ranked.c.en_route_at, ranked.c.assigned_at, dialect),
        "travel": seconds_between(ranked.c.on_scene_at, ranked.c.en_route_at, dialect),
        "response": seconds_between(ranked.c.on_scene_at, ranked.c.assigned_at, dialect),
    }
    # negative spans (bad clocks) are left out where the spans are used (``>= 0``), which also
    # drops NULLs, rather than by a CASE here that would compute every span twice
    columns = [span.label(f"{name}_s") for name, span in spans.items()]
    return (
        select(Incident.id.label("incident_id"), *columns)
        .join(ranked, ranked.c.incident_id == Incident.id)
        .where(incident_base(scope, period))
    )


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """A hazard ordered to be rectified whose deadline has passed (as the officer's list says)."""
    return and_(Hazard.status == HazardStatus.ORDERED, Hazard.deadline_at < now)


# --- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Every figure of one period and one subtree, by dotted key, in display order.

    ``values["incidents.by_type.fire"]``; :meth:`group` gives one breakdown as a dict
    (``group("incidents.by_month")`` → ``{"2025-01": 98, ...}``); ``names`` holds the display
    names of dynamic key parts (brigade ids); :func:`label` and :func:`kind` describe a key.
    """

    period: Period
    scope: Scope
    computed_at: datetime
    values: dict[str, Value]
    names: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Value:
        return self.values[key]

    def keys(self) -> list[str]:
        """Every figure key, in display order."""
        return list(self.values)

    def group(self, prefix: str) -> dict[str, Value]:
        """The figures under ``prefix`` keyed by their last part."""
        head = prefix.rstrip(".") + "."
        return {k[len(head) :]: v for k, v in self.values.items() if k.startswith(head)}

    def label(self, key: str) -> str:
        """Chinese label of a key, with brigade names resolved."""
        return label(key, self.names)


_STATIC_LABELS: dict[str, str] = {
    "incidents.total": "接警出动总数",
    "incidents.false_alarms": "虚假警",
    "response.within_standard": "5分钟内到场起数",
    "response.within_standard_pct": "5分钟到场率(%)",
    "people.rescued": "营救人数",
    "people.evacuated": "疏散人数",
    "property.protected_cny": "保护财产价值(元)",
    "fires.total": "火灾起数",
    "fires.deaths": "火灾亡人数",
    "fires.serious_injuries": "火灾重伤人数",
    "fires.minor_injuries": "火灾轻伤人数",
    "fires.direct_loss_cny": "火灾直接财产损失(元)",
    "patrol.visits": "防火巡查次数",
    "patrol.tasks_planned": "计划巡查任务",
    "patrol.tasks_done": "已完成巡查任务",
    "patrol.tasks_missed": "逾期未巡任务",
    "patrol.inspections": "监督检查次数",
    "hazards.found": "发现火灾隐患",
    "hazards.major": "发现重大火灾隐患",
    "hazards.rectified": "整改销案隐患",
    "hazards.overdue": "当前逾期未改隐患",
    "listings.listed": "挂牌督办",
    "listings.rectifying": "督办整改中",
    "listings.delisted": "摘牌销案",
    "premises.controlled.total": "三级管控单位",
}

_STAT_LABELS = {"n": "样本数", "mean": "平均值(秒)", "p50": "中位数(秒)", "p90": "90百分位(秒)"}


def label(key: str, names: dict[str, str] | None = None) -> str:
    """Chinese label of a figure key (unknown keys are returned unchanged)."""
    if key in _STATIC_LABELS:
        return _STATIC_LABELS[key]
    parts = key.split(".")
    tail = parts[-1]
    if key.startswith("incidents.by_type."):
        return IncidentType(tail).zh
    if key.startswith("incidents.by_subtype."):
        return "未分类" if tail == UNSPECIFIED else IncidentSubtype(tail).zh
    if key.startswith("incidents.by_month."):
        return f"{int(tail[5:])}月"
    if key.startswith("incidents.by_hour."):
        return f"{int(tail)}时"
    if key.startswith("incidents.by_brigade."):
        return "未归属" if tail == NONE_KEY else (names or {}).get(tail, f"组织{tail}")
    if key.startswith("fires.by_grade."):
        return FireGrade(tail).zh
    if key.startswith("premises.controlled."):
        return ControlLevel(tail).zh
    if parts[0] == "response" and len(parts) == 3 and parts[1] in METRICS:
        return f"{METRICS[parts[1]][0]}·{_STAT_LABELS[tail]}"
    return key


def kind(key: str) -> Kind:
    """What a figure measures: a ``count`` of records (its trace has exactly that many rows),
    a sum of ``people`` or ``cny`` over records, ``seconds`` or a ``percent``."""
    if key in ("people.rescued", "people.evacuated") or key in (
        "fires.deaths",
        "fires.serious_injuries",
        "fires.minor_injuries",
    ):
        return "people"
    if key.endswith("_cny"):
        return "cny"
    if key.endswith("_pct"):
        return "percent"
    if key.startswith("response.") and key.rsplit(".", 1)[1] in ("mean", "p50", "p90"):
        return "seconds"
    return "count"


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def percentile_from_histogram(buckets: dict[int, int], q: int, width: float) -> float | None:
    """The ``q``-th percentile (nearest rank, interpolated inside its bin) from bin counts.

    ``buckets`` maps a bin index ``b`` (values in ``[b·width, (b+1)·width)``) to its count. The
    exact nearest-rank value lies in the chosen bin, so the result is within one bin width of it.
    """
    total = sum(buckets.values())
    if total == 0:
        return None
    rank = max(1, -(-q * total // 100))  # ceil(q/100 × total) in integers
    seen = 0
    for b in sorted(buckets):
        n = buckets[b]
        if seen + n >= rank:
            return round(b * width + width * (rank - seen) / n, 1)
        seen += n
    return None  # pragma: no cover - rank never exceeds total


def _incident_figures(session: Session, scope: Scope, period: Period) -> dict[str, Any]:
    dialect = dialect_of(session)
    is_fire = Incident.type == IncidentType.FIRE
    inner = (
        select(
            Incident.type.label("type"),
            Incident.subtype.label("subtype"),
            Incident.brigade_id.label("brigade_id"),
            case((is_fire, Incident.fire_grade), else_=None).label("grade"),
            month_index(Incident.received_at, period).label("month"),
            local_hour(Incident.received_at, dialect).label("hour"),
            Incident.rescued,
            Incident.evacuated,
            Incident.property_protected_cny,
            case((is_fire, Incident.deaths), else_=None).label("deaths"),
            case((is_fire, Incident.serious_injuries), else_=None).label("serious"),
            case((is_fire, Incident.minor_injuries), else_=None).label("minor"),
            case((is_fire, Incident.direct_loss_cny), else_=None).label("loss"),
        )
        .where(incident_base(scope, period))
        .subquery("i")
    )
    keys = [inner.c.type, inner.c.subtype, inner.c.brigade_id, inner.c.grade]
    keys += [inner.c.month, inner.c.hour]
    rows = session.execute(
        select(
            *keys,
            func.count().label("n"),
            func.sum(inner.c.rescued),
            func.sum(inner.c.evacuated),
            func.sum(inner.c.property_protected_cny),
            func.sum(inner.c.deaths),
            func.sum(inner.c.serious),
            func.sum(inner.c.minor),
            func.sum(inner.c.loss),
        ).group_by(*keys)
    ).all()
    # roll the grouped rows (at most types × subtypes × brigades × months × hours) up into the
    # breakdowns; the database has already reduced a million calls to these groups
    by: dict[str, dict[Any, int]] = defaultdict(lambda: defaultdict(int))
    sums = [0.0] * 7
    for typ, sub, brigade, grade, month, hour, n, *values in rows:
        by["type"][typ] += n
        by["subtype"][sub] += n
        by["brigade"][brigade] += n
        by["month"][int(month)] += n
        by["hour"][int(hour)] += n
        if grade is not None:
            by["grade"][grade] += n
        for i, v in enumerate(values):
            sums[i] += _num(v)
    return {"by": by, "sums": sums}


def _response_figures(session: Session, scope: Scope, period: Period) -> dict[str, Any]:
    dialect = dialect_of(session)
    fr = first_response(scope, period, dialect).cte("fr").prefix_with("MATERIALIZED")
    parts: list[AnySelect] = []
    for m, name in enumerate(METRICS):
        col = fr.c[f"{name}_s"]
        binned = (
            select(
                bin_of(col, dialect).label("b"),
                col.label("v"),
            )
            .where(col >= 0)
            .subquery(f"b{m}")
        )
        parts.append(
            select(
                literal(m).label("m"),
                binned.c.b,
                func.count().label("n"),
                func.sum(binned.c.v).label("s"),
            ).group_by(binned.c.b)
        )
    limit_s = standards()["urban_arrival_s"]
    parts.append(
        select(
            literal(len(METRICS)).label("m"),
            literal(0).label("b"),
            func.count().label("n"),
            literal(0.0).label("s"),
        ).where(fr.c.response_s >= 0, fr.c.response_s <= limit_s)
    )
    hist: dict[int, dict[int, int]] = defaultdict(dict)
    totals: dict[int, float] = defaultdict(float)
    within = 0
    for m, b, n, s in session.execute(union_all(*parts)).all():
        if m == len(METRICS):
            within = int(n)
            continue
        hist[int(m)][int(b)] = int(n)
        totals[int(m)] += _num(s)
    out: dict[str, Value] = {}
    for m, name in enumerate(METRICS):
        buckets = hist.get(m, {})
        n = sum(buckets.values())
        out[f"response.{name}.n"] = n
        out[f"response.{name}.mean"] = round(totals[m] / n, 1) if n else None
        for q in PERCENTILES:
            out[f"response.{name}.p{q}"] = percentile_from_histogram(buckets, q, BUCKET_S)
    measured = int(out["response.response.n"] or 0)
    out["response.within_standard"] = within
    out["response.within_standard_pct"] = (
        float(_pct(Decimal(within), Decimal(measured))) if measured else None
    )
    return out


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _prevention_figures(
    session: Session, scope: Scope, period: Period, now: datetime
) -> dict[str, Value]:
    lo, hi = period.utc_start, period.utc_end
    found = and_(Hazard.found_at >= lo, Hazard.found_at < hi)
    closed = and_(Hazard.closed_at >= lo, Hazard.closed_at < hi)
    overdue = overdue_condition(now)

    def count_if(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    h = session.execute(
        select(
            count_if(found),
            count_if(and_(found, Hazard.severity == HazardSeverity.MAJOR)),
            count_if(closed),
            count_if(overdue),
        ).where(org_in_scope(Hazard.org_id, scope))
    ).one()  # one pass over the table beats OR-ing three index ranges
    visits = session.scalar(
        select(func.count()).where(
            PatrolVisit.at >= lo, PatrolVisit.at < hi, org_in_scope(PatrolVisit.org_id, scope)
        )
    )
    tasks = session.execute(
        select(
            func.count(),
            count_if(PatrolTask.status == PatrolTaskStatus.DONE),
            count_if(PatrolTask.status == PatrolTaskStatus.MISSED),
        ).where(
            PatrolTask.due_on >= period.start,
            PatrolTask.due_on < period.end,
            org_in_scope(PatrolTask.org_id, scope),
        )
    ).one()
    inspections = session.scalar(
        select(func.count()).where(
            Inspection.inspected_on >= period.start,
            Inspection.inspected_on < period.end,
            org_in_scope(Inspection.org_id, scope),
        )
    )
    listed = and_(SupervisedListing.listed_at >= lo, SupervisedListing.listed_at < hi)
    delisted = and_(SupervisedListing.delisted_at >= lo, SupervisedListing.delisted_at < hi)
    rectifying = SupervisedListing.status == ListingStatus.RECTIFYING
    listings = session.execute(
        select(count_if(listed), count_if(rectifying), count_if(delisted))
        .join(Hazard, Hazard.id == SupervisedListing.hazard_id)
        .where(org_in_scope(Hazard.org_id, scope), listed | rectifying | delisted)
    ).one()
    levels = dict(
        session.execute(
            select(Premises.control_level, func.count())
            .where(Premises.control_level.is_not(None), org_in_scope(Premises.org_id, scope))
            .group_by(Premises.control_level)
        ).all()
    )
    out: dict[str, Value] = {
        "patrol.visits": int(visits or 0),
        "patrol.tasks_planned": int(tasks[0]),
        "patrol.tasks_done": int(tasks[1]),
        "patrol.tasks_missed": int(tasks[2]),
        "patrol.inspections": int(inspections or 0),
        "hazards.found": int(h[0]),
        "hazards.major": int(h[1]),
        "hazards.rectified": int(h[2]),
        "hazards.overdue": int(h[3]),
        "listings.listed": int(listings[0]),
        "listings.rectifying": int(listings[1]),
        "listings.delisted": int(listings[2]),
        "premises.controlled.total": sum(int(v) for v in levels.values()),
    }
    for level in ControlLevel:
        out[f"premises.controlled.{level.value}"] = int(levels.get(level, 0))
    return out


def _brigade_names(session: Session, scope: Scope, seen: set[int]) -> dict[int, str]:
    """Brigades of the subtree (zeros included, so every report lists all of them) and any other
    organization incidents were attributed to."""
    rows = session.execute(
        select(Organization.id, Organization.name).where(
            (
                (Organization.kind == OrgKind.BRIGADE)
                & Organization.path.startswith(scope.path, autoescape=True)
            )
            | (Organization.id.in_(seen) if seen else false())
        )
    ).all()
    return {int(i): str(n) for i, n in sorted(rows)}


def compute_figures(
    session: Session,
    *,
    actor: Actor,
    period: Period,
    org_id: int | None = None,
    now: datetime | None = None,
) -> Figures:
    """All figures of ``period`` for the subtree of ``org_id`` (default: the actor's own).

    Parameters
    ----------
    session
        A database session (read only).
    actor
        Who asks: needs the READ right; ``org_id`` must lie in the actor's jurisdiction.
    period
        Local dates ``[start, end)``; see :class:`~lanyan.stats.periods.Period`.
    org_id
        Root of the organization subtree.
    now
        The instant "now" for snapshot figures (overdue hazards, listings being rectified,
        premises under control); defaults to the current time.

    Returns
    -------
    Figures
        Every figure by key; the same keys for every period of the same shape and subtree.
    """
    scope = resolve_scope(session, actor, org_id)
    return figures_for_scope(session, scope=scope, period=period, now=now)


def figures_for_scope(
    session: Session, *, scope: Scope, period: Period, now: datetime | None = None
) -> Figures:
    """:func:`compute_figures` for an already authorized scope (the API computes three periods)."""
    now = now or utcnow()
    if dialect_of(session) == "sqlite":
        # SQLite's GROUP BY sorts; let its sorter use a helper thread (a per-connection setting
        # that changes speed, never results)
        session.execute(text("PRAGMA threads=2"))
    inc = _incident_figures(session, scope, period)
    by, sums = inc["by"], inc["sums"]
    values: dict[str, Value] = {"incidents.total": sum(by["type"].values())}
    for t in IncidentType:
        values[f"incidents.by_type.{t.value}"] = by["type"].get(t, 0)
    values["incidents.false_alarms"] = by["type"].get(IncidentType.FALSE_ALARM, 0)
    for s in IncidentSubtype:
        values[f"incidents.by_subtype.{s.value}"] = by["subtype"].get(s, 0)
    values[f"incidents.by_subtype.{UNSPECIFIED}"] = by["subtype"].get(None, 0)
    for i, (month, _, _) in enumerate(period.months()):
        values[f"incidents.by_month.{month}"] = by["month"].get(i, 0)
    for hour in range(24):
        values[f"incidents.by_hour.{hour:02d}"] = by["hour"].get(hour, 0)
    seen = {int(b) for b in by["brigade"] if b is not None}
    names = _brigade_names(session, scope, seen)
    for brigade_id in names:
        values[f"incidents.by_brigade.{brigade_id}"] = by["brigade"].get(brigade_id, 0)
    if by["brigade"].get(None):
        values[f"incidents.by_brigade.{NONE_KEY}"] = by["brigade"][None]
    values.update(_response_figures(session, scope, period))
    rescued, evacuated, protected, deaths, serious, minor, loss = sums
    values["people.rescued"] = int(rescued)
    values["people.evacuated"] = int(evacuated)
    values["property.protected_cny"] = round(protected, 2)
    values["fires.total"] = by["type"].get(IncidentType.FIRE, 0)
    values["fires.deaths"] = int(deaths)
    values["fires.serious_injuries"] = int(serious)
    values["fires.minor_injuries"] = int(minor)
    values["fires.direct_loss_cny"] = round(loss, 2)
    for g in FireGrade:
        values[f"fires.by_grade.{g.value}"] = by["grade"].get(g, 0)
    values.update(_prevention_figures(session, scope, period, now))
    return Figures(
        period=period,
        scope=scope,
        computed_at=now.astimezone(UTC),
        values=values,
        names={str(k): v for k, v in names.items()},
    )


# --- comparison ---------------------------------------------------------------------------------

DASH = "—"


@dataclass(frozen=True, slots=True)
class Change:
    """How a figure moved against a comparison period, stated the way reports do.

    ``pct`` is (current − previous) / previous × 100 rounded half-up to 2 decimals, or None when
    the previous value is 0 or missing (shown as "—"); ``direction`` is 上升, 下降 or 持平 (or "—"
    when a side is missing). For a percentage figure ``delta`` is the change in points.
    """

    key: str
    current: Value
    previous: Value
    delta: float | None
    pct: float | None
    direction: str

    @property
    def pct_text(self) -> str:
        """ "4.81%", "40%" or "—"."""
        if self.pct is None:
            return DASH
        text = f"{abs(self.pct):.2f}".rstrip("0").rstrip(".")
        return f"{text}%"

    @property
    def text(self) -> str:
        """ "下降4.81%", "上升40%", "持平" or "—" as a report sentence uses it."""
        if self.direction == "持平":
            return "持平"
        if self.pct is None:
            return DASH
        return f"{self.direction}{self.pct_text}"

    def as_dict(self) -> dict[str, Any]:
        """For the API."""
        return {
            "current": self.current,
            "previous": self.previous,
            "delta": self.delta,
            "pct": self.pct,
            "pct_text": self.pct_text,
            "direction": self.direction,
            "text": self.text,
        }


def change(key: str, current: Value, previous: Value) -> Change:
    """One figure's change (see :class:`Change`)."""
    if current is None or previous is None:
        return Change(key, current, previous, None, None, DASH)
    cur, prev = Decimal(str(current)), Decimal(str(previous))
    delta = cur - prev
    direction = "上升" if delta > 0 else "下降" if delta < 0 else "持平"
    pct = None if prev == 0 else float(_pct(delta, prev))
    return Change(key, current, previous, float(delta), pct, direction)


def compare(current: Figures, previous: Figures) -> dict[str, Change]:
    """Changes of every figure of ``current`` against ``previous`` (同比 or 环比).

    Months are matched by position in their periods (2025-03 against 2024-03 year on year); a
    key the previous figures lack (a brigade created since) compares against None ("—").
    """
    prev_months = list(previous.group("incidents.by_month").values())
    out: dict[str, Change] = {}
    month_i = 0
    for key, value in current.values.items():
        if key.startswith("incidents.by_month."):
            before = prev_months[month_i] if month_i < len(prev_months) else None
            month_i += 1
        else:
            before = previous.values.get(key)
        out[key] = change(key, value, before)
    return out
