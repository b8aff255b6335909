"""The intake's own MQTT 3.1.1 link: packets cut right from any chunking, acknowledgements in
arrival order whichever writer finishes first, refusals end the connection; and several writers
keep each device's order on the real broker."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lanyan.iot.choices import MessageKind
from lanyan.iot.config import IotSettings
from lanyan.iot.mqtt_intake import MqttIntake, forget_session, uplink_topic
from lanyan.iot.mqtt_link import (
    LinkClosed,
    MqttLink,
    PacketReader,
    Publish,
    connect_packet,
    puback_packets,
    subscribe_packet,
)
from lanyan.iot.pipeline import IntakeStats
from lanyan.iot.wire import encode
from tests.factories import World
from tests.iot.helpers import factory_of, make_device, publisher, stored, wait_for


def _publish(topic: str, payload: bytes, packet_id: int = 0) -> bytes:
    """A PUBLISH as a broker sends it (QoS 1 when it has a packet id)."""
    body = len(topic).to_bytes(2, "big") + topic.encode()
    if packet_id:
        body += packet_id.to_bytes(2, "big")
    body += payload
    length, n = bytearray(), len(body)
    while True:
        digit, n = n & 0x7F, n >> 7
        length.append(digit | (0x80 if n else 0))
        if not n:
            break
    return bytes([0x32 if packet_id else 0x30]) + bytes(length) + body


STREAM = (
    b"\x20\x02\x01\x00"  # CONNACK, session present
    + _publish("lanyan/iot/acme/D1/up", b'{"id": "1"}', 1)
    + _publish("lanyan/iot/acme/D2/up", b"x" * 300, 2)  # two-byte remaining length
    + b"\xd0\x00"  # PINGRESP
    + _publish("lanyan/iot/acme/D1/up", b"y" * 20_000, 65535)  # three-byte length
    + b"\x90\x03\x00\x01\x01"  # SUBACK, QoS 1 granted
    + _publish("lanyan/iot/acme/D3/up", b"qos0")
)
EXPECTED = [
    Publish("lanyan/iot/acme/D1/up", b'{"id": "1"}', 1),
    Publish("lanyan/iot/acme/D2/up", b"x" * 300, 2),
    Publish("lanyan/iot/acme/D1/up", b"y" * 20_000, 65535),
    Publish("lanyan/iot/acme/D3/up", b"qos0", 0),
]


@pytest.mark.parametrize("chunk", [1, 3, 7, 1000, len(STREAM)])
def test_packets_are_cut_the_same_whatever_the_chunks(chunk: int) -> None:
    reader = PacketReader()
    got: list[Publish] = []
    for start in range(0, len(STREAM), chunk):
        got += reader.feed(STREAM[start : start + chunk])
    assert got == EXPECTED
    assert reader.connack == (True, 0)
    assert reader.subacks == [b"\x01"]


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x34\x05\x00\x01a\x00\x01",  # QoS 2: never on a QoS 1 subscription
        b"\x30\xff\xff\xff\xff\x01",  # remaining length of five bytes
        b"\x10\x00",  # CONNECT from the broker
        b"\x20\x03\x00\x00\x00",  # CONNACK of the wrong length
    ],
)
def test_a_protocol_violation_ends_the_connection(garbage: bytes) -> None:
    with pytest.raises(LinkClosed):
        PacketReader().feed(garbage)


def test_packets_are_mqtt_3_1_1() -> None:
    assert connect_packet("c", keepalive_s=20, clean_session=False) == (
        b"\x10\x0d\x00\x04MQTT\x04\x00\x00\x14\x00\x01c"
    )
    assert connect_packet("c", keepalive_s=20, clean_session=True, username="u", password="p")[
        9
    ] == (0x80 | 0x40 | 0x02)
    assert subscribe_packet("a/#") == b"\x82\x08\x00\x01\x00\x03a/#\x01"
    assert puback_packets([1, 0, 258]) == b"\x40\x02\x00\x01\x40\x02\x01\x02"


class FakeBroker:
    """One connection on a real socket: answers CONNECT, sends what the test says, records what
    the link sends."""

    def __init__(self, connack: bytes = b"\x20\x02\x00\x00") -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connack = connack
        self.received = bytearray()
        self.conn: socket.socket | None = None
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        self.conn = conn
        self.received += conn.recv(1024)  # CONNECT
        conn.sendall(self.connack)
        self.connected.set()
        try:
            while chunk := conn.recv(4096):
                self.received += chunk
        except OSError:  # close() closed the socket under this read: the test is over
            return

    def send(self, data: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(data)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def fake() -> Iterator[FakeBroker]:
    broker = FakeBroker()
    yield broker
    broker.close()


def _read_until(link: MqttLink, count: int) -> list[Publish]:
    got: list[Publish] = []
    for _ in range(50):
        got += link.read(0.1)
        if len(got) >= count:
            break
    return got


def test_acknowledgements_go_out_in_arrival_order(fake: FakeBroker) -> None:
    link = MqttLink("127.0.0.1", fake.port, "t-order", keepalive_s=60)
    link.open("lanyan/iot/+/+/up")
    assert fake.connected.wait(5)
    fake.send(b"\x90\x03\x00\x01\x01" + b"".join(_publish("t", b"m", pid) for pid in (5, 6, 7)))
    assert [p.packet_id for p in _read_until(link, 3)] == [5, 6, 7]
    assert link.subscribed.is_set()
    sent_before = len(fake.received)
    assert link.ack([6, 7])  # the second writer finished first: nothing may go yet
    assert link.ack([5])  # now all three, in order, in one write
    assert wait_for(lambda: len(fake.received) >= sent_before + 12, deadline_s=5)
    assert bytes(fake.received[sent_before:]).endswith(
        b"\x40\x02\x00\x05\x40\x02\x00\x06\x40\x02\x00\x07"
    )
    assert bytes(fake.received).startswith(b"\x10")  # CONNECT came first
    link.close()
    assert not link.ack([8]), "a closed link acknowledges nothing (the broker redelivers)"


def test_a_refused_connection_or_subscription_raises() -> None:
    refused = FakeBroker(connack=b"\x20\x02\x00\x05")
    try:
        with pytest.raises(LinkClosed, match="not authorized"):
            MqttLink("127.0.0.1", refused.port, "t-refused", keepalive_s=60).open("a/#")
    finally:
        refused.close()
    denied = FakeBroker()
    try:
        link = MqttLink("127.0.0.1", denied.port, "t-denied", keepalive_s=60)
        link.open("a/#")
        assert denied.connected.wait(5)
        denied.send(b"\x90\x03\x00\x01\x80")
        with pytest.raises(LinkClosed, match="refused the subscription"):
            _read_until(link, 1)
        assert link.closed
    finally:
        denied.close()


def test_several_writers_keep_each_devices_order_on_the_broker(
    app_client: TestClient, world: World
) -> None:
    factory = factory_of(app_client)
    devices = [make_device(factory, world.a.premises_id) for _ in range(5)]
    client_id = f"lanyan-test-writers-{uuid.uuid4().hex[:6]}"
    settings = IotSettings(writers=3, max_batch=7, batch_wait_ms=5)
    stats = IntakeStats()
    intake = MqttIntake(
        "mqtt://127.0.0.1:1883", factory, settings=settings, client_id=client_id, stats=stats
    )
    intake.start()
    device = publisher()
    try:
        assert intake.wait_ready(10)
        infos = [
            device.publish(
                uplink_topic("acme", devices[n % 5][1]),
                encode(f"w-{n:03d}", MessageKind.HEARTBEAT),
                qos=1,
            )
            for n in range(150)
        ]
        for info in infos:
            info.wait_for_publish(5)
        assert wait_for(lambda: stats.snapshot()["accepted"] == 150)
    finally:
        intake.stop()
        device.loop_stop()
        device.disconnect()
        forget_session("mqtt://127.0.0.1:1883", client_id)
    assert intake.writers == 3
    for k, (device_id, _) in enumerate(devices):
        assert stored(factory, device_id) == [f"w-{n:03d}" for n in range(k, 150, 5)]
    assert stats.snapshot()["duplicates"] == 0
