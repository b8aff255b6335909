"""Planning API on the demo city: coverage (planned, live), rebuilds, isochrones, routes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import DemoCity


def _coverage(client: TestClient, demo: DemoCity, **params: Any) -> dict[str, Any]:
    r = client.get("/api/planning/coverage", params=params, headers=demo.headers("demo_commander"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _units_of(client: TestClient, demo: DemoCity, org_id: int) -> list[dict[str, Any]]:
    r = client.get(
        "/api/forces/units",
        params={"station_id": org_id, "status": "available"},
        headers=demo.headers("demo_admin"),
    )
    return r.json()["items"]  # type: ignore[no-any-return]


def _org(client: TestClient, demo: DemoCity, name_part: str) -> dict[str, Any]:
    r = client.get(
        "/api/forces/organizations", params={"q": name_part}, headers=demo.headers("demo_admin")
    )
    return r.json()["items"][0]  # type: ignore[no-any-return]


def test_three_circles_for_city_and_brigades(app_client: TestClient, demo_city: DemoCity) -> None:
    body = _coverage(app_client, demo_city, live=False, holes=True)
    keys = [c["key"] for c in body["circles"]]
    assert keys == ["urban_5min", "micro_3min", "rural_15min"]
    # the standards count from the turnout order: circles are drawn with travel = standard − turnout
    standards = {c["key"]: c["standard_s"] for c in body["circles"]}
    assert standards == {"urban_5min": 300, "micro_3min": 180, "rural_15min": 900}
    travel = {c["key"]: c["threshold_s"] for c in body["circles"]}
    assert travel == {"urban_5min": 240, "micro_3min": 120, "rural_15min": 840}
    assert all(c["turnout_s"] == 60 for c in body["circles"])
    for circle in body["circles"]:
        assert 0 < circle["city"]["share"] <= 1
        assert len(circle["by_brigade"]) == 2
    urban = body["circles"][0]
    assert urban["city"]["share"] > body["circles"][1]["city"]["share"]  # micro stations are few
    assert body["holes"]["urban_5min"]["type"] == "FeatureCollection"


def test_live_coverage_drops_when_a_station_commits_its_units(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    before = _coverage(app_client, demo_city)
    station = _org(app_client, demo_city, "巴尔采斯消防救援站")
    units = _units_of(app_client, demo_city, station["id"])
    assert units
    h = demo_city.headers("demo_dispatcher")
    for unit in units:
        r = app_client.post(
            f"/api/forces/units/{unit['id']}/status", json={"status": "out_of_service"}, headers=h
        )
        assert r.status_code == 200
    during = _coverage(app_client, demo_city)
    assert station["id"] in {s["org_id"] for s in during["stations_without_units"]}
    assert during["circles"][0]["city"]["share"] < before["circles"][0]["city"]["share"]
    for unit in units:
        app_client.post(
            f"/api/forces/units/{unit['id']}/status", json={"status": "available"}, headers=h
        )
    after = _coverage(app_client, demo_city)
    assert after["circles"][0]["city"] == before["circles"][0]["city"]


def test_moving_a_station_rebuilds_the_network(app_client: TestClient, demo_city: DemoCity) -> None:
    network = app_client.app.state.network  # type: ignore[attr-defined]
    _coverage(app_client, demo_city)
    old_signature = network._state.signature
    station = _org(app_client, demo_city, "特里森消防救援站")
    moved = app_client.patch(
        f"/api/forces/organizations/{station['id']}",
        json={"lon": station["lon"] + 0.01, "lat": station["lat"]},
        headers=demo_city.headers("demo_admin"),
    )
    assert moved.status_code == 200
    _coverage(app_client, demo_city)
    assert network._state.signature != old_signature
    row = network._state.row_of_org[station["id"]]
    assert abs(network._state.stations[row].lon - (station["lon"] + 0.01)) < 1e-9


def test_isochrones_of_a_station(app_client: TestClient, demo_city: DemoCity) -> None:
    station = _org(app_client, demo_city, "沙恩特勤站")
    r = app_client.get(
        f"/api/planning/isochrones/{station['id']}",
        params=[("minutes", 3), ("minutes", 5)],
        headers=demo_city.headers("demo_dispatcher"),
    )
    assert r.status_code == 200, r.text
    features = r.json()["features"]
    assert len(features) == 2
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}


def test_isochrones_respect_jurisdiction(app_client: TestClient, demo_city: DemoCity) -> None:
    station = _org(app_client, demo_city, "沙恩特勤站")  # in 下区 (Unterland)? check both ways
    codes = {
        user: app_client.get(
            f"/api/planning/isochrones/{station['id']}", headers=demo_city.headers(user)
        ).status_code
        for user in ("demo_prevention", "demo_admin_unterland")
    }
    assert sorted(codes.values()) == [200, 404]


def test_route_from_a_unit_to_a_point(app_client: TestClient, demo_city: DemoCity) -> None:
    station = _org(app_client, demo_city, "埃申消防救援站")
    unit = _units_of(app_client, demo_city, station["id"])[0]
    r = app_client.get(
        "/api/planning/route",
        params={"unit_id": unit["id"], "lon": 9.5209, "lat": 47.1410},
        headers=demo_city.headers("demo_dispatcher"),
    )
    assert r.status_code == 200, r.text
    feature = r.json()
    assert feature["geometry"]["type"] == "LineString"
    assert feature["properties"]["seconds"] > 60
    assert feature["properties"]["metres"] > 1000
    assert feature["properties"]["snap_too_far"] is False
