"""MQTT intake: devices publish on the broker, the intake worker stores every message once.

Topic ``lanyan/iot/<vendor>/<device>/up`` (``LANYAN_IOT_MQTT_TOPIC``), QoS 1, payload the JSON of
:mod:`lanyan.iot.wire`.

Nothing is lost while the worker is down: it connects with a fixed client id
(``LANYAN_IOT_MQTT_CLIENT_ID``) and ``clean_session`` false, so the broker keeps its
subscription and queues QoS 1 messages until it returns. Nothing is lost when the worker dies
mid-batch either: messages are acknowledged (PUBACK) only after the batch that stored them
committed; the broker redelivers anything unacknowledged after a reconnect, and the pipeline
stores a redelivered message once (device + message id).

The connection is :class:`~lanyan.iot.mqtt_link.MqttLink` (not paho): one thread reads what the
socket holds and parses it while the other commits the previous batch, and a batch's
acknowledgements go out in one write.

Several workers share the load with an MQTT shared subscription
(``LANYAN_IOT_MQTT_SHARE_GROUP=intake`` → ``$share/intake/lanyan/iot/+/+/up``): the broker gives
each message to one of them. Each worker needs its own client id then (``--client-id``).
Per device, one worker (one connection) keeps the device's order; across workers of a shared
group, order per device holds for messages of one batch window only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.iot.choices import Channel
from lanyan.iot.config import IotSettings, iot_settings
from lanyan.iot.mqtt_link import LinkClosed, MqttLink, Publish
from lanyan.iot.pipeline import STATS, IntakeStats, ingest
from lanyan.iot.schemas import Inbound
from lanyan.iot.wire import BadMessage, message_of, parse_json

log = logging.getLogger(__name__)
QOS = 1
KEEPALIVE_S = 20


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


@dataclass(frozen=True, slots=True)
class _Received:
    """A message as the reader took it: its connection (to acknowledge on), its packet id, and
    the parsed message."""

    link: MqttLink
    packet_id: int
    inbound: Inbound


class _Inbox:
    """Received messages between the reader and the writer, in arrival order."""

    def __init__(self) -> None:
        self._items: deque[_Received] = deque()
        self._ready = threading.Condition()

    def extend(self, items: list[_Received]) -> None:
        with self._ready:
            self._items.extend(items)
            self._ready.notify()

    def empty(self) -> bool:
        with self._ready:
            return not self._items

    def take(self, most: int, first_wait_s: float, fill_wait_s: float) -> list[_Received]:
        """Up to ``most`` items: waits ``first_wait_s`` for the first, then up to
        ``fill_wait_s`` for the batch to fill (a batch in a burst goes at once when full)."""
        with self._ready:
            if not self._items and not self._ready.wait(first_wait_s):
                return []
            deadline = time.monotonic() + fill_wait_s
            while len(self._items) < most:
                left = deadline - time.monotonic()
                if left <= 0 or not self._ready.wait(left):
                    break
            items = self._items
            return [items.popleft() for _ in range(min(most, len(items)))]


class MqttIntake:
    """The intake worker's broker connection: a reader thread (receive, parse) and writer
    threads (batch, commit, then acknowledge).

    The reader parses while the writers' batches are in the database, so the two overlap; the
    broker's in-flight window (``max_inflight_messages``) bounds how far the reader runs ahead.
    Several writers (``LANYAN_IOT_WRITERS``, 2 by default) overlap one batch's commit with the
    next batch's lookups and statements: on PostgreSQL the worker otherwise mostly waits for the
    database; on SQLite, which takes one write transaction at a time, the second writer still
    prepares its batch meanwhile (bench/iot.py: ~8,650 against ~7,300 msg/s with one). Each
    device belongs to one writer, so its messages are stored in order; the acknowledgements go
    out in arrival order (:meth:`MqttLink.ack`).
    """

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
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password or "") if parts.username else None
        self.writers = self.settings.writers
        self._inboxes = [_Inbox() for _ in range(self.writers)]
        self._stop = threading.Event()
        self._reader_stop = threading.Event()
        self._ready = threading.Event()
        self._link: MqttLink | None = None
        self._threads: list[threading.Thread] = []

    # --- life ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect (retrying while the broker is away) and start writing batches."""
        log.info(
            "MQTT intake %s connecting to %s:%s, %d writer(s)",
            self.client_id,
            self.host,
            self.port,
            self.writers,
        )
        self._threads = [threading.Thread(target=self._read_loop, name="iot-mqtt", daemon=True)]
        self._threads += [
            threading.Thread(
                target=self._write_loop, args=(inbox,), name=f"iot-intake-{n}", daemon=True
            )
            for n, inbox in enumerate(self._inboxes)
        ]
        for thread in self._threads:
            thread.start()

    def wait_ready(self, timeout_s: float) -> bool:
        """Whether the broker accepted the connection and the subscription."""
        return self._ready.wait(timeout_s)

    def stop(self) -> None:
        """Write and acknowledge what was received, then disconnect (the broker keeps the
        session)."""
        self._reader_stop.set()
        if self._threads:
            self._threads[0].join(timeout=10)
        self._stop.set()
        for thread in self._threads[1:]:
            thread.join(timeout=10)
        if self._link is not None:
            self._link.close()

    # --- the reader ------------------------------------------------------------------------------

    def _connect(self) -> MqttLink | None:
        link = MqttLink(
            self.host,
            self.port,
            self.client_id,
            keepalive_s=KEEPALIVE_S,
            clean_session=False,
            username=self._username,
            password=self._password,
        )
        try:
            # subscribing again on a resumed session is harmless and covers a broker that lost it
            early = link.open(topic_filter(self.settings))
        except LinkClosed as exc:
            log.warning("MQTT %s:%s: %s", self.host, self.port, exc)
            return None
        self._link = link
        self._take(link, early)
        return link

    def _read_loop(self) -> None:
        delay = 1.0
        link: MqttLink | None = None
        while not self._reader_stop.is_set():
            if link is None or link.closed:
                link = self._connect()
                if link is None:
                    self._reader_stop.wait(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                delay = 1.0
            try:
                received = link.read(0.2)
            except LinkClosed as exc:
                log.warning("MQTT %s:%s: %s; connecting again", self.host, self.port, exc)
                link = None
                continue
            if link.subscribed.is_set() and not self._ready.is_set():
                log.info("MQTT intake %s subscribed to %s", self.client_id, link.topic_filter)
                self._ready.set()
            if received:
                self._take(link, received)

    def _take(self, link: MqttLink, received: list[Publish]) -> None:
        """Parse and hand to the writers: a device's messages always to the same one."""
        shares: list[list[_Received]] = [[] for _ in self._inboxes]
        refused: list[int] = []
        n = len(shares)
        for publish in received:
            inbound = self._parse(publish)
            if inbound is None:
                refused.append(publish.packet_id)
            else:
                writer = hash(inbound.device) % n if n > 1 else 0
                shares[writer].append(_Received(link, publish.packet_id, inbound))
        for inbox, share in zip(self._inboxes, shares, strict=True):
            if share:
                inbox.extend(share)
        if refused:  # nothing to store: done now (they would only come back)
            link.ack(refused)

    def _parse(self, item: Publish) -> Inbound | None:
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
        inbound.ack = item.packet_id
        return inbound

    # --- the writers -----------------------------------------------------------------------------

    def _write_loop(self, inbox: _Inbox) -> None:
        cfg = self.settings
        while not (self._stop.is_set() and inbox.empty()):
            received = inbox.take(cfg.max_batch, 0.2, cfg.batch_wait_ms / 1000)
            if not received:
                continue
            inbound = [item.inbound for item in received]
            while True:
                try:
                    with self.factory() as session:
                        ingest(session, inbound, settings=cfg, stats=self.stats)
                    break
                except SQLAlchemyError:
                    # the database is away: keep the batch unacknowledged and try again; the
                    # broker holds everything behind it
                    log.exception("intake batch failed; retrying")
                    if self._stop.wait(1.0):
                        return
            # commit, then acknowledge. A message of a connection that has gone since is not
            # acknowledged: the broker redelivers it and the pipeline stores it once.
            by_link: dict[int, tuple[MqttLink, list[int]]] = {}
            for item in received:
                if item.packet_id:
                    by_link.setdefault(id(item.link), (item.link, []))[1].append(item.packet_id)
            for link, packet_ids in by_link.values():
                link.ack(packet_ids)
