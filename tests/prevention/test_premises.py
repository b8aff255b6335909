"""Premises master data: jurisdiction, validation and the attribution of the demo map."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import World


def test_premises_of_another_brigade_are_invisible(app_client: TestClient, world: World) -> None:
    h = world.headers("officer_a")
    listed = app_client.get("/api/premises", headers=h).json()["items"]
    assert world.a.premises_id in {p["id"] for p in listed}
    assert world.b.premises_id not in {p["id"] for p in listed}
    assert app_client.get(f"/api/premises/{world.b.premises_id}", headers=h).status_code == 404
    r = app_client.patch(
        f"/api/premises/{world.b.premises_id}", headers=h, json={"preplan_notes": "越权"}
    )
    assert r.status_code == 404


def test_prevention_officer_records_building_facts(app_client: TestClient, world: World) -> None:
    r = app_client.patch(
        f"/api/premises/{world.a.premises_id}",
        headers=world.headers("officer_a"),
        json={
            "height_m": 54.0,
            "floors_above": 18,
            "floors_below": 2,
            "preplan_notes": "地下车库入口在北侧；消防控制室位于一层东侧。",
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["height_m"], body["floors_above"]) == (54.0, 18)
    assert (
        app_client.patch(
            f"/api/premises/{world.a.premises_id}",
            headers=world.headers("grid_a"),
            json={"floors_above": 1},
        ).status_code
        == 403
    )


def test_filters_by_category(app_client: TestClient, world: World) -> None:
    h = world.headers("admin_det")
    key = app_client.get("/api/premises", headers=h, params={"category": "key_unit"}).json()
    assert key["total"] >= 2
    assert all(p["category"] == "key_unit" for p in key["items"])


def test_start_page_credits_openstreetmap(app_client: TestClient) -> None:
    page = app_client.get("/")
    assert page.status_code == 200
    assert "© OpenStreetMap contributors" in page.text
    assert "ODbL" in app_client.get("/api/meta/attribution").json()["licence"]
