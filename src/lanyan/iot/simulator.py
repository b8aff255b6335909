"""Demo devices and a simulator that sends what real devices send, over the three real paths.

``lanyan iot demo-devices`` gives the demo city's small venues smoke alarms (and restaurants a gas
detector) and its key premises a fire alarm panel behind a 用户信息传输装置 plus a water pressure
sensor. ``lanyan iot simulate`` then sends heartbeats, faults (and their clearing) and the odd
fire alarm: MQTT for the NB-IoT devices, signed HTTP pushes for vendors with a key, GB/T 26875.3
frames over TCP for the panels.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.iot import gbt26875 as g
from lanyan.iot import service
from lanyan.iot.choices import DeviceKind, MessageKind
from lanyan.iot.models import Device
from lanyan.iot.mqtt_intake import uplink_topic
from lanyan.iot.schemas import DeviceCreate
from lanyan.iot.wire import encode
from lanyan.prevention.choices import PremisesCategory, VenueType
from lanyan.prevention.models import Premises

NB_VENDOR = "nbiot-sim"
CENTRE_ADDRESS = 1
PANEL_BASE = 100_000_000_000


def ensure_demo_devices(factory: sessionmaker[Session], *, per_premises: int = 2) -> int:
    """Register devices at every small venue and key premises that has none; how many."""
    created = 0
    with factory() as session:
        equipped = set(session.scalars(select(Device.premises_id).distinct()))
        premises = session.scalars(
            select(Premises)
            .where(Premises.category.in_([PremisesCategory.SMALL_VENUE, PremisesCategory.KEY_UNIT]))
            .order_by(Premises.id)
        ).all()
        for place in premises:
            if place.id in equipped:
                continue
            for data in _devices_for(place, per_premises):
                service.create_device(session, actor=SYSTEM, data=data)
                created += 1
            session.commit()
    return created


def _devices_for(place: Premises, per_premises: int) -> list[DeviceCreate]:
    out: list[DeviceCreate] = []
    if place.category is PremisesCategory.KEY_UNIT:
        out.append(
            DeviceCreate(
                external_id=f"demo:panel:{place.id}",
                name=f"{place.name[:40]}火灾报警控制器",
                kind=DeviceKind.FIRE_PANEL,
                vendor=g.VENDOR,
                vendor_device_id=str(PANEL_BASE + place.id),
                model="JB-QB-GST200",
                premises_id=place.id,
                location="消防控制室",
                heartbeat_interval_s=60,
            )
        )
        kinds = [DeviceKind.WATER_PRESSURE]
    else:
        kinds = [DeviceKind.SMOKE_ALARM] * per_premises
        if place.venue_type is VenueType.RESTAURANT:
            kinds[-1] = DeviceKind.GAS_DETECTOR
    for n, kind in enumerate(kinds[:per_premises], start=1):
        out.append(
            DeviceCreate(
                external_id=f"demo:{kind.value}:{place.id}:{n}",
                name=f"{place.name[:40]}{kind.zh[:12]}{n}",
                kind=kind,
                vendor=NB_VENDOR,
                vendor_device_id=f"SIM-{place.id}-{n}",
                model="NB-YG" if kind is DeviceKind.SMOKE_ALARM else "NB-SENSOR",
                premises_id=place.id,
                location=f"{n}F",
                heartbeat_interval_s=300,
            )
        )
    return out


@dataclass
class _Target:
    id: int
    vendor: str
    name: str
    kind: DeviceKind


class Simulator:
    """Sends messages for the registered devices (see the module)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        mqtt_url: str,
        tcp: str | None = None,
        http: str | None = None,
        vendor_keys: dict[str, str] | None = None,
        seed: int = 119,
    ) -> None:
        with factory() as session:
            rows = session.execute(
                select(Device.id, Device.vendor, Device.vendor_device_id, Device.kind)
            ).all()
        self.devices = [_Target(*row) for row in rows]
        self.random = random.Random(seed)  # noqa: S311 - simulated traffic, not secrets
        self.run_tag = uuid.uuid4().hex[:6]
        self.counter = 0
        self.faulty: set[int] = set()
        self.keys = vendor_keys or {}
        self.http = http
        host, _, port = mqtt_url.removeprefix("mqtt://").partition(":")
        self.mqtt = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sim-{self.run_tag}")
        self.mqtt.connect(host, int(port or 1883))
        self.mqtt.loop_start()
        self.tcp = tcp
        self.sockets: dict[int, socket.socket] = {}
        self.sent: Counter[str] = Counter()

    def _kind(self, target: _Target, alarm_share: float, fault_share: float) -> MessageKind:
        roll = self.random.random()
        if target.id in self.faulty and roll < 0.3:
            self.faulty.discard(target.id)
            return MessageKind.FAULT_CLEARED
        if roll < alarm_share:
            return MessageKind.FIRE_ALARM
        if roll < alarm_share + fault_share:
            self.faulty.add(target.id)
            return MessageKind.FAULT
        return MessageKind.HEARTBEAT

    def send(self, target: _Target, kind: MessageKind) -> None:
        """One message of ``target`` on its path."""
        self.counter += 1
        now = datetime.now(UTC)
        if target.vendor == g.VENDOR:
            if self.tcp is None:
                return
            self._frame(target, kind, now)
            self.sent[f"tcp.{kind.value}"] += 1
            return
        message_id = f"{self.run_tag}-{self.counter}"
        detail = {"fault": {"detail": "电池低电压"}, "fire_alarm": {"detail": "烟雾浓度超限"}}
        data: dict[str, Any] = detail.get(kind.value, {})
        if self.http and target.vendor in self.keys:
            body = json.dumps(
                {"messages": [{"device": target.name, "id": message_id, "type": kind.value}]}
            ).encode()
            stamp, nonce = str(int(time.time())), uuid.uuid4().hex
            signed = f"{stamp}\n{nonce}\n".encode() + body
            sig = hmac.new(self.keys[target.vendor].encode(), signed, hashlib.sha256).hexdigest()
            headers = {
                "X-Lanyan-Vendor": target.vendor,
                "X-Lanyan-Timestamp": stamp,
                "X-Lanyan-Nonce": nonce,
                "X-Lanyan-Signature": sig,
                "Content-Type": "application/json",
            }
            httpx.post(f"{self.http}/api/iot/push", content=body, headers=headers, timeout=10)
            self.sent[f"http.{kind.value}"] += 1
            return
        payload = encode(message_id, kind, now, **data)
        self.mqtt.publish(uplink_topic(target.vendor, target.name), payload, qos=1)
        self.sent[f"mqtt.{kind.value}"] += 1

    def _frame(self, target: _Target, kind: MessageKind, now: datetime) -> None:
        if kind is MessageKind.HEARTBEAT:
            data = b""
        else:
            names = {MessageKind.FIRE_ALARM: ("fire",), MessageKind.FAULT: ("fault",)}
            status = g.status_bits(*names.get(kind, ()))
            data = g.component_status_data(1, 1, 42, 1001, status, "1F 感烟探测器", now)
        frame = g.encode(
            g.Frame(
                serial=self.counter & 0xFFFF,
                command=g.SEND,
                source=int(target.name),
                destination=CENTRE_ADDRESS,
                sent_at=now,
                data=data,
            )
        )
        sock = self.sockets.get(target.id)
        if sock is None:
            assert self.tcp is not None
            host, _, port = self.tcp.partition(":")
            sock = socket.create_connection((host, int(port)), timeout=10)
            self.sockets[target.id] = sock
        sock.sendall(frame)
        sock.recv(64)  # the centre's confirmation

    def run(
        self, *, seconds: float, rate: float, alarm_share: float, fault_share: float
    ) -> dict[str, int]:
        """Send for ``seconds`` at ``rate`` messages per second; counts by path and kind."""
        if not self.devices:
            return {}
        end = time.monotonic() + seconds
        interval = 1.0 / rate
        next_at = time.monotonic()
        while time.monotonic() < end:
            target = self.random.choice(self.devices)
            self.send(target, self._kind(target, alarm_share, fault_share))
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        self.close()
        return dict(self.sent)

    def close(self) -> None:
        """Disconnect everything."""
        for sock in self.sockets.values():
            sock.close()
        self.mqtt.loop_stop()
        self.mqtt.disconnect()
