"""Audit cases of the campaign write routes (merged into tests/test_audit.py's CASES)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World

API = "/api/prevention"


def _h(world: World) -> dict[str, str]:
    return world.headers("admin_det")


def _campaign(client: TestClient, world: World) -> int:
    today = date.today()
    r = client.post(
        f"{API}/campaigns",
        headers=_h(world),
        json={
            "name": "审计整治措施",
            "topic": "small_venues",
            "org_id": world.detachment_id,
            "starts_on": (today - timedelta(days=30)).isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _inspection(client: TestClient, world: World) -> int:
    r = client.post(
        f"{API}/inspections",
        headers=_h(world),
        json={
            "premises_id": world.a.premises_id,
            "inspected_on": (date.today() - timedelta(days=1)).isoformat(),
            "checklist": {},
            "outcome": "passed",
            "campaign_id": _campaign(client, world),
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _measure(client: TestClient, world: World) -> int:
    r = client.post(
        f"{API}/campaign-measures",
        headers=_h(world),
        json={
            "inspection_id": _inspection(client, world),
            "items": [{"measure": "window_bars_removed", "quantity": 2}],
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()[0]["id"])


def _work_item(client: TestClient, world: World) -> int:
    r = client.post(
        f"{API}/campaigns/{_campaign(client, world)}/work-items",
        headers=_h(world),
        json={"org_id": world.a.brigade_id, "title": "审计工作清单"},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _directive(client: TestClient, world: World) -> int:
    r = client.post(
        f"{API}/directives",
        headers=_h(world),
        json={
            "subject": "审计交办单",
            "due_on": (date.today() + timedelta(days=5)).isoformat(),
            "to_org_id": world.a.brigade_id,
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


CASES: dict[tuple[str, str], Callable[[TestClient, World], tuple[str, dict[str, Any]]]] = {
    ("PUT", "/api/prevention/campaign-catalogue/topics/{key}"): lambda c, w: (
        f"{API}/campaign-catalogue/topics/audit_topic",
        {
            "json": {
                "zh": "审计主题",
                "en": "Audit",
                "checklist": ["fire_lane_clear"],
                "measures": ["window_bars_removed"],
            }
        },
    ),
    ("PUT", "/api/prevention/campaign-catalogue/measures/{code}"): lambda c, w: (
        f"{API}/campaign-catalogue/measures/audit_measure",
        {"json": {"zh": "审计措施", "unit": "处"}},
    ),
    ("POST", "/api/prevention/campaign-measures"): lambda c, w: (
        f"{API}/campaign-measures",
        {
            "json": {
                "inspection_id": _inspection(c, w),
                "items": [{"measure": "smoke_alarms_installed", "quantity": 3}],
            }
        },
    ),
    ("DELETE", "/api/prevention/campaign-measures/{measure_id}"): lambda c, w: (
        f"{API}/campaign-measures/{_measure(c, w)}",
        {},
    ),
    ("PUT", "/api/prevention/campaigns/{campaign_id}/targets"): lambda c, w: (
        f"{API}/campaigns/{_campaign(c, w)}/targets",
        {"json": {"org_id": w.a.brigade_id, "measure": "inspected", "quantity": 20}},
    ),
    ("POST", "/api/prevention/campaigns/{campaign_id}/work-items"): lambda c, w: (
        f"{API}/campaigns/{_campaign(c, w)}/work-items",
        {"json": {"org_id": w.a.brigade_id, "title": "审计清单"}},
    ),
    ("POST", "/api/prevention/campaign-work-items/{work_item_id}/done"): lambda c, w: (
        f"{API}/campaign-work-items/{_work_item(c, w)}/done",
        {"json": {"done": True}},
    ),
    ("POST", "/api/prevention/directives"): lambda c, w: (
        f"{API}/directives",
        {
            "json": {
                "subject": "审计交办",
                "due_on": (date.today() + timedelta(days=3)).isoformat(),
                "to_department": "市场监管局",
            }
        },
    ),
    ("POST", "/api/prevention/directives/{directive_id}/advance"): lambda c, w: (
        f"{API}/directives/{_directive(c, w)}/advance",
        {"json": {"status": "replied", "reply": "已办理"}},
    ),
}
