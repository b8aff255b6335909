"""Risk scoring at city scale: 20,000 premises, 100,000 hazards, 1,000,000 incidents (SQLite).

Measures ``lanyan risk score`` (:func:`lanyan.risk.service.run_scoring`): a full run over every
premises and H3 cell, then an incremental run after one premises changed. Baseline in the same
run: the naive way — one ORM query per premises and source table, scored in Python — timed on a
subset and extrapolated to every premises (its per-premises cost does not fall with scale).

Then the backtest of the hot-spot forecast (:mod:`lanyan.risk.backtest`) on the demo city's two
history years (the calls ``lanyan demo`` records, from the demo's own generator), its baseline
being the better of last period's and all history's counts.

Last line: one JSON object with score_full_s (goal ≤ 30), score_incremental_ms (goal ≤ 1000),
baseline_orm_full_s, hit_rate_top10, baseline_hit_rate_top10, pai_top10.
--no-backtest leaves the backtest out; --backtest-only runs just it; --replicates N (default 14)
also backtests N other two-year histories of the demo city (the model's expected gain).
Usage: .venv/bin/python bench/risk.py [--premises 20000] [--hazards 100000] [--incidents 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import upgrade
from lanyan.dispatch.choices import IncidentStatus, IncidentType
from lanyan.dispatch.models import Incident
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.prevention.choices import (
    ControlLevel,
    HazardSeverity,
    HazardStatus,
    InspectionOutcome,
    PremisesCategory,
    VenueType,
)
from lanyan.prevention.models import Hazard, Inspection, PatrolVisit, Premises
from lanyan.risk.indicators import level_of, risk_table
from lanyan.risk.service import run_scoring

LON0, LAT0 = 113.30, 23.10
SPAN = 0.30  # ~30 km square


def _orgs(session: Session) -> tuple[list[int], list[int]]:
    root = Organization(external_id="b:corps", name="总队", kind=OrgKind.CORPS, path="/")
    session.add(root)
    session.flush()
    root.path = f"/{root.id}/"
    det = Organization(
        external_id="b:det", name="支队", kind=OrgKind.DETACHMENT, parent_id=root.id, path=""
    )
    session.add(det)
    session.flush()
    det.path = f"{root.path}{det.id}/"
    brigades, stations = [], []
    for b in range(10):
        brigade = Organization(
            external_id=f"b:brigade:{b}",
            name=f"第{b + 1}大队",
            kind=OrgKind.BRIGADE,
            parent_id=det.id,
            path="",
        )
        session.add(brigade)
        session.flush()
        brigade.path = f"{det.path}{brigade.id}/"
        brigades.append(brigade.id)
        for s in range(4):
            station = Organization(
                external_id=f"b:station:{b}:{s}",
                name=f"第{b + 1}大队{s + 1}站",
                kind=OrgKind.STATION,
                parent_id=brigade.id,
                path="",
                lon=LON0 + SPAN * ((b % 5) + random.random()) / 5,
                lat=LAT0 + SPAN * ((b // 5) * 2 + random.random() * 2) / 4,
            )
            session.add(station)
            session.flush()
            station.path = f"{brigade.path}{station.id}/"
            stations.append(station.id)
    session.commit()
    return brigades, stations


def _hotspots(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    centres = rng.uniform(0, SPAN, size=(60, 2))
    weights = rng.pareto(1.5, size=60) + 0.2
    pick = rng.choice(60, size=n, p=weights / weights.sum())
    spread = rng.normal(0, 0.012, size=(n, 2))
    xy = centres[pick] + spread
    return LON0 + np.clip(xy[:, 0], 0, SPAN), LAT0 + np.clip(xy[:, 1], 0, SPAN)


def populate(session: Session, args: argparse.Namespace, now: datetime) -> list[int]:
    rng = np.random.default_rng(7)
    random.seed(7)
    brigades, _stations = _orgs(session)
    past = now - timedelta(days=400)
    lon, lat = _hotspots(rng, args.premises)
    venue = list(VenueType)
    rows = []
    for i in range(args.premises):
        cat = rng.choice([0, 1, 2], p=[0.25, 0.6, 0.15])
        rows.append(
            {
                "external_id": f"b:p:{i}",
                "name": f"单位{i}",
                "category": [
                    PremisesCategory.KEY_UNIT,
                    PremisesCategory.SMALL_VENUE,
                    PremisesCategory.GENERAL,
                ][cat],
                "venue_type": venue[i % len(venue)],
                "control_level": [
                    ControlLevel.LEVEL1,
                    ControlLevel.LEVEL2,
                    ControlLevel.LEVEL3,
                    None,
                ][i % 4],
                "org_id": brigades[i % len(brigades)],
                "lon": float(lon[i]),
                "lat": float(lat[i]),
                "occupants": int(rng.integers(5, 2000)),
                "height_m": float(rng.choice([6, 12, 30, 60, 120], p=[0.4, 0.3, 0.15, 0.1, 0.05])),
                "floors_below": int(rng.integers(0, 3)),
                "created_at": past,
                "updated_at": past,
            }
        )
    session.execute(insert(Premises), rows)
    ids = [int(x) for x in session.scalars(select(Premises.id).order_by(Premises.id))]
    org_of = dict(session.execute(select(Premises.id, Premises.org_id)).all())
    statuses = list(HazardStatus)
    hrows = []
    for i in range(args.hazards):
        pid = ids[int(rng.integers(0, len(ids)))]
        status = statuses[int(rng.integers(0, len(statuses)))]
        found = now - timedelta(days=float(rng.uniform(1, 700)))
        ordered = status == HazardStatus.ORDERED
        hrows.append(
            {
                "premises_id": pid,
                "org_id": org_of[pid],
                "title": f"隐患{i}",
                "severity": HazardSeverity.MAJOR if rng.random() < 0.05 else HazardSeverity.GENERAL,
                "status": status,
                "source": "report",
                "found_at": found,
                "ordered_at": found if ordered else None,
                "deadline_at": found + timedelta(days=20) if ordered else None,
                "photo_ids": [],
                "evidence_ids": [],
                "created_at": found,
                "updated_at": found,
            }
        )
        if len(hrows) == 20_000:
            session.connection().execute(insert(Hazard.__table__), hrows)
            hrows = []
    if hrows:
        session.connection().execute(insert(Hazard.__table__), hrows)
    session.execute(
        insert(Inspection),
        [
            {
                "premises_id": pid,
                "org_id": org_of[pid],
                "inspected_on": (now - timedelta(days=int(rng.integers(1, 500)))).date(),
                "outcome": InspectionOutcome.PASSED,
                "created_at": past,
                "updated_at": past,
            }
            for pid in ids[::2]
        ],
    )
    session.execute(
        insert(PatrolVisit),
        [
            {
                "premises_id": pid,
                "org_id": org_of[pid],
                "at": now - timedelta(days=float(rng.uniform(1, 120))),
                "lon": LON0,
                "lat": LAT0,
                "distance_m": 5.0,
                "photo_ids": [],
            }
            for pid in ids[::3]
        ],
    )
    session.commit()
    ilon, ilat = _hotspots(rng, args.incidents)
    days = rng.uniform(0, 3 * 365, size=args.incidents)
    types = [IncidentType.FIRE.value, IncidentType.RESCUE.value, IncidentType.SOCIAL.value]
    # straight through the DB-API: the ORM's per-row processing would take minutes for 1M rows
    raw = session.connection().connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    sql = (
        "INSERT INTO incident (number, status, type, lon, lat, premises_id, brigade_id,"
        " received_at, created_at, updated_at, level) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    )
    batch: list[tuple[Any, ...]] = []
    closed = IncidentStatus.CLOSED.value
    for i in range(args.incidents):
        stamp = (now - timedelta(days=float(days[i]))).strftime("%Y-%m-%d %H:%M:%S.%f")
        batch.append(
            (
                f"B{i:08d}",
                closed,
                types[i % 3],
                float(ilon[i]),
                float(ilat[i]),
                ids[i % len(ids)] if i % 20 == 0 else None,
                brigades[i % len(brigades)],
                stamp,
                stamp,
                stamp,
                1,
            )
        )
        if len(batch) == 100_000:
            cursor.executemany(sql, batch)
            batch = []
            print(f"  incidents {i + 1:,}", file=sys.stderr)
    if batch:
        cursor.executemany(sql, batch)
    session.commit()
    return ids


def naive_score(session: Session, premises_id: int, now: datetime) -> float:
    """The baseline: one premises scored through the ORM, a query per source, Python sums."""
    table = risk_table()
    p = session.get(Premises, premises_id)
    assert p is not None
    hazards = session.scalars(select(Hazard).where(Hazard.premises_id == premises_id)).all()
    open_ = [h for h in hazards if h.status.is_open]
    overdue = [
        h
        for h in open_
        if h.status == HazardStatus.ORDERED and h.deadline_at and h.deadline_at < now
    ]
    major = [h for h in open_ if h.severity == HazardSeverity.MAJOR]
    fires = session.scalars(
        select(Incident).where(
            Incident.premises_id == premises_id,
            Incident.type == IncidentType.FIRE,
            Incident.received_at >= now - timedelta(days=3 * 365),
        )
    ).all()
    inspections = session.scalars(
        select(Inspection).where(Inspection.premises_id == premises_id)
    ).all()
    visits = session.scalars(
        select(PatrolVisit).where(PatrolVisit.premises_id == premises_id)
    ).all()
    score = table.indicator("venue_type").points.get(p.venue_type.value, 0)
    score += min(8, 2 * len(open_)) + min(20, 10 * len(major)) + min(18, 6 * len(overdue))
    score += min(12, 3 * len(fires))
    score += 0 if inspections else 6
    score += 0 if visits else 4
    return float(min(100, score))


def demo_history(replicates: int = 0) -> tuple[Any, list[Any], list[Any]]:
    """The demo city's two history years of calls, as ``lanyan demo`` would record them: the
    plan of :func:`lanyan.demo.history.plan_calls` (the replayed incidents have identical days and
    positions; replaying them through dispatch would take ten minutes a year); the demo's
    premises as point layers by venue type (what ``lanyan risk backtest`` reads from the
    database as the model's prior); and ``replicates`` more two-year histories of the same city
    from the same generator (years 2022–2023, 2020–2021, …): other draws of the same city, to
    tell the model's expected gain from the luck of one history."""
    from lanyan.core.clock import as_local
    from lanyan.core.config import Settings
    from lanyan.demo import load_demo
    from lanyan.demo.history import DEFAULT_CALLS, call_sites, calls_in, plan_calls
    from lanyan.planning.network import RoadNetwork
    from lanyan.risk.calls import CallHistory
    from lanyan.risk.covariates import premises_layers

    settings = Settings()
    tmp = Path(tempfile.mkdtemp(prefix="lanyan-risk-demo-"))
    url = f"sqlite:///{tmp / 'demo.db'}"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    load_demo(factory, osm_file=settings.demo_osm_file, seed=settings.demo_seed)
    network = RoadNetwork(settings.demo_osm_file, settings.cache_dir)
    last_year = as_local(utcnow()).year - 1
    with factory() as session:
        sites = call_sites(session, network)
        layers = premises_layers(session)

    def history(first: int, calls: Any) -> Any:
        planned = [
            call
            for year in (first, first + 1)
            for call in plan_calls(sites, seed=settings.demo_seed, year=year, calls=calls(year))
        ]
        return CallHistory(
            day=np.array([as_local(c.received_at).date().toordinal() for c in planned]),
            lon=np.array([c.lon for c in planned]),
            lat=np.array([c.lat for c in planned]),
            kind=tuple(c.type.value for c in planned),
            source="demo plan_calls",
        )

    demo = history(last_year - 1, lambda y: calls_in(y, last_year, DEFAULT_CALLS))
    others = [history(last_year - 3 - 2 * k, lambda y: DEFAULT_CALLS) for k in range(replicates)]
    return demo, list(layers), others


def backtest_figures(replicates: int = 0) -> dict[str, Any]:
    """hit_rate_top10, baseline_hit_rate_top10, pai_top10: the forecast's backtest
    (:mod:`lanyan.risk.backtest`) on the demo history, at its suggested split, 7-day windows
    starting every day, with the demo's premises offered as the model's prior; the same
    backtest without them (what a CSV city gets: the model falls back to the baseline); and the
    model's mean gain over ``replicates`` other two-year histories of the demo city."""
    from lanyan.risk import backtest as bt

    history, layers, others = demo_history(replicates)
    split = bt.suggested_split(history)
    data = bt.run_backtest(history, split, horizon=7, layers=layers).summary()
    bare = bt.run_backtest(history, split, horizon=7).summary()
    out = {
        "hit_rate_top10": data["hit_rate_top10"],
        "baseline_hit_rate_top10": data["baseline_hit_rate_top10"],
        "baseline_last_period_top10": data["baseline_last_period_top10"],
        "baseline_all_history_top10": data["baseline_all_history_top10"],
        "pai_top10": data["pai_top10"],
        "gain_top10_points": data["gain_top10_points"],
        "gain_top10_se_points": data["gain_top10_se_points"],
        "windows_better_top10": data["windows_better_top10"],
        "windows_worse_top10": data["windows_worse_top10"],
        "backtest_windows": data["windows"],
        "fallback_to_baseline": data["fallback_to_baseline"],
        "covariate_test_p": (data["covariate_test"] or {}).get("p_value"),
        "hit_rate_top10_without_premises": bare["hit_rate_top10"],
        "fallback_without_premises": bare["fallback_to_baseline"],
        "backtest_history": "demo city, two years (plan_calls)",
        "backtest_calls": len(history),
        "backtest_cells": data["cells"],
        "backtest_split": split.isoformat(),
    }
    if others:
        gains = [
            bt.run_backtest(h, bt.suggested_split(h), horizon=7, layers=layers).summary()[
                "gain_top10_points"
            ]
            for h in others
        ]
        out.update(
            replicate_histories=len(gains),
            replicate_gain_top10_mean_points=round(float(np.mean(gains)), 2),
            replicate_gain_top10_positive=sum(g > 0 for g in gains),
            replicate_gain_top10_min_points=min(gains),
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--premises", type=int, default=20_000)
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--no-backtest", action="store_true")
    parser.add_argument("--backtest-only", action="store_true")
    parser.add_argument(
        "--replicates", type=int, default=14, help="other demo histories for the expected gain"
    )
    args = parser.parse_args()
    if args.backtest_only:
        print(json.dumps(backtest_figures(args.replicates), ensure_ascii=False))
        return
    tmp = Path(tempfile.mkdtemp(prefix="lanyan-risk-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    now = utcnow()
    started = time.perf_counter()
    with factory() as session:
        ids = populate(session, args, now)
    print(f"data loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    with factory() as session:
        t0 = time.perf_counter()
        full = run_scoring(session, actor=SYSTEM, full=True, now=utcnow(), seasonal=False)
        session.commit()
        score_full_s = time.perf_counter() - t0
    print(f"full run: {full.as_dict()} in {score_full_s:.2f} s", file=sys.stderr)

    time.sleep(2.5)  # past the watermark margin: the change below is the only one
    changed = ids[len(ids) // 2]
    with factory() as session:
        session.execute(
            update(Premises)
            .where(Premises.id == changed)
            .values(occupants=5000, updated_at=utcnow())
        )
        session.commit()
    with factory() as session:
        t0 = time.perf_counter()
        inc = run_scoring(session, actor=SYSTEM, now=utcnow(), seasonal=False)
        session.commit()
        score_incremental_ms = (time.perf_counter() - t0) * 1000.0
    print(f"incremental run: {inc.as_dict()} in {score_incremental_ms:.1f} ms", file=sys.stderr)

    sample = ids[: args.naive_sample]
    with factory() as session:
        t0 = time.perf_counter()
        for pid in sample:
            level_of(naive_score(session, pid, now))
        naive_s = time.perf_counter() - t0
    baseline_full_s = naive_s / len(sample) * len(ids)
    out: dict[str, Any] = {
        "premises": args.premises,
        "hazards": args.hazards,
        "incidents": args.incidents,
        "cells": full.cells_scored,
        "score_full_s": round(score_full_s, 2),
        "score_incremental_ms": round(score_incremental_ms, 1),
        "incremental_premises_scored": inc.premises_scored,
        "baseline": "naive ORM loop, one query per premises and source, extrapolated",
        "baseline_orm_full_s": round(baseline_full_s, 1),
        "baseline_orm_sample": len(sample),
        "speedup_vs_orm": round(baseline_full_s / score_full_s, 1) if score_full_s else None,
        "goal_full_s": 30,
        "goal_incremental_ms": 1000,
    }
    if not args.no_backtest:
        t0 = time.perf_counter()
        out.update(backtest_figures(args.replicates))
        out["backtest_s"] = round(time.perf_counter() - t0, 1)
    engine.dispose()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
