"""Every write through the API leaves an audit row; the audit trail cannot be changed.

The write operations are read from the OpenAPI document, so a new write route without a case
here fails ``test_every_write_route_is_covered``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.audit import AuditLog
from lanyan.iot import service as iot_service
from lanyan.iot.choices import Channel, DeviceKind, MessageKind
from lanyan.iot.config import iot_settings
from lanyan.iot.pipeline import ingest
from lanyan.iot.schemas import DeviceCreate, Inbound
from tests.factories import PASSWORD, World

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}

Call = Callable[[TestClient, World], Any]


def _write_operations(client: TestClient) -> set[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return {(m.upper(), p) for p, ops in paths.items() for m in ops if m.upper() in WRITE_METHODS}


def _admin(world: World) -> dict[str, str]:
    return world.headers("admin_det")


def _create_org(client: TestClient, world: World, ext: str) -> int:
    r = client.post(
        "/api/forces/organizations",
        headers=_admin(world),
        json={
            "external_id": ext,
            "name": f"站{ext}",
            "kind": "station",
            "parent_id": world.a.brigade_id,
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _create_unit(client: TestClient, world: World, ext: str) -> int:
    r = client.post(
        "/api/forces/units",
        headers=_admin(world),
        json={
            "external_id": ext,
            "call_sign": f"车{ext}",
            "type": "rescue",
            "station_id": world.a.station_id,
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _create_ws(client: TestClient, world: World, ext: str) -> int:
    r = client.post(
        "/api/forces/water-sources",
        headers=_admin(world),
        json={
            "external_id": ext,
            "name": f"栓{ext}",
            "kind": "hydrant",
            "org_id": world.a.station_id,
            "lon": 9.51,
            "lat": 47.12,
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _create_premises(client: TestClient, world: World, ext: str) -> int:
    r = client.post(
        "/api/premises",
        headers=_admin(world),
        json={
            "external_id": ext,
            "name": f"单位{ext}",
            "category": "small_venue",
            "venue_type": "restaurant",
            "org_id": world.a.brigade_id,
            "lon": 9.51,
            "lat": 47.12,
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


VADUZ = {"lon": 9.5215, "lat": 47.1395}


def _incident(client: TestClient, world: World, **extra: Any) -> int:
    r = client.post(
        "/api/dispatch/incidents",
        headers=_admin(world),
        json={**VADUZ, "type": "rescue", "subtype": "person_trapped", **extra},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _assignment(client: TestClient, world: World, *steps: str) -> int:
    unit_id = _create_unit(client, world, f"audit:disp-{len(steps)}-{_incident.__name__}")
    iid = _incident(client, world)
    r = client.post(
        f"/api/dispatch/incidents/{iid}/assignments",
        headers=_admin(world),
        json={"unit_ids": [unit_id]},
    )
    assert r.status_code == 201, r.text
    aid = int(r.json()["assignments"][0]["id"])
    for step in steps:
        client.post(
            f"/api/dispatch/assignments/{aid}/status", headers=_admin(world), json={"status": step}
        )
    return aid


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe"
    b"\x02\xfe\xa7\x8d\xb4\x1b\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _hazard(client: TestClient, world: World, *steps: str, severity: str = "general") -> int:
    r = client.post(
        "/api/hazards",
        headers=_admin(world),
        json={"premises_id": world.a.premises_id, "title": "审计隐患", "severity": severity},
    )
    assert r.status_code == 201, r.text
    hid = int(r.json()["id"])
    bodies = {"verify": {}, "order": {}, "rectified": {}, "check": {"passed": True}}
    for step in steps:
        done = client.post(f"/api/hazards/{hid}/{step}", headers=_admin(world), json=bodies[step])
        assert done.status_code == 200, done.text
    return hid


def _overdue_hazard(client: TestClient, world: World) -> str:
    from datetime import UTC, datetime

    from lanyan.accounts.models import User
    from lanyan.accounts.service import actor_for
    from lanyan.prevention import hazards
    from lanyan.prevention.schemas import HazardOrder

    hid = _hazard(client, world, "verify")
    factory = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as s:
        admin = actor_for(s.scalars(select(User).where(User.username == "admin_det")).one())
        hazards.order_rectification(
            s,
            actor=admin,
            hazard_id=hid,
            data=HazardOrder(workdays=1),
            at=datetime(2025, 1, 6, tzinfo=UTC),
        )
        s.commit()
    return "/api/hazards/deadlines"


def _listing(client: TestClient, world: World) -> int:
    hid = _hazard(client, world, "verify", severity="major")
    r = client.post(
        "/api/listings", headers=_admin(world), json={"hazard_id": hid, "level": "county"}
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _grid(client: TestClient, world: World, ext: str) -> int:
    r = client.post(
        "/api/prevention/grids",
        headers=_admin(world),
        json={
            "external_id": ext,
            "name": f"网格{ext}",
            "level": "county",
            "org_id": world.a.brigade_id,
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _user_id(client: TestClient, username: str) -> int:
    from lanyan.accounts.models import User

    factory = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as s:
        return int(s.scalars(select(User.id).where(User.username == username)).one())


def _member(client: TestClient, world: World) -> str:
    gid = _grid(client, world, "audit:grid-member")
    uid = _user_id(client, "grid_a")
    r = client.post(
        f"/api/prevention/grids/{gid}/members", headers=_admin(world), json={"user_id": uid}
    )
    assert r.status_code in (200, 201), r.text
    return f"/api/prevention/grids/{gid}/members/{uid}"


def _login_token(client: TestClient) -> str:
    r = client.post("/api/auth/login", json={"username": "leader", "password": PASSWORD})
    client.cookies.clear()
    return str(r.json()["access_token"])


CSV = (
    "external_id,name,kind,state,org_external_id,lon,lat\n"
    "imp:ws:1,导入栓,hydrant,ok,t:station:a,9.5,47.1\n"
)

# --- IoT: a device, an alarm of it, a vendor's signed push ---------------------------------------

IOT_VENDOR_KEY = "audit-vendor-key"


@pytest.fixture(autouse=True)
def _iot_vendor_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The vendor ``audit`` may push (the push is signed with its key)."""
    monkeypatch.setenv("LANYAN_IOT_VENDOR_KEYS", json.dumps({"audit": IOT_VENDOR_KEY}))
    iot_settings.cache_clear()
    yield
    monkeypatch.delenv("LANYAN_IOT_VENDOR_KEYS")
    iot_settings.cache_clear()


