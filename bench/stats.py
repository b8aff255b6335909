"""Full yearly statistics over 1,000,000 incidents and 1,000,000 hazards (issue 7, acceptance 3).

Loads one year (2025) of 1,000,000 incidents, each with a first assignment (a third with a second
unit as well), and 1,000,000 hazards found over 2024–2025, into a scratch SQLite file and a
scratch PostgreSQL database at schema 0004 (bulk: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL); upgrades them to the newest schema, which fills each incident's first response from
its assignments (migration 0005) and its 队次/辆次/人次 (migration 0021, also timed apart as
``backfill_0021_s_*``), all migrations together timed as ``backfill_s_*``; runs ANALYZE; and times
:func:`lanyan.stats.queries.compute_figures` for the year and the detachment (every figure:
incidents by type/subtype/month/hour/brigade, exact response-time percentiles, casualties,
prevention). Goal: ≤ 5 s on each backend.

Baseline in the same run: the naive way, a per-row Python loop over a plain SELECT of the year's
incidents with their first assignment, computing only a few headline figures (total, by type, by
local month, fire deaths, p90 response). It runs on a prefix of the rows (``--naive-rows``) and is
extrapolated linearly to the whole year; the output says so.

The analyst's anchor, in the same run (issue 14, acceptance 5): the same yearly figures computed
by DuckDB (an embedded columnar engine) over the same rows. DuckDB's sqlite and postgres scanner
extensions are downloaded at first use, which an offline machine cannot do, so the rows are
*copied*: one plain SELECT per table through the backend's own driver (timestamps as epoch
seconds) into numpy arrays, then ``CREATE TABLE … AS`` in an in-memory DuckDB. That copy is timed
apart (duckdb_load_s_*) and is **not** in duckdb_s, which times the figure queries only (best of
``--rounds``): incidents by type/subtype/brigade/grade/local month/hour (one GROUPING SETS),
sums, the four response measures with exact nearest-rank p50/p90, mean and the 5-minute share,
队次/辆次/人次 (grouped from the assignment rows and their units' stations, not read from the
incident columns compute_figures sums: so the check also proves those columns equal the rows),
hazards found/major/rectified/overdue at the year's end. Every figure DuckDB
computes is checked against compute_figures' value of the same key (duckdb_figures_differ).
ratio_vs_duckdb = yearly_stats_s / duckdb_s (the larger of the two backends' ratios).

Beside the wall clock, yearly_stats_cpu_s_* is the CPU the computation used (the least of the
rounds): this process plus, on PostgreSQL, its server process (from /proc). On a machine shared
with other work the wall clock stretches with the load; the CPU seconds hardly do, and on a quiet
machine the wall clock is about the CPU seconds.

Last line: one JSON object with yearly_stats_s_sqlite, yearly_stats_s_postgresql, ratio_vs_naive,
duckdb_s, ratio_vs_duckdb (and their per-backend parts).
Usage: .venv/bin/python bench/stats.py [--incidents 1000000] [--hazards 1000000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import LOCAL_TZ
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import upgrade
from lanyan.core.standards import standards
from lanyan.dispatch.choices import IncidentSubtype, IncidentType
from lanyan.dispatch.models import Assignment, Incident
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind, UnitType
from lanyan.forces.models import Organization
from lanyan.forces.schemas import OrganizationCreate, UnitCreate
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
YEAR = 2025
BRIGADES = 8
BATCH = 50_000

SUBTYPES_OF: dict[IncidentType, list[str | None]] = {
    IncidentType.FIRE: [
        IncidentSubtype.RESIDENTIAL_FIRE.value,
        IncidentSubtype.VEHICLE_FIRE.value,
        IncidentSubtype.OTHER_FIRE.value,
        None,
    ],
    IncidentType.RESCUE: [
        IncidentSubtype.TRAFFIC_ACCIDENT.value,
        IncidentSubtype.WATER_RESCUE.value,
        None,
    ],
    IncidentType.SOCIAL: [
        IncidentSubtype.ELEVATOR_TRAPPED.value,
        IncidentSubtype.DOOR_OPENING.value,
        None,
    ],
    IncidentType.DUTY: [IncidentSubtype.SECURITY_DUTY.value],
    IncidentType.FALSE_ALARM: [None],
}
TYPE_WEIGHTS = [0.25, 0.35, 0.25, 0.05, 0.10]


def _world(url: str) -> tuple[int, list[int], list[int]]:
    """Corps > detachment > brigades > one station and one unit each."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as s:
        root = forces.create_root_organization(
            s, actor=SYSTEM, external_id="b:corps", name="测试总队", kind=OrgKind.CORPS
        )
        det = forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="b:det", name="测试支队", kind=OrgKind.DETACHMENT, parent_id=root.id
            ),
        )
        brigades, units = [], []
        for i in range(BRIGADES):
            brigade = forces.create_organization(
                s,
                actor=SYSTEM,
                data=OrganizationCreate(
                    external_id=f"b:brigade:{i}",
                    name=f"第{i + 1}大队",
                    kind=OrgKind.BRIGADE,
                    parent_id=det.id,
                ),
            )
            station = forces.create_organization(
                s,
                actor=SYSTEM,
                data=OrganizationCreate(
                    external_id=f"b:station:{i}",
                    name=f"第{i + 1}站",
                    kind=OrgKind.STATION,
                    parent_id=brigade.id,
                ),
            )
            unit = forces.create_unit(
                s,
                actor=SYSTEM,
                data=UnitCreate(
                    external_id=f"b:unit:{i}",
                    call_sign=f"{i + 1}号车",
                    type=UnitType.WATER_TENDER,
                    station_id=station.id,
                    crew_on_duty=4 + i % 3,  # migration 0011 gives the assignments these crews
                ),
            )
            brigades.append(brigade.id)
            units.append(unit.id)
        s.commit()
        det_id = det.id
    engine.dispose()
    return det_id, brigades, units


