"""Audit cases of the command routes of issue 19 (combat units, reinforcement, 信息报送, 战评),
merged into tests/test_audit.py's CASES."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

from fastapi.testclient import TestClient

from lanyan.accounts.schemas import UserCreate
from lanyan.accounts.service import create_user
from lanyan.core.actor import SYSTEM
from lanyan.core.permissions import Role
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind, UnitType
from lanyan.forces.schemas import OrganizationCreate, UnitCreate
from tests.factories import PASSWORD, World, login

NEIGHBOUR = "audit_cmd2"
"""The commander of the neighbouring detachment who answers requests."""

_SEQ = count(1)
_NEIGHBOUR: dict[str, Any] = {}


def _admin(world: World) -> dict[str, str]:
    return world.headers("admin_det")


def _ok(response: Any) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def _neighbour(client: TestClient, world: World) -> dict[str, Any]:
    """A second detachment with a station, spare units and its commander (made once)."""
    # one per module database: the audit module runs on both backends
    key = (client.app.state.settings.database_url, world.root_id)  # type: ignore[attr-defined]
    if _NEIGHBOUR.get("key") == key:
        return _NEIGHBOUR
    factory = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as s:
        det = forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="audit:cmd:det2",
                name="审计邻市支队",
                kind=OrgKind.DETACHMENT,
                parent_id=world.root_id,
            ),
        )
        station = forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="audit:cmd:station2",
                name="审计邻市站",
                kind=OrgKind.STATION,
                parent_id=det.id,
                lon=9.53,
                lat=47.16,
            ),
        )
        units = [
            forces.create_unit(
                s,
                actor=SYSTEM,
                data=UnitCreate(
                    external_id=f"audit:cmd:unit{i}",
                    call_sign=f"邻市{i}号车",
                    type=UnitType.WATER_TENDER,
                    station_id=station.id,
                    crew_on_duty=4,
                ),
            ).id
            for i in range(3)
        ]
        create_user(
            s,
            actor=SYSTEM,
            data=UserCreate(
                username=NEIGHBOUR,
                display_name=NEIGHBOUR,
                role=Role.COMMANDER,
                organization_id=det.id,
                password=PASSWORD,
            ),
        )
        s.commit()
    _NEIGHBOUR.clear()
    _NEIGHBOUR.update(
        key=key,
        det_id=det.id,
        units=units,
        headers={"Authorization": f"Bearer {login(client, NEIGHBOUR)}"},
    )
    return _NEIGHBOUR


def _incident(client: TestClient, world: World) -> int:
    body = {"lon": 9.5215, "lat": 47.1395, "type": "fire", "subtype": "residential_fire"}
    r = client.post("/api/dispatch/incidents", json=body, headers=_admin(world))
    return int(_ok(r)["id"])


def _request(client: TestClient, world: World) -> int:
    n = _neighbour(client, world)
    r = client.post(
        f"/api/command/incidents/{_incident(client, world)}/reinforcements",
        json={"to_org_id": n["det_id"], "needs": [{"label": "水罐车", "count": 1}]},
        headers=_admin(world),
    )
    return int(_ok(r)["id"])


def _accepted(client: TestClient, world: World) -> int:
    n = _neighbour(client, world)
    rid = _request(client, world)
    unit = n["units"].pop()
    r = client.post(
        f"/api/command/reinforcements/{rid}/accept", json={"unit_ids": [unit]}, headers=n["headers"]
    )
    _ok(r)
    return rid


def _combat_unit(client: TestClient, world: World) -> int:
    r = client.post(
        "/api/forces/units",
        json={
            "external_id": f"audit:cmb:{next(_SEQ)}",
            "call_sign": "审计抢险车",
            "type": "rescue",
            "station_id": world.a.station_id,
        },
        headers=_admin(world),
    )
    rescue = int(_ok(r)["id"])
    body = {
        "station_id": world.a.station_id,
        "kind": "灭火攻坚编成",
        "name": f"审计编成{next(_SEQ)}",
        "members": [
            {"unit_id": world.a.unit_id, "role": "主战车"},
            {"unit_id": rescue, "role": "攻坚车"},
        ],
    }
    return int(
        _ok(client.post("/api/command/combat-units", json=body, headers=_admin(world)))["id"]
    )


def _rule(client: TestClient, world: World) -> int:
    body = {
        "org_id": world.detachment_id,
        "name": f"审计亡人规则{next(_SEQ)}",
        "kind": "deaths",
        "threshold": 1,
        "recipient_org_ids": [world.detachment_id],
    }
    return int(
        _ok(client.post("/api/command/report-rules", json=body, headers=_admin(world)))["id"]
    )


def _report(client: TestClient, world: World, *, sent: bool = False) -> int:
    _rule(client, world)
    iid = _incident(client, world)
    r = client.post(
        f"/api/command/incidents/{iid}/facts", json={"deaths": 2}, headers=_admin(world)
    )
    rid = int(_ok(r)["report"]["id"])
    if sent:
        _ok(
            client.post(
                f"/api/command/reports/{rid}/send", json={"stage": "first"}, headers=_admin(world)
            )
        )
    return rid


def _receipt(client: TestClient, world: World) -> int:
    rid = _report(client, world, sent=True)
    report = _ok(client.get(f"/api/command/reports/{rid}", headers=_admin(world)))
    return int(report["messages"][0]["receipts"][0]["id"])


def _reviewed(client: TestClient, world: World) -> int:
    iid = _incident(client, world)
    body = {"title": "审计战评", "summary": "经过", "lessons": "教训"}
    _ok(client.put(f"/api/command/incidents/{iid}/review", json=body, headers=_admin(world)))
    return iid


Case = Callable[[TestClient, World], tuple[str, dict[str, Any]]]

CASES: dict[tuple[str, str], Case] = {
    ("POST", "/api/command/combat-units"): lambda c, w: (
        "/api/command/combat-units",
        {
            "json": {
                "station_id": w.a.station_id,
                "kind": "供水编成",
                "name": "审计供水编成",
                "members": [
                    {"unit_id": w.a.unit_id, "role": "供水车"},
                    {
                        "unit_id": int(
                            _ok(
                                c.post(
                                    "/api/forces/units",
                                    json={
                                        "external_id": "audit:cmb:water2",
                                        "call_sign": "审计供水车",
                                        "type": "water_supply",
                                        "station_id": w.a.station_id,
                                    },
                                    headers=_admin(w),
                                )
                            )["id"]
                        ),
                        "role": "接力车",
                    },
                ],
            }
        },
    ),
    ("PATCH", "/api/command/combat-units/{combat_unit_id}"): lambda c, w: (
        f"/api/command/combat-units/{_combat_unit(c, w)}",
        {"json": {"name": "改名编成"}},
    ),
    ("DELETE", "/api/command/combat-units/{combat_unit_id}"): lambda c, w: (
        f"/api/command/combat-units/{_combat_unit(c, w)}",
        {},
    ),
    ("POST", "/api/command/incidents/{incident_id}/reinforcements"): lambda c, w: (
        f"/api/command/incidents/{_incident(c, w)}/reinforcements",
        {
            "json": {
                "to_org_id": _neighbour(c, w)["det_id"],
                "needs": [{"label": "举高车", "unit_types": ["ladder"], "count": 1}],
            }
        },
    ),
    ("POST", "/api/command/reinforcements/{request_id}/accept"): lambda c, w: (
        f"/api/command/reinforcements/{_request(c, w)}/accept",
        {
            "json": {"unit_ids": [_neighbour(c, w)["units"].pop()]},
            "headers": _neighbour(c, w)["headers"],
        },
    ),
    ("POST", "/api/command/reinforcements/{request_id}/refuse"): lambda c, w: (
        f"/api/command/reinforcements/{_request(c, w)}/refuse",
        {"json": {"note": "力量不足"}, "headers": _neighbour(c, w)["headers"]},
    ),
    ("POST", "/api/command/reinforcements/{request_id}/cancel"): lambda c, w: (
        f"/api/command/reinforcements/{_request(c, w)}/cancel",
        {"json": {"note": "火势已控制"}},
    ),
    ("POST", "/api/command/reinforcements/{request_id}/release"): lambda c, w: (
        f"/api/command/reinforcements/{_accepted(c, w)}/release",
        {"json": {"note": "增援结束"}},
    ),
    ("POST", "/api/command/report-rules"): lambda c, w: (
        "/api/command/report-rules",
        {
            "json": {
                "org_id": w.detachment_id,
                "name": "审计舆情规则",
                "kind": "media",
                "recipient_org_ids": [w.detachment_id],
            }
        },
    ),
    ("PATCH", "/api/command/report-rules/{report_rule_id}"): lambda c, w: (
        f"/api/command/report-rules/{_rule(c, w)}",
        {"json": {"threshold": 3}},
    ),
    ("POST", "/api/command/incidents/{incident_id}/facts"): lambda c, w: (
        f"/api/command/incidents/{_incident(c, w)}/facts",
        {"json": {"trapped": 2, "media_attention": True}},
    ),
    ("POST", "/api/command/reports/{report_id}/send"): lambda c, w: (
        f"/api/command/reports/{_report(c, w)}/send",
        {"json": {"stage": "first"}},
    ),
    ("POST", "/api/command/reports/{report_id}/withdraw"): lambda c, w: (
        f"/api/command/reports/{_report(c, w)}/withdraw",
        {"json": {"reason": "误报"}},
    ),
    ("POST", "/api/command/report-receipts/{receipt_id}/acknowledge"): lambda c, w: (
        f"/api/command/report-receipts/{_receipt(c, w)}/acknowledge",
        {"headers": w.headers("leader")},
    ),
    ("PUT", "/api/command/incidents/{incident_id}/review"): lambda c, w: (
        f"/api/command/incidents/{_incident(c, w)}/review",
        {"json": {"title": "战评", "lessons": "教训"}},
    ),
    ("POST", "/api/command/incidents/{incident_id}/review/status"): lambda c, w: (
        f"/api/command/incidents/{_reviewed(c, w)}/review/status",
        {"json": {"status": "published"}},
    ),
}

ACTOR_OF = {
    ("POST", "/api/command/reinforcements/{request_id}/accept"): NEIGHBOUR,
    ("POST", "/api/command/reinforcements/{request_id}/refuse"): NEIGHBOUR,
    ("POST", "/api/command/report-receipts/{receipt_id}/acknowledge"): "leader",
}
"""The neighbour's commander answers requests; the recipient's leader signs for a report."""
