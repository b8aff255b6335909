"""Officer list pages with 20,000 premises and 100,000 hazards, on SQLite and PostgreSQL.

Measures the pages a fire-prevention officer opens all day (open hazards by deadline, overdue,
filtered by status/severity, searched by title, deep pages; premises by category) through the
API in-process (routing, auth, jurisdiction, database, serialization), p50/p95 over repeated
requests. Baseline in the same run: the same first page computed the naive way (load every hazard
of the jurisdiction through the ORM, filter and sort in Python).

The enforcement desk's lists (issue 17) are measured the same way over records in proportion to
the premises (per 20,000 premises: 10,000 inspections with their enforcement records, 40 plans
of 250 premises, ~3,000 orders to correct, ~500 seals with their decisions and ~350 liftings,
~700 cases with penalties and payments and their decisions), and so are the campaign and public
education lists of the same issue when the app has them (over what the demo city holds).

Last line: one JSON object with list_p95_ms_sqlite and list_p95_ms_postgresql (goal ≤ 300 ms),
and the enforcement pages' own enforcement_p95_ms_sqlite / enforcement_p95_ms_postgresql.
Usage: .venv/bin/python bench/prevention.py [--premises 20000] [--hazards 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text

from lanyan.accounts.schemas import UserCreate
from lanyan.accounts.service import create_user
from lanyan.app import create_app
from lanyan.core.actor import SYSTEM
from lanyan.core.config import Settings
from lanyan.core.migrate import upgrade
from lanyan.demo import load_demo
from lanyan.enforcement.choices import (
    CaseStatus,
    DocumentKind,
    PenaltyKind,
    PlanKind,
    SealStatus,
)
from lanyan.enforcement.models import (
    Case,
    Document,
    InspectionRecord,
    Payment,
    Penalty,
    Plan,
    PlanItem,
    Seal,
)
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
from lanyan.prevention.models import Hazard, Inspection, Premises

PASSWORD = "Harbor-lantern-93-quill"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
TITLES = [
    "疏散通道堵塞",
    "安全出口锁闭",
    "灭火器过期",
    "电动自行车室内充电",
    "消防控制室无人值守",
    "自动喷水灭火系统故障",
    "防火门损坏",
    "违规使用易燃材料装修",
    "燃气管道老化",
    "消火栓无水",
]


def _populate(url: str, premises_n: int, hazards_n: int, seed: int) -> None:
    app = create_app(Settings(database_url=url))
    factory = app.state.sessionmaker
    load_demo(factory, osm_file=app.state.settings.demo_osm_file, seed=119)
    rng = random.Random(seed)
    with factory() as s:
        orgs = list(
            s.scalars(
                select(Organization).where(
                    Organization.kind.in_(
                        [OrgKind.BRIGADE, OrgKind.STATION, OrgKind.SPECIAL_STATION]
                    )
                )
            )
        )
        brigade = next(o for o in orgs if o.kind == OrgKind.BRIGADE)
        create_user(
            s,
            actor=SYSTEM,
            data=UserCreate(
                username="bench_officer",
                display_name="防火监督员",
                role="prevention",
                organization_id=brigade.id,
                password=PASSWORD,
            ),
        )
        s.commit()
        org_ids = [o.id for o in orgs]
        now = datetime.now(UTC)
        rows = []
        for i in range(premises_n):
            rows.append(
                {
                    "external_id": f"bench:p:{i}",
                    "name": f"测试单位{i:05d}",
                    "category": rng.choice(
                        [PremisesCategory.KEY_UNIT, PremisesCategory.SMALL_VENUE]
                    ),
                    "venue_type": rng.choice(list(VenueType)),
                    "control_level": rng.choice([None, *ControlLevel]),
                    "org_id": rng.choice(org_ids),
                    "lon": 9.5 + rng.random() * 0.1,
                    "lat": 47.05 + rng.random() * 0.2,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for start in range(0, len(rows), 5000):
            s.execute(insert(Premises), rows[start : start + 5000])
        s.commit()
        premises = list(s.execute(select(Premises.id, Premises.org_id)).all())
        statuses = [
            HazardStatus.REPORTED,
            HazardStatus.VERIFIED,
            HazardStatus.ORDERED,
            HazardStatus.RECTIFIED,
            HazardStatus.CLOSED,
            HazardStatus.CLOSED,
            HazardStatus.CLOSED,
            HazardStatus.REJECTED,
        ]
        batch = []
        for i in range(hazards_n):
            pid, org_id = rng.choice(premises)
            status = rng.choice(statuses)
            found = now - timedelta(days=rng.uniform(0, 720))
            ordered = status in (HazardStatus.ORDERED, HazardStatus.RECTIFIED, HazardStatus.CLOSED)
            batch.append(
                {
                    "premises_id": pid,
                    "org_id": org_id,
                    "title": f"{rng.choice(TITLES)}#{i}",
                    "severity": HazardSeverity.MAJOR
                    if rng.random() < 0.03
                    else HazardSeverity.GENERAL,
                    "status": status,
                    "source": "patrol",
                    "found_at": found,
                    "ordered_at": found + timedelta(days=2) if ordered else None,
                    "deadline_at": found + timedelta(days=rng.uniform(10, 90)) if ordered else None,
                    "closed_at": found + timedelta(days=30)
                    if status == HazardStatus.CLOSED
                    else None,
                    "photo_ids": [],
                    "evidence_ids": [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(batch) == 10_000:
                s.execute(insert(Hazard), batch)
                batch = []
        if batch:
            s.execute(insert(Hazard), batch)
        s.commit()
        _populate_enforcement(s, premises, [o.id for o in orgs if o.kind == OrgKind.BRIGADE], rng)
        # what PostgreSQL's autovacuum and SQLite's `PRAGMA optimize` do after a bulk load
        s.execute(text("ANALYZE"))
        s.commit()
    app.state.engine.dispose()


def _bulk(s: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        s.execute(insert(model), rows[start : start + 5000])


def _populate_enforcement(
    s: Any, premises: list[Any], brigade_ids: list[int], rng: random.Random
) -> None:
    """Enforcement records in proportion to the premises register (see the module docstring)."""
    now = datetime.now(UTC)
    today = now.date()
    stamp = {"created_at": now, "updated_at": now}
    n_inspections = len(premises) // 2
    n_plans = max(1, len(premises) // 500)
    plans, items = [], []
    for pid in range(1, n_plans + 1):
        start = today - timedelta(days=rng.randint(0, 700))
        plans.append(
            {
                "id": pid,
                "org_id": rng.choice(brigade_ids),
                "name": f"双随机抽查{pid}",
                "kind": PlanKind.RANDOM,
                "starts_on": start,
                "ends_on": start + timedelta(days=90),
                "seed": rng.randrange(2**31),
                "population": len(premises),
                **stamp,
            }
        )
        for premises_id, _org in rng.sample(premises, k=min(250, len(premises))):
            items.append({"plan_id": pid, "premises_id": premises_id})
    _bulk(s, Plan, plans)
    _bulk(s, PlanItem, items)
    outcomes = [InspectionOutcome.PASSED] * 58 + [InspectionOutcome.ORDERED] * 30
    outcomes += [InspectionOutcome.SEALED] * 5 + [InspectionOutcome.PENALIZED] * 7
    inspections: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    seals: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    penalties: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    seq: dict[tuple[str, int], int] = {}

    def document(kind: DocumentKind, premises_id: int, org_id: int, day: Any, **extra: Any) -> int:
        key = (kind.value, day.year)
        seq[key] = seq.get(key, 0) + 1
        doc_id = len(docs) + 1
        docs.append(
            {
                "id": doc_id,
                "org_id": org_id,
                "kind": kind,
                "year": day.year,
                "seq": seq[key],
                "number": f"消{kind.word}字〔{day.year}〕第{seq[key]:05d}号",
                "premises_id": premises_id,
                "title": kind.zh,
                "body": f"{kind.zh}正文",
                "issued_on": day,
                "due_on": day + timedelta(days=4),
                "served_on": day + timedelta(days=1) if rng.random() < 0.95 else None,
                **stamp,
            }
            | extra
        )
        return doc_id

    for i in range(1, n_inspections + 1):
        inspection_id = 1_000_000 + i
        premises_id, org_id = rng.choice(premises)
        day = today - timedelta(days=rng.randint(0, 700))
        outcome = rng.choice(outcomes)
        inspections.append(
            {
                "id": inspection_id,
                "premises_id": premises_id,
                "org_id": org_id,
                "inspected_on": day,
                "checklist": {"fire_lane_clear": outcome == InspectionOutcome.PASSED},
                "outcome": outcome,
                "follow_up_on": None
                if outcome == InspectionOutcome.PASSED
                else day + timedelta(days=15),
                **stamp,
            }
        )
        records.append(
            {
                "inspection_id": inspection_id,
                "plan_id": rng.randint(1, n_plans) if rng.random() < 0.5 else None,
                "template_key": "general",
                "items_checked": 6,
                "items_failed": 0 if outcome == InspectionOutcome.PASSED else 1,
                "failed_items": [] if outcome == InspectionOutcome.PASSED else ["fire_lane_clear"],
            }
        )
        where = {"inspection_id": inspection_id}
        if outcome in (InspectionOutcome.ORDERED, InspectionOutcome.PENALIZED):
            document(DocumentKind.ORDER, premises_id, org_id, day, **where)
        if outcome == InspectionOutcome.SEALED:
            decision = document(DocumentKind.SEAL, premises_id, org_id, day, **where)
            lifted = day + timedelta(days=rng.randint(5, 30))
            is_lifted = lifted <= today and rng.random() < 0.7
            lift = (
                document(DocumentKind.LIFT, premises_id, org_id, lifted, parent_id=decision)
                if is_lifted
                else None
            )
            seals.append(
                {
                    "id": len(seals) + 1,
                    "org_id": org_id,
                    "premises_id": premises_id,
                    "inspection_id": inspection_id,
                    "document_id": decision,
                    "scope": "仓库",
                    "starts_on": day,
                    "ends_on": day + timedelta(days=30),
                    "status": SealStatus.LIFTED if is_lifted else SealStatus.SEALED,
                    "lifted_on": lifted if is_lifted else None,
                    "lift_reason": "隐患已消除" if is_lifted else None,
                    "lift_document_id": lift,
                    **stamp,
                }
            )
        if outcome == InspectionOutcome.PENALIZED:
            case_id = len(cases) + 1
            decided = day + timedelta(days=20)
            done = decided <= today
            cases.append(
                {
                    "id": case_id,
                    "org_id": org_id,
                    "premises_id": premises_id,
                    "inspection_id": inspection_id,
                    "title": "消防设施未保持完好有效",
                    "status": CaseStatus.CLOSED if done else CaseStatus.INVESTIGATING,
                    "filed_on": day,
                    "limit_on": day + timedelta(days=90),
                    "decided_on": decided if done else None,
                    "closed_on": decided + timedelta(days=10) if done else None,
                    **stamp,
                }
            )
            if done:
                amount = rng.choice((5000, 10000, 30000))
                penalties.append(
                    {"case_id": case_id, "kind": PenaltyKind.FINE, "amount_cny": amount}
                )
                payments.append(
                    {
                        "case_id": case_id,
                        "paid_on": decided,
                        "amount_cny": amount,
                        "created_at": now,
                    }
                )
                document(DocumentKind.PENALTY, premises_id, org_id, decided, case_id=case_id)
    _bulk(s, Inspection, inspections)
    _bulk(s, InspectionRecord, records)
    _bulk(s, Case, cases)
    for d in docs:  # columns every row of one INSERT must name
        for key in ("inspection_id", "case_id", "parent_id"):
            d.setdefault(key, None)
    _bulk(s, Document, docs)
    _bulk(s, Seal, seals)
    _bulk(s, Penalty, penalties)
    _bulk(s, Payment, payments)
    s.commit()


PAGES = [
    ("/api/hazards", {"open": "true"}),
    ("/api/hazards", {"overdue": "true"}),
    ("/api/hazards", {"status": "reported", "sort": "found"}),
    ("/api/hazards", {"severity": "major", "open": "true"}),
    ("/api/hazards", {"q": "电动自行车"}),
    ("/api/hazards", {"open": "true", "offset": "2000"}),
    ("/api/premises", {"category": "key_unit"}),
    ("/api/premises", {"q": "测试单位01"}),
]

ENFORCEMENT_PAGES = [
    ("/api/enforcement/plans", {}),
    ("/api/enforcement/inspections", {}),
    ("/api/enforcement/inspections", {"offset": "1000"}),
    ("/api/enforcement/documents", {}),
    ("/api/enforcement/documents", {"kind": "seal"}),
    ("/api/enforcement/documents", {"overdue": "true"}),
    ("/api/enforcement/seals", {"status": "sealed"}),
    ("/api/enforcement/cases", {}),
    ("/api/enforcement/cases", {"status": "closed"}),
    ("/api/enforcement/evaluation", {"year": str(datetime.now(UTC).year)}),
]
"""The enforcement desk's lists (issue 17)."""

