"""The API answers, reports its database, and requires a login for everything else."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import World


def test_health_reports_database_and_version(app_client: TestClient, backend: str) -> None:
    body = app_client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["database"] == backend
    assert body["version"]
    assert body["schema_revision"]


def test_anonymous_requests_are_refused_with_problem_json(app_client: TestClient) -> None:
    response = app_client.get("/api/forces/units")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "请先登录"


def test_admin_lists_units_in_jurisdiction(app_client: TestClient, world: World) -> None:
    response = app_client.get("/api/forces/units", headers=world.headers("admin_det"))
    assert response.status_code == 200
    ids = {u["id"] for u in response.json()["items"]}
    assert {world.a.unit_id, world.b.unit_id} <= ids
