"""A user of one 大队 cannot see or touch another 大队's records through any forces route.

The test walks every operation of the forces router (read from the OpenAPI document, so a new
route without a case here fails the coverage check) with brigade A's users against brigade B's
records, and then the same with B's own administrator to show the request itself was valid.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.factories import World

FORCES_PREFIX = "/api/forces"


def _operations(client: TestClient, prefix: str) -> set[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return {
        (method.upper(), path)
        for path, ops in paths.items()
        if path.startswith(prefix)
        for method in ops
    }


def _cases(world: World) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(method, template, concrete path, body) aimed at brigade B's records."""
    b = world.b
    return [
        (
            "GET",
            "/api/forces/organizations/{org_id}",
            f"/api/forces/organizations/{b.station_id}",
            None,
        ),
        (
            "PATCH",
            "/api/forces/organizations/{org_id}",
            f"/api/forces/organizations/{b.station_id}",
            {"phone": "0423-119"},
        ),
        (
            "DELETE",
            "/api/forces/organizations/{org_id}",
            f"/api/forces/organizations/{b.station_id}",
            None,
        ),
        (
            "POST",
            "/api/forces/organizations",
            "/api/forces/organizations",
            {
                "external_id": "x:micro",
                "name": "越权微站",
                "kind": "micro_station",
                "parent_id": b.station_id,
            },
        ),
        ("GET", "/api/forces/units/{unit_id}", f"/api/forces/units/{b.unit_id}", None),
        (
            "PATCH",
            "/api/forces/units/{unit_id}",
            f"/api/forces/units/{b.unit_id}",
            {"crew_on_duty": 3},
        ),
        (
            "POST",
            "/api/forces/units/{unit_id}/status",
            f"/api/forces/units/{b.unit_id}/status",
            {"status": "out_of_service"},
        ),
        ("DELETE", "/api/forces/units/{unit_id}", f"/api/forces/units/{b.unit_id}", None),
        (
            "POST",
            "/api/forces/units",
            "/api/forces/units",
            {
                "external_id": "x:unit",
                "call_sign": "越权车",
                "type": "rescue",
                "station_id": b.station_id,
            },
        ),
        (
            "GET",
            "/api/forces/water-sources/{ws_id}",
            f"/api/forces/water-sources/{b.water_source_id}",
            None,
        ),
        (
            "PATCH",
            "/api/forces/water-sources/{ws_id}",
            f"/api/forces/water-sources/{b.water_source_id}",
            {"state": "damaged"},
        ),
        (
            "DELETE",
            "/api/forces/water-sources/{ws_id}",
            f"/api/forces/water-sources/{b.water_source_id}",
            None,
        ),
        (
            "POST",
            "/api/forces/water-sources",
            "/api/forces/water-sources",
            {
                "external_id": "x:ws",
                "name": "越权水源",
                "kind": "hydrant",
                "org_id": b.station_id,
                "lon": 9.5,
                "lat": 47.1,
            },
        ),
    ]


LIST_ROUTES = {
    "/api/forces/organizations": ("parent_id", "brigade_id"),
    "/api/forces/units": ("station_id", "station_id"),
    "/api/forces/water-sources": ("org_id", "station_id"),
}


def test_every_forces_route_is_walked(app_client: TestClient, world: World) -> None:
    covered = {(m, t) for m, t, _, _ in _cases(world)} | {("GET", p) for p in LIST_ROUTES}
    assert _operations(app_client, FORCES_PREFIX) == covered


def test_other_brigade_gets_403_or_404_everywhere(app_client: TestClient, world: World) -> None:
    for user in ("admin_a", "dispatcher_a", "crew_a", "officer_a", "grid_a"):
        for method, template, path, body in _cases(world):
            response = app_client.request(method, path, json=body, headers=world.headers(user))
            assert response.status_code in (403, 404), (user, method, template, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


def test_lists_never_show_the_other_brigade(app_client: TestClient, world: World) -> None:
    b = world.b
    b_ids = {
        "/api/forces/organizations": {b.brigade_id, b.station_id},
        "/api/forces/units": {b.unit_id},
        "/api/forces/water-sources": {b.water_source_id},
    }
    for user in ("admin_a", "dispatcher_a", "crew_a", "officer_a", "grid_a"):
        for path, (param, attr) in LIST_ROUTES.items():
            response = app_client.get(path, headers=world.headers(user), params={"limit": 1000})
            assert response.status_code == 200
            assert not {i["id"] for i in response.json()["items"]} & b_ids[path], (user, path)
            filtered = app_client.get(
                path, headers=world.headers(user), params={param: getattr(b, attr)}
            )
            assert filtered.status_code == 200
            assert filtered.json() == {"items": [], "total": 0, "limit": 100, "offset": 0}


def test_the_same_requests_work_for_the_owning_brigade(
    app_client: TestClient, world: World
) -> None:
    """Control: B's administrator may do what A's was refused: the refusals were not accidents."""
    for method, template, path, body in _cases(world):
        if method == "DELETE":
            continue  # keep B's records for the other tests
        response = app_client.request(method, path, json=body, headers=world.headers("admin_b"))
        assert response.status_code in (200, 201), (method, template, response.text)


def test_station_crew_sees_only_its_station(app_client: TestClient, world: World) -> None:
    units = app_client.get("/api/forces/units", headers=world.headers("crew_a")).json()["items"]
    assert units and {u["station_id"] for u in units} == {world.a.station_id}
    brigade = app_client.get(
        f"/api/forces/organizations/{world.a.brigade_id}", headers=world.headers("crew_a")
    )
    assert brigade.status_code == 404


def test_roles_without_write_rights_get_403(app_client: TestClient, world: World) -> None:
    response = app_client.patch(
        f"/api/forces/units/{world.a.unit_id}",
        json={"crew_on_duty": 2},
        headers=world.headers("dispatcher_a"),
    )
    assert response.status_code == 403
    assert "无权" in response.json()["detail"]
