"""The in-process event bus: writes publish after commit, open consoles receive within a second.

Service functions queue events on the session (:func:`queue`); they are published only when the
transaction commits (a rolled-back write announces nothing). Subscribers are asyncio queues of
Server-Sent-Event streams; publishing is thread-safe because routers run in worker threads.

One process serves one bus. When several processes serve (workers, hosts), a :class:`Relay`
attached to the bus forwards each committed event to a broker, and events that other processes
committed come back through :meth:`EventBus.deliver` (see :mod:`lanyan.live.bus`). A process
delivers its own events locally at once and never again from the broker, so its consoles keep
updating while the broker is away.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

PENDING_KEY = "lanyan.pending_events"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Something consoles should know: ``type`` like ``unit.status``, JSON ``data``.

    ``org_path`` is the path of the organization the event belongs to; a subscriber sees it only
    if the path lies inside its jurisdiction.
    """

    type: str
    data: dict[str, Any]
    org_path: str = "/"
    also_paths: tuple[str, ...] = ()
    """Further organizations that should see it (the stations of the units on an incident)."""

    @cached_property
    def frame(self) -> str:
        """The event as one Server-Sent-Events frame (encoded once for all the streams)."""
        data = json.dumps(self.data, ensure_ascii=False, default=str)
        return f"event: {self.type}\ndata: {data}\n\n"

    def visible_to(self, org_path: str) -> bool:
        """Whether a subscriber at ``org_path`` may receive this event."""
        return any(p.startswith(org_path) for p in (self.org_path, *self.also_paths))


class Relay(Protocol):
    """Carries the events this process commits to the other processes of the deployment."""

    def forward(self, item: Event) -> None:
        """Send ``item`` on; must return at once (it runs inside a commit) and should not raise."""


@dataclass
class _Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Event]
    org_path: str


@dataclass
class EventBus:
    """Fan-out of events to every open stream."""

    _subscribers: list[_Subscriber] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _relay: Relay | None = None
    relay_failures: int = 0
    """Events the relay raised on (they reached this process's consoles, not the others')."""

    def subscribe(self, org_path: str, *, maxsize: int = 1000) -> _Subscriber:
        """Register a stream on the running event loop."""
        sub = _Subscriber(asyncio.get_running_loop(), asyncio.Queue(maxsize), org_path)
        with self._lock:
            self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: _Subscriber) -> None:
        """Forget a closed stream."""
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def attach(self, relay: Relay) -> None:
        """Forward every event published from now on through ``relay`` too (one per process)."""
        with self._lock:
            if self._relay is not None and self._relay is not relay:
                raise RuntimeError("this process's event bus already has a relay")
            self._relay = relay

    def detach(self, relay: Relay) -> None:
        """Stop forwarding through ``relay``."""
        with self._lock:
            if self._relay is relay:
                self._relay = None

    def publish(self, item: Event) -> None:
        """An event committed here: to local subscribers, and through the relay (any thread).

        Never raises: the write it announces is already committed, and a broker outage must not
        turn a dispatch into an error.
        """
        self.deliver(item)
        relay = self._relay
        if relay is None:
            return
        try:
            relay.forward(item)
        except Exception:
            self.relay_failures += 1
            log.exception("live event %s not forwarded to other processes", item.type)

    def deliver(self, item: Event) -> None:
        """Hand ``item`` to every subscriber whose jurisdiction covers it (any thread)."""
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Queue[Event]]] = {}
        with self._lock:
            for s in self._subscribers:
                if item.visible_to(s.org_path):
                    by_loop.setdefault(s.loop, []).append(s.queue)
        # one wake-up of each event loop for all its streams, not one per stream: two hundred
        # open consoles made every dispatch write two hundred wake-ups of the server's loop
        for loop, queues in by_loop.items():
            loop.call_soon_threadsafe(_put_all, queues, item)

    @property
    def subscriber_count(self) -> int:
        """Open streams (for health and tests)."""
        with self._lock:
            return len(self._subscribers)


def _put_all(queues: list[asyncio.Queue[Event]], item: Event) -> None:
    for queue in queues:
        _put(queue, item)


def _put(queue: asyncio.Queue[Event], item: Event) -> None:
    if queue.full():  # a stalled console loses its oldest event rather than the server memory
        queue.get_nowait()
    queue.put_nowait(item)


BUS = EventBus()


def queue(session: Session, item: Event) -> None:
    """Publish ``item`` when ``session`` commits."""
    session.info.setdefault(PENDING_KEY, []).append(item)


@event.listens_for(Session, "after_commit")
def _publish_pending(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released; only the outermost
    # commit makes the writes real, so only then do consoles hear of them
    if session.in_nested_transaction():
        return
    for item in session.info.pop(PENDING_KEY, []):
        BUS.publish(item)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT rolled back; the transaction goes on
        return
    session.info.pop(PENDING_KEY, None)