def _stamps(seconds: np.ndarray[Any, Any], pg: bool) -> list[str | None]:
    """UTC epoch seconds (NaN = missing) → the text each backend stores or parses."""
    missing = np.isnan(seconds)
    micros = np.where(missing, 0, np.round(seconds * 1e6)).astype("int64")
    text_ = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    text_ = np.char.replace(text_, "T", " ")
    if pg:
        text_ = np.char.add(text_, "+00")
    out: list[str | None] = text_.tolist()
    for i in np.flatnonzero(missing):
        out[i] = None
    return out


def _generate(n_inc: int, n_haz: int, brigades: list[int], units: list[int], pg: bool) -> Any:
    rng = np.random.default_rng(119)
    y0 = Period.year(YEAR).utc_start.timestamp()
    y1 = Period.year(YEAR).utc_end.timestamp()
    received = np.sort(rng.uniform(y0, y1, n_inc))
    types = list(SUBTYPES_OF)
    type_idx = rng.choice(len(types), n_inc, p=TYPE_WEIGHTS)
    call = rng.gamma(4.0, 15.0, n_inc)
    turnout = rng.gamma(6.0, 10.0, n_inc)
    travel = rng.lognormal(5.3, 0.5, n_inc)
    assigned = received + call
    en_route = assigned + turnout
    on_scene = np.where(rng.random(n_inc) < 0.05, np.nan, en_route + travel)
    brigade_idx = rng.integers(0, len(brigades), n_inc)
    is_fire = type_idx == 0
    deaths = np.where(is_fire & (rng.random(n_inc) < 0.002), rng.integers(1, 4, n_inc), 0)
    rescued = np.where(type_idx == 1, rng.integers(0, 3, n_inc), 0)
    loss = np.where(is_fire, np.round(rng.exponential(20_000, n_inc), 2), np.nan)
    sub_pick = rng.integers(0, 4, n_inc)
    cols = {
        "received": _stamps(received, pg),
        "assigned": _stamps(assigned, pg),
        "en_route": _stamps(en_route, pg),
        "on_scene": _stamps(on_scene, pg),
        "second": _stamps(assigned + 30.0, pg),
    }
    incidents = []
    for i in range(n_inc):
        typ = types[type_idx[i]]
        subs = SUBTYPES_OF[typ]
        incidents.append(
            (
                i + 1,
                f"B{i:09d}",
                "closed",
                typ.value,
                subs[sub_pick[i] % len(subs)],
                1,
                9.5,
                47.1,
                brigades[brigade_idx[i]],
                cols["received"][i],
                int(rescued[i]),
                int(deaths[i]) if is_fire[i] else None,
                None if np.isnan(loss[i]) else float(loss[i]),
                "ordinary" if is_fire[i] else None,
                cols["received"][i],
                cols["received"][i],
            )
        )
    assignments: list[tuple[Any, ...]] = []
    unit_of = [units[b] for b in range(len(brigades))]
    for i in range(n_inc):
        u = unit_of[brigade_idx[i]]
        assignments.append(
            (
                len(assignments) + 1,
                i + 1,
                u,
                "in_quarters",
                False,
                cols["assigned"][i],
                cols["en_route"][i],
                cols["on_scene"][i],
            )
        )
        if i % 3 == 0:  # a second unit, assigned later: must not count as the first response
            second = (len(assignments) + 1, i + 1, u, "in_quarters", False, cols["second"][i])
            assignments.append((*second, None, None))
    h0 = Period.year(YEAR - 1).utc_start.timestamp()
    found = rng.uniform(h0, y1, n_haz)
    fixed_after = rng.uniform(86400, 90 * 86400, n_haz)
    closed = np.where(rng.random(n_haz) < 0.6, found + fixed_after, np.nan)
    deadline = found + 30 * 86400
    found_s, closed_s, deadline_s = _stamps(found, pg), _stamps(closed, pg), _stamps(deadline, pg)
    org_idx = rng.integers(0, len(brigades), n_haz)
    major = rng.random(n_haz) < 0.03
    hazards = []
    for i in range(n_haz):
        status = "closed" if closed_s[i] is not None else ("ordered" if i % 2 else "reported")
        hazards.append(
            (
                brigades[org_idx[i]],
                "疏散通道堵塞",
                "major" if major[i] else "general",
                status,
                "patrol",
                found_s[i],
                deadline_s[i] if status == "ordered" else None,
                closed_s[i],
                "[]",
                "[]",
                found_s[i],
                found_s[i],
            )
        )
    return incidents, assignments, hazards


