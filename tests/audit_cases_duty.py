"""Audit cases of the duty write routes (roster, declarations, drills, training, management);
merged by tests/test_audit.py."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.duty import declarations
from lanyan.duty.schemas import DeclarationIn, VehicleIn
from tests.factories import World

API = "/api/duty"


def _admin(world: World) -> dict[str, str]:
    return world.headers("admin_det")


def _post(client: TestClient, world: World, path: str, body: dict[str, Any]) -> int:
    r = client.post(f"{API}/{path}", json=body, headers=_admin(world))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _person(client: TestClient, world: World) -> int:
    body = {
        "external_id": f"audit:p:{uuid.uuid4().hex[:10]}",
        "name": "审计队员",
        "org_id": world.a.station_id,
        "post": "firefighter",
        "employment": "professional",
    }
    return _post(client, world, "people", body)


def _assessment(client: TestClient, world: World) -> int:
    body = {
        "org_id": world.a.station_id,
        "held_on": "2025-04-10",
        "subject": "skill",
        "item": "审计考核",
        "measure": "score",
        "pass_value": 60,
        "min_value": 0,
        "max_value": 100,
    }
    return _post(client, world, "assessments", body)


def _with_results(client: TestClient, world: World) -> int:
    aid = _assessment(client, world)
    pid = _person(client, world)
    r = client.post(
        f"{API}/assessments/{aid}/results",
        json={"results": [{"person_id": pid, "value": 70}]},
        headers=_admin(world),
    )
    assert r.status_code == 200, r.text
    return aid


def _finding(client: TestClient, world: World) -> int:
    body = {
        "org_id": world.a.station_id,
        "inspected_on": "2025-04-11",
        "inspector": "督察员",
        "findings": [{"order": "life", "description": "内务不整"}],
    }
    r = client.post(f"{API}/supervisions", json=body, headers=_admin(world))
    assert r.status_code == 201, r.text
    return int(r.json()["findings"][0]["id"])


def _yesterday(client: TestClient, world: World) -> int:
    """A declaration of yesterday at station a, to carry over."""
    factory = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as session:
        declarations.declare(
            session,
            actor=SYSTEM,
            data=DeclarationIn(
                station_id=world.a.station_id, vehicles=[VehicleIn(unit_id=world.a.unit_id)]
            ),
            now=utcnow() - timedelta(days=1),
        )
        session.commit()
    return world.a.station_id


def _roster() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "姓名", "单位编号", "岗位", "人员类别"])
    sheet.append(
        [f"audit:x:{uuid.uuid4().hex[:8]}", "导入队员", "t:station:a", "战斗员", "政府专职"]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _grid_root(client: TestClient, world: World) -> int:
    body = {
        "org_id": world.detachment_id,
        "level": "detachment",
        "name": "支队安全网格",
        "responsible": "支队长",
    }
    return _post(client, world, "grid", body)


Case = Callable[[TestClient, World], tuple[str, dict[str, Any]]]

CASES: dict[tuple[str, str], Case] = {
    ("POST", f"{API}/people"): lambda c, w: (
        f"{API}/people",
        {
            "json": {
                "external_id": f"audit:p:{uuid.uuid4().hex[:10]}",
                "name": "新队员",
                "org_id": w.a.station_id,
                "post": "driver",
                "employment": "government",
            }
        },
    ),
    ("PATCH", f"{API}/people/{{person_id}}"): lambda c, w: (
        f"{API}/people/{_person(c, w)}",
        {"json": {"post": "commander"}},
    ),
    ("POST", f"{API}/people/import"): lambda c, w: (
        f"{API}/people/import",
        {"files": {"file": ("roster.xlsx", _roster(), "application/octet-stream")}},
    ),
    ("POST", f"{API}/declarations"): lambda c, w: (
        f"{API}/declarations",
        {
            "json": {
                "station_id": w.a.station_id,
                "vehicles": [
                    {
                        "unit_id": w.a.unit_id,
                        "crew": [{"person_id": _person(c, w), "seat": "driver"}],
                    }
                ],
            }
        },
    ),
    ("POST", f"{API}/stations/{{station_id}}/carry-over"): lambda c, w: (
        f"{API}/stations/{_yesterday(c, w)}/carry-over",
        {},
    ),
    ("PUT", f"{API}/units/{{unit_id}}/crew-minimum"): lambda c, w: (
        f"{API}/units/{w.a.unit_id}/crew-minimum",
        {"json": {"min_crew": 3, "seats": 6, "reason": "审计"}},
    ),
    ("POST", f"{API}/drills"): lambda c, w: (
        f"{API}/drills",
        {"json": {"title": "审计演练", "lon": 9.5215, "lat": 47.1395}},
    ),
    ("POST", f"{API}/plans"): lambda c, w: (
        f"{API}/plans",
        {
            "json": {
                "org_id": w.a.station_id,
                "month": "2025-04-01",
                "subject": "drill",
                "title": "水带连接操",
                "sessions_planned": 4,
            }
        },
    ),
    ("POST", f"{API}/sessions"): lambda c, w: (
        f"{API}/sessions",
        {
            "json": {
                "org_id": w.a.station_id,
                "subject": "fitness",
                "title": "体能训练",
                "held_on": "2025-04-12",
                "attendee_ids": [_person(c, w)],
            }
        },
    ),
    ("POST", f"{API}/assessments"): lambda c, w: (
        f"{API}/assessments",
        {
            "json": {
                "org_id": w.a.station_id,
                "held_on": "2025-04-10",
                "subject": "tactics",
                "item": "战术考核",
                "measure": "score",
                "pass_value": 60,
                "max_value": 100,
            }
        },
    ),
    ("POST", f"{API}/assessments/{{assessment_id}}/results"): lambda c, w: (
        f"{API}/assessments/{_assessment(c, w)}/results",
        {"json": {"results": [{"person_id": _person(c, w), "value": 88}]}},
    ),
    ("POST", f"{API}/assessments/{{assessment_id}}/publish"): lambda c, w: (
        f"{API}/assessments/{_with_results(c, w)}/publish",
        {},
    ),
    ("PUT", f"{API}/routines/{{org_id}}"): lambda c, w: (
        f"{API}/routines/{w.a.station_id}",
        {
            "json": {
                "items": [{"at": "06:30", "activity": "起床"}, {"at": "07:00", "activity": "早操"}]
            }
        },
    ),
    ("POST", f"{API}/logs"): lambda c, w: (
        f"{API}/logs",
        {"json": {"org_id": w.a.station_id, "kind": "roll_call", "present": 12}},
    ),
    ("POST", f"{API}/supervisions"): lambda c, w: (
        f"{API}/supervisions",
        {
            "json": {
                "org_id": w.a.station_id,
                "inspected_on": "2025-04-11",
                "inspector": "督察员",
                "findings": [{"order": "readiness", "description": "车辆器材未归位"}],
            }
        },
    ),
    ("POST", f"{API}/findings/{{finding_id}}/state"): lambda c, w: (
        f"{API}/findings/{_finding(c, w)}/state",
        {"json": {"state": "rectifying", "note": "已整改"}},
    ),
    ("POST", f"{API}/grid"): lambda c, w: (
        f"{API}/grid",
        {
            "json": {
                "parent_id": _grid_root(c, w),
                "org_id": w.a.brigade_id,
                "level": "brigade",
                "name": "甲大队网格",
                "responsible": "大队长",
            }
        },
    ),
}
