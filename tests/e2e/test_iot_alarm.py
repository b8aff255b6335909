"""Acceptance 1 of issue 16, end to end on the real broker and in the browser.

A smoke alarm at a demo small venue is published on Mosquitto → the intake worker stores it and
opens an alarm 待核实 → the dispatcher's console shows the banner (with sound) → the premises'
duty person confirms on the phone page → an incident at the premises with its recommendation.
A dismissed alarm creates nothing; a fault older than its limit becomes a hazard.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.iot import service
from lanyan.iot.choices import DeviceKind, MessageKind
from lanyan.iot.config import IotSettings
from lanyan.iot.models import Device
from lanyan.iot.mqtt_intake import MqttIntake, forget_session, uplink_topic
from lanyan.iot.schemas import DeviceCreate
from lanyan.iot.wire import encode
from lanyan.prevention.choices import PremisesCategory
from lanyan.prevention.models import Premises
from tests.e2e.conftest import PHONE_VIEWPORT, LiveServer
from tests.iot.helpers import publisher, wait_for


@pytest.fixture
def intake(live_server: LiveServer) -> Iterator[MqttIntake]:
    """The intake worker on the live server's database (events reach its consoles)."""
    client_id = f"lanyan-e2e-intake-{uuid.uuid4().hex[:8]}"
    worker = MqttIntake("mqtt://127.0.0.1:1883", live_server.session_factory, client_id=client_id)
    worker.start()
    assert worker.wait_ready(10)
    yield worker
    worker.stop()
    forget_session("mqtt://127.0.0.1:1883", client_id)


def _venue_devices(live: LiveServer) -> tuple[int, str, list[str]]:
    """A small venue of the demo city with two new smoke alarms: (premises, name, device ids)."""
    factory = live.session_factory
    with factory() as session:
        venue = session.scalars(
            select(Premises)
            .where(Premises.category == PremisesCategory.SMALL_VENUE)
            .order_by(Premises.id)
        ).first()
        assert venue is not None
        names = []
        for _ in range(3):
            name = f"E2E-{uuid.uuid4().hex[:8]}"
            service.create_device(
                session,
                actor=service.SYSTEM,
                data=DeviceCreate(
                    external_id=f"e2e:{name}",
                    name=f"{name}感烟",
                    kind=DeviceKind.SMOKE_ALARM,
                    vendor="nbiot-e2e",
                    vendor_device_id=name,
                    premises_id=venue.id,
                    location="1F 大厅",
                ),
            )
            names.append(name)
        session.commit()
        return venue.id, venue.name, names


def _alarm_of(live: LiveServer, name: str) -> dict[str, Any] | None:
    with live.api("demo_dispatcher") as api:
        page = api.get("/api/iot/alarms", params={"status": "pending", "limit": 1000}).json()
    matches = [a for a in page["items"] if a["device_name"] == f"{name}感烟"]
    return matches[0] if matches else None