INC_COLS = (
    "id, number, status, type, subtype, level, lon, lat, brigade_id, received_at, rescued,"
    " deaths, direct_loss_cny, fire_grade, created_at, updated_at"
)
ASG_COLS = "id, incident_id, unit_id, status, cross_brigade, assigned_at, en_route_at, on_scene_at"
HAZ_COLS = (
    "org_id, title, severity, status, source, found_at, deadline_at, closed_at, photo_ids,"
    " evidence_ids, created_at, updated_at"
)


def _load_sqlite(path: Path, data: Any) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    for table, cols, rows in zip(
        ("incident", "assignment", "hazard"), (INC_COLS, ASG_COLS, HAZ_COLS), data, strict=True
    ):
        marks = ", ".join("?" * len(cols.split(",")))
        for start in range(0, len(rows), BATCH):
            conn.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows[start : start + BATCH]
            )
        conn.commit()
    conn.close()


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _load_postgresql(dsn: str, data: Any) -> None:
    with psycopg.connect(dsn) as conn:
        for table, cols, rows in zip(
            ("incident", "assignment", "hazard"), (INC_COLS, ASG_COLS, HAZ_COLS), data, strict=True
        ):
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for start in range(0, len(rows), BATCH):
                    buf = io.StringIO()
                    for row in rows[start : start + BATCH]:
                        buf.write("\t".join(_copy_text(v) for v in row))
                        buf.write("\n")
                    copy.write(buf.getvalue())
        for table in ("incident", "assignment"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        conn.commit()


def _analyze(url: str) -> None:
    """Planner statistics (and on PostgreSQL the dead rows of the backfill cleared), as a
    database in service has from autovacuum or the nightly ``PRAGMA optimize``."""
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if engine.dialect.name == "sqlite" else "VACUUM ANALYZE")
    engine.dispose()


