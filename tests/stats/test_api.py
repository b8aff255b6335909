"""Statistics API: summary with YoY/PoP, trace paging, bounded inputs, jurisdiction."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentType
from lanyan.dispatch.first_response import refresh_response
from lanyan.dispatch.models import Assignment, Incident

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def client(app_client: TestClient, world: World) -> TestClient:
    """The app with the stats router mounted (until app.py includes it) and a few incidents."""
    app = app_client.app
    if "/api/stats/summary" not in app.openapi()["paths"]:  # type: ignore[attr-defined]
        from lanyan.stats.api import router

        app.include_router(router)  # type: ignore[attr-defined]
        app.openapi_schema = None  # type: ignore[attr-defined]
    factory: sessionmaker[Session] = app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as s:
        for i, (when, type_, brigade) in enumerate(
            [
                (datetime(2025, 3, 1, 9, tzinfo=SH), IncidentType.FIRE, world.a.brigade_id),
                (
                    datetime(2025, 12, 31, 23, 30, tzinfo=SH),
                    IncidentType.RESCUE,
                    world.a.brigade_id,
                ),
                (datetime(2025, 6, 1, 9, tzinfo=SH), IncidentType.FIRE, world.b.brigade_id),
                (datetime(2024, 3, 1, 9, tzinfo=SH), IncidentType.FIRE, world.a.brigade_id),
            ]
        ):
            inc = Incident(
                number=f"API{i}", status=IncidentStatus.CLOSED, type=type_, level=1,
                lon=9.5, lat=47.1, brigade_id=brigade, received_at=when,
            )  # fmt: skip
            s.add(inc)
            s.flush()
            s.add(
                Assignment(
                    incident_id=inc.id, unit_id=world.a.unit_id,
                    status=AssignmentStatus.IN_QUARTERS, assigned_at=when + timedelta(seconds=30),
                    en_route_at=when + timedelta(seconds=90),
                    on_scene_at=when + timedelta(seconds=330),
                )
            )  # fmt: skip
            refresh_response(s, inc)
        s.commit()
    return app_client


YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def test_summary_with_changes(client: TestClient, world: World) -> None:
    r = client.get("/api/stats/summary", params=YEAR, headers=world.headers("leader"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"]["kind"] == "year"
    assert body["values"]["incidents.total"] == 3
    assert body["values"]["incidents.by_month.2025-12"] == 1
    assert body["values"]["response.within_standard"] == 3
    assert body["labels"]["incidents.total"] == "接警出动总数"
    yoy = body["yoy"]["changes"]["incidents.total"]
    assert (yoy["previous"], yoy["pct"], yoy["text"]) == (1, 200.0, "上升200%")
    assert body["yoy"]["changes"]["fires.total"]["text"] == "上升100%"
    assert body["pop"]["period"]["label"] == "2024年"
    assert body["pop"]["changes"]["hazards.found"]["text"] == "持平"
    assert body["pop"]["changes"]["hazards.found"]["pct_text"] == "—"


def test_trace_pages(client: TestClient, world: World) -> None:
    params = YEAR | {"key": "incidents.total", "limit": 2, "offset": 1}
    r = client.get("/api/stats/trace", params=params, headers=world.headers("leader"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 3
    assert [i["number"] for i in body["items"]] == ["API2", "API1"]
    assert body["items"][1]["received_at"] == "2025-12-31T23:30:00+08:00"


def test_jurisdiction(client: TestClient, world: World) -> None:
    own = client.get("/api/stats/summary", params=YEAR, headers=world.headers("admin_a"))
    assert own.status_code == 200
    assert own.json()["values"]["incidents.total"] == 2
    other = client.get(
        "/api/stats/summary",
        params=YEAR | {"org_id": world.b.brigade_id},
        headers=world.headers("admin_a"),
    )
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    trace = client.get(
        "/api/stats/trace",
        params=YEAR | {"key": "incidents.total", "org_id": world.b.brigade_id},
        headers=world.headers("crew_a"),
    )
    assert trace.status_code == 404
    assert client.get("/api/stats/summary", params=YEAR).status_code == 401


def test_response_distribution_counts_the_measured_responses(
    client: TestClient, world: World
) -> None:
    h = world.headers("leader")
    summary = client.get("/api/stats/summary", params=YEAR, headers=h).json()["values"]
    r = client.get("/api/stats/response-distribution", params=YEAR | {"width_s": 60}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert sum(body["counts"]) == summary["response.response.n"] == 3
    # every response took 300 s from assignment to arrival: all in the 300–360 s bin
    assert body["counts"][body["bucket_s"].index(300)] == 3
    assert body["standard_s"] == 300
    other = client.get(
        "/api/stats/response-distribution",
        params=YEAR | {"org_id": world.b.brigade_id},
        headers=world.headers("admin_a"),
    )
    assert other.status_code == 404
    assert client.get("/api/stats/response-distribution", params=YEAR).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2025-13-01", "to": "2025-12-31"},
        {"from": "2025-02-01", "to": "2025-01-31"},
        {"from": "2015-01-01", "to": "2025-12-31"},
        {"from": "2025-01-01"},
        YEAR | {"org_id": 0},
        YEAR | {"key": "incidents.by_colour.red"},
        YEAR | {"key": "x" * 200},
        YEAR | {"key": "incidents.total", "limit": 100_000},
    ],
)
def test_bad_inputs_are_422(client: TestClient, world: World, params: dict[str, object]) -> None:
    path = "/api/stats/trace" if "key" in params else "/api/stats/summary"
    if "key" not in params and "limit" not in params and path.endswith("trace"):
        params = params | {"key": "incidents.total"}
    r = client.get(path, params=params, headers=world.headers("leader"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