def _device(client: TestClient, world: World) -> tuple[int, str]:
    name = f"A-{uuid.uuid4().hex[:10]}"
    factory: sessionmaker[Session] = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as session:
        device = iot_service.create_device(
            session,
            actor=SYSTEM,
            data=DeviceCreate(
                external_id=f"dev:{name}",
                name=f"{name}烟感",
                kind=DeviceKind.SMOKE_ALARM,
                vendor="audit",
                vendor_device_id=name,
                premises_id=world.a.premises_id,
                location="1F 大厅",
            ),
        )
        session.commit()
        return device.id, name


def _alarm(client: TestClient, world: World) -> int:
    _, name = _device(client, world)
    message = Inbound("audit", name, "a-1", MessageKind.FIRE_ALARM, Channel.MQTT, datetime.now(UTC))
    factory: sessionmaker[Session] = client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as session:
        (alarm_id,) = ingest(session, [message], stats=None).alarms_opened
    return int(alarm_id)


def _signed_push(client: TestClient, world: World) -> dict[str, Any]:
    _, name = _device(client, world)
    body = json.dumps({"messages": [{"device": name, "id": "p-1", "type": "fire_alarm"}]}).encode()
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    mac = hmac.new(
        IOT_VENDOR_KEY.encode(), f"{timestamp}\n{nonce}\n".encode() + body, hashlib.sha256
    )
    headers = {
        "X-Lanyan-Vendor": "audit",
        "X-Lanyan-Timestamp": timestamp,
        "X-Lanyan-Nonce": nonce,
        "X-Lanyan-Signature": mac.hexdigest(),
        "Content-Type": "application/json",
    }
    return {"content": body, "headers": headers}


