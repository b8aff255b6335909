"""Message transports: publish bytes on a topic, receive what matches a topic filter.

The live event bus (:mod:`lanyan.live.bus`) and device alarm intake carry their messages through
a :class:`Transport`, so that the logic above it is tested without a broker. Two implementations:

- :class:`MemoryTransport` on a :class:`MemoryBroker`: in one process, synchronous, for the
  zero-setup demo and for tests of pure logic (two transports on one broker behave like two
  processes on one real broker);
- :class:`lanyan.live.mqtt.MqttTransport`: the real broker (MQTT, QoS 1).

Topics and filters follow MQTT: levels separated by ``/``, ``+`` matches one level, a final
``#`` matches the rest.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]
"""Called with (topic, payload) for each message received; on the transport's own thread."""


@dataclass(frozen=True)
class TransportStats:
    """What a transport has done since it started (for health pages, logs and tests)."""

    connected: bool
    published: int
    dropped: int
    """Messages given to :meth:`Transport.publish` that were not sent (broker away, queue full)."""
    received: int
    reconnects: int


class Transport(Protocol):
    """A connection to a message broker."""

    def subscribe(self, topic_filter: str, handler: Handler) -> None:
        """Call ``handler`` for every message on a topic matching ``topic_filter``.

        Subscriptions made before :meth:`start` are in place once :meth:`wait_ready` returns true,
        and are renewed after every reconnect.
        """

    def publish(self, topic: str, payload: bytes) -> None:
        """Send ``payload``; returns at once and never raises (a failure is counted and logged)."""

    def start(self) -> None:
        """Connect (in the background; a broker that is away is retried)."""

    def wait_ready(self, timeout_s: float) -> bool:
        """Whether the transport is connected and subscribed, waiting up to ``timeout_s``."""

    def close(self) -> None:
        """Disconnect and stop every background thread."""

    def stats(self) -> TransportStats:
        """Counters since start."""


def topic_matches(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` matches the MQTT ``topic_filter`` (``+`` one level, ``#`` the rest)."""
    want = topic_filter.split("/")
    have = topic.split("/")
    for i, level in enumerate(want):
        if level == "#":
            return i == len(want) - 1
        if i >= len(have) or (level != "+" and level != have[i]):
            return False
    return len(want) == len(have)


class MemoryBroker:
    """An in-process broker: every message reaches every matching subscription, at once."""

    def __init__(self) -> None:
        self._subscriptions: list[tuple[str, Handler]] = []
        self._lock = threading.Lock()

    def add(self, topic_filter: str, handler: Handler) -> None:
        """Register a subscription."""
        with self._lock:
            self._subscriptions.append((topic_filter, handler))

    def remove(self, handler: Handler) -> None:
        """Forget every subscription of ``handler``."""
        with self._lock:
            self._subscriptions = [(f, h) for f, h in self._subscriptions if h != handler]

    def route(self, topic: str, payload: bytes) -> int:
        """Deliver to every matching subscription; how many received it."""
        with self._lock:
            targets = [h for f, h in self._subscriptions if topic_matches(f, topic)]
        for handler in targets:
            try:
                handler(topic, payload)
            except Exception:  # one subscriber's bug must not stop the others' messages
                log.exception("memory transport: a handler of %s failed", topic)
        return len(targets)


class MemoryTransport:
    """A :class:`Transport` on a :class:`MemoryBroker` (a private one unless given)."""

    def __init__(self, broker: MemoryBroker | None = None) -> None:
        self.broker = broker or MemoryBroker()
        self._handlers: list[tuple[str, Handler]] = []
        self._started = False
        self._published = 0
        self._received = 0
        self._lock = threading.Lock()

    def subscribe(self, topic_filter: str, handler: Handler) -> None:
        """See :meth:`Transport.subscribe`."""

        def counted(topic: str, payload: bytes) -> None:
            with self._lock:
                self._received += 1
            handler(topic, payload)

        self._handlers.append((topic_filter, counted))
        if self._started:
            self.broker.add(topic_filter, counted)

    def publish(self, topic: str, payload: bytes) -> None:
        """See :meth:`Transport.publish`."""
        with self._lock:
            self._published += 1
        self.broker.route(topic, payload)

    def start(self) -> None:
        """See :meth:`Transport.start`."""
        if not self._started:
            self._started = True
            for topic_filter, handler in self._handlers:
                self.broker.add(topic_filter, handler)

    def wait_ready(self, timeout_s: float) -> bool:
        """See :meth:`Transport.wait_ready`."""
        return self._started

    def close(self) -> None:
        """See :meth:`Transport.close`."""
        self._started = False
        for _, handler in self._handlers:
            self.broker.remove(handler)

    def stats(self) -> TransportStats:
        """See :meth:`Transport.stats`."""
        with self._lock:
            return TransportStats(self._started, self._published, 0, self._received, 0)
