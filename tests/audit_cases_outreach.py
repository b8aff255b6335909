"""Audit cases of the public-education write routes (merged by tests/test_audit.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World

API = "/api/outreach"
DAY = date(2025, 5, 20).isoformat()


def _admin(world: World) -> dict[str, str]:
    return world.headers("admin_det")


def _post(client: TestClient, world: World, path: str, body: dict[str, Any]) -> int:
    r = client.post(f"{API}/{path}", json=body, headers=_admin(world))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _activity(client: TestClient, world: World) -> int:
    body = {"kind": "lecture", "title": "审计讲座", "held_on": DAY, "audience": 20}
    return _post(client, world, "activities", body)


def _base(client: TestClient, world: World) -> int:
    body = {"name": "审计基地", "level": "county", "org_id": world.a.brigade_id}
    return _post(client, world, "bases", body)


def _team(client: TestClient, world: World) -> int:
    return _post(client, world, "teams", {"name": "审计队", "org_id": world.a.brigade_id})


def _volunteer(client: TestClient, world: World, *, left: bool = False) -> int:
    body = {"name": "审计员", "team_id": _team(client, world), "joined_on": DAY}
    volunteer_id = _post(client, world, "volunteers", body)
    if left:
        r = client.post(f"{API}/volunteers/{volunteer_id}/leave", json={}, headers=_admin(world))
        assert r.status_code == 200, r.text
    return volunteer_id


CASES: dict[tuple[str, str], Callable[[TestClient, World], tuple[str, dict[str, Any]]]] = {
    ("POST", f"{API}/activities"): lambda c, w: (
        f"{API}/activities",
        {"json": {"kind": "training", "title": "培训", "held_on": DAY, "audience": 12}},
    ),
    ("PATCH", f"{API}/activities/{{activity_id}}"): lambda c, w: (
        f"{API}/activities/{_activity(c, w)}",
        {"json": {"audience": 25}},
    ),
    ("DELETE", f"{API}/activities/{{activity_id}}"): lambda c, w: (
        f"{API}/activities/{_activity(c, w)}",
        {},
    ),
    ("POST", f"{API}/bases"): lambda c, w: (
        f"{API}/bases",
        {"json": {"name": "新基地", "level": "municipal", "org_id": w.a.brigade_id}},
    ),
    ("PATCH", f"{API}/bases/{{base_id}}"): lambda c, w: (
        f"{API}/bases/{_base(c, w)}",
        {"json": {"address": "人民路1号"}},
    ),
    ("POST", f"{API}/teams"): lambda c, w: (
        f"{API}/teams",
        {"json": {"name": "新队", "org_id": w.a.station_id}},
    ),
    ("PATCH", f"{API}/teams/{{team_id}}"): lambda c, w: (
        f"{API}/teams/{_team(c, w)}",
        {"json": {"leader": "赵强"}},
    ),
    ("POST", f"{API}/volunteers"): lambda c, w: (
        f"{API}/volunteers",
        {"json": {"name": "钱敏", "team_id": _team(c, w), "joined_on": DAY}},
    ),
    ("PATCH", f"{API}/volunteers/{{volunteer_id}}"): lambda c, w: (
        f"{API}/volunteers/{_volunteer(c, w)}",
        {"json": {"phone": "13900000000"}},
    ),
    ("POST", f"{API}/volunteers/{{volunteer_id}}/leave"): lambda c, w: (
        f"{API}/volunteers/{_volunteer(c, w)}/leave",
        {"json": {"left_on": DAY}},
    ),
    ("POST", f"{API}/volunteers/{{volunteer_id}}/rejoin"): lambda c, w: (
        f"{API}/volunteers/{_volunteer(c, w, left=True)}/rejoin",
        {},
    ),
}
