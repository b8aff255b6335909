"""Benchmark of call-taking and dispatch (issue 4, acceptance 3) on the demo city.

Two parts, one run:

1. Latency through the API, as a dispatcher's console sees it: a fresh SQLite database in a
   temporary folder (migrate, demo city, last year's demo history unless ``--no-history``, demo
   accounts), served by a real uvicorn server on 127.0.0.1 in a thread, driven by one keep-alive
   httpx client logged in as the demo dispatcher. For each call (points, types and subtypes
   planned like the demo history): POST the incident (intake), GET its recommendation (with route
   geometry, as the console asks), POST the recommended units (dispatch); then the units are
   recalled and the incident closed, untimed, so the city never runs out of units. Goal: intake →
   recommendation p99 ≤ 50 ms including the database.
2. What road travel time is worth against ranking by straight-line distance, the usual shortcut
   (the baseline, measured in the same run): for many calls placed like the history, is the
   straight-line nearest water tender (the first requirement of every fire plan) also the fastest
   by road? The share of calls where it is not, and the seconds lost when it is not. This part
   uses the road network and the travel table directly (lanyan.planning.network, lanyan.routing).

The last line of output is one JSON object.

Usage::

    .venv/bin/python bench/dispatch.py                 # 300 API calls, 2,000 ranking calls
    .venv/bin/python bench/dispatch.py --quick         # 60 API calls, 500 ranking calls, no history
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
from sqlalchemy import select

from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.core.migrate import upgrade
from lanyan.demo import ensure_demo_accounts, load_demo
from lanyan.demo.history import PlannedCall, call_sites, load_history, plan_calls
from lanyan.dispatch.plans import WATER
from lanyan.forces.models import Unit
from lanyan.planning.network import NetworkState, RoadNetwork
from lanyan.routing import haversine_m

HISTORY_YEAR = 2025
"""The bench loads one year of demo history so the tables hold what a running system holds."""


def log(message: str) -> None:
    print(message, flush=True)


def pct(samples_s: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(samples_s) * 1000.0, q)), 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The app under uvicorn in a background thread (one process: honest HTTP, no fork)."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.port = free_port()
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def incident_body(call: PlannedCall, n: int) -> dict[str, Any]:
    return {
        "caller_number": call.caller_number,
        "address_text": call.address_text,
        "lon": call.lon,
        "lat": call.lat,
        "type": call.type.value,
        "subtype": call.subtype.value if call.subtype else None,
        "level": call.level,
        "premises_id": call.premises_id,
        "description": f"压测警情 bench call {n}",
    }


def run_api(client: httpx.Client, calls: list[PlannedCall], figures: dict[str, Any]) -> None:
    intake: list[float] = []
    recommend: list[float] = []
    recommend_plain: list[float] = []
    both: list[float] = []
    dispatch: list[float] = []
    unfilled = 0
    for n, call in enumerate(calls):
        t0 = time.perf_counter()
        r = client.post("/api/dispatch/incidents", json=incident_body(call, n))
        t1 = time.perf_counter()
        r.raise_for_status()
        iid = r.json()["id"]
        r = client.get(f"/api/dispatch/incidents/{iid}/recommendation")
        t2 = time.perf_counter()
        r.raise_for_status()
        rec = r.json()
        t3 = time.perf_counter()
        client.get(f"/api/dispatch/incidents/{iid}/recommendation", params={"routes": "false"})
        t4 = time.perf_counter()
        intake.append(t1 - t0)
        recommend.append(t2 - t1)
        both.append(t2 - t0)
        recommend_plain.append(t4 - t3)
        unfilled += bool(rec["unfilled"])
        unit_ids = [u["unit_id"] for u in rec["units"]]
        if unit_ids:
            t5 = time.perf_counter()
            r = client.post(
                f"/api/dispatch/incidents/{iid}/assignments", json={"unit_ids": unit_ids}
            )
            dispatch.append(time.perf_counter() - t5)
            r.raise_for_status()
            for a in r.json()["assignments"]:  # 中途返回 then 归队: the units are free again
                for status in ("returning", "in_quarters"):
                    client.post(
                        f"/api/dispatch/assignments/{a['id']}/status", json={"status": status}
                    ).raise_for_status()
        client.post(f"/api/dispatch/incidents/{iid}/close", json={}).raise_for_status()
    figures.update(
        calls=len(calls),
        intake_p50_ms=pct(intake, 50),
        intake_p99_ms=pct(intake, 99),
        recommend_p50_ms=pct(recommend, 50),
        recommend_p99_ms=pct(recommend, 99),
        intake_to_recommend_p50_ms=pct(both, 50),
        intake_to_recommend_p99_ms=pct(both, 99),
        recommend_no_routes_p50_ms=pct(recommend_plain, 50),
        recommend_no_routes_p99_ms=pct(recommend_plain, 99),
        dispatch_p50_ms=pct(dispatch, 50),
        dispatch_p99_ms=pct(dispatch, 99),
        plans_with_unfilled_requirement=unfilled,
    )


def run_straight_line(
    state: NetworkState,
    water_stations: list[int],
    calls: list[PlannedCall],
    figures: dict[str, Any],
) -> None:
    """Straight-line nearest station with a water tender vs the fastest by road."""
    rows = np.array(sorted({state.row_of_org[s] for s in water_stations}), dtype=np.int64)
    lon = np.array([state.stations[r].lon for r in rows])
    lat = np.array([state.stations[r].lat for r in rows])
    snapped = state.snapper.snap_many(
        np.array([c.lon for c in calls]), np.array([c.lat for c in calls])
    )
    lost: list[float] = []
    unreachable = 0
    started = time.perf_counter()
    for call, node in zip(calls, snapped.nodes.tolist(), strict=True):
        seconds = state.table.seconds_to_node(int(node))[rows].astype(np.float64)
        if not np.isfinite(seconds).any():
            unreachable += 1
            continue
        metres = haversine_m(lon, lat, call.lon, call.lat)
        by_air = int(np.argmin(metres))
        lost.append(float(seconds[by_air] - np.min(seconds)))
    elapsed = time.perf_counter() - started
    arr = np.asarray(lost)
    wrong = arr[arr > 0.5]  # units of one station tie; half a second is no real difference
    figures.update(
        straight_line_calls=len(arr),
        straight_line_stations=len(rows),
        straight_line_wrong_share=round(float(len(wrong) / max(len(arr), 1)), 4),
        straight_line_loss_median_s=round(float(np.median(wrong)), 1) if len(wrong) else 0.0,
        straight_line_loss_p90_s=round(float(np.percentile(wrong, 90)), 1) if len(wrong) else 0.0,
        straight_line_loss_max_s=round(float(wrong.max()), 1) if len(wrong) else 0.0,
        straight_line_unreachable=unreachable,
        straight_line_rank_us=round(elapsed / max(len(calls), 1) * 1e6, 1),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls through the API")
    parser.add_argument("--points", type=int, default=2000, help="calls for the ranking part")
    parser.add_argument("--no-history", action="store_true", help="skip last year's history")
    parser.add_argument("--quick", action="store_true", help="60 API calls, 500 points")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.quick:
        args.calls, args.points, args.no_history = 60, 500, True
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lanyan-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url)
        upgrade(url)
        with LiveServer(settings) as live:
            factory = live.app.state.sessionmaker
            network: RoadNetwork = live.app.state.network
            started = time.perf_counter()
            load_demo(factory, osm_file=settings.demo_osm_file, seed=settings.demo_seed)
            figures["demo_load_s"] = round(time.perf_counter() - started, 2)
            if not args.no_history:
                history = load_history(factory, network, seed=settings.demo_seed, year=HISTORY_YEAR)
                figures["history_incidents"] = history.incidents
                figures["history_load_s"] = history.elapsed_s
                log(f"demo history {HISTORY_YEAR}: {history.incidents} incidents "
                    f"in {history.elapsed_s:.1f} s")  # fmt: skip
            password = next(
                a.password
                for a in ensure_demo_accounts(factory, seed=settings.demo_seed)
                if a.username == "demo_dispatcher"
            )
            with factory() as session:
                state = network.current(session)
                sites = call_sites(session, network)
                water_stations = [
                    sid
                    for sid in session.scalars(
                        select(Unit.station_id).where(Unit.type.in_(WATER)).distinct()
                    )
                    if sid in state.row_of_org
                ]
            api_calls = plan_calls(sites, seed=args.seed, year=HISTORY_YEAR + 1, calls=args.calls)
            points = plan_calls(sites, seed=args.seed + 1, year=HISTORY_YEAR + 1, calls=args.points)
            with httpx.Client(base_url=live.url, timeout=30) as client:
                r = client.post(
                    "/api/auth/login", json={"username": "demo_dispatcher", "password": password}
                )
                r.raise_for_status()
                client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
                run_api(client, api_calls[:5], {})  # warm-up: network tables, caches, pool
                run_api(client, api_calls, figures)
            run_straight_line(state, water_stations, points, figures)
    rows = [
        ("intake (POST incident) p50 / p99", "intake_p50_ms", "intake_p99_ms", "ms"),
        ("recommendation (GET, routes) p50 / p99", "recommend_p50_ms", "recommend_p99_ms", "ms"),
        ("intake → recommendation p50 / p99", "intake_to_recommend_p50_ms",
         "intake_to_recommend_p99_ms", "ms"),
        ("recommendation without routes p50 / p99", "recommend_no_routes_p50_ms",
         "recommend_no_routes_p99_ms", "ms"),
        ("dispatch (POST assignments) p50 / p99", "dispatch_p50_ms", "dispatch_p99_ms", "ms"),
        ("straight-line loss median / p90 (when wrong)", "straight_line_loss_median_s",
         "straight_line_loss_p90_s", "s"),
    ]  # fmt: skip
    log("")
    log(f"{'figure':<48} {'value':>20}")
    for label, a, b, unit in rows:
        log(f"{label:<48} {f'{figures[a]} / {figures[b]} {unit}':>20}")
    log(
        f"{'straight-line first water tender not fastest':<48} "
        f"{figures['straight_line_wrong_share']:>19.1%} "
    )
    log(
        f"({figures['calls']} API calls; {figures['straight_line_calls']} ranking calls over "
        f"{figures['straight_line_stations']} stations with a water tender; goal: intake → "
        f"recommendation p99 ≤ 50 ms)"
    )
    keys = [
        "recommend_p50_ms",
        "recommend_p99_ms",
        "dispatch_p99_ms",
        "straight_line_wrong_share",
        "straight_line_loss_p90_s",
        "intake_p50_ms",
        "intake_p99_ms",
        "straight_line_loss_median_s",
        "calls",
    ]
    ordered = {key: figures.get(key) for key in keys}
    ordered.update({k: v for k, v in figures.items() if k not in ordered})
    print(json.dumps(ordered), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
