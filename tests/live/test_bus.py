"""The relay between a process's event bus and a broker, on the in-memory transport.

Two :class:`EventBus` instances on one :class:`MemoryBroker` stand for two processes on one
broker: an event committed in one reaches the other's subscribers in its jurisdiction, and reaches
its own subscribers exactly once. The real broker is exercised in test_mqtt_transport.py and
test_multiprocess_events.py.
"""

from __future__ import annotations

import asyncio

import pytest

from lanyan.core.events import Event, EventBus
from lanyan.live.bus import BrokerRelay, decode, encode
from lanyan.live.transport import MemoryBroker, MemoryTransport, topic_matches
from tests.factories import run_async

TOPIC = "test/events"


def _pair(broker: MemoryBroker) -> tuple[EventBus, BrokerRelay, EventBus, BrokerRelay]:
    a, b = EventBus(), EventBus()
    relay_a = BrokerRelay(a, MemoryTransport(broker), TOPIC)
    relay_b = BrokerRelay(b, MemoryTransport(broker), TOPIC)
    relay_a.start()
    relay_b.start()
    return a, relay_a, b, relay_b


def _drain(queue: asyncio.Queue[Event]) -> list[Event]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def _settle() -> None:
    for _ in range(3):  # call_soon_threadsafe puts run on the next loop iterations
        await asyncio.sleep(0)


def test_an_event_reaches_the_other_process_once_and_its_own_once() -> None:
    async def run() -> None:
        a, relay_a, b, relay_b = _pair(MemoryBroker())
        here = a.subscribe("/1/4/")
        there = b.subscribe("/1/4/")
        other_brigade = b.subscribe("/1/5/")
        item = Event("unit.status", {"unit_id": 7, "status": "dispatched"}, "/1/4/9/", ("/1/6/",))
        a.publish(item)
        await _settle()
        assert _drain(here.queue) == [item]
        assert _drain(there.queue) == [item]
        assert _drain(other_brigade.queue) == []
        # the memory broker echoes to the sender too: the origin drops it
        assert relay_a.stats().own_echoes == 1
        assert relay_b.stats().delivered == 1
        # an event for a station of another brigade that shares the call reaches that brigade
        shared = Event("assignment.created", {"incident_id": 1}, "/1/4/", ("/1/5/8/",))
        b.publish(shared)
        await _settle()
        assert _drain(other_brigade.queue) == [shared]
        assert _drain(here.queue) == [shared]
        assert _drain(there.queue) == [shared]
        relay_a.close()
        relay_b.close()
        a.publish(Event("incident.created", {}, "/1/4/"))
        await _settle()
        assert _drain(there.queue) == [], "a closed relay still forwards"

    run_async(run())


def test_a_relay_that_fails_does_not_fail_the_publish() -> None:
    class Broken:
        def forward(self, item: Event) -> None:
            raise ConnectionError("broker away")

    async def run() -> None:
        bus = EventBus()
        bus.attach(Broken())
        local = bus.subscribe("/")
        bus.publish(Event("incident.created", {"incident_id": 1}, "/1/"))  # must not raise
        await _settle()
        assert [e.type for e in _drain(local.queue)] == ["incident.created"]
        assert bus.relay_failures == 1

    run_async(run())


def test_one_relay_per_bus() -> None:
    bus = EventBus()
    broker = MemoryBroker()
    BrokerRelay(bus, MemoryTransport(broker), TOPIC).start()
    with pytest.raises(RuntimeError, match="already has a relay"):
        BrokerRelay(bus, MemoryTransport(broker), TOPIC).start()


def test_malformed_messages_are_counted_and_ignored() -> None:
    async def run() -> None:
        broker = MemoryBroker()
        bus = EventBus()
        relay = BrokerRelay(bus, MemoryTransport(broker), TOPIC)
        relay.start()
        sub = bus.subscribe("/")
        stranger = MemoryTransport(broker)
        for payload in (b"not json", b'{"v": 99}', b'{"v": 1, "origin": "x"}', b"\xff\xfe"):
            stranger.publish(TOPIC, payload)
        good = Event("unit.status", {"unit_id": 1, "at": "2026-01-01T00:00:00+00:00"}, "/1/")
        stranger.publish(TOPIC, encode(good, "another process"))
        await _settle()
        assert _drain(sub.queue) == [good]
        assert relay.stats().malformed == 4

    run_async(run())


def test_encode_round_trip_keeps_paths_and_renders_values_as_json() -> None:
    from datetime import UTC, datetime

    item = Event("x", {"at": datetime(2026, 1, 1, tzinfo=UTC), "名": "值"}, "/1/", ("/2/", "/3/"))
    origin, back = decode(encode(item, "me"))
    assert origin == "me"
    data = {"at": "2026-01-01 00:00:00+00:00", "名": "值"}
    assert back == Event("x", data, "/1/", ("/2/", "/3/"))


@pytest.mark.parametrize(
    ("topic_filter", "topic", "matches"),
    [
        ("lanyan/events", "lanyan/events", True),
        ("lanyan/events", "lanyan/events/x", False),
        ("lanyan/+/alarm", "lanyan/dev1/alarm", True),
        ("lanyan/+/alarm", "lanyan/dev1/x/alarm", False),
        ("lanyan/#", "lanyan/dev1/x/alarm", True),
        ("lanyan/#", "other/dev1", False),
    ],
)
def test_topic_filters(topic_filter: str, topic: str, matches: bool) -> None:
    assert topic_matches(topic_filter, topic) is matches