def _cpu_seconds(session: Session) -> float:
    """CPU seconds used so far by this process and, on PostgreSQL, by the session's server
    process (read from /proc: the bench's server runs on this machine). Unlike the wall clock,
    hardly changed by other work sharing the cores."""
    used = time.process_time()
    if session.get_bind().dialect.name == "postgresql":
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def _time_figures(url: str, det_id: int, rounds: int) -> tuple[float, float, dict[str, Any]]:
    """Best wall-clock seconds of ``rounds`` runs, the least CPU seconds of them, the figures."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    best = best_cpu = float("inf")
    figures = None
    for _ in range(rounds):
        with factory() as s:
            c0 = _cpu_seconds(s)
            t0 = time.perf_counter()
            figures = compute_figures(s, actor=SYSTEM, period=Period.year(YEAR), org_id=det_id)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, _cpu_seconds(s) - c0)
    parts = _parts(factory, det_id)
    engine.dispose()
    assert figures is not None
    print(
        "  where the time goes (one run each): "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items()),
        flush=True,
    )
    return best, best_cpu, figures.values


def _parts(factory: Any, det_id: int) -> dict[str, float]:
    """The parts of compute_figures timed one by one (the same calls it makes)."""
    from lanyan.stats import queries

    period = Period.year(YEAR)
    out: dict[str, float] = {}
    with factory() as s:
        scope = queries.resolve_scope(s, SYSTEM, det_id)
        now = datetime.now(UTC)
        steps: dict[str, Any]
        if queries.dialect_of(s) == "sqlite":
            s.execute(text("PRAGMA threads=2"))  # as figures_for_scope does
            steps = {
                "incident pass (breakdown cells, totals, 队次/辆次/人次, response)": lambda: (
                    queries._incident_pass(s, scope, period, cells=True)
                ),
            }
        else:
            s.execute(text("SET LOCAL jit = off"))  # as figures_for_scope does
            steps = {
                "incident GROUP BY": lambda: queries._incident_counts(s, scope, period),
                "incident pass (totals, 队次/辆次/人次, response)": lambda: queries._incident_pass(
                    s, scope, period
                ),
            }
        sections = {section.prefix: section for section in queries.sections()}
        steps["prevention"] = lambda: queries._prevention_figures(s, scope, period, now)
        steps["初战控火 and 信息报送 (command section)"] = lambda: sections["command"].compute(
            s, scope, period, now
        )
        steps["the other sections"] = lambda: [
            section.compute(s, scope, period, now)
            for prefix, section in sections.items()
            if prefix != "command"
        ]
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            out[name] = time.perf_counter() - t0
    return out


def _naive(url: str, det_id: int, rows_limit: int) -> dict[str, float]:
    """Per-row Python loop: a plain SELECT of incidents with their assignments, headline figures
    computed in Python (total, by type, by local month, fire deaths, p90 first response)."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    period = Period.year(YEAR)
    with factory() as s:
        det_path = s.get_one(Organization, det_id).path
        total_rows = _year_count(s, period)
        stmt = (
            select(
                Incident.id,
                Incident.type,
                Incident.received_at,
                Incident.deaths,
                Organization.path,
                Assignment.assigned_at,
                Assignment.on_scene_at,
            )
            .join(Organization, Organization.id == Incident.brigade_id)
            .outerjoin(Assignment, Assignment.incident_id == Incident.id)
            .where(Incident.received_at >= period.utc_start, Incident.received_at < period.utc_end)
            .order_by(Incident.id)
            .limit(rows_limit)
        )
        t0 = time.perf_counter()
        by_type: Counter[str] = Counter()
        by_month: Counter[int] = Counter()
        deaths = 0
        first: dict[int, tuple[datetime, datetime | None]] = {}
        seen: set[int] = set()
        for row in s.execute(stmt):
            if not row.path.startswith(det_path):
                continue
            if row.id not in seen:
                seen.add(row.id)
                by_type[row.type] += 1
                by_month[row.received_at.astimezone(LOCAL_TZ).month] += 1
                if row.type == IncidentType.FIRE:
                    deaths += row.deaths or 0
            if row.assigned_at is not None:
                old = first.get(row.id)
                if old is None or row.assigned_at < old[0]:
                    first[row.id] = (row.assigned_at, row.on_scene_at)
        responses = sorted((on - at).total_seconds() for at, on in first.values() if on is not None)
        _ = responses[int(0.9 * len(responses))] if responses else None
        elapsed = time.perf_counter() - t0
    engine.dispose()
    done = len(seen)
    return {
        "seconds_measured": elapsed,
        "incidents_measured": done,
        "seconds_extrapolated": elapsed * total_rows / max(done, 1),
        "year_incidents": total_rows,
    }