ISSUE17_LISTS = (
    "/api/prevention/campaigns",
    "/api/prevention/campaign-measures",
    "/api/prevention/directives",
    "/api/prevention/listings",
    "/api/outreach/activities",
    "/api/outreach/bases",
    "/api/outreach/teams",
    "/api/outreach/volunteers",
)
"""The campaign and public-education lists of issue 17, measured when the app serves them."""


def _measure(url: str, rounds: int) -> dict[str, Any]:
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        token = client.post(
            "/api/auth/login", json={"username": "bench_officer", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        served = set(client.app.openapi()["paths"])  # type: ignore[attr-defined]
        extra: list[tuple[str, dict[str, str]]] = [
            (path, {}) for path in ISSUE17_LISTS if path in served
        ]
        pages = PAGES + ENFORCEMENT_PAGES + extra
        for path, params in pages:  # warm caches and connections
            assert client.get(path, params=params, headers=headers).status_code == 200
        times: list[float] = []
        per_page: dict[str, list[float]] = {}
        enforcement_times: list[float] = []
        for _ in range(rounds):
            for path, params in pages:
                t0 = time.perf_counter()
                response = client.get(path, params=params, headers=headers)
                elapsed = (time.perf_counter() - t0) * 1000
                assert response.status_code == 200, response.text
                times.append(elapsed)
                if (path, params) not in PAGES:
                    enforcement_times.append(elapsed)
                per_page.setdefault(f"{path}?{params}", []).append(elapsed)
        naive = _naive_first_page(app)
    app.state.engine.dispose()
    q = statistics.quantiles(times, n=100)
    worst = max(per_page.items(), key=lambda kv: statistics.quantiles(kv[1], n=20)[-1])
    return {
        "p50": statistics.median(times),
        "p95": q[94],
        "naive_ms": naive,
        "slowest_page": worst[0],
        "slowest_page_p95": statistics.quantiles(worst[1], n=20)[-1],
        "enforcement_p95": statistics.quantiles(enforcement_times, n=100)[94],
        "issue17_pages": len(pages) - len(PAGES),
    }


def _naive_first_page(app: object) -> float:
    """The baseline: every hazard of the jurisdiction through the ORM, filtered in Python."""
    factory = app.state.sessionmaker  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    with factory() as s:
        brigade = s.scalars(
            select(Organization).where(Organization.kind == OrgKind.BRIGADE)
        ).first()
        rows = [
            h
            for h in s.scalars(select(Hazard))
            if h.org.path.startswith(brigade.path)
            and h.status not in (HazardStatus.CLOSED, HazardStatus.REJECTED)
        ]
        rows.sort(
            key=lambda h: (
                h.deadline_at is None,
                h.deadline_at or datetime.max.replace(tzinfo=UTC),
                h.id,
            )
        )
        _ = rows[:50]
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--premises", type=int, default=20_000)
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        name = f"lanyan_bench_prev_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        urls = {
            "sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}",
            "postgresql": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        }
        try:
            for backend, url in urls.items():
                t0 = time.perf_counter()
                upgrade(url)
                _populate(url, args.premises, args.hazards, args.seed)
                load_s = time.perf_counter() - t0
                results[backend] = _measure(url, args.rounds) | {"load_s": load_s}
                r = results[backend]
                print(
                    f"{backend:10s} load {load_s:6.1f} s   list p50 {r['p50']:6.1f} ms   "
                    f"p95 {r['p95']:6.1f} ms   naive first page {r['naive_ms']:8.1f} ms   "
                    f"slowest page p95 {r['slowest_page_p95']:.1f} ms ({r['slowest_page']})   "
                    f"issue 17 pages p95 {r['enforcement_p95']:.1f} ms",
                    flush=True,
                )
        finally:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    out = {
        "premises": args.premises,
        "hazards": args.hazards,
        "list_p50_ms_sqlite": round(results["sqlite"]["p50"], 2),
        "list_p95_ms_sqlite": round(results["sqlite"]["p95"], 2),
        "list_p50_ms_postgresql": round(results["postgresql"]["p50"], 2),
        "list_p95_ms_postgresql": round(results["postgresql"]["p95"], 2),
        "enforcement_p95_ms_sqlite": round(results["sqlite"]["enforcement_p95"], 2),
        "enforcement_p95_ms_postgresql": round(results["postgresql"]["enforcement_p95"], 2),
        "issue17_pages": int(results["sqlite"]["issue17_pages"]),
        "naive_first_page_ms_sqlite": round(results["sqlite"]["naive_ms"], 1),
        "naive_first_page_ms_postgresql": round(results["postgresql"]["naive_ms"], 1),
        "ratio_vs_naive_sqlite": round(results["sqlite"]["naive_ms"] / results["sqlite"]["p50"], 1),
        "ratio_vs_naive_postgresql": round(
            results["postgresql"]["naive_ms"] / results["postgresql"]["p50"], 1
        ),
    }
    print(json.dumps(out))
    sys.exit(0 if max(out["list_p95_ms_sqlite"], out["list_p95_ms_postgresql"]) <= 300 else 1)


if __name__ == "__main__":
    main()
