"""Statistics of a period and an organization subtree: every figure a dashboard or report shows.

One source of truth for the dashboards, the API, the CLI and the yearly report. Each figure has a
dotted key ("incidents.by_type.fire", "response.response.p90", "hazards.rectified"). Counts and
sums are computed in the database with aggregation (GROUP BY, CASE, SUM), never by walking ORM
rows in Python: a detachment has about a million calls and a million hazards a year, and the
yearly statistics must come back in seconds (bench/stats.py). Response times are the one
exception: their percentiles need every value, so the first-response milestones the incident row
carries (:mod:`lanyan.dispatch.first_response`) are read as plain numbers in batches and the
percentiles computed exactly in numpy (NFPA 1710 reports the 90th percentile).

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
from typing import Any, TypeAlias

import numpy as np
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.clock import LOCAL_TZ, utcnow
from lanyan.core.jurisdiction import get_visible
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.dispatch.grading import FireGrade
from lanyan.dispatch.models import Assignment, Incident
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization, Unit
from lanyan.prevention.choices import (
    ControlLevel,
)
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
from lanyan.stats.sections import Kind, Value, section_of, sections

AnySelect: TypeAlias = Select[*tuple[Any, ...]]

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
    org = get_visible(session, actor, Organization, org_id)
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
    """Incidents received in the period, in the subtree (drills left out: issue 20)."""
    return and_(
        Incident.received_at >= period.utc_start,
        Incident.received_at < period.utc_end,
        incident_in_scope(scope),
        Incident.is_drill.is_(False),  # issue 20 (duty): a 拉动演练 is no incident
    )


# --- dialect-aware expressions -----------------------------------------------------------------


def dialect_of(session: Session) -> str:
    """``sqlite`` or ``postgresql``."""
    return session.get_bind().dialect.name


def local_hour(column: Any, dialect: str) -> ColumnElement[int]:
    """Hour of day (0–23) of a stored UTC timestamp, in local time.

    SQLite stores UTC text ``2025-12-31 15:30:00.000000``: the UTC hour is characters 12–13, and
    the local hour that plus the zone's fixed offset, modulo 24 (a fifth of the CPU of
    ``strftime``, which parses the whole timestamp, over a million calls)."""
    if dialect == "sqlite":
        utc_hour = cast(func.substr(column, 12, 2), Integer)
        return (utc_hour + _OFFSET_H) % 24
    return cast(func.date_part("hour", func.timezone(LOCAL_TZ.key, column)), Integer)


def month_index(column: Any, period: Period) -> ColumnElement[int]:
    """0-based index into ``period.months()`` of a timestamp inside the period: a binary search
    of the months' UTC bounds in nested CASEs (four comparisons for a year, not up to eleven)."""
    bounds = [hi for _, _, hi in period.months()[:-1]]

    def search(lo: int, hi: int) -> ColumnElement[int]:
        # the index among months lo..hi (inclusive) of a timestamp known to lie in them
        if lo == hi:
            return literal_column(str(lo))
        mid = (lo + hi) // 2
        return case((column < bounds[mid], search(lo, mid)), else_=search(mid + 1, hi))

    return search(0, len(bounds))


def _span_ends(name: str) -> tuple[Any, Any]:
    """(later, earlier) milestone columns of measure ``name`` of :data:`METRICS`."""
    received, assigned = Incident.received_at, Incident.first_assigned_at
    en_route, on_scene = Incident.first_en_route_at, Incident.first_on_scene_at
    return {
        "call_handling": (assigned, received),
        "turnout": (en_route, assigned),
        "travel": (on_scene, en_route),
        "response": (on_scene, assigned),
    }[name]


def response_ms(name: str, dialect: str) -> ColumnElement[int]:
    """Measure ``name`` of :data:`METRICS` of an incident's first response in whole
    milliseconds (NULL without that milestone; users keep ``>= 0``, which also drops negative
    spans from bad clocks). Figures, traces and charts all count with this one expression."""
    return milliseconds_between(*_span_ends(name), dialect)


def response_span(name: str, dialect: str) -> ColumnElement[float]:
    """:func:`response_ms` in seconds."""
    return cast(cast(response_ms(name, dialect), Float) / 1000.0, Float)


def first_response(scope: Scope, period: Period, dialect: str) -> AnySelect:
    """Per incident of the period with an assignment: the four measures of its FIRST assignment
    (:mod:`lanyan.dispatch.first_response`) in seconds, as columns ``<measure>_s``."""
    columns = [response_span(name, dialect).label(f"{name}_s") for name in METRICS]
    return select(Incident.id.label("incident_id"), *columns).where(
        incident_base(scope, period), Incident.first_assignment_id.is_not(None)
    )