ACTOR_OF = {
    ("POST", "/api/iot/push"): "system",  # the intake writes as the system: the alarm it opened
    ("POST", "/api/iot/duty/decision"): "值班人员:审计值班",
}
"""Writes not made by the logged-in administrator, and whom their audit row names instead."""


# (method, path template) -> (setup returning the concrete path, body or files, expected status)
CASES: dict[tuple[str, str], Callable[[TestClient, World], tuple[str, dict[str, Any]]]] = {
    ("POST", "/api/auth/login"): lambda c, w: (
        "/api/auth/login",
        {"json": {"username": "leader", "password": PASSWORD}},
    ),
    ("POST", "/api/auth/logout"): lambda c, w: (
        "/api/auth/logout",
        {"headers": {"Authorization": f"Bearer {_login_token(c)}"}},
    ),
    ("POST", "/api/users"): lambda c, w: (
        "/api/users",
        {
            "json": {
                "username": "audit_new",
                "display_name": "新用户",
                "role": "grid",
                "organization_id": w.a.brigade_id,
                "password": "a-long-password-1",
            }
        },
    ),
    ("PATCH", "/api/users/{user_id}"): lambda c, w: (
        f"/api/users/{w.b.admin_user_id}",
        {"json": {"display_name": "改名"}},
    ),
    ("POST", "/api/forces/organizations"): lambda c, w: (
        "/api/forces/organizations",
        {
            "json": {
                "external_id": "audit:org",
                "name": "审计站",
                "kind": "station",
                "parent_id": w.a.brigade_id,
            }
        },
    ),
    ("PATCH", "/api/forces/organizations/{org_id}"): lambda c, w: (
        f"/api/forces/organizations/{w.a.station_id}",
        {"json": {"phone": "119"}},
    ),
    ("DELETE", "/api/forces/organizations/{org_id}"): lambda c, w: (
        f"/api/forces/organizations/{_create_org(c, w, 'audit:del-org')}",
        {},
    ),
    ("POST", "/api/forces/units"): lambda c, w: (
        "/api/forces/units",
        {
            "json": {
                "external_id": "audit:unit",
                "call_sign": "审计车",
                "type": "foam",
                "station_id": w.a.station_id,
            }
        },
    ),
    ("PATCH", "/api/forces/units/{unit_id}"): lambda c, w: (
        f"/api/forces/units/{w.a.unit_id}",
        {"json": {"crew_on_duty": 6}},
    ),
    ("POST", "/api/forces/units/{unit_id}/status"): lambda c, w: (
        f"/api/forces/units/{_create_unit(c, w, 'audit:status')}/status",
        {"json": {"status": "out_of_service"}},
    ),
    ("DELETE", "/api/forces/units/{unit_id}"): lambda c, w: (
        f"/api/forces/units/{_create_unit(c, w, 'audit:del-unit')}",
        {},
    ),
    ("POST", "/api/forces/water-sources"): lambda c, w: (
        "/api/forces/water-sources",
        {
            "json": {
                "external_id": "audit:ws",
                "name": "审计栓",
                "kind": "pool",
                "org_id": w.a.station_id,
                "lon": 9.5,
                "lat": 47.1,
            }
        },
    ),
    ("PATCH", "/api/forces/water-sources/{ws_id}"): lambda c, w: (
        f"/api/forces/water-sources/{w.a.water_source_id}",
        {"json": {"state": "low_pressure"}},
    ),
    ("DELETE", "/api/forces/water-sources/{ws_id}"): lambda c, w: (
        f"/api/forces/water-sources/{_create_ws(c, w, 'audit:del-ws')}",
        {},
    ),
    ("POST", "/api/premises"): lambda c, w: (
        "/api/premises",
        {
            "json": {
                "external_id": "audit:p",
                "name": "审计单位",
                "category": "key_unit",
                "venue_type": "hotel",
                "org_id": w.a.brigade_id,
                "lon": 9.5,
                "lat": 47.1,
            }
        },
    ),
    ("PATCH", "/api/premises/{premises_id}"): lambda c, w: (
        f"/api/premises/{w.a.premises_id}",
        {"json": {"floors_above": 12}},
    ),
    ("DELETE", "/api/premises/{premises_id}"): lambda c, w: (
        f"/api/premises/{_create_premises(c, w, 'audit:del-p')}",
        {},
    ),
    ("POST", "/api/dispatch/incidents"): lambda c, w: (
        "/api/dispatch/incidents",
        {"json": {**VADUZ, "type": "fire", "caller_number": "110"}},
    ),
    ("POST", "/api/dispatch/incidents/{incident_id}/assignments"): lambda c, w: (
        f"/api/dispatch/incidents/{_incident(c, w)}/assignments",
        {"json": {"unit_ids": [_create_unit(c, w, "audit:assign")]}},
    ),
    ("POST", "/api/dispatch/assignments/{assignment_id}/status"): lambda c, w: (
        f"/api/dispatch/assignments/{_assignment(c, w)}/status",
        {"json": {"status": "en_route"}},
    ),
    ("POST", "/api/dispatch/incidents/{incident_id}/escalate"): lambda c, w: (
        f"/api/dispatch/incidents/{_incident(c, w)}/escalate",
        {"json": {"level": 3}},
    ),
    ("POST", "/api/dispatch/incidents/{incident_id}/status"): lambda c, w: (
        f"/api/dispatch/incidents/{_incident(c, w)}/status",
        # nobody is on scene: the change is a commander's override with its reason
        {"json": {"status": "controlled", "override_reason": "到场前已由单位自行扑灭"}},
    ),
    ("POST", "/api/dispatch/incidents/{incident_id}/close"): lambda c, w: (
        f"/api/dispatch/incidents/{_incident(c, w)}/close",
        {"json": {"rescued": 1}},
    ),
    ("POST", "/api/dispatch/plans"): lambda c, w: (
        "/api/dispatch/plans",
        {
            "json": {
                "name": "测试方案",
                "incident_type": "fire",
                "level": 2,
                "source": "测试",
                "requirements": [{"label": "水罐车", "unit_types": ["water_tender"], "count": 2}],
            }
        },
    ),
    ("PATCH", "/api/dispatch/plans/{rule_id}"): lambda c, w: (
        "/api/dispatch/plans/1",
        {"json": {"is_active": True, "name": "一般火灾 一级（改）"}},
    ),
    ("POST", "/api/uploads"): lambda c, w: (
        "/api/uploads",
        {"files": {"file": ("p.png", io.BytesIO(PNG), "image/png")}},
    ),
    ("POST", "/api/hazards"): lambda c, w: (
        "/api/hazards",
        {"json": {"premises_id": w.a.premises_id, "title": "消防通道堵塞"}},
    ),
    ("POST", "/api/hazards/{hazard_id}/verify"): lambda c, w: (
        f"/api/hazards/{_hazard(c, w)}/verify",
        {"json": {"severity": "general"}},
    ),
    ("POST", "/api/hazards/{hazard_id}/order"): lambda c, w: (
        f"/api/hazards/{_hazard(c, w, 'verify')}/order",
        {"json": {"workdays": 10}},
    ),
    ("POST", "/api/hazards/{hazard_id}/rectified"): lambda c, w: (
        f"/api/hazards/{_hazard(c, w, 'verify', 'order')}/rectified",
        {"json": {}},
    ),
    ("POST", "/api/hazards/{hazard_id}/check"): lambda c, w: (
        f"/api/hazards/{_hazard(c, w, 'verify', 'order', 'rectified')}/check",
        {"json": {"passed": False}},
    ),
    ("POST", "/api/hazards/deadlines"): lambda c, w: (_overdue_hazard(c, w), {}),
    ("POST", "/api/hazards/{hazard_id}/gb35181"): lambda c, w: (
        f"/api/hazards/{_hazard(c, w, 'verify')}/gb35181",
        {"json": {"category": "crowded", "direct": [], "composite": ["7.3.1"]}},
    ),
    ("POST", "/api/listings"): lambda c, w: (
        "/api/listings",
        {"json": {"hazard_id": _hazard(c, w, "verify", severity="major"), "level": "city"}},
    ),
    ("POST", "/api/listings/{listing_id}/advance"): lambda c, w: (
        f"/api/listings/{_listing(c, w)}/advance",
        {"json": {"status": "listed"}},
    ),
    ("POST", "/api/prevention/grids"): lambda c, w: (
        "/api/prevention/grids",
        {
            "json": {
                "external_id": "audit:grid",
                "name": "审计网格",
                "level": "county",
                "org_id": w.a.brigade_id,
            }
        },
    ),
    ("PATCH", "/api/prevention/grids/{grid_id}"): lambda c, w: (
        f"/api/prevention/grids/{_grid(c, w, 'audit:grid-patch')}",
        {"json": {"name": "改名"}},
    ),
    ("POST", "/api/prevention/grids/{grid_id}/members"): lambda c, w: (
        f"/api/prevention/grids/{_grid(c, w, 'audit:grid-add')}/members",
        {"json": {"user_id": _user_id(c, "grid_a")}},
    ),
    ("DELETE", "/api/prevention/grids/{grid_id}/members/{user_id}"): lambda c, w: (
        _member(c, w),
        {},
    ),
    ("POST", "/api/prevention/grid-assignment"): lambda c, w: (
        "/api/prevention/grid-assignment",
        {"json": {}},
    ),
    ("POST", "/api/prevention/patrol-tasks/generate"): lambda c, w: (
        "/api/prevention/patrol-tasks/generate",
        {"json": {"until": (date.today() + timedelta(days=7)).isoformat()}},
    ),
    ("POST", "/api/prevention/visits"): lambda c, w: (
        "/api/prevention/visits",
        {
            "json": {
                "premises_id": w.a.premises_id,
                "lon": 9.522,
                "lat": 47.142,
                "checklist": {"fire_lane_clear": True},
            }
        },
    ),
    ("POST", "/api/prevention/campaigns"): lambda c, w: (
        "/api/prevention/campaigns",
        {
            "json": {
                "name": "审计整治",
                "topic": "ebike_charging",
                "starts_on": "2025-01-01",
                "ends_on": "2025-12-31",
            }
        },
    ),
    ("POST", "/api/prevention/inspections"): lambda c, w: (
        "/api/prevention/inspections",
        {
            "json": {
                "premises_id": w.a.premises_id,
                "inspected_on": "2025-06-01",
                "checklist": {"fire_lane_clear": True},
                "outcome": "passed",
            }
        },
    ),
    ("POST", "/api/exchange/{entity}/import"): lambda c, w: (
        "/api/exchange/water_sources/import",
        {"files": {"file": ("ws.csv", io.BytesIO(CSV.encode()), "text/csv")}},
    ),
    ("POST", "/api/iot/devices"): lambda c, w: (
        "/api/iot/devices",
        {
            "json": {
                "external_id": "dev:audit-1",
                "name": "审计烟感",
                "kind": "smoke_alarm",
                "vendor": "audit",
                "vendor_device_id": "audit-1",
                "premises_id": w.a.premises_id,
                "location": "2F 走廊",
            }
        },
    ),
    ("PATCH", "/api/iot/devices/{device_id}"): lambda c, w: (
        f"/api/iot/devices/{_device(c, w)[0]}",
        {"json": {"location": "3F 走廊"}},
    ),
    ("DELETE", "/api/iot/devices/{device_id}"): lambda c, w: (
        f"/api/iot/devices/{_device(c, w)[0]}",
        {},
    ),
    ("POST", "/api/iot/alarms/{alarm_id}/decision"): lambda c, w: (
        f"/api/iot/alarms/{_alarm(c, w)}/decision",
        {"json": {"verdict": "false_alarm", "reason": "厨房油烟"}},
    ),
    ("POST", "/api/iot/duty/decision"): lambda c, w: (
        "/api/iot/duty/decision",
        {
            "json": {
                "token": iot_service.duty_token(_alarm(c, w)),
                "verdict": "test",
                "reason": "月度联动测试",
                "name": "审计值班",
            }
        },
    ),
    ("POST", "/api/iot/push"): lambda c, w: ("/api/iot/push", _signed_push(c, w)),
}


