"""Shared builders of the IoT tests: devices at the world's premises, a broker publisher."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import paho.mqtt.client as mqtt
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.iot import service
from lanyan.iot.choices import DeviceKind
from lanyan.iot.models import DeviceMessage
from lanyan.iot.schemas import DeviceCreate

BROKER = ("127.0.0.1", 1883)


def factory_of(client: TestClient) -> sessionmaker[Session]:
    """The app's session factory."""
    return client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


def make_device(
    factory: sessionmaker[Session],
    premises_id: int,
    *,
    vendor: str = "acme",
    kind: DeviceKind = DeviceKind.SMOKE_ALARM,
    interval_s: int = 300,
) -> tuple[int, str]:
    """A new device at ``premises_id``: (id, vendor device id)."""
    name = f"T-{uuid.uuid4().hex[:10]}"
    with factory() as session:
        device = service.create_device(
            session,
            actor=SYSTEM,
            data=DeviceCreate(
                external_id=f"dev:{name}",
                name=f"{name}烟感",
                kind=kind,
                vendor=vendor,
                vendor_device_id=name,
                premises_id=premises_id,
                location="2F 走廊",
                heartbeat_interval_s=interval_s,
            ),
        )
        session.commit()
        return device.id, name


def stored(factory: sessionmaker[Session], device_id: int) -> list[str]:
    """Message ids stored for a device, in storage order."""
    with factory() as session:
        return list(
            session.scalars(
                select(DeviceMessage.message_id)
                .where(DeviceMessage.device_id == device_id)
                .order_by(DeviceMessage.id)
            )
        )


def count_stored(factory: sessionmaker[Session], device_id: int) -> int:
    """How many messages a device has stored."""
    with factory() as session:
        return int(
            session.scalar(select(func.count()).where(DeviceMessage.device_id == device_id)) or 0
        )


def wait_for(check: Callable[[], bool], *, deadline_s: float = 30.0) -> bool:
    """Poll ``check`` until it holds or a generous deadline passes (a condition, not a timing)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


def publisher() -> mqtt.Client:
    """A connected device-side MQTT client (QoS 1 publishes are waited for)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"dev-{uuid.uuid4().hex[:8]}")
    client.connect(*BROKER)
    client.loop_start()
    return client
