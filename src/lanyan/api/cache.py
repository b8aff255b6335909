"""Answers the dispatch room polls, built once and reused while what they read is unchanged.

Forty consoles and wall screens of one brigade ask for the same open-incident list, the same map
layers and the recommendation of the same few open calls, over and over; building each answer
costs the server 5–20 ms of CPU, and under that load the 119 intake waited behind them. An answer
kept here is reused for the next request with the same path, query and jurisdiction (role and
organization: every list is filtered by them and by nothing else of the user) as long as

* none of the tables it reads changed in this process (:mod:`lanyan.core.changes` counts the
  commits; a dispatcher's own write is seen by their next read),
* no live event was delivered here since (the dispatch writes of other processes arrive as
  events through the broker relay), and
* it is younger than :data:`TTL_S` — the bound on how long a write that announces nothing, made
  by another process (an import's worker, a ``lanyan`` command, a second host), stays unseen.

When the server is busy, a reader that would queue behind answers being built may get the kept
answer although something it read has changed since (:meth:`ResponseCache.peek_recent`): no older
than :data:`STALE_S`, or :data:`STALE_MAX_S` while the fresh one is being built — a wall screen's
list a second old, where waiting behind forty rebuilds made it seconds late. The dispatch lane
and the reader's own writes always get fresh answers (:mod:`lanyan.api.admission`).

Answers are kept as the JSON bytes the client receives; at most :data:`MAX_BYTES` in all, the
least recently used going first. Concurrent misses of one key build it once (the others wait for
that build), so a burst after a change costs one query, not forty.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import Request, Response
from starlette.types import Scope

from lanyan.core import changes
from lanyan.core.actor import Actor

TTL_S = 2.0
STALE_S = 1.0
"""How much older than what it read a busy server's answer to a reader may be."""
STALE_MAX_S = 5.0
"""As :data:`STALE_S`, while a fresh answer for the same key is being built."""
MAX_BYTES = 64 * 1024 * 1024

DISPATCH_TABLES = (
    "incident",
    "assignment",
    "incident_event",
    "unit",
    "organization",
    "premises",
    "user_account",
)
"""What an incident answer reads: the call, its units and timeline, names of people and places."""
RECOMMENDATION_TABLES = (*DISPATCH_TABLES, "response_plan_rule", "system_setting", "water_source")


@dataclass
class _Entry:
    token: tuple[int, ...]
    born: float
    body: bytes
    tables: tuple[str, ...] = ()
    gzipped: bytes | None = None
    """The body compressed, made the first time a client that accepts gzip is served it here."""

    def gzip(self) -> bytes:
        if self.gzipped is None:
            self.gzipped = gzip.compress(self.body, compresslevel=1, mtime=0)
        return self.gzipped


@dataclass
class CacheStats:
    """Counters since start (for tests and the health page)."""

    hits: int = 0
    stale_hits: int = 0
    misses: int = 0
    kept_bytes: int = 0


class ResponseCache:
    """JSON answers by key; see the module docstring for when one is reused."""

    def __init__(self, ttl_s: float = TTL_S, max_bytes: int = MAX_BYTES) -> None:
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
        self._building: dict[tuple[object, ...], threading.Lock] = {}
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def peek(self, key: tuple[object, ...]) -> _Entry | None:
        """The answer kept for ``key`` if it is still current, else None (nothing is built)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or not entry.tables:
            return None
        if self._fresh(key, changes.versions(entry.tables)) is None:
            return None
        return entry

    def peek_recent(self, key: tuple[object, ...]) -> tuple[_Entry, float] | None:
        """The answer kept for ``key`` and its age, even if what it read has changed since, if it
        is younger than :data:`STALE_S` (or :data:`STALE_MAX_S` while ``key`` is being built).

        Only for a busy server's readers (see the module docstring); nothing is built here. When
        None is returned for an answer too old, the caller is counted as building it, so the
        readers behind it get the kept answer while it waits for its turn and builds.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or not entry.tables:
                return None
            age = time.monotonic() - entry.born
            building = key in self._building
            if age >= (STALE_MAX_S if building else STALE_S):
                if not building:
                    self._building[key] = threading.Lock()
                return None
            self.stats.stale_hits += 1
        return entry, age

    def _fresh(self, key: tuple[object, ...], token: tuple[int, ...]) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.token != token:
                return None
            if time.monotonic() - entry.born >= self.ttl_s:  # ttl 0: never reused
                return None
            self._entries.move_to_end(key)
            self.stats.hits += 1
            return entry.body

    def _keep(self, key: tuple[object, ...], entry: _Entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.stats.kept_bytes -= len(old.body)
            if len(entry.body) > self.max_bytes // 4:
                return  # one huge page would push out everything else
            self._entries[key] = entry
            self.stats.kept_bytes += len(entry.body)
            while self.stats.kept_bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self.stats.kept_bytes -= len(dropped.body)

    def get(
        self, key: tuple[object, ...], tables: Iterable[str], build: Callable[[], bytes]
    ) -> bytes:
        """The answer for ``key``: kept, or built now by ``build`` (which reads ``tables``)."""
        tables = tuple(tables)
        token = changes.versions(tables)
        body = self._fresh(key, token)
        if body is not None:
            return body
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:
            token = changes.versions(tables)  # read before building: a write meanwhile retires it
            body = self._fresh(key, token)
            if body is not None:
                return body
            born = time.monotonic()
            body = build()
            with self._lock:
                self.stats.misses += 1
                self._building.pop(key, None)
            self._keep(key, _Entry(token, born, body, tables))
            return body

    def clear(self) -> None:
        """Forget every answer (tests; a change of settings that versions cannot see)."""
        with self._lock:
            self._entries.clear()
            self.stats.kept_bytes = 0


def cache_of(request: Request) -> ResponseCache:
    """The application's cache (one per app)."""
    cache: ResponseCache = request.app.state.response_cache
    return cache


def cached_json(
    request: Request,
    actor: Actor,
    tables: Iterable[str],
    build: Callable[[], bytes],
) -> Response:
    """The JSON answer of this request for this jurisdiction, kept or built by ``build``."""
    key = answer_key(request.scope, actor)
    body = cache_of(request).get(key, tables, build)
    return Response(body, media_type="application/json")


def answer_key(scope: Scope, actor: Actor) -> tuple[object, ...]:
    """Whose answer a request asks for: path, query and jurisdiction (role and organization).

    Computed from the ASGI scope alone, so the admission middleware finds a kept answer by the
    same key before the request reaches a router (:mod:`lanyan.api.admission`).
    """
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return (scope["path"], tuple(sorted(query)), actor.role.value, actor.org_path)