def _year_count(s: Session, period: Period) -> int:
    return int(
        s.scalar(
            text("SELECT count(*) FROM incident WHERE received_at >= :a AND received_at < :b"),
            {"a": _bind(s, period.utc_start), "b": _bind(s, period.utc_end)},
        )
        or 0
    )


def _bind(s: Session, moment: datetime) -> Any:
    if s.get_bind().dialect.name == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


# --- the analyst's anchor: the same yearly figures in DuckDB ------------------------------------

DUCK_COLUMNS: dict[str, tuple[str, ...]] = {
    "incident": (
        "id", "type", "subtype", "brigade_id", "fire_grade", "slight_fire", "rescued",
        "evacuated", "property_protected_cny", "deaths", "serious_injuries", "minor_injuries",
        "direct_loss_cny", "received_at", "first_assigned_at", "first_en_route_at",
        "first_on_scene_at",
    ),
    "assignment": ("incident_id", "unit_id", "crew_sent"),
    "unit": ("id", "station_id"),
    "organization": ("id", "kind", "path"),
    "hazard": (
        "org_id", "status", "severity", "reported_severity", "verified_at", "found_at",
        "closed_at",
    ),
    "hazard_order": ("hazard_id", "deadline_at", "answered_at"),
}  # fmt: skip
"""The columns the yearly figures read, copied from the transactional database into DuckDB."""

STAMPS = frozenset(
    {
        "received_at", "first_assigned_at", "first_en_route_at", "first_on_scene_at",
        "verified_at", "found_at", "closed_at", "deadline_at", "answered_at",
    }
)  # fmt: skip


NULLABLE_FLOATS = STAMPS | {"property_protected_cny", "direct_loss_cny"}


