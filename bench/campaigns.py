"""Campaign, 交办单 and listing lists at scale (issue 17), on SQLite and PostgreSQL.

20,000 premises and 100,000 hazards in four brigades, a detachment campaign with 20,000
inspections and 60,000 recorded measures, 5,000 交办单 and 3,000 listings (2,000 of hazards,
1,000 of areas). Measured through the API in-process as a prevention officer of the detachment
(the widest jurisdiction below the root): the paged lists (first and deep pages, filters), the
listing figures, the campaign's progress per brigade and a brigade's measure totals; p50/p95 over
repeated requests.

Last line: one JSON object with campaign_p95_ms_sqlite and campaign_p95_ms_postgresql (goal ≤
300 ms) and the slowest page of each.
Usage: .venv/bin/python bench/campaigns.py [--premises 20000] [--hazards 100000] [--rounds 15]
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from lanyan.accounts.schemas import UserCreate
from lanyan.accounts.service import create_user
from lanyan.app import create_app
from lanyan.core.actor import SYSTEM
from lanyan.core.config import Settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import upgrade
from lanyan.core.permissions import Role
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.forces.schemas import OrganizationCreate
from lanyan.prevention.campaign_choices import DirectiveStatus, ListingKind, ListingLister
from lanyan.prevention.campaign_models import CampaignDirective, CampaignMeasure
from lanyan.prevention.choices import (
    HazardSeverity,
    HazardStatus,
    InspectionOutcome,
    ListingLevel,
    ListingStatus,
    PremisesCategory,
    VenueType,
)
from lanyan.prevention.models import Campaign, Hazard, Inspection, Premises, SupervisedListing

PASSWORD = "Harbor-quill-58-lantern"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MEASURES = ("window_bars_removed", "smoke_alarms_installed", "wiring_fixed")


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Any:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _fill(url: str, premises_n: int, hazards_n: int) -> dict[str, int]:
    rng = random.Random(17)
    now = datetime.now(UTC)
    today = date.today()
    factory = make_sessionmaker(make_engine(url))
    with factory() as s:
        root = forces.create_root_organization(
            s, actor=SYSTEM, external_id="b:corps", name="基准总队", kind=OrgKind.CORPS
        )
        det = forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="b:det", name="基准支队", kind=OrgKind.DETACHMENT, parent_id=root.id
            ),
        )
        brigades = [
            forces.create_organization(
                s,
                actor=SYSTEM,
                data=OrganizationCreate(
                    external_id=f"b:br{i}",
                    name=f"基准大队{i}",
                    kind=OrgKind.BRIGADE,
                    parent_id=det.id,
                ),
            )
            for i in range(4)
        ]
        create_user(
            s,
            actor=SYSTEM,
            data=UserCreate(
                username="bench_officer",
                display_name="基准监督员",
                role=Role.PREVENTION,
                organization_id=det.id,
                password=PASSWORD,
            ),
        )
        campaign = Campaign(
            name="基准专项整治",
            topic="small_venues",
            org_id=det.id,
            starts_on=today - timedelta(days=200),
            ends_on=today + timedelta(days=30),
            checklist=["fire_lane_clear"],
            target_premises=20000,
        )
        s.add(campaign)
        s.commit()
        det_id, brigade_ids, campaign_id = det.id, [b.id for b in brigades], campaign.id
    stamp = {"created_at": now, "updated_at": now}
    premises = [
        {
            "external_id": f"bp{i}",
            "name": f"基准单位{i:05d}",
            "category": PremisesCategory.SMALL_VENUE,
            "venue_type": VenueType.SHOPPING,
            "org_id": brigade_ids[i % 4],
            "lon": 9.5 + rng.random() / 10,
            "lat": 47.1 + rng.random() / 10,
            **stamp,
        }
        for i in range(premises_n)
    ]
    with factory() as s:
        for chunk in _chunks(premises):
            s.execute(insert(Premises), chunk)
        s.commit()
        pids = list(s.scalars(select(Premises.id).order_by(Premises.id)))
        porg = {pid: brigade_ids[i % 4] for i, pid in enumerate(pids)}
        hazards = [
            {
                "premises_id": (pid := rng.choice(pids)),
                "org_id": porg[pid],
                "title": f"基准隐患{i}",
                "severity": HazardSeverity.GENERAL,
                "status": HazardStatus.ORDERED,
                "source": "report",
                "found_at": now - timedelta(days=rng.randint(1, 300)),
                "photo_ids": [],
                "evidence_ids": [],
                **stamp,
            }
            for i in range(hazards_n)
        ]
        for chunk in _chunks(hazards):
            s.execute(insert(Hazard), chunk)
        inspections = [
            {
                "premises_id": pids[i % len(pids)],
                "org_id": porg[pids[i % len(pids)]],
                "campaign_id": campaign_id,
                "inspected_on": today - timedelta(days=rng.randint(1, 190)),
                "checklist": {},
                "outcome": InspectionOutcome.PASSED,
                **stamp,
            }
            for i in range(premises_n)
        ]
        for chunk in _chunks(inspections):
            s.execute(insert(Inspection), chunk)
        s.commit()
        insp = s.execute(
            select(
                Inspection.id, Inspection.premises_id, Inspection.org_id, Inspection.inspected_on
            )
        ).all()
        measures = [
            {
                "campaign_id": campaign_id,
                "inspection_id": iid,
                "premises_id": pid,
                "org_id": org,
                "measure": code,
                "quantity": rng.randint(1, 6),
                "recorded_on": day,
                "recorded_at": now,
            }
            for iid, pid, org, day in insp
            for code in MEASURES
        ]
        for chunk in _chunks(measures):
            s.execute(insert(CampaignMeasure), chunk)
        directives = [
            {
                "number": f"交办〔基准〕{i}号",
                "campaign_id": campaign_id,
                "org_id": brigade_ids[i % 4],
                "issuer_org_id": det_id,
                "to_org_id": brigade_ids[i % 4],
                "subject": f"基准交办{i}",
                "status": rng.choice(list(DirectiveStatus)),
                "issued_at": now - timedelta(days=rng.randint(1, 190)),
                "due_on": today + timedelta(days=rng.randint(-60, 30)),
                **stamp,
            }
            for i in range(5000)
        ]
        for chunk in _chunks(directives):
            s.execute(insert(CampaignDirective), chunk)
        hids = list(s.scalars(select(Hazard.id).limit(2000)))
        hazard_org = dict(
            s.execute(select(Hazard.id, Hazard.org_id).where(Hazard.id.in_(hids))).all()
        )
        listings = [
            {
                "hazard_id": hid,
                "org_id": hazard_org[hid],
                "kind": ListingKind.PROMINENT,
                "lister": ListingLister.GOVERNMENT,
                "unit_count": 1,
                "hazard_count": 1,
                "level": ListingLevel.COUNTY,
                "status": ListingStatus.LISTED,
                "proposed_at": now - timedelta(days=rng.randint(1, 300)),
                "listed_at": now - timedelta(days=1),
                "is_public": True,
                **stamp,
            }
            for hid in hids
        ] + [
            {
                "hazard_id": None,
                "org_id": brigade_ids[i % 4],
                "kind": ListingKind.AREA,
                "lister": ListingLister.FIRE_DEPARTMENT,
                "area_name": f"基准区域{i}",
                "unit_count": 30,
                "hazard_count": 45,
                "level": ListingLevel.CITY,
                "status": ListingStatus.LISTED,
                "proposed_at": now - timedelta(days=rng.randint(1, 300)),
                "listed_at": now - timedelta(days=1),
                "is_public": True,
                **stamp,
            }
            for i in range(1000)
        ]
        for chunk in _chunks(listings):
            s.execute(insert(SupervisedListing), chunk)
        s.commit()
    return {"campaign_id": campaign_id, "brigade_id": brigade_ids[0]}


def _measure(url: str, ids: dict[str, int], rounds: int) -> dict[str, Any]:
    cid, bid = ids["campaign_id"], ids["brigade_id"]
    pages = [
        ("/api/prevention/campaign-measures", {}),
        ("/api/prevention/campaign-measures", {"offset": "5000"}),
        (
            "/api/prevention/campaign-measures",
            {"campaign_id": str(cid), "org_id": str(bid), "measure": "window_bars_removed"},
        ),
        ("/api/prevention/directives", {}),
        ("/api/prevention/directives", {"overdue": "true"}),
        ("/api/prevention/directives", {"status": "issued", "offset": "500"}),
        ("/api/prevention/listings", {}),
        ("/api/prevention/listings", {"kind": "area"}),
        ("/api/prevention/listings/figures", {}),
        (f"/api/prevention/campaigns/{cid}/progress", {}),
        (f"/api/prevention/campaigns/{cid}/measure-totals", {"org_id": str(bid)}),
    ]
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        token = client.post(
            "/api/auth/login", json={"username": "bench_officer", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for path, params in pages:
            r = client.get(path, params=params, headers=headers)
            assert r.status_code == 200, (path, r.text)
        times: list[float] = []
        per_page: dict[str, list[float]] = {}
        for _ in range(rounds):
            for path, params in pages:
                t0 = time.perf_counter()
                r = client.get(path, params=params, headers=headers)
                elapsed = (time.perf_counter() - t0) * 1000
                assert r.status_code == 200
                times.append(elapsed)
                per_page.setdefault(f"{path}?{params}", []).append(elapsed)
    app.state.engine.dispose()
    worst = max(per_page.items(), key=lambda kv: statistics.quantiles(kv[1], n=20)[-1])
    return {
        "p50": statistics.median(times),
        "p95": statistics.quantiles(times, n=100)[94],
        "slowest_page": worst[0],
        "slowest_page_p95": statistics.quantiles(worst[1], n=20)[-1],
    }


def main() -> None:
    """Fill each database, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--premises", type=int, default=20_000)
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    out: dict[str, Any] = {"premises": args.premises, "hazards": args.hazards}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench-campaigns.db'}"
            name = None
        else:
            name = f"lanyan_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = PG_BASE + name
        try:
            upgrade(url)
            t0 = time.perf_counter()
            ids = _fill(url, args.premises, args.hazards)
            print(f"{backend}: filled in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
            figures = _measure(url, ids, args.rounds)
            print(f"{backend}: {figures}", file=sys.stderr)
            out[f"campaign_p50_ms_{backend}"] = round(figures["p50"], 1)
            out[f"campaign_p95_ms_{backend}"] = round(figures["p95"], 1)
            out[f"slowest_page_{backend}"] = figures["slowest_page"]
            out[f"slowest_page_p95_ms_{backend}"] = round(figures["slowest_page_p95"], 1)
        finally:
            if name is not None:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
