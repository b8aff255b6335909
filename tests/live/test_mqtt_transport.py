"""The MQTT transport against a real Mosquitto: publishing never blocks, an outage is survived.

A private broker (``mosquitto -p <free port>``) is started for this module so it can be stopped
and started again without disturbing anyone else's. Publishing while it is down returns at once
and raises nothing (it runs inside database commits); messages beyond the bounded queue are
dropped and counted; when the broker is back both clients reconnect, resubscribe and carry
messages again. Two apps in one process share the process's one relay.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.core.events import BUS, Event
from lanyan.live.mqtt import MqttTransport
from tests.live.served import free_port

TOPIC = "lanyan-test/transport"
RECONNECT_WITHIN_S = 25.0  # paho's back-off is 1, 2, 4, 8, 10 s


class Broker:
    """A Mosquitto process on a port of its own."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        executable = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        assert Path(executable).exists(), (
            "mosquitto is needed (Debian: apt-get install mosquitto); scripts/ensure-services.sh"
        )
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [executable, "-p", str(self.port)], stdout=out, stderr=subprocess.STDOUT
            )
        probe = MqttTransport(f"mqtt://127.0.0.1:{self.port}")
        probe.start()
        try:
            assert probe.wait_ready(10), f"mosquitto did not start: {self.log.read_text()[-500:]}"
        finally:
            probe.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(free_port(), tmp_path / "mosquitto.log")
    b.start()
    yield b
    b.stop()


class Inbox:
    def __init__(self) -> None:
        self.payloads: list[bytes] = []
        self.changed = threading.Condition()

    def __call__(self, topic: str, payload: bytes) -> None:
        with self.changed:
            self.payloads.append(payload)
            self.changed.notify_all()

    def wait_for(self, payload: bytes, timeout_s: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: payload in self.payloads, timeout_s)


def test_publishing_survives_a_broker_outage(broker: Broker) -> None:
    url = f"mqtt://127.0.0.1:{broker.port}"
    sender = MqttTransport(url, queue_size=50)
    receiver = MqttTransport(url)
    inbox = Inbox()
    receiver.subscribe(TOPIC, inbox)
    sender.start()
    receiver.start()
    try:
        assert sender.wait_ready(10)
        assert receiver.wait_ready(10)
        sender.publish(TOPIC, b"before")
        assert inbox.wait_for(b"before", 2)

        broker.stop()
        deadline = time.monotonic() + 10
        while sender.stats().connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not sender.stats().connected
        slowest = 0.0
        for i in range(500):  # far more than the queues hold
            started = time.perf_counter()
            sender.publish(TOPIC, f"during {i}".encode())
            slowest = max(slowest, time.perf_counter() - started)
        print(f"\nslowest publish with the broker down: {slowest * 1e6:.0f} µs")
        assert slowest < 0.05, f"a publish blocked for {slowest * 1000:.0f} ms"
        deadline = time.monotonic() + 5
        while sender.stats().dropped == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sender.stats().dropped > 0, "nothing was counted as dropped"

        broker.start()
        assert sender.wait_ready(RECONNECT_WITHIN_S), "the sender did not reconnect"
        assert receiver.wait_ready(RECONNECT_WITHIN_S), "the receiver did not resubscribe"
        sender.publish(TOPIC, b"after")
        assert inbox.wait_for(b"after", 2), "nothing arrives after the broker came back"
        assert sender.stats().reconnects >= 1
        assert receiver.stats().reconnects >= 1
    finally:
        sender.close()
        receiver.close()


def test_an_absent_broker_never_blocks_publishing() -> None:
    transport = MqttTransport(f"mqtt://127.0.0.1:{free_port()}", queue_size=10)
    started = time.perf_counter()
    transport.start()
    for i in range(100):
        transport.publish(TOPIC, str(i).encode())
    elapsed = time.perf_counter() - started
    try:
        assert elapsed < 0.5, f"start and 100 publishes took {elapsed:.2f} s"
        assert not transport.wait_ready(0.5)
        deadline = time.monotonic() + 5
        while transport.stats().dropped < 80 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert transport.stats().dropped >= 80  # 10 held by paho for later, 10 queued at most
    finally:
        transport.close()


def test_apps_in_one_process_share_one_relay(broker: Broker, tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        event_bus="mqtt",
        mqtt_url=f"mqtt://127.0.0.1:{broker.port}",
        mqtt_topic_prefix="lanyan-test-share",
    )
    first, second = create_app(settings), create_app(settings)
    with TestClient(first):
        relay = first.state.event_relay
        assert relay is not None and relay.transport.stats().connected
        with TestClient(second):
            assert second.state.event_relay is relay
        assert relay.transport.stats().connected, "the second app closed the shared relay"
        BUS.publish(Event("test.shared", {}, "/"))
        deadline = time.monotonic() + 2
        while relay.stats().transport.published == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert relay.stats().forwarded == 1
    assert not relay.transport.stats().connected
    BUS.publish(Event("test.shared", {}, "/"))
    assert relay.stats().forwarded == 1, "the bus still forwards after the last app stopped"
