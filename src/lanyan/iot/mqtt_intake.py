"""MQTT intake: devices publish on the broker, the intake worker stores every message once.

Topic ``lanyan/iot/<vendor>/<device>/up`` (``LANYAN_IOT_MQTT_TOPIC``), QoS 1, payload the JSON of
:mod:`lanyan.iot.wire`.

Nothing is lost while the worker is down: it connects with a fixed client id
(``LANYAN_IOT_MQTT_CLIENT_ID``) and ``clean_session`` false, so the broker keeps its
subscription and queues QoS 1 messages until it returns. Nothing is lost when the worker dies
mid-batch either: messages are acknowledged (PUBACK, paho's manual ack) only after the batch
that stored them committed; the broker redelivers anything unacknowledged after a reconnect, and
the pipeline stores a redelivered message once (device + message id).

Several workers share the load with an MQTT shared subscription
(``LANYAN_IOT_MQTT_SHARE_GROUP=intake`` → ``$share/intake/lanyan/iot/+/+/up``): the broker gives
each message to one of them. Each worker needs its own client id then (``--client-id``).
Per device, one worker (one connection) keeps the device's order; across workers of a shared
group, order per device holds for messages of one batch window only.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.iot.choices import Channel
from lanyan.iot.config import IotSettings, iot_settings
from lanyan.iot.pipeline import STATS, IntakeStats, ingest
from lanyan.iot.schemas import Inbound
from lanyan.iot.wire import BadMessage, message_of, parse_json

log = logging.getLogger(__name__)
QOS = 1


def topic_filter(settings: IotSettings) -> str:
    """The subscription: the uplink topic, inside the shared group when one is set."""
    if settings.mqtt_share_group:
        return f"$share/{settings.mqtt_share_group}/{settings.mqtt_topic}"
    return settings.mqtt_topic


def uplink_topic(vendor: str, device: str, prefix: str = "lanyan/iot") -> str:
    """Where a device publishes."""
    return f"{prefix}/{vendor}/{device}/up"


def forget_session(url: str, client_id: str, *, timeout_s: float = 5.0) -> None:
    """Make the broker drop the persistent session (and its queue) of ``client_id``.

    For a retired intake worker: its queue would otherwise grow on the broker for ever.
    """
    parts = urlsplit(url)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=MQTTProtocolVersion.MQTTv311,
        clean_session=True,
    )
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
    client.loop_start()
    end = time.monotonic() + timeout_s
    while not client.is_connected() and time.monotonic() < end:
        time.sleep(0.02)
    client.disconnect()
    client.loop_stop()


@dataclass(frozen=True)
class _Received:
    topic: str
    payload: bytes
    mid: int


class MqttIntake:
    """The intake worker's broker connection and its batch writer thread."""

    def __init__(
        self,
        url: str,
        factory: sessionmaker[Session],
        *,
        settings: IotSettings | None = None,
        client_id: str | None = None,
        stats: IntakeStats = STATS,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise ValueError(f"not an MQTT URL: {url!r} (mqtt://host:port)")
        self.settings = settings or iot_settings()
        self.factory = factory
        self.stats = stats
        self.host, self.port = parts.hostname, parts.port or 1883
        self.client_id = client_id or self.settings.mqtt_client_id
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=MQTTProtocolVersion.MQTTv311,
            clean_session=False,
            manual_ack=True,
        )
        if parts.username:
            client.username_pw_set(unquote(parts.username), unquote(parts.password or ""))
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self._client = client
        self._inbox: queue.Queue[_Received] = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._writer: threading.Thread | None = None
        self._prefix_levels = self.settings.mqtt_topic.count("/") - 2  # before <vendor>

    # --- life ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect (retrying while the broker is away) and start writing batches."""
        self._writer = threading.Thread(target=self._write_loop, name="iot-intake", daemon=True)
        self._writer.start()
        self._client.connect_async(self.host, self.port, keepalive=20)
        self._client.loop_start()

    def wait_ready(self, timeout_s: float) -> bool:
        """Whether the broker accepted the connection and the subscription."""
        return self._ready.wait(timeout_s)

    def stop(self) -> None:
        """Write what was received, then disconnect (the broker keeps the session)."""
        self._stop.set()
        if self._writer is not None:
            self._writer.join(timeout=10)
        self._client.disconnect()
        self._client.loop_stop()

    # --- paho callbacks --------------------------------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            log.warning("MQTT %s:%s refused the intake: %s", self.host, self.port, reason)
            return
        # subscribing again on a resumed session is harmless and covers a broker that lost it
        client.subscribe(topic_filter(self.settings), qos=QOS)

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any
    ) -> None:
        self._ready.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(_Received(message.topic, bytes(message.payload), message.mid))

    # --- the writer ------------------------------------------------------------------------------

    def _parse(self, item: _Received) -> Inbound | None:
        levels = item.topic.split("/")
        try:
            vendor, device = levels[-3], levels[-2]
            document = parse_json(item.payload, max_bytes=self.settings.max_payload_bytes)
            inbound = message_of(document, vendor=vendor, device=device, channel=Channel.MQTT)
        except BadMessage as exc:
            self.stats.refuse(exc.reason)
            log.info("refused a message on %s: %s", item.topic, exc)
            return None
        except IndexError:
            self.stats.refuse("invalid")
            return None
        inbound.ack = item.mid
        return inbound

    def _next_batch(self) -> list[_Received]:
        try:
            first = self._inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.settings.batch_wait_ms / 1000
        while len(batch) < self.settings.max_batch:
            try:
                batch.append(self._inbox.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _write_loop(self) -> None:
        while not (self._stop.is_set() and self._inbox.empty()):
            received = self._next_batch()
            if not received:
                continue
            parsed = [self._parse(item) for item in received]
            inbound = [m for m in parsed if m is not None]
            while True:
                try:
                    with self.factory() as session:
                        ingest(session, inbound, settings=self.settings, stats=self.stats)
                    break
                except SQLAlchemyError:
                    # the database is away: keep the batch unacknowledged and try again; the
                    # broker holds everything behind it
                    log.exception("intake batch failed; retrying")
                    if self._stop.wait(1.0):
                        return
            for item in received:  # refused ones too: they would only come back
                self._client.ack(item.mid, QOS)
