"""The MQTT :class:`~lanyan.live.transport.Transport` (paho-mqtt, MQTT 5, QoS 1).

``publish`` is called inside database commits (live events) and must neither block nor fail
there, whatever the broker does. So it only puts the message on a bounded in-memory queue; a
publisher thread hands it to paho while the broker is connected, and paho's own network thread
writes it, retries unacknowledged QoS 1 messages and reconnects with back-off. While the broker
is away the queue keeps up to ``queue_size`` messages, sent after reconnecting; newer ones are
dropped and counted, and the outage is logged once, not once per message.

Subscriptions use MQTT 5 *no local*: the broker does not echo a client's own messages back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import ssl
import threading
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from lanyan.live.transport import Handler, TransportStats, topic_matches

log = logging.getLogger(__name__)

QOS = 1
KEEPALIVE_S = 20


class MqttTransport:
    """A connection to an MQTT broker at ``url`` (``mqtt://[user:password@]host[:port]``)."""

    def __init__(self, url: str, *, client_id: str | None = None, queue_size: int = 1000) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"not an MQTT URL: {url!r} (mqtt://host:port)")
        self.host = parts.hostname
        self.port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self.client_id = client_id or f"lanyan-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        if parts.username:
            client.username_pw_set(unquote(parts.username), unquote(parts.password or ""))
        if parts.scheme == "mqtts":
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.max_queued_messages_set(10 * queue_size)  # a safety net: the outbox bounds it
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client
        self._outbox: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=queue_size)
        self._handlers: list[tuple[str, Handler]] = []
        self._pending_subacks: set[int] = set()
        self._ready = threading.Event()
        self._link_up = threading.Event()
        self._closing = False
        self._lock = threading.Lock()
        self._publisher: threading.Thread | None = None
        self._published = self._dropped = self._received = self._reconnects = 0
        self._connections = 0
        self._outage_logged = False

    # --- the Transport interface ---------------------------------------------------------------

    def subscribe(self, topic_filter: str, handler: Handler) -> None:
        """See :meth:`lanyan.live.transport.Transport.subscribe`."""
        with self._lock:
            self._handlers.append((topic_filter, handler))
        if self._client.is_connected():
            self._subscribe([topic_filter])

    def publish(self, topic: str, payload: bytes) -> None:
        """Queue ``payload`` for the broker; never blocks, never raises."""
        try:
            self._outbox.put_nowait((topic, payload))
        except queue.Full:
            self._drop("the publish queue is full")

    def start(self) -> None:
        """Connect in the background; an absent broker is retried every 1–10 s."""
        if self._publisher is not None:
            return
        self._publisher = threading.Thread(
            target=self._pump, name=f"mqtt-publish {self.client_id}", daemon=True
        )
        self._publisher.start()
        self._client.connect_async(self.host, self.port, keepalive=KEEPALIVE_S, clean_start=True)
        self._client.loop_start()

    def wait_ready(self, timeout_s: float) -> bool:
        """Whether the broker accepted the connection and every subscription."""
        return self._ready.wait(timeout_s)

    def close(self) -> None:
        """Send what is queued if the broker is there, disconnect, stop the threads."""
        if self._publisher is None:
            return
        self._closing = True
        with contextlib.suppress(queue.Full):  # a full outbox: the publisher sees _closing
            self._outbox.put_nowait(None)
        self._publisher.join(timeout=5)
        self._publisher = None
        self._client.disconnect()
        self._client.loop_stop()

    def stats(self) -> TransportStats:
        """See :meth:`lanyan.live.transport.Transport.stats`."""
        with self._lock:
            return TransportStats(
                self._client.is_connected(),
                self._published,
                self._dropped,
                self._received,
                self._reconnects,
            )

    # --- threads and paho callbacks -------------------------------------------------------------

    def _pump(self) -> None:
        while (item := self._outbox.get()) is not None:
            while not self._link_up.wait(0.5):  # hold it (and so fill the outbox) while away
                if self._closing:
                    self._drop("closed while the broker was away", self._outbox.qsize() + 1)
                    return
            topic, payload = item
            try:
                info = self._client.publish(topic, payload, qos=QOS)
            except (ValueError, OSError) as exc:
                self._drop(f"publish failed: {exc}")
                continue
            if info.rc == MQTTErrorCode.MQTT_ERR_QUEUE_SIZE:
                self._drop("the broker does not acknowledge")
                continue
            # MQTT_ERR_NO_CONN: paho keeps the QoS 1 message and sends it after reconnecting
            with self._lock:
                self._published += 1

    def _drop(self, why: str, count: int = 1) -> None:
        with self._lock:
            self._dropped += count
            first = not self._outage_logged
            self._outage_logged = True
        if first:
            log.warning("MQTT %s:%s: messages are being dropped (%s)", self.host, self.port, why)

    def _subscribe(self, filters: list[str]) -> None:
        options = SubscribeOptions(qos=QOS, noLocal=True)
        for topic_filter in filters:
            rc, mid = self._client.subscribe(topic_filter, options=options)
            if rc == MQTTErrorCode.MQTT_ERR_SUCCESS and mid is not None:
                with self._lock:
                    self._pending_subacks.add(mid)

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        if reason.is_failure:
            log.warning("MQTT %s:%s refused the connection: %s", self.host, self.port, reason)
            return
        with self._lock:
            self._connections += 1
            if self._connections > 1:
                self._reconnects += 1
            self._outage_logged = False
            self._pending_subacks.clear()
            filters = sorted({f for f, _ in self._handlers})
        self._link_up.set()
        log.info("MQTT %s:%s connected (%s)", self.host, self.port, self.client_id)
        if filters:
            self._subscribe(filters)  # clean start: the broker forgot them
        else:
            self._ready.set()

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: list[ReasonCode], props: Any
    ) -> None:
        if any(r.is_failure for r in reasons):
            log.error("MQTT %s:%s refused a subscription: %s", self.host, self.port, reasons)
            return
        with self._lock:
            self._pending_subacks.discard(mid)
            done = not self._pending_subacks
        if done:
            self._ready.set()

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        with self._lock:
            first = not self._outage_logged
            self._outage_logged = True
        if first:
            log.warning("MQTT %s:%s is not reachable; retrying", self.host, self.port)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        self._link_up.clear()
        self._ready.clear()
        if reason.is_failure:
            log.warning("MQTT %s:%s lost (%s); reconnecting", self.host, self.port, reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self._received += 1
            handlers = [h for f, h in self._handlers if topic_matches(f, message.topic)]
        payload = bytes(message.payload)
        for handler in handlers:
            try:
                handler(message.topic, payload)
            except Exception:  # a bad message must not stop the network thread
                log.exception("MQTT handler of %s failed", message.topic)
