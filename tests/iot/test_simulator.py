"""Demo devices and the simulator: what it sends over MQTT and GB/T 26875.3 is taken and stored."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.iot import gbt26875 as g
from lanyan.iot.choices import DeviceKind
from lanyan.iot.models import Device, DeviceMessage
from lanyan.iot.mqtt_intake import MqttIntake, forget_session
from lanyan.iot.simulator import Simulator, ensure_demo_devices
from tests.factories import World
from tests.iot.helpers import factory_of, wait_for


@pytest.fixture
def listener(app_client: TestClient) -> Iterator[int]:
    """A GB/T 26875.3 listener on a free port, on its own event loop thread."""
    loop = asyncio.new_event_loop()
    server = g.Gbt26875Listener(factory_of(app_client), host="127.0.0.1", port=0)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    yield port
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_demo_devices_and_the_simulator_over_mqtt_and_tcp(
    app_client: TestClient, world: World, listener: int
) -> None:
    factory = factory_of(app_client)
    created = ensure_demo_devices(factory)
    assert created == 4, "each key premises: a panel behind a UITD and a water pressure sensor"
    assert ensure_demo_devices(factory) == 0, "run twice, equips nothing twice"
    with factory() as session:
        kinds = sorted(d.kind.value for d in session.scalars(select(Device)))
    assert kinds == sorted([DeviceKind.FIRE_PANEL.value, DeviceKind.WATER_PRESSURE.value] * 2)

    client_id = f"lanyan-test-sim-{uuid.uuid4().hex[:8]}"
    intake = MqttIntake("mqtt://127.0.0.1:1883", factory, client_id=client_id)
    intake.start()
    assert intake.wait_ready(10)
    try:
        sim = Simulator(
            factory, mqtt_url="mqtt://127.0.0.1:1883", tcp=f"127.0.0.1:{listener}", seed=7
        )
        sent = sim.run(seconds=2, rate=40, alarm_share=0.1, fault_share=0.2)
        total = sum(sent.values())
        assert {k.split(".")[0] for k in sent} == {"mqtt", "tcp"}, sent

        def stored() -> int:
            with factory() as session:
                return int(session.scalar(select(func.count()).select_from(DeviceMessage)) or 0)

        # a GB/T frame carries one object; every message sent is stored once
        assert wait_for(lambda: stored() == total), (stored(), sent)
    finally:
        intake.stop()
        forget_session("mqtt://127.0.0.1:1883", client_id)
    with factory() as session:
        online = session.scalar(select(func.count()).where(Device.online.is_(True)))
    assert online, "the devices the simulator spoke for are online"