def _epoch(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"(julianday({column}) - 2440587.5) * 86400.0"
    return f"extract(epoch from {column})"


def _duck_load(url: str) -> tuple[Any, float]:
    """Copy the rows the figures read into an in-memory DuckDB, timestamps as UTC epoch seconds
    (DOUBLE): one plain SELECT per table through the backend's own driver into numpy arrays,
    then ``CREATE TABLE … AS`` from them. Returns the connection and the seconds it took."""
    import duckdb

    engine = make_engine(url)
    dialect = engine.dialect.name
    con = duckdb.connect()
    t0 = time.perf_counter()
    with engine.connect() as conn:
        for table, columns in DUCK_COLUMNS.items():
            exprs = [_epoch(c, dialect) if c in STAMPS else c for c in columns]
            rows = conn.exec_driver_sql(f"SELECT {', '.join(exprs)} FROM {table}").fetchall()
            data: dict[str, Any] = {}
            for i, name in enumerate(columns):
                values = [r[i] for r in rows]
                if name in NULLABLE_FLOATS:
                    data[name] = np.array(values, dtype=np.float64)  # None → NaN
                elif name in ("type", "subtype", "fire_grade", "kind", "path", "status") or (
                    name.endswith("severity")
                ):
                    data[name] = np.array(values, dtype=object)
                elif name == "slight_fire":
                    data[name] = np.array([bool(v) if v is not None else False for v in values])
                else:
                    data[name] = np.array([v if v is not None else 0 for v in values], np.int64)
            del rows
            con.register("frame", data)
            con.execute(
                f"CREATE TABLE {table} AS SELECT "
                + ", ".join(
                    f"CASE WHEN isnan({c}) THEN NULL ELSE {c} END AS {c}"
                    if c in NULLABLE_FLOATS
                    else c
                    for c in columns
                )
                + " FROM frame"
            )
            con.unregister("frame")
    engine.dispose()
    return con, time.perf_counter() - t0


def _duck_figures(con: Any, det_id: int) -> dict[str, Any]:
    """The yearly figures of the detachment in DuckDB SQL: counts by type, subtype, brigade,
    grade, local month and hour; sums; the four response measures (exact nearest-rank p50/p90,
    mean, the 5-minute share); 队次/辆次/人次; hazards found, major, rectified, overdue at the
    year's end."""
    y0, y1 = Period.year(YEAR).utc_start.timestamp(), Period.year(YEAR).utc_end.timestamp()
    offset = 8 * 3600
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW y AS
        SELECT i.*, make_timestamp(CAST((received_at + {offset}) * 1e6 AS BIGINT)) AS local_at
        FROM incident i
        WHERE received_at >= {y0} AND received_at < {y1}
          AND brigade_id IN (SELECT id FROM organization WHERE starts_with(path,
              (SELECT path FROM organization WHERE id = {det_id})))"""
    )
    out: dict[str, Any] = {}
    groups = con.execute(
        """SELECT type, subtype, brigade_id,
                  CASE WHEN type = 'fire' THEN fire_grade END AS grade,
                  month(local_at) AS m, hour(local_at) AS h, count(*) AS n,
                  GROUPING(type, subtype, brigade_id, grade, m, h) AS g
           FROM y
           GROUP BY GROUPING SETS ((type), (subtype), (brigade_id), (grade), (m), (h))"""
    ).fetchall()
    for typ, sub, brigade, grade, m, h, n, g in groups:
        if g == 0b011111:
            out[f"incidents.by_type.{typ}"] = n
        elif g == 0b101111:
            out[f"incidents.by_subtype.{sub or 'unspecified'}"] = n
        elif g == 0b110111:
            out[f"incidents.by_brigade.{brigade}"] = n
        elif g == 0b111011 and grade is not None:
            out[f"fires.by_grade.{grade}"] = n
        elif g == 0b111101:
            out[f"incidents.by_month.{YEAR}-{m:02d}"] = n
        elif g == 0b111110:
            out[f"incidents.by_hour.{h:02d}"] = n
    out["incidents.total"] = sum(v for k, v in out.items() if k.startswith("incidents.by_type."))
    fire = "type = 'fire'"
    row = con.execute(
        f"""SELECT sum(rescued), sum(evacuated), sum(property_protected_cny),
                   sum(CASE WHEN {fire} THEN deaths END),
                   sum(CASE WHEN {fire} THEN serious_injuries END),
                   sum(CASE WHEN {fire} THEN minor_injuries END),
                   sum(CASE WHEN {fire} THEN direct_loss_cny END),
                   count(*) FILTER (WHERE {fire} AND slight_fire)
            FROM y"""
    ).fetchone()
    keys = (
        "people.rescued", "people.evacuated", "property.protected_cny", "fires.deaths",
        "fires.serious_injuries", "fires.minor_injuries", "fires.direct_loss_cny", "fires.slight",
    )  # fmt: skip
    out.update({k: (v or 0) for k, v in zip(keys, row, strict=True)})
    spans = {
        "call_handling": ("first_assigned_at", "received_at"),
        "turnout": ("first_en_route_at", "first_assigned_at"),
        "travel": ("first_on_scene_at", "first_en_route_at"),
        "response": ("first_on_scene_at", "first_assigned_at"),
    }
    limit_ms = float(standards()["urban_arrival_s"]) * 1000
    for name, (later, earlier) in spans.items():
        n, mean, p50, p90, within = con.execute(
            f"""WITH s AS (SELECT round(({later} - {earlier}) * 1000) AS ms FROM y
                           WHERE {later} IS NOT NULL AND {earlier} IS NOT NULL),
                     k AS (SELECT ms FROM s WHERE ms >= 0),
                     sorted AS (SELECT list_sort(list(ms)) AS v, count(*) AS n FROM k)
                SELECT n, (SELECT avg(ms) FROM k),
                       v[CAST(greatest(1, ceil(0.5 * n)) AS BIGINT)],
                       v[CAST(greatest(1, ceil(0.9 * n)) AS BIGINT)],
                       (SELECT count(*) FROM k WHERE ms <= {limit_ms})
                FROM sorted"""
        ).fetchone()
        out[f"response.{name}.n"] = n
        out[f"response.{name}.mean"] = round(mean / 1000, 1) if n else None
        out[f"response.{name}.p50"] = round(p50 / 1000, 1) if n else None
        out[f"response.{name}.p90"] = round(p90 / 1000, 1) if n else None
        if name == "response":
            out["response.within_standard"] = within
    stations, units, people = con.execute(
        """SELECT count(*), sum(units), sum(people) FROM (
               SELECT a.incident_id, u.station_id, count(*) AS units,
                      coalesce(sum(a.crew_sent), 0) AS people
               FROM assignment a JOIN y ON y.id = a.incident_id
               JOIN unit u ON u.id = a.unit_id
               GROUP BY a.incident_id, u.station_id)"""
    ).fetchone()
    out["turnouts.stations"], out["turnouts.units"], out["turnouts.people"] = (
        stations, units or 0, people or 0
    )  # fmt: skip
    found = f"found_at >= {y0} AND found_at < {y1} AND (status <> 'rejected' OR closed_at >= {y1})"
    major = (
        f"((verified_at < {y1} AND severity = 'major') OR ((verified_at IS NULL OR"
        f" verified_at >= {y1}) AND coalesce(reported_severity, severity) = 'major'))"
    )
    h = con.execute(
        f"""SELECT count(*) FILTER (WHERE {found}),
                   count(*) FILTER (WHERE {found} AND {major}),
                   count(*) FILTER (WHERE status = 'closed' AND closed_at >= {y0}
                                      AND closed_at < {y1})
            FROM hazard"""
    ).fetchone()
    out["hazards.found"], out["hazards.major"], out["hazards.rectified"] = h
    out["hazards.overdue"] = con.execute(
        f"""SELECT count(*) FROM hazard_order
            WHERE deadline_at < {y1} AND (answered_at IS NULL OR answered_at >= {y1})"""
    ).fetchone()[0]
    return out


def _time_duckdb(url: str, det_id: int, rounds: int, expected: dict[str, Any]) -> dict[str, Any]:
    """Load once, time the figures (best of ``rounds``), and check every figure DuckDB computed
    against :func:`compute_figures`' value of the same key."""
    con, load_s = _duck_load(url)
    best = float("inf")
    values: dict[str, Any] = {}
    for _ in range(rounds):
        t0 = time.perf_counter()
        values = _duck_figures(con, det_id)
        best = min(best, time.perf_counter() - t0)
    con.close()

    def same(mine: Any, theirs: Any) -> bool:
        if mine is None or theirs is None:
            return mine is theirs
        # means and percentiles are rounded to 0.1 s on both sides; float sums differ in the
        # last digits by summation order
        return bool(abs(float(mine) - float(theirs)) <= (0.1 if isinstance(theirs, float) else 0))

    differ = {k: (v, expected.get(k)) for k, v in values.items() if not same(v, expected.get(k))}
    return {"duckdb_s": best, "duckdb_load_s": load_s, "keys": len(values), "differ": differ}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        name = f"lanyan_bench_stats_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        urls = {
            "sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}",
            "postgresql": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        }
        try:
            for backend, url in urls.items():
                t0 = time.perf_counter()
                upgrade(url, "0004")  # the schema before the first response moved onto incident
                det_id, brigades, units = _world(url)
                data = _generate(
                    args.incidents, args.hazards, brigades, units, pg=backend == "postgresql"
                )
                gen_s = time.perf_counter() - t0
                if backend == "sqlite":
                    _load_sqlite(Path(tmp) / "bench.db", data)
                else:
                    _load_postgresql(PG_DSN.replace("dbname=test", f"dbname={name}"), data)
                del data
                load_s = time.perf_counter() - t0 - gen_s
                t1 = time.perf_counter()
                upgrade(url, "0020")  # 0005 fills incident.first_* from the assignments
                t2 = time.perf_counter()
                upgrade(url)  # 0021 fills incident.turnout_* from the assignments
                backfill_0021_s = time.perf_counter() - t2
                backfill_s = time.perf_counter() - t1
                _analyze(url)
                stats_s, cpu_s, values = _time_figures(url, det_id, args.rounds)
                naive = _naive(url, det_id, args.naive_rows)
                duck = _time_duckdb(url, det_id, args.rounds, values)
                results[backend] = {
                    "stats_s": stats_s,
                    "cpu_s": cpu_s,
                    "load_s": load_s,
                    "backfill_s": backfill_s,
                    "backfill_0021_s": backfill_0021_s,
                    **naive,
                    **duck,
                }
                print(
                    f"{backend:10s} generate {gen_s:5.1f} s  load {load_s:6.1f} s  "
                    f"migrations from 0005 {backfill_s:5.1f} s (0021 {backfill_0021_s:4.1f} s)  "
                    f"yearly figures {stats_s:6.2f} s (best of {args.rounds}; CPU {cpu_s:.2f} s; "
                    f"{values['incidents.total']} incidents, {values['hazards.found']} hazards "
                    f"found, p90 response {values['response.response.p90']} s)  "
                    f"naive loop {naive['seconds_measured']:.2f} s over "
                    f"{naive['incidents_measured']} incidents → "
                    f"{naive['seconds_extrapolated']:.1f} s for the year (extrapolated linearly)  "
                    f"DuckDB: copy in {duck['duckdb_load_s']:.1f} s, {duck['keys']} figures in "
                    f"{duck['duckdb_s']:.3f} s (best of {args.rounds}), "
                    f"{len(duck['differ'])} differ from compute_figures {duck['differ'] or ''}",
                    flush=True,
                )
        finally:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sq, pg = results["sqlite"], results["postgresql"]
    out = {
        "incidents": args.incidents,
        "hazards": args.hazards,
        "yearly_stats_s_sqlite": round(sq["stats_s"], 3),
        "yearly_stats_s_postgresql": round(pg["stats_s"], 3),
        "yearly_stats_cpu_s_sqlite": round(sq["cpu_s"], 3),
        "yearly_stats_cpu_s_postgresql": round(pg["cpu_s"], 3),
        "backfill_s_sqlite": round(sq["backfill_s"], 2),
        "backfill_s_postgresql": round(pg["backfill_s"], 2),
        "backfill_0021_s_sqlite": round(sq["backfill_0021_s"], 2),
        "backfill_0021_s_postgresql": round(pg["backfill_0021_s"], 2),
        "naive_s_sqlite": round(sq["seconds_extrapolated"], 2),
        "naive_s_postgresql": round(pg["seconds_extrapolated"], 2),
        "naive_measured_incidents": min(sq["incidents_measured"], pg["incidents_measured"]),
        "ratio_vs_naive": round(
            min(
                sq["seconds_extrapolated"] / sq["stats_s"],
                pg["seconds_extrapolated"] / pg["stats_s"],
            ),
            1,
        ),
        "ratio_vs_naive_sqlite": round(sq["seconds_extrapolated"] / sq["stats_s"], 1),
        "ratio_vs_naive_postgresql": round(pg["seconds_extrapolated"] / pg["stats_s"], 1),
        "duckdb_s": round(min(sq["duckdb_s"], pg["duckdb_s"]), 3),
        "duckdb_s_sqlite": round(sq["duckdb_s"], 3),
        "duckdb_s_postgresql": round(pg["duckdb_s"], 3),
        "duckdb_load_s_sqlite": round(sq["duckdb_load_s"], 2),
        "duckdb_load_s_postgresql": round(pg["duckdb_load_s"], 2),
        "ratio_vs_duckdb": round(
            max(sq["stats_s"] / sq["duckdb_s"], pg["stats_s"] / pg["duckdb_s"]), 1
        ),
        "ratio_vs_duckdb_sqlite": round(sq["stats_s"] / sq["duckdb_s"], 1),
        "ratio_vs_duckdb_postgresql": round(pg["stats_s"] / pg["duckdb_s"], 1),
        "duckdb_figures_checked": min(sq["keys"], pg["keys"]),
        "duckdb_figures_differ": len(sq["differ"]) + len(pg["differ"]),
    }
    print(json.dumps(out))
    sys.exit(0 if max(out["yearly_stats_s_sqlite"], out["yearly_stats_s_postgresql"]) <= 5 else 1)


if __name__ == "__main__":
    main()
