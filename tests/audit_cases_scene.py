"""Audit cases of the pre-plans and the scene (merged into tests/test_audit.py's CASES)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World

VADUZ = {"lon": 9.5215, "lat": 47.1395}


def _admin(world: World) -> dict[str, str]:
    return world.headers("admin_det")


def _draft_plan(client: TestClient, world: World) -> int:
    """The first brigade's premises with a pre-plan in 草稿 (saved once more if need be)."""
    premises_id = world.a.premises_id
    shown = client.get(f"/api/premises/{premises_id}/preplan", headers=_admin(world)).json()
    if shown["preplan"] and shown["preplan"]["status"] == "pending":
        client.post(
            f"/api/premises/{premises_id}/preplan/review",
            json={"action": "reject"},
            headers=_admin(world),
        )
    r = client.post(
        f"/api/premises/{premises_id}/preplan",
        json={"content": {"attack_plan": "审计"}},
        headers=_admin(world),
    )
    assert r.status_code == 201, r.text
    return premises_id


def _incident(client: TestClient, world: World) -> int:
    r = client.post(
        "/api/dispatch/incidents",
        headers=_admin(world),
        json={**VADUZ, "type": "fire", "match_premises": False},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _report(client: TestClient, world: World) -> tuple[int, int]:
    incident_id = _incident(client, world)
    r = client.post(
        f"/api/scene/incidents/{incident_id}/reports",
        json={"text": "审计现场报告"},
        headers=_admin(world),
    )
    assert r.status_code == 201, r.text
    return incident_id, int(r.json()["id"])


def _assignment(client: TestClient, world: World) -> tuple[int, int]:
    unit = client.post(
        "/api/forces/units",
        headers=_admin(world),
        json={
            "external_id": "audit:scene-unit",
            "call_sign": "审计战斗段车",
            "type": "water_tender",
            "station_id": world.a.station_id,
        },
    )
    assert unit.status_code == 201, unit.text
    incident_id = _incident(client, world)
    sent = client.post(
        f"/api/dispatch/incidents/{incident_id}/assignments",
        headers=_admin(world),
        json={"unit_ids": [unit.json()["id"]]},
    )
    assert sent.status_code == 201, sent.text
    return incident_id, int(sent.json()["assignments"][0]["id"])


def _import_case(client: TestClient, world: World) -> tuple[str, dict[str, Any]]:
    premises_id = _draft_plan(client, world)
    raw = json.dumps({"building": {"floors_above": 3}}).encode()
    return (
        f"/api/premises/{premises_id}/preplan/import",
        {"json": {"filename": "plan.json", "content_base64": base64.b64encode(raw).decode()}},
    )


def _review_case(client: TestClient, world: World) -> tuple[str, dict[str, Any]]:
    premises_id = _draft_plan(client, world)
    return f"/api/premises/{premises_id}/preplan/review", {"json": {"action": "submit"}}


def _report_status_case(client: TestClient, world: World) -> tuple[str, dict[str, Any]]:
    incident_id, report_id = _report(client, world)
    return (
        f"/api/scene/incidents/{incident_id}/reports/status",
        {"json": {"report_id": report_id, "status": "acknowledged"}},
    )


def _posting_case(client: TestClient, world: World) -> tuple[str, dict[str, Any]]:
    incident_id, assignment_id = _assignment(client, world)
    return (
        f"/api/scene/incidents/{incident_id}/postings",
        {"json": {"assignment_id": assignment_id, "sector": "第一战斗段"}},
    )


CASES: dict[tuple[str, str], Callable[[TestClient, World], tuple[str, dict[str, Any]]]] = {
    ("POST", "/api/premises/{premises_id}/preplan"): lambda c, w: (
        f"/api/premises/{_draft_plan(c, w)}/preplan",
        {"json": {"content": {"hazards": ["审计"]}, "note": "审计"}},
    ),
    ("POST", "/api/premises/{premises_id}/preplan/import"): _import_case,
    ("POST", "/api/premises/{premises_id}/preplan/review"): _review_case,
    ("POST", "/api/scene/incidents/{incident_id}/reports"): lambda c, w: (
        f"/api/scene/incidents/{_incident(c, w)}/reports",
        {"json": {"text": "审计", "needs_reinforcement": True, "needs": "水罐车2辆"}},
    ),
    ("POST", "/api/scene/incidents/{incident_id}/reports/status"): _report_status_case,
    ("POST", "/api/scene/incidents/{incident_id}/postings"): _posting_case,
}