def milliseconds_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[int]:
    """``later − earlier`` in whole milliseconds (NULL when either is missing)."""
    if dialect == "sqlite":
        days = func.julianday(later) - func.julianday(earlier)
        return cast(func.round(days * 86_400_000.0), Integer)
    # the span in whole microseconds (exact: the double of an interval's seconds is within a
    # fraction of a microsecond of it), rounded half away from zero to milliseconds in integers:
    # the value ``round(extract(epoch …) * 1000)`` gives, without numeric arithmetic, which cost
    # a million incidents' four measures 0.6 s
    us = cast(func.date_part("epoch", later - earlier) * 1_000_000, BigInteger)
    return case(
        (later >= earlier, (us + 500) // 1000),
        else_=(us - 500) // 1000,
    )


def joined_values(values: Any, dialect: str) -> ColumnElement[str]:
    """Aggregate: the non-NULL integers of a group as one comma-separated text."""
    if dialect == "sqlite":
        return func.group_concat(values, ",")
    return func.string_agg(cast(values, Text), ",")


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
    "turnouts.stations": "出动队伍(队次)",
    "turnouts.units": "出动车辆(辆次)",
    "turnouts.people": "出动人员(人次)",
    "people.rescued": "营救人数",
    "people.evacuated": "疏散人数",
    "property.protected_cny": "保护财产价值(元)",
    "fires.total": "火灾起数",
    "fires.deaths": "火灾亡人数",
    "fires.serious_injuries": "火灾重伤人数",
    "fires.minor_injuries": "火灾轻伤人数",
    "fires.direct_loss_cny": "火灾直接财产损失(元)",
    "fires.slight": "轻微火灾起数",
    "patrol.visits": "防火巡查次数",
    "patrol.tasks_planned": "计划巡查任务",
    "patrol.tasks_done": "已完成巡查任务",
    "patrol.tasks_missed": "逾期未巡任务",
    "patrol.inspections": "监督检查次数",
    "hazards.found": "发现火灾隐患",
    "hazards.major": "发现重大火灾隐患",
    "hazards.rectified": "整改销案隐患",
    "hazards.overdue": "期末逾期未改隐患",
    "listings.listed": "挂牌督办",
    "listings.open": "期末在督",
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
    section = section_of(key)
    if section is not None:
        return section.label(key) or key
    return key


def kind(key: str) -> Kind:
    """What a figure measures: a ``count`` of records (its trace has exactly that many rows),
    a sum of ``people`` or ``cny`` over records, ``seconds`` or a ``percent``."""
    section = section_of(key)
    if section is not None and key in section.kinds:
        return section.kinds[key]
    if key in ("people.rescued", "people.evacuated", "turnouts.people") or key in (
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


STOCK_PREFIXES = (
    "hazards.overdue",
    "listings.open",
    "premises.controlled.",
)
"""Figures that count what stands at the period's end (or now, for a period not yet over),
not what happened during it: overdue hazards, listings under supervision, premises under control.
Told from timestamps, so a past period's value is its own and stays the same later."""


def is_stock(key: str) -> bool:
    """Whether a figure is a stock at the period's end rather than a count over the period."""
    if key.startswith(STOCK_PREFIXES):
        return True
    section = section_of(key)
    return section is not None and key.startswith(section.stock_prefixes or ("\0",))


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


_CELL_TYPES = tuple(IncidentType)
_CELL_SUBTYPES = (*IncidentSubtype, None)
_CELL_GRADES = (*FireGrade, None)


def _index_of(column: Any, choices: tuple[Any, ...]) -> ColumnElement[int]:
    """The position of ``column``'s value in ``choices`` (NULL at the position of None there;
    a value outside them one past the end)."""
    whens: list[tuple[Any, Any]] = [
        (column.is_(None) if c is None else column == c, literal_column(str(i)))
        for i, c in enumerate(choices)
    ]
    return case(*whens, else_=literal_column(str(len(choices))))


def cell_code(period: Period, dialect: str) -> ColumnElement[int]:
    """Each incident's cell of the breakdowns as one integer: brigade, type, subtype, fire grade,
    local month and local hour, mixed-radix (:func:`_cells_of` takes it apart). The same
    expressions as :func:`_incident_counts`' keys, so the counts are the same."""
    grade = case((Incident.type == IncidentType.FIRE, Incident.fire_grade), else_=None)
    digits: list[tuple[ColumnElement[int], int]] = [
        (_index_of(Incident.type, _CELL_TYPES), len(_CELL_TYPES) + 1),
        (_index_of(Incident.subtype, _CELL_SUBTYPES), len(_CELL_SUBTYPES) + 1),
        (_index_of(grade, _CELL_GRADES), len(_CELL_GRADES) + 1),
        (month_index(Incident.received_at, period), len(period.months())),
        (local_hour(Incident.received_at, dialect), 24),
    ]
    code: ColumnElement[int] = cast(func.coalesce(Incident.brigade_id, 0), BigInteger)
    for digit, radix in digits:
        code = code * radix + digit
    return code


def _cells_of(codes: Any, period: Period) -> dict[str, dict[Any, int]]:
    """The breakdowns of :func:`_incident_counts` from the incidents' :func:`cell_code` values."""
    cells, counts = np.unique(codes, return_counts=True)
    by: dict[str, dict[Any, int]] = defaultdict(lambda: defaultdict(int))
    months = len(period.months())
    for code, n in zip(cells.tolist(), counts.tolist(), strict=True):
        code, hour = divmod(code, 24)
        code, month = divmod(code, months)
        code, grade = divmod(code, len(_CELL_GRADES) + 1)
        code, subtype = divmod(code, len(_CELL_SUBTYPES) + 1)
        brigade, typ = divmod(code, len(_CELL_TYPES) + 1)
        if typ < len(_CELL_TYPES):
            by["type"][_CELL_TYPES[typ]] += n
        if subtype < len(_CELL_SUBTYPES):
            by["subtype"][_CELL_SUBTYPES[subtype]] += n
        by["brigade"][brigade or None] += n
        by["month"][month] += n
        by["hour"][hour] += n
        if grade < len(_CELL_GRADES) and _CELL_GRADES[grade] is not None:
            by["grade"][_CELL_GRADES[grade]] += n
    return by


def _incident_counts(session: Session, scope: Scope, period: Period) -> dict[str, Any]:
    """Counts of the period's incidents by type, subtype, brigade, fire grade, local month and
    local hour, from one ``GROUP BY`` of all six (one sort instead of six); the rows carry only
    the keys, which keeps SQLite's sort small."""
    dialect = dialect_of(session)
    inner = (
        select(
            Incident.type.label("type"),
            Incident.subtype.label("subtype"),
            Incident.brigade_id.label("brigade_id"),
            case((Incident.type == IncidentType.FIRE, Incident.fire_grade), else_=None).label(
                "grade"
            ),
            month_index(Incident.received_at, period).label("month"),
            local_hour(Incident.received_at, dialect).label("hour"),
        )
        .where(incident_base(scope, period))
        .subquery("i")
    )
    keys = list(inner.c)
    rows: list[Any] = list(session.execute(select(*keys, func.count()).group_by(*keys)))
    # roll the grouped rows (at most types × subtypes × brigades × months × hours) up into the
    # breakdowns; the database has already reduced a million calls to these groups
    by: dict[str, dict[Any, int]] = defaultdict(lambda: defaultdict(int))
    for typ, sub, brigade, grade, month, hour, n in rows:
        by["type"][typ] += n
        by["subtype"][sub] += n
        by["brigade"][brigade] += n
        by["month"][int(month)] += n
        by["hour"][int(hour)] += n
        if grade is not None:
            by["grade"][grade] += n
    return by


SUMS = (
    "rescued", "evacuated", "protected", "deaths", "serious", "minor", "loss", "slight",
    "stations", "units", "people",
)  # fmt: skip
"""The totals :func:`_incident_pass` adds up, in its order."""


def turnout_stations(scope: Scope, period: Period) -> AnySelect:
    """One row per incident of the period and station whose units were sent to it (队次), with the
    units (辆次) and crew (人次) that station sent: the trace of the turnout figures. The figures
    add up the same counts kept on each incident row (:mod:`lanyan.dispatch.first_response`);
    the two agree unless a unit was moved to another station after it was sent, where the
    figure keeps the station it was sent from and this lists its station now."""
    return (
        select(
            Assignment.incident_id.label("incident_id"),
            Unit.station_id.label("station_id"),
            func.count().label("units"),
            func.coalesce(func.sum(Assignment.crew_sent), 0).label("people"),
        )
        .join(Incident, Incident.id == Assignment.incident_id)
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(incident_base(scope, period))
        .group_by(Assignment.incident_id, Unit.station_id)
    )


def _incident_pass(
    session: Session, scope: Scope, period: Period, *, cells: bool = False
) -> tuple[dict[str, float], dict[str, Any], dict[str, dict[Any, int]] | None]:
    """One pass over the period's incidents, without sorting: the people and property totals
    (casualties and loss of fires only), the number of 轻微火灾, 队次/辆次/人次 (kept on each
    incident by :mod:`lanyan.dispatch.first_response`), and the four measures of the
    first responses as numpy arrays of whole milliseconds keyed like :data:`METRICS` (each
    non-negative span; negative spans from bad clocks and missing milestones are left out).

    Percentiles need every value. The database returns each measure's values as one text of
    integers (``group_concat`` / ``string_agg``), which numpy parses: 1,000,000 incidents in about
    1.5 s on either backend, where counting histogram bins with ``GROUP BY`` sorted the rows once
    per measure (4 s on SQLite) and fetching a million rows through the ORM took longer still
    (bench/stats.py, docs/benchmarks.md).
    """
    dialect = dialect_of(session)
    is_fire = Incident.type == IncidentType.FIRE

    def fire_sum(column: Any) -> Any:
        return func.sum(case((is_fire, column), else_=None))

    sums = [
        func.sum(Incident.rescued),
        func.sum(Incident.evacuated),
        func.sum(Incident.property_protected_cny),
        fire_sum(Incident.deaths),
        fire_sum(Incident.serious_injuries),
        fire_sum(Incident.minor_injuries),
        fire_sum(Incident.direct_loss_cny),
        func.sum(case((and_(is_fire, Incident.slight_fire.is_(True)), 1), else_=0)),
        func.sum(Incident.turnout_stations),
        func.sum(Incident.turnout_units),
        func.sum(Incident.turnout_people),
    ]
    spans = [joined_values(response_ms(name, dialect), dialect) for name in METRICS]
    if cells:
        spans.append(joined_values(cell_code(period, dialect), dialect))
    row = session.execute(select(*sums, *spans).where(incident_base(scope, period))).one()
    totals = {name: _num(v) for name, v in zip(SUMS, row[: len(SUMS)], strict=True)}
    by = _cells_of(joined_ints(row[-1]), period) if cells else None
    return totals, _parse_spans(row[len(SUMS) : len(SUMS) + len(METRICS)]), by


def joined_ints(joined: str | None) -> Any:
    """The integers of a :func:`joined_values` text. numpy's C parser reads a million of them in
    0.02 s where splitting the text into Python strings first took 0.16 s."""
    if not joined:
        return np.empty(0, np.int64)
    values = np.fromstring(joined, dtype=np.int64, sep=",")
    if len(values) != joined.count(",") + 1:  # it stops, with a warning, at what it cannot read
        raise ValueError(f"not a list of integers: {joined[:80]!r}")
    return values


def _parse_spans(joined: Any) -> dict[str, Any]:
    # negative spans are dropped here: a CASE in SQL would compute every span twice
    out: dict[str, Any] = {}
    for name, text_ in zip(METRICS, joined, strict=True):
        ms = joined_ints(text_)
        out[name] = ms[ms >= 0]
    return out


def nearest_rank(sorted_values: Any, q: int) -> float | None:
    """The ``q``-th percentile by nearest rank (the value at rank ⌈q/100 × n⌉) of sorted values."""
    n = len(sorted_values)
    if n == 0:
        return None
    rank = max(1, -(-q * n // 100))  # ceil in integers
    return round(float(sorted_values[rank - 1]), 1)


def span_figures(ms: Any, prefix: str) -> dict[str, Value]:
    """``{prefix}.n``, ``.mean``, ``.p50`` and ``.p90`` in seconds of the (non-negative, unsorted)
    spans ``ms`` in whole milliseconds: the mean from their exact integer sum, the percentiles by
    nearest rank (:func:`nearest_rank`) from a partition at the two ranks, which costs a tenth
    of sorting a million values."""
    n = len(ms)
    out: dict[str, Value] = {f"{prefix}.n": n}
    if not n:
        out.update({f"{prefix}.mean": None, **{f"{prefix}.p{q}": None for q in PERCENTILES}})
        return out
    out[f"{prefix}.mean"] = round(int(ms.sum()) / n / 1000.0, 1)
    ranks = [max(1, -(-q * n // 100)) - 1 for q in PERCENTILES]
    parted = np.partition(ms, ranks)
    for q, rank in zip(PERCENTILES, ranks, strict=True):
        out[f"{prefix}.p{q}"] = round(int(parted[rank]) / 1000.0, 1)
    return out


def _response_figures(spans: dict[str, Any]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for name in METRICS:
        out.update(span_figures(spans[name], f"response.{name}"))
    limit_ms = float(standards()["urban_arrival_s"]) * 1000.0
    within = int(np.count_nonzero(spans["response"] <= limit_ms))
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
    """Prevention figures of the period, each told as of the period's end (or ``now``, if the
    period has not ended) by :mod:`lanyan.prevention.definitions`: a past period's figures never
    change afterwards."""
    lo, hi = period.utc_start, period.utc_end
    as_of = min(now, hi)
    # the definitions the figures page and the officer's list use (rejected never counts)
    found = found_between(lo, hi)
    rectified = rectified_between(lo, hi)

    def count_if(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    # overdue: hazards with an order overdue at the moment (at most one each), counted in the
    # same pass as the trace lists them; the standing orders come off their own index, where
    # joining each of them to its hazard read the hazards a second time, row by row
    standing = select(HazardOrder.hazard_id).where(overdue_as_of(as_of))
    h = session.execute(
        select(
            count_if(found),
            count_if(and_(found, major_as_of(hi))),
            count_if(rectified),
            count_if(Hazard.id.in_(standing)),
        ).where(org_in_scope(Hazard.org_id, scope))
    ).one()  # one pass over the table beats OR-ing index ranges
    visits = session.scalar(
        select(func.count()).where(
            PatrolVisit.at >= lo, PatrolVisit.at < hi, org_in_scope(PatrolVisit.org_id, scope)
        )
    )
    tasks = session.execute(
        select(
            func.count(),
            count_if(task_done_as_of(as_of)),
            count_if(task_missed_as_of(as_of)),
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
    still_open = listing_open_as_of(as_of)
    listings = session.execute(
        select(count_if(listed), count_if(still_open), count_if(delisted)).where(
            org_in_scope(SupervisedListing.org_id, scope), listed | still_open | delisted
        )
    ).one()
    levels = dict(
        session.execute(
            select(Premises.control_level, func.count())
            .where(
                Premises.control_level.is_not(None),
                org_in_scope(Premises.org_id, scope),
            )
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
        "listings.open": int(listings[1]),
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
        The present: a period not yet over is told as of ``now`` (overdue hazards, listings under
        supervision, tasks done), a past one as of its end; defaults to the current time.
        Premises under control are counted at their current level (no history is kept).

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
    else:
        # PostgreSQL compiles a query it costs high (the correlated subqueries of the command
        # section) for 0.66 s and gained nothing measurable on the aggregates (EXPLAIN ANALYZE,
        # bench/stats.py); for this transaction only
        session.execute(text("SET LOCAL jit = off"))
    by: dict[str, dict[Any, int]] | None
    if dialect_of(session) == "sqlite":
        # SQLite's GROUP BY sorts the million rows: counting each incident's cell code in
        # numpy, from the one pass over the incidents, costs a fraction of it
        sums, spans, by = _incident_pass(session, scope, period, cells=True)
        assert by is not None
    else:
        by = _incident_counts(session, scope, period)
        sums, spans, _ = _incident_pass(session, scope, period)
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
    # 队次 / 辆次 / 人次 as the reports count them ("出动队伍634队次、车辆772辆次、
    # 救援人员3390人次"): a station counts once per incident however many units it sent
    values["turnouts.stations"] = int(sums["stations"])
    values["turnouts.units"] = int(sums["units"])
    values["turnouts.people"] = int(sums["people"])
    values.update(_response_figures(spans))
    values["people.rescued"] = int(sums["rescued"])
    values["people.evacuated"] = int(sums["evacuated"])
    values["property.protected_cny"] = round(sums["protected"], 2)
    values["fires.total"] = by["type"].get(IncidentType.FIRE, 0)
    values["fires.deaths"] = int(sums["deaths"])
    values["fires.serious_injuries"] = int(sums["serious"])
    values["fires.minor_injuries"] = int(sums["minor"])
    values["fires.direct_loss_cny"] = round(sums["loss"], 2)
    for g in FireGrade:
        values[f"fires.by_grade.{g.value}"] = by["grade"].get(g, 0)
    values["fires.slight"] = int(sums["slight"])
    values.update(_prevention_figures(session, scope, period, now))
    for section in sections():
        values.update(section.compute(session, scope, period, now))
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
