"""The forces registry's own rules: the organization tree, unit status transitions, references."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.factories import World


def _admin(world: World) -> dict[str, str]:
    return world.headers("admin_det")


def test_kind_rules_of_the_tree(app_client: TestClient, world: World) -> None:
    r = app_client.post(
        "/api/forces/organizations",
        headers=_admin(world),
        json={
            "external_id": "rule:brigade-under-station",
            "name": "错位大队",
            "kind": "brigade",
            "parent_id": world.a.station_id,
        },
    )
    assert r.status_code == 422
    assert "不能设立" in r.json()["detail"]


def test_moving_an_organization_moves_its_subtree(app_client: TestClient, world: World) -> None:
    h = _admin(world)
    station = app_client.post(
        "/api/forces/organizations",
        headers=h,
        json={
            "external_id": "move:station",
            "name": "搬迁站",
            "kind": "station",
            "parent_id": world.a.brigade_id,
        },
    ).json()
    micro = app_client.post(
        "/api/forces/organizations",
        headers=h,
        json={
            "external_id": "move:micro",
            "name": "搬迁微站",
            "kind": "micro_station",
            "parent_id": station["id"],
        },
    ).json()
    moved = app_client.patch(
        f"/api/forces/organizations/{station['id']}",
        headers=h,
        json={"parent_id": world.b.brigade_id},
    )
    assert moved.status_code == 200, moved.text
    child = app_client.get(f"/api/forces/organizations/{micro['id']}", headers=h).json()
    assert child["path"].startswith(moved.json()["path"])
    # now it is B's: A's administrator no longer sees it, B's does
    assert (
        app_client.get(
            f"/api/forces/organizations/{micro['id']}", headers=world.headers("admin_a")
        ).status_code
        == 404
    )
    assert (
        app_client.get(
            f"/api/forces/organizations/{micro['id']}", headers=world.headers("admin_b")
        ).status_code
        == 200
    )
    loop = app_client.patch(
        f"/api/forces/organizations/{station['id']}", headers=h, json={"parent_id": micro["id"]}
    )
    assert loop.status_code == 422


def test_organization_in_use_cannot_be_deleted(app_client: TestClient, world: World) -> None:
    r = app_client.delete(f"/api/forces/organizations/{world.a.brigade_id}", headers=_admin(world))
    assert r.status_code == 409
    assert (
        app_client.get(
            f"/api/forces/organizations/{world.a.brigade_id}", headers=_admin(world)
        ).status_code
        == 200
    )


def test_unit_status_transitions(app_client: TestClient, world: World) -> None:
    h = _admin(world)
    unit = app_client.post(
        "/api/forces/units",
        headers=h,
        json={
            "external_id": "status:unit",
            "call_sign": "状态车",
            "type": "water_tender",
            "station_id": world.a.station_id,
        },
    ).json()
    assert unit["status"] == "available"
    path = f"/api/forces/units/{unit['id']}/status"
    for status in ("out_of_service", "available"):
        r = app_client.post(path, headers=h, json={"status": status})
        assert r.status_code == 200, (status, r.text)
        assert r.json()["status"] == status
    # call milestones belong to an incident's assignment, not to the unit directly
    for status in ("dispatched", "en_route", "on_scene", "water_on", "returning"):
        refused = app_client.post(path, headers=h, json={"status": status})
        assert refused.status_code == 409, status
        assert "警情" in refused.json()["detail"]
    again = app_client.post(path, headers=h, json={"status": "available"})
    assert again.status_code == 409


def test_station_crew_may_change_the_status_of_its_own_units(
    app_client: TestClient, world: World
) -> None:
    h = world.headers("crew_a")
    r = app_client.post(
        f"/api/forces/units/{world.a.unit_id}/status", headers=h, json={"status": "out_of_service"}
    )
    assert r.status_code == 200
    r = app_client.post(
        f"/api/forces/units/{world.a.unit_id}/status", headers=h, json={"status": "available"}
    )
    assert r.status_code == 200


def test_units_belong_to_responding_organizations(app_client: TestClient, world: World) -> None:
    r = app_client.post(
        "/api/forces/units",
        headers=_admin(world),
        json={
            "external_id": "unit:at-brigade",
            "call_sign": "大队车",
            "type": "command",
            "station_id": world.a.brigade_id,
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "station_id"


def test_duplicate_external_id_is_a_conflict(app_client: TestClient, world: World) -> None:
    r = app_client.post(
        "/api/forces/units",
        headers=_admin(world),
        json={
            "external_id": "t:unit:a",
            "call_sign": "重复",
            "type": "rescue",
            "station_id": world.a.station_id,
        },
    )
    assert r.status_code == 409


def test_choices_carry_chinese_labels_and_colours(app_client: TestClient) -> None:
    choices = app_client.get("/api/meta/choices").json()
    status = {c["value"]: c for c in choices["unit_status"]}
    assert status["available"]["zh"] == "在库"
    assert status["out_of_service"]["zh"] == "检修"
    assert all(c["color"].startswith("#") for c in choices["unit_type"])
