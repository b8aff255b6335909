"""Live events across processes: a relay between this process's event bus and a broker.

``LANYAN_EVENT_BUS=memory`` (the default, the zero-setup demo) keeps events in the process that
committed them. ``LANYAN_EVENT_BUS=mqtt`` starts a :class:`BrokerRelay` on the broker at
``LANYAN_MQTT_URL`` when the app starts: every event committed here is delivered to this process's
consoles at once *and* published once on ``<LANYAN_MQTT_TOPIC_PREFIX>/events``; every event
another process published arrives from the broker and is delivered to the consoles here. Each
event carries its organization paths, so each process filters for its own subscribers exactly as
for local events.

Why deliver locally and not only through the broker: a console on the same process as the
dispatcher keeps receiving its events while the broker is away, and pays no broker round trip.
A process must then not deliver its own events a second time; its subscription is MQTT 5
*no local* (the broker does not send them back) and, should a transport echo anyway, the
``origin`` stamped on every message drops them.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from lanyan.core import changes
from lanyan.core.config import Settings
from lanyan.core.events import BUS, Event, EventBus
from lanyan.live.mqtt import MqttTransport
from lanyan.live.transport import MemoryTransport, Transport, TransportStats

log = logging.getLogger(__name__)

FORMAT = 1
READY_WAIT_S = 3.0
"""How long start-up waits for the broker (the app starts anyway and keeps retrying)."""


def encode(item: Event, origin: str) -> bytes:
    """An event as the JSON message other processes decode."""
    message = {
        "v": FORMAT,
        "origin": origin,
        "type": item.type,
        "data": item.data,
        "org_path": item.org_path,
        "also_paths": list(item.also_paths),
    }
    return json.dumps(message, ensure_ascii=False, default=str).encode()


def decode(payload: bytes) -> tuple[str, Event]:
    """The origin and event of a message; ValueError if it is not one."""
    try:
        message: dict[str, Any] = json.loads(payload)
        if message.get("v") != FORMAT:
            raise ValueError(f"unknown event format {message.get('v')!r}")
        data = message["data"]
        paths = message["also_paths"]
        if not isinstance(data, dict) or not isinstance(paths, list):
            raise ValueError("malformed event")
        item = Event(str(message["type"]), data, str(message["org_path"]), tuple(map(str, paths)))
        return str(message["origin"]), item
    except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a live event: {exc}") from exc


@dataclass(frozen=True)
class RelayStats:
    """What a relay has carried (and the transport's own counters)."""

    forwarded: int
    delivered: int
    own_echoes: int
    malformed: int
    transport: TransportStats


class BrokerRelay:
    """Forwards ``bus``'s committed events to ``topic`` and delivers other processes' events."""

    def __init__(self, bus: EventBus, transport: Transport, topic: str) -> None:
        self.bus = bus
        self.transport = transport
        self.topic = topic
        self.origin = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._forwarded = self._delivered = self._own = self._malformed = 0

    def start(self) -> None:
        """Subscribe, connect and attach to the bus."""
        self.transport.subscribe(self.topic, self._received)
        self.transport.start()
        self.bus.attach(self)

    def close(self) -> None:
        """Detach from the bus and disconnect."""
        self.bus.detach(self)
        self.transport.close()

    def forward(self, item: Event) -> None:
        """Publish an event committed in this process (never blocks: see the transport)."""
        self.transport.publish(self.topic, encode(item, self.origin))
        with self._lock:
            self._forwarded += 1

    def _received(self, topic: str, payload: bytes) -> None:
        try:
            origin, item = decode(payload)
        except ValueError:
            with self._lock:
                self._malformed += 1
            log.warning("ignored a malformed message on %s", topic)
            return
        if origin == self.origin:  # delivered locally when it was committed
            with self._lock:
                self._own += 1
            return
        changes.note_remote_event()  # answers kept by lanyan.api.cache are out of date
        self.bus.deliver(item)
        with self._lock:
            self._delivered += 1

    def stats(self) -> RelayStats:
        """Counters since start."""
        with self._lock:
            counts = (self._forwarded, self._delivered, self._own, self._malformed)
        return RelayStats(*counts, transport=self.transport.stats())


def make_transport(settings: Settings) -> Transport:
    """The transport ``LANYAN_EVENT_BUS`` names (memory: private to this process)."""
    if settings.event_bus == "mqtt":
        return MqttTransport(settings.mqtt_url)
    return MemoryTransport()


def events_topic(settings: Settings) -> str:
    """The topic live events travel on."""
    return f"{settings.mqtt_topic_prefix.rstrip('/')}/events"


@dataclass
class _ProcessRelay:
    """The process's one relay; several apps in one process (tests, sub-apps) share it."""

    relay: BrokerRelay | None = None
    apps: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, settings: Settings) -> tuple[BrokerRelay, bool]:
        """The relay, started now (True) or already running (False)."""
        with self.lock:
            self.apps += 1
            if self.relay is not None:
                if self.relay.topic != events_topic(settings):
                    log.warning(
                        "a second app in this process shares the relay on %s", self.relay.topic
                    )
                return self.relay, False
            self.relay = BrokerRelay(BUS, make_transport(settings), events_topic(settings))
            self.relay.start()
            return self.relay, True

    def release(self) -> BrokerRelay | None:
        """The relay to close when the last app using it stops, else None."""
        with self.lock:
            self.apps -= 1
            relay, self.relay = (self.relay, None) if self.apps == 0 else (None, self.relay)
            return relay


_PROCESS_RELAY = _ProcessRelay()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """With ``LANYAN_EVENT_BUS=mqtt``, relay live events through the broker while the app runs."""
    settings: Settings = app.state.settings
    if settings.event_bus != "mqtt":
        yield
        return
    relay, started = _PROCESS_RELAY.acquire(settings)
    app.state.event_relay = relay
    if started and not await run_in_threadpool(relay.transport.wait_ready, READY_WAIT_S):
        log.warning(
            "MQTT broker %s not ready after %.0f s; live events of other processes will arrive "
            "once it answers (this process's consoles get their own events meanwhile)",
            settings.mqtt_url,
            READY_WAIT_S,
        )
    try:
        yield
    finally:
        app.state.event_relay = None
        last = _PROCESS_RELAY.release()
        if last is not None:
            await run_in_threadpool(last.close)
