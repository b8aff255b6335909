"""Audit cases of the enforcement write routes (merged by tests/test_audit.py).

Each setup builds what the write needs through the API as the detachment's administrator (who
holds every action) and returns the path and body of the write.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World

API = "/api/enforcement"


def _admin(world: World) -> dict[str, str]:
    return world.headers("admin_det")


def _inspection(client: TestClient, world: World, **extra: Any) -> dict[str, Any]:
    body = {
        "premises_id": world.a.premises_id,
        "inspected_on": "2026-11-02",
        "checklist": {"exits_unlocked": False},
        "outcome": "ordered",
        "correct_by": "2026-11-20",
    } | extra
    r = client.post(f"{API}/inspections", headers=_admin(world), json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _sealed(client: TestClient, world: World) -> int:
    out = _inspection(client, world, outcome="sealed", seal_scope="仓库", seal_days=10)
    return int(out["seal"]["id"])


def _case(client: TestClient, world: World, *moves: dict[str, Any]) -> int:
    r = client.post(
        f"{API}/cases",
        headers=_admin(world),
        json={"premises_id": world.a.premises_id, "title": "审计案件", "filed_on": "2026-11-02"},
    )
    assert r.status_code == 201, r.text
    case_id = int(r.json()["id"])
    for move in moves:
        m = client.post(f"{API}/cases/{case_id}/transition", headers=_admin(world), json=move)
        assert m.status_code == 200, m.text
    return case_id


def _decided(client: TestClient, world: World) -> int:
    return _case(
        client,
        world,
        {"to": "investigating", "on": "2026-11-03"},
        {"to": "notified", "on": "2026-11-04"},
        {"to": "decided", "on": "2026-11-05", "penalties": [{"kind": "fine", "amount_cny": 3000}]},
    )


CASES: dict[tuple[str, str], Callable[[TestClient, World], tuple[str, dict[str, Any]]]] = {
    ("POST", "/api/enforcement/plans"): lambda c, w: (
        f"{API}/plans",
        {
            "json": {
                "org_id": w.detachment_id,
                "name": f"审计抽查{uuid.uuid4().hex[:6]}",
                "kind": "random",
                "starts_on": "2026-11-01",
                "ends_on": "2026-11-30",
                "sample_size": 1,
            }
        },
    ),
    ("POST", "/api/enforcement/inspections"): lambda c, w: (
        f"{API}/inspections",
        {
            "json": {
                "premises_id": w.a.premises_id,
                "inspected_on": "2026-11-02",
                "checklist": {"fire_lane_clear": True},
                "outcome": "passed",
            }
        },
    ),
    ("POST", "/api/enforcement/documents/{document_id}/serve"): lambda c, w: (
        f"{API}/documents/{_inspection(c, w)['documents'][0]['id']}/serve",
        {"json": {"served_on": "2026-11-03"}},
    ),
    ("POST", "/api/enforcement/documents/{document_id}/recheck"): lambda c, w: (
        f"{API}/documents/{_inspection(c, w)['documents'][0]['id']}/recheck",
        {"json": {"rechecked_on": "2026-11-21", "passed": True, "opinion": "已改正"}},
    ),
    ("POST", "/api/enforcement/seals/{seal_id}/lift"): lambda c, w: (
        f"{API}/seals/{_sealed(c, w)}/lift",
        {"json": {"lifted_on": "2026-11-05", "reason": "隐患已消除"}},
    ),
    ("POST", "/api/enforcement/cases"): lambda c, w: (
        f"{API}/cases",
        {"json": {"premises_id": w.a.premises_id, "title": "审计立案", "filed_on": "2026-11-02"}},
    ),
    ("POST", "/api/enforcement/cases/{case_id}/transition"): lambda c, w: (
        f"{API}/cases/{_case(c, w)}/transition",
        {"json": {"to": "investigating", "on": "2026-11-03"}},
    ),
    ("POST", "/api/enforcement/cases/{case_id}/payments"): lambda c, w: (
        f"{API}/cases/{_decided(c, w)}/payments",
        {"json": {"paid_on": "2026-11-06", "amount_cny": 3000}},
    ),
    ("PUT", "/api/enforcement/templates/{kind}"): lambda c, w: (
        f"{API}/templates/recheck",
        {"json": {"title": "复查意见书", "body": "{number}\n{premises}：复查结果{result}。"}},
    ),
}