def _domain_cases() -> None:
    """Merge the cases of later domains, each kept in ``tests/audit_cases_<domain>.py`` (its own
    ``CASES`` and, where a write is not made by the administrator, ``ACTOR_OF``), so parallel
    work on several domains never edits this file."""
    import importlib
    from pathlib import Path

    for module_path in sorted(Path(__file__).parent.glob("audit_cases_*.py")):
        module = importlib.import_module(f"tests.{module_path.stem}")
        CASES.update(module.CASES)
        ACTOR_OF.update(getattr(module, "ACTOR_OF", {}))


_domain_cases()


def test_every_write_route_is_covered(app_client: TestClient) -> None:
    assert _write_operations(app_client) == set(CASES)


def _audit_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(AuditLog)) or 0


@pytest.mark.parametrize("operation", sorted(CASES), ids=lambda op: f"{op[0]} {op[1]}")
def test_write_leaves_audit_row(
    app_client: TestClient, world: World, operation: tuple[str, str]
) -> None:
    factory = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    path, kwargs = CASES[operation](app_client, world)
    kwargs.setdefault("headers", _admin(world))
    before = _audit_count(factory)
    response = app_client.request(operation[0], path, **kwargs)
    assert response.status_code < 300, response.text
    assert _audit_count(factory) > before, operation
    with factory() as session:
        last = session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()
    if operation in ACTOR_OF:
        assert last.actor_name == ACTOR_OF[operation]
    else:
        assert last.actor_name in ("admin_det", "leader")
    assert last.at is not None


def test_audit_row_holds_before_and_after(app_client: TestClient, world: World) -> None:
    app_client.patch(
        f"/api/forces/units/{world.a.unit_id}", json={"water_l": 8000}, headers=_admin(world)
    )
    rows = app_client.get(
        "/api/audit", params={"entity": "unit", "entity_id": world.a.unit_id}, headers=_admin(world)
    ).json()["items"]
    latest = rows[0]
    assert latest["actor_name"] == "admin_det"
    assert latest["before"]["water_l"] != 8000
    assert latest["after"]["water_l"] == 8000


def test_audit_cannot_be_changed_through_the_api(app_client: TestClient, world: World) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/audit"]) == {"get"}
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        r = app_client.request(method, "/api/audit", headers=_admin(world), json={})
        assert r.status_code == 405
    assert app_client.get("/api/audit", headers=world.headers("dispatcher_a")).status_code == 403


def test_audit_table_refuses_update_and_delete_in_the_database(
    session_factory: sessionmaker[Session], world: World
) -> None:
    for statement in ("UPDATE audit_log SET actor_name = 'x'", "DELETE FROM audit_log"):
        with session_factory() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.flush()
