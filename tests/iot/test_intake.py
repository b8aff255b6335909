"""The one intake pipeline, MQTT on the real broker (persistent session), the signed HTTP push."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.iot.choices import AlarmStatus, Channel, MessageKind
from lanyan.iot.config import IotSettings, iot_settings
from lanyan.iot.models import Device, DeviceAlarm
from lanyan.iot.mqtt_intake import MqttIntake, forget_session, uplink_topic
from lanyan.iot.pipeline import IntakeStats, ingest
from lanyan.iot.schemas import Inbound
from lanyan.iot.wire import encode
from tests.factories import World
from tests.iot.helpers import (
    count_stored,
    factory_of,
    make_device,
    publisher,
    stored,
    wait_for,
)


def _msg(device: str, mid: str, kind: MessageKind, **data: object) -> Inbound:
    return Inbound(
        vendor="acme",
        device=device,
        message_id=mid,
        kind=kind,
        channel=Channel.MQTT,
        sent_at=datetime.now(UTC),
        data=dict(data) or None,
    )


def test_every_message_is_stored_once_in_order_and_acted_on(
    app_client: TestClient, world: World
) -> None:
    factory = factory_of(app_client)
    device_id, name = make_device(factory, world.a.premises_id)
    stats = IntakeStats()
    batch = [
        _msg(name, "1", MessageKind.HEARTBEAT),
        _msg(name, "2", MessageKind.FIRE_ALARM, detail="2F 感烟"),
        _msg(name, "3", MessageKind.FIRE_ALARM, detail="2F 感烟"),
        _msg(name, "2", MessageKind.FIRE_ALARM),  # the same message twice in one batch
        _msg(name, "4", MessageKind.FAULT, detail="探测器污染"),
        _msg("no-such-device", "1", MessageKind.HEARTBEAT),
    ]
    with factory() as session:
        first = ingest(session, batch, stats=stats)
    assert (first.accepted, first.duplicates, dict(first.rejected)) == (
        4,
        1,
        {"unknown_device": 1},
    )
    with factory() as session:  # the whole batch again, as after a crash before the ack
        again = ingest(session, batch, stats=stats)
    assert (again.accepted, again.duplicates) == (0, 5)
    assert stored(factory, device_id) == ["1", "2", "3", "4"]
    with factory() as session:
        device = session.get(Device, device_id)
        assert device is not None
        assert device.online and device.fault_since is not None
        assert device.fault_detail == "探测器污染"
        alarms = session.scalars(select(DeviceAlarm).where(DeviceAlarm.device_id == device_id))
        (alarm,) = alarms.all()
    assert alarm.status is AlarmStatus.PENDING
    assert alarm.repeats == 1, "two fire messages within the window are one alarm"
    assert stats.snapshot()["duplicates"] == 6


def test_an_alarm_after_the_window_is_a_new_alarm(app_client: TestClient, world: World) -> None:
    factory = factory_of(app_client)
    device_id, name = make_device(factory, world.a.premises_id)
    settings = IotSettings(dedupe_window_s=60)
    early = _msg(name, "a", MessageKind.FIRE_ALARM)
    late = _msg(name, "b", MessageKind.FIRE_ALARM)
    assert early.sent_at is not None
    late.sent_at = early.sent_at + timedelta(seconds=61)
    with factory() as session:
        ingest(session, [early], settings=settings, stats=None)
    with factory() as session:
        ingest(session, [late], settings=settings, stats=None)
    with factory() as session:
        count = len(
            session.scalars(select(DeviceAlarm).where(DeviceAlarm.device_id == device_id)).all()
        )
    assert count == 2


# --- MQTT on the real broker ---------------------------------------------------------------------


def test_messages_published_while_the_intake_is_down_arrive_when_it_returns(
    app_client: TestClient, world: World
) -> None:
    factory = factory_of(app_client)
    device_id, name = make_device(factory, world.a.premises_id)
    client_id = f"lanyan-test-intake-{uuid.uuid4().hex[:8]}"
    stats = IntakeStats()
    intake = MqttIntake("mqtt://127.0.0.1:1883", factory, client_id=client_id, stats=stats)
    intake.start()
    assert intake.wait_ready(10)
    device = publisher()
    topic = uplink_topic("acme", name)
    device.publish(topic, encode("up-1", MessageKind.HEARTBEAT), qos=1).wait_for_publish(5)
    assert wait_for(lambda: count_stored(factory, device_id) == 1)
    intake.stop()  # the consumer goes away; the broker keeps its session and queues

    for n in range(2, 52):
        device.publish(topic, encode(f"up-{n}", MessageKind.HEARTBEAT), qos=1).wait_for_publish(5)
    # bad input while it is away: counted and refused when it returns, never stops the rest
    device.publish(topic, b"{not json", qos=1).wait_for_publish(5)
    device.publish(topic, b"x" * (iot_settings().max_payload_bytes + 1), qos=1).wait_for_publish(5)
    unknown = uplink_topic("acme", "nobody")
    device.publish(unknown, encode("u-1", MessageKind.HEARTBEAT), qos=1).wait_for_publish(5)
    device.publish(topic, encode("up-52", MessageKind.FIRE_ALARM), qos=1).wait_for_publish(5)
    assert count_stored(factory, device_id) == 1

    back = MqttIntake("mqtt://127.0.0.1:1883", factory, client_id=client_id, stats=stats)
    back.start()
    try:
        assert wait_for(lambda: count_stored(factory, device_id) == 52)
        assert stored(factory, device_id) == [f"up-{n}" for n in range(1, 53)], "in order"
        assert wait_for(
            lambda: (
                stats.snapshot()["rejected"]
                == {"malformed_json": 1, "oversized": 1, "unknown_device": 1}
            )
        )
    finally:
        back.stop()
        device.loop_stop()
        device.disconnect()
        # leave no session behind on the shared broker
        forget_session("mqtt://127.0.0.1:1883", client_id)


# --- HTTP push -----------------------------------------------------------------------------------

KEY = "acme-secret-key"


@pytest.fixture
def vendor_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LANYAN_IOT_VENDOR_KEYS", json.dumps({"acme": KEY}))
    iot_settings.cache_clear()
    yield
    monkeypatch.delenv("LANYAN_IOT_VENDOR_KEYS")
    iot_settings.cache_clear()


def _signed(
    body: bytes, *, key: str = KEY, nonce: str | None = None, ts: int | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time()) if ts is None else ts)
    nonce = nonce or uuid.uuid4().hex
    mac = hmac.new(key.encode(), f"{timestamp}\n{nonce}\n".encode() + body, hashlib.sha256)
    return {
        "X-Lanyan-Vendor": "acme",
        "X-Lanyan-Timestamp": timestamp,
        "X-Lanyan-Nonce": nonce,
        "X-Lanyan-Signature": mac.hexdigest(),
        "Content-Type": "application/json",
    }


def test_the_http_push_takes_signed_messages_and_refuses_the_rest(
    app_client: TestClient, world: World, vendor_keys: None
) -> None:
    factory = factory_of(app_client)
    device_id, name = make_device(factory, world.a.premises_id)
    body = json.dumps(
        {
            "messages": [
                {"device": name, "id": "h-1", "type": "heartbeat", "at": "2026-12-06T04:00:00Z"},
                {"device": name, "id": "h-2", "type": "fault", "data": {"detail": "低电压"}},
                {"device": "nobody", "id": "h-3", "type": "heartbeat"},
                {"device": name, "id": "h-4", "type": "explosion"},
            ]
        }
    ).encode()
    headers = _signed(body)
    r = app_client.post("/api/iot/push", content=body, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == 2 and r.json()["rejected"] == 2
    assert stored(factory, device_id) == ["h-1", "h-2"]

    replay = app_client.post("/api/iot/push", content=body, headers=headers)
    assert replay.status_code == 409
    unsigned = app_client.post("/api/iot/push", content=body)
    assert unsigned.status_code == 401
    forged = app_client.post("/api/iot/push", content=body, headers=_signed(body, key="guess"))
    assert forged.status_code == 401
    stale = app_client.post(
        "/api/iot/push", content=body, headers=_signed(body, ts=int(time.time()) - 3600)
    )
    assert stale.status_code == 401
    tampered = body.replace(b"h-1", b"h-9")
    assert app_client.post("/api/iot/push", content=tampered, headers=headers).status_code == 401
    malformed = b"{not json"
    r = app_client.post("/api/iot/push", content=malformed, headers=_signed(malformed))
    assert r.status_code == 422
    big = b"[" + b" " * iot_settings().max_payload_bytes + b"]"
    r = app_client.post("/api/iot/push", content=big, headers=_signed(big))
    assert r.status_code == 413
    # the same messages in a new, correctly signed push are duplicates: stored once
    again = app_client.post("/api/iot/push", content=body, headers=_signed(body))
    assert again.status_code == 202 and again.json()["duplicates"] == 2
    assert stored(factory, device_id) == ["h-1", "h-2"]
    counters = app_client.get("/api/iot/intake", headers=world.headers("admin_a")).json()
    for reason in ("replay", "unsigned", "bad_signature", "stale", "malformed_json", "oversized"):
        assert counters["rejected"].get(reason, 0) >= 1, reason


def test_two_workers_share_one_subscription_without_double_processing(
    app_client: TestClient, world: World
) -> None:
    factory = factory_of(app_client)
    device_ids = [make_device(factory, world.a.premises_id) for _ in range(4)]
    group = f"test-{uuid.uuid4().hex[:6]}"
    settings = IotSettings(mqtt_share_group=group)
    workers = [
        MqttIntake(
            "mqtt://127.0.0.1:1883",
            factory,
            settings=settings,
            client_id=f"lanyan-test-share-{group}-{n}",
            stats=IntakeStats(),
        )
        for n in range(2)
    ]
    for worker in workers:
        worker.start()
        assert worker.wait_ready(10)
    device = publisher()
    try:
        for n in range(200):
            _, name = device_ids[n % 4]
            topic = uplink_topic("acme", name)
            device.publish(topic, encode(f"s-{n}", MessageKind.HEARTBEAT), qos=1).wait_for_publish(
                5
            )
        assert wait_for(lambda: sum(count_stored(factory, d) for d, _ in device_ids) == 200)
        assert wait_for(lambda: sum(w.stats.snapshot()["accepted"] for w in workers) == 200)
    finally:
        device.loop_stop()
        device.disconnect()
        for worker in workers:
            worker.stop()
            forget_session("mqtt://127.0.0.1:1883", worker.client_id)
    shares = [w.stats.snapshot() for w in workers]
    assert all(s["accepted"] > 0 for s in shares), "the broker gave both workers a share"
    assert sum(s["duplicates"] for s in shares) == 0, "no message went to both"


def test_the_sweep_forgets_nonces_that_can_no_longer_be_replayed(
    app_client: TestClient, world: World
) -> None:
    from lanyan.iot import service
    from lanyan.iot.models import PushNonce

    factory = factory_of(app_client)
    now = datetime.now(UTC)
    with factory() as session:
        session.add_all(
            [
                PushNonce(vendor="acme", nonce="old-nonce-1", seen_at=now - timedelta(hours=1)),
                PushNonce(vendor="acme", nonce="new-nonce-1", seen_at=now),
            ]
        )
        session.commit()
    with factory() as session:
        service.sweep(session, settings=IotSettings(push_tolerance_s=300), now=now)
        session.commit()
        left = set(session.scalars(select(PushNonce.nonce)))
    assert "old-nonce-1" not in left and "new-nonce-1" in left