def test_smoke_alarm_to_console_to_duty_phone_to_incident(
    live_server: LiveServer,
    new_page: Any,
    browser: Any,
    intake: MqttIntake,
) -> None:
    venue_id, venue_name, (first, second, third) = _venue_devices(live_server)
    console = new_page("demo_dispatcher")
    console.wait_for_selector("#map", state="attached")
    device = publisher()
    try:
        device.publish(
            uplink_topic("nbiot-e2e", first),
            encode("a-1", MessageKind.FIRE_ALARM, datetime.now(UTC), detail="烟雾浓度超限"),
            qos=1,
        ).wait_for_publish(5)
        banner = console.wait_for_selector(f"#iot-alarm-banner .iot-alarm:has-text('{first}')")
        assert banner is not None and venue_name in banner.inner_text()
        assert console.evaluate("window.LANYAN_BEEPS || 0") >= 1, "the console sounded"

        assert wait_for(lambda: _alarm_of(live_server, first) is not None)
        alarm = _alarm_of(live_server, first)
        assert alarm is not None
        with live_server.api("demo_dispatcher") as api:
            link = api.get(f"/api/iot/alarms/{alarm['id']}/duty-link").json()["url"]
        phone = browser.new_context(
            viewport=PHONE_VIEWPORT, locale="zh-CN", base_url=live_server.url
        )
        try:
            duty = phone.new_page()
            duty.goto(link)
            duty.fill("#iot-duty-name", "张值班")
            duty.click("button[data-verdict=real]")
            duty.wait_for_selector("#iot-duty-result:has-text('已生成警情')")
        finally:
            phone.close()
        with live_server.api("demo_dispatcher") as api:
            decided = api.get(f"/api/iot/alarms/{alarm['id']}").json()
            assert decided["status"] == "confirmed" and decided["decided_via"] == "duty"
            incident = api.get(f"/api/dispatch/incidents/{decided['incident_id']}").json()
            assert incident["premises"]["id"] == venue_id
            assert first in incident["description"], "the device is the incident's source"
            recommendation = api.get(
                f"/api/dispatch/incidents/{incident['id']}/recommendation"
            ).json()
            assert recommendation["units"] or recommendation["fills"], recommendation
            total_before = api.get("/api/dispatch/incidents").json()["total"]
            # closed again (untimed), so the other browser tests find the city quiet
            closed = api.post(
                f"/api/dispatch/incidents/{incident['id']}/close", json={"summary": "物联网测试"}
            )
            assert closed.status_code == 200, closed.text
        console.wait_for_selector(
            f"#iot-alarm-banner .iot-alarm:has-text('{first}')", state="detached"
        )

        # a dismissed alarm creates nothing
        device.publish(
            uplink_topic("nbiot-e2e", second), encode("b-1", MessageKind.FIRE_ALARM), qos=1
        ).wait_for_publish(5)
        assert wait_for(lambda: _alarm_of(live_server, second) is not None)
        other = _alarm_of(live_server, second)
        assert other is not None
        with live_server.api("demo_dispatcher") as api:
            r = api.post(
                f"/api/iot/alarms/{other['id']}/decision",
                json={"verdict": "false_alarm", "reason": "厨房油烟"},
            )
            assert r.status_code == 200 and r.json()["incident_id"] is None
            assert api.get("/api/dispatch/incidents").json()["total"] == total_before

        # a fault older than its limit becomes a hazard of the premises
        device.publish(
            uplink_topic("nbiot-e2e", third),
            encode("c-1", MessageKind.FAULT, datetime.now(UTC), detail="电池低电压"),
            qos=1,
        ).wait_for_publish(5)
        factory = live_server.session_factory

        def faulty() -> bool:
            with factory() as session:
                row = session.scalars(select(Device).where(Device.vendor_device_id == third))
                return row.one().fault_since is not None

        assert wait_for(faulty)
        settings = IotSettings(fault_hazard_after_s=3600)
        with factory() as session:
            service.sweep(session, settings=settings, now=datetime.now(UTC) + timedelta(hours=2))
            session.commit()
        with live_server.api("demo_dispatcher") as api:
            hazards = api.get("/api/hazards", params={"premises_id": venue_id}).json()["items"]
        assert any(h["category"] == "消防设施故障" and third in h["title"] for h in hazards)

        # the monitoring centre shows the figures, the queue with the decided alarms, the fault
        console.goto("/iot/monitor")
        console.wait_for_selector("#iot-figures:has-text('在线率')")
        console.wait_for_selector(f"#iot-queue tr:has-text('{first}'):has-text('真实火警')")
        console.wait_for_selector(f"#iot-queue tr:has-text('{second}'):has-text('厨房油烟')")
        console.wait_for_selector(f"#iot-faults tr:has-text('{third}'):has-text('电池低电压')")
    finally:
        device.loop_stop()
        device.disconnect()
        assert not console.errors, console.errors
