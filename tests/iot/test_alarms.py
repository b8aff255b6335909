"""Alarm handling: decisions (operator and duty link), escalation, offline, fault hazards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.dispatch.models import Incident
from lanyan.iot import service
from lanyan.iot.choices import AlarmStatus, Channel, MessageKind
from lanyan.iot.config import IotSettings
from lanyan.iot.models import Device, DeviceAlarm
from lanyan.iot.pipeline import ingest
from lanyan.iot.schemas import Inbound
from lanyan.prevention.models import Hazard
from tests.factories import World
from tests.iot.helpers import factory_of, make_device


def _fire(app_client: TestClient, premises_id: int) -> tuple[int, int]:
    """A device at the premises that just raised a fire alarm: (device id, alarm id)."""
    factory = factory_of(app_client)
    device_id, name = make_device(factory, premises_id)
    message = Inbound("acme", name, "f-1", MessageKind.FIRE_ALARM, Channel.MQTT, datetime.now(UTC))
    with factory() as session:
        result = ingest(session, [message], stats=None)
    (alarm_id,) = result.alarms_opened
    return device_id, alarm_id


def _incidents(app_client: TestClient) -> int:
    with factory_of(app_client)() as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def test_a_confirmed_alarm_opens_an_incident_at_the_premises_with_a_recommendation(
    app_client: TestClient, world: World
) -> None:
    _, alarm_id = _fire(app_client, world.a.premises_id)
    listed = app_client.get(
        "/api/iot/alarms?status=pending", headers=world.headers("commander")
    ).json()
    assert alarm_id in [a["id"] for a in listed["items"]]
    hidden = app_client.post(
        f"/api/iot/alarms/{alarm_id}/decision",
        json={"verdict": "real"},
        headers=world.headers("dispatcher_b"),
    )
    assert hidden.status_code == 404
    refused = app_client.post(
        f"/api/iot/alarms/{alarm_id}/decision",
        json={"verdict": "real"},
        headers=world.headers("officer_a"),
    )
    assert refused.status_code == 403
    r = app_client.post(
        f"/api/iot/alarms/{alarm_id}/decision",
        json={"verdict": "real"},
        headers=world.headers("commander"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["alarm"]["status"] == "confirmed" and body["incident_id"]
    assert body["recommended_unit_ids"], "the incident goes straight to recommendation"
    incident = app_client.get(
        f"/api/dispatch/incidents/{body['incident_id']}", headers=world.headers("commander")
    ).json()
    assert incident["premises"]["id"] == world.a.premises_id
    assert incident["type"] == "fire"
    assert "dev:" in incident["description"], "the device is named as the source"
    again = app_client.post(
        f"/api/iot/alarms/{alarm_id}/decision",
        json={"verdict": "false_alarm", "reason": "迟到"},
        headers=world.headers("commander"),
    )
    assert again.status_code == 409


def test_a_dismissal_needs_a_reason_and_creates_nothing(
    app_client: TestClient, world: World
) -> None:
    _, alarm_id = _fire(app_client, world.a.premises_id)
    before = _incidents(app_client)
    no_reason = app_client.post(
        f"/api/iot/alarms/{alarm_id}/decision",
        json={"verdict": "false_alarm"},
        headers=world.headers("commander"),
    )
    assert no_reason.status_code == 422
    r = app_client.post(
        f"/api/iot/alarms/{alarm_id}/decision",
        json={"verdict": "false_alarm", "reason": "厨房油烟误触发"},
        headers=world.headers("commander"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["alarm"]["status"] == "false_alarm" and r.json()["incident_id"] is None
    assert _incidents(app_client) == before


def test_the_duty_link_decides_its_own_alarm_only(app_client: TestClient, world: World) -> None:
    _, alarm_id = _fire(app_client, world.b.premises_id)
    link = app_client.get(
        f"/api/iot/alarms/{alarm_id}/duty-link", headers=world.headers("commander")
    ).json()["url"]
    token = link.split("token=")[1]
    shown = app_client.get(f"/api/iot/duty?token={token}")
    assert shown.status_code == 200 and shown.json()["id"] == alarm_id
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    assert app_client.get(f"/api/iot/duty?token={forged}").status_code == 403
    r = app_client.post(
        "/api/iot/duty/decision",
        json={"token": token, "verdict": "test", "reason": "月度联动测试", "name": "王值班"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["alarm"]["decided_via"] == "duty"
    assert r.json()["alarm"]["decided_by"] == "值班人员:王值班"
    page = app_client.get(link)
    assert page.status_code == 200 and "iot_alarms.js" in page.text


def test_unconfirmed_alarms_escalate_and_silent_devices_go_offline(
    app_client: TestClient, world: World
) -> None:
    factory = factory_of(app_client)
    device_id, alarm_id = _fire(app_client, world.a.premises_id)
    settings = IotSettings(escalate_after_s=120, offline_grace=2)
    with factory() as session:
        early = service.sweep(session, settings=settings, now=datetime.now(UTC))
        session.commit()
        assert session.get(DeviceAlarm, alarm_id).escalated_at is None  # type: ignore[union-attr]
    later = datetime.now(UTC) + timedelta(seconds=121)
    with factory() as session:
        result = service.sweep(session, settings=settings, now=later)
        session.commit()
    assert result.escalated >= 1 and early.escalated == 0
    with factory() as session:
        alarm = session.get(DeviceAlarm, alarm_id)
        assert alarm is not None and alarm.escalated_at is not None
        assert alarm.status is AlarmStatus.PENDING
        device = session.get(Device, device_id)
        assert device is not None and device.online, "silent for less than two intervals"
    with factory() as session:
        service.sweep(session, settings=settings, now=datetime.now(UTC) + timedelta(seconds=601))
        session.commit()
        device = session.get(Device, device_id)
        assert device is not None and not device.online and device.offline_since is not None


def test_a_lasting_fault_becomes_a_hazard_that_closes_when_cleared(
    app_client: TestClient, world: World
) -> None:
    factory = factory_of(app_client)
    device_id, name = make_device(factory, world.a.premises_id, interval_s=3600)
    now = datetime.now(UTC)
    fault = Inbound(
        "acme", name, "x-1", MessageKind.FAULT, Channel.HTTP, now, {"detail": "主电故障"}
    )
    with factory() as session:
        ingest(session, [fault], stats=None)
    settings = IotSettings(fault_hazard_after_s=3600)
    with factory() as session:
        assert service.sweep(session, settings=settings, now=now).hazards_opened == 0
        session.commit()
    with factory() as session:
        opened = service.sweep(session, settings=settings, now=now + timedelta(seconds=3601))
        session.commit()
        device = session.get(Device, device_id)
        assert device is not None and device.hazard_id is not None
        hazard = session.get(Hazard, device.hazard_id)
        assert hazard is not None
        assert hazard.category == "消防设施故障" and hazard.premises_id == world.a.premises_id
        assert hazard.status.is_open and "主电故障" in hazard.title
        hazard_id = hazard.id
    assert opened.hazards_opened >= 1
    hazards = app_client.get(
        f"/api/hazards?premises_id={world.a.premises_id}", headers=world.headers("officer_a")
    )
    assert hazard_id in [h["id"] for h in hazards.json()["items"]]
    cleared = Inbound("acme", name, "x-2", MessageKind.FAULT_CLEARED, Channel.HTTP, now)
    with factory() as session:
        ingest(session, [cleared], stats=None)
    with factory() as session:
        closed = service.sweep(session, settings=settings, now=now + timedelta(seconds=3700))
        session.commit()
        hazard = session.get(Hazard, hazard_id)
        assert hazard is not None and hazard.status.value == "closed"
        device = session.get(Device, device_id)
        assert device is not None and device.hazard_id is None
    assert closed.hazards_closed >= 1


def test_figures_count_alarms_true_fires_and_false_alarm_rate_in_the_jurisdiction(
    app_client: TestClient, world: World
) -> None:
    # runs after the decisions above (same module database): premises a has a real fire and a
    # false alarm at least
    rows = app_client.get(
        "/api/iot/figures/false-alarms?by=premises", headers=world.headers("commander")
    ).json()
    mine = next(r for r in rows if r["key"] == str(world.a.premises_id))
    assert mine["true_fires"] >= 1 and mine["false_alarms"] >= 1
    assert mine["false_alarm_rate"] == round(
        mine["false_alarms"] / (mine["true_fires"] + mine["false_alarms"]), 3
    )
    theirs = app_client.get(
        "/api/iot/figures/false-alarms?by=premises", headers=world.headers("dispatcher_b")
    ).json()
    assert str(world.a.premises_id) not in [r["key"] for r in theirs]
    models = app_client.get(
        "/api/iot/figures/false-alarms?by=model", headers=world.headers("commander")
    ).json()
    assert sum(r["alarms"] for r in models) == sum(r["alarms"] for r in rows)
    overview = app_client.get("/api/iot/overview", headers=world.headers("commander")).json()
    assert overview["true_fires"] >= 1 and overview["false_alarms"] >= 1
    assert overview["devices"] >= overview["online"] >= 0
    assert (
        app_client.get(
            "/api/iot/figures/false-alarms?by=colour", headers=world.headers("commander")
        ).status_code
        == 422
    )


def test_the_monitoring_page_needs_a_login(app_client: TestClient, world: World) -> None:
    r = app_client.get("/iot/monitor", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    app_client.cookies.set("lanyan_session", world.tokens["commander"])
    try:
        page = app_client.get("/iot/monitor")
    finally:
        app_client.cookies.clear()
    assert page.status_code == 200 and 'id="iot-monitor"' in page.text
