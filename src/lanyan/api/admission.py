"""Who goes first when the server is busy: a 119 call before the wall screens' next refresh.

A dispatch room keeps dozens of consoles, wall screens and phones polling lists and map layers.
When they saturate the server, every request waits behind all the others in the thread pool and
for the interpreter lock, and an intake waited seconds behind a queue of map refreshes. Requests
are therefore admitted by lane:

* **call** — every request of a 119 dispatcher (接警调度员: intake, recommendation, assignment,
  their own console's lists) and every new incident (POST /api/dispatch/incidents, whoever posts
  it): admitted at once, always. The role is known without a query from the logins already
  resolved (:mod:`lanyan.api.logins`); a login not yet seen counts by its request;
* **urgent** — every other write (a crew's status change, a close, a login; any
  POST/PUT/PATCH/DELETE that is not a file transfer): at most :data:`WRITES_AT_ONCE` at once;
* **read** — the other GETs of the API and the pages: at most :data:`READS_AT_ONCE` in progress
  per process, the rest wait their turn (first come, first served) without holding a thread or a
  database connection;
* **bulk** — imports, uploads, exports, statistics and the yearly report: at most
  :data:`BULK_AT_ONCE` per process, so a leader's report does not take the readers' places;
* live event streams and static files are not counted (a stream stays open for a shift).

Waiting costs nothing but time, and only when the server is already busy: with fewer requests
than places, every request goes straight through.

An answer the router would take from :mod:`lanyan.api.cache` (the open-incident list, the map
layers, a recommendation, unchanged since it was built for the same jurisdiction) is served here,
before any lane: it costs a look-up, where the router's way (login, session and handler in the
thread pool, then the same look-up) cost several milliseconds and a place in the read lane behind
the answers being built.

When the server is busy (:data:`BUSY_AT` requests being handled, or the read lane full), a
reader is given the answer kept for its request even if what it
read changed within the last second (:meth:`lanyan.api.cache.ResponseCache.peek_recent`, with an
``Age`` header) rather than a place in the queue behind the answers being built: under load every
crew status change retired the open-incident list and every recommendation, and forty consoles
queued to rebuild them. Never to the call lane, and never to a login that wrote since the answer
was built (a user sees their own change at once).

A new incident goes further: while one is being taken by any process of the server (this one's
own count, and the board below for the others), no other request but another new incident or the
call lane's kept answers is let in — not even a reader's kept answer: forty consoles polling kept
answers in a closed loop held the processors while the call waited, and those of the other
process did so too until they looked at the board (those already in go on; streams and static
files are not held).
On a saturated server every request in progress shares the one interpreter lock and the two
cores, and each of a call's database round trips waited its turn behind them: the call took
0.3–1 s where alone it takes 20 ms. Holding the others back for those milliseconds costs them
little; a hold is bounded by :data:`CALL_HOLD_S` so that a storm of calls cannot starve the room.

The readers already in, and those of the server's other processes, step back as well: each call
is marked on the server's board (:mod:`lanyan.core.callboard`), and a reader's next SQL statement
waits while any call is being taken (a GET of the read and bulk lanes; not once its transaction
has written). The import's worker waits at its pacing points. Measured on the dispatch room's
bench, a call during an import took a median 63-67 ms with them stepping back and ~100 without.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import Enum

from starlette.types import ASGIApp, Receive, Scope, Send

from lanyan.api.cache import ResponseCache, answer_key
from lanyan.api.deps import SESSION_COOKIE
from lanyan.api.logins import LoginCache
from lanyan.core.actor import Actor
from lanyan.core.callboard import POLL_S, board, stepping_back
from lanyan.core.permissions import Role
from lanyan.core.security import token_digest

WRITES_AT_ONCE = 2
READS_AT_ONCE = 2
BULK_AT_ONCE = 2
GZIP_MIN_BYTES = 2048
"""As the app's gzip middleware: smaller answers go uncompressed."""
BUSY_AT = 2
"""With this many requests being handled, a reader may get a kept answer a second old."""
CALL_HOLD_S = 0.5
"""At most this long does a request wait for calls being taken before it goes on anyway."""
_INTAKE = "/api/dispatch/incidents"
_WRITERS_KEPT = 10_000
"""Logins whose last write time is remembered (the oldest are forgotten first)."""

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BULK_PREFIXES = ("/api/exchange", "/api/uploads", "/api/stats", "/api/reports", "/api/audit")
_UNCOUNTED_PREFIXES = ("/api/events", "/static/", "/favicon")


class Lane(Enum):
    CALL = "call"
    URGENT = "urgent"
    READ = "read"
    BULK = "bulk"
    FREE = "free"


def lane_of(method: str, path: str, role: Role | None = None) -> Lane:
    """The lane of a request by a user of ``role`` (None: not known yet); see the module."""
    if path.startswith(_UNCOUNTED_PREFIXES):
        return Lane.FREE
    if path.startswith(_BULK_PREFIXES) or "/import" in path or "/export" in path:
        return Lane.BULK
    if role is Role.DISPATCHER or (method == "POST" and path == _INTAKE):
        return Lane.CALL
    if method in _WRITES:
        return Lane.URGENT
    return Lane.READ


def _token(scope: Scope) -> str | None:
    cookie = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = bytes(value).decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials:
                return credentials.strip()
        elif name == b"cookie":
            cookie = bytes(value).decode("latin-1")
    if cookie is None:
        return None
    for part in cookie.split(";"):
        key, _, value = part.strip().partition("=")
        if key == SESSION_COOKIE:
            return value or None
    return None


def actor_of(scope: Scope) -> Actor | None:
    """The actor of the request's login if this process resolved it lately, else None."""
    app = scope.get("app")
    logins: LoginCache | None = getattr(getattr(app, "state", None), "logins", None)
    token = _token(scope)
    if logins is None or token is None or len(token) > 200:
        return None
    return logins.get(token)


def role_of(scope: Scope) -> Role | None:
    """The role of the request's login if this process resolved it lately, else None."""
    actor = actor_of(scope)
    return actor.role if actor is not None else None


_Answer = tuple[bytes, list[tuple[bytes, bytes]]]


def _kept_answer(scope: Scope, actor: Actor | None) -> _Answer | None:
    """A kept answer of :mod:`lanyan.api.cache` for this GET, as body and headers, or None.

    The same answer the router would give: the key is the router's (path, query, role and
    organization of a login resolved under the same rules as the route's own), and an answer is
    kept only while nothing it read has changed. Answers in another coordinate system go the
    long way (the ``crs`` conversion sits inside this middleware).
    """
    if actor is None or scope["method"] != "GET" or b"crs=" in scope.get("query_string", b""):
        return None
    cache: ResponseCache | None = getattr(
        getattr(scope.get("app"), "state", None), "response_cache", None
    )
    entry = cache.peek(answer_key(scope, actor)) if cache is not None else None
    if entry is None:
        return None
    return _answer_of(scope, entry.body, entry.gzip, [])


def _recent_answer(scope: Scope, actor: Actor, wrote_at: float | None) -> _Answer | None:
    """A busy server's answer to a reader: the kept one even if a little stale (see the module).

    Not when the reader's login wrote since it was built (``wrote_at``, monotonic seconds).
    """
    if scope["method"] != "GET" or b"crs=" in scope.get("query_string", b""):
        return None
    cache: ResponseCache | None = getattr(
        getattr(scope.get("app"), "state", None), "response_cache", None
    )
    found = cache.peek_recent(answer_key(scope, actor)) if cache is not None else None
    if found is None:
        return None
    entry, age = found
    if wrote_at is not None and wrote_at >= entry.born:
        return None
    return _answer_of(scope, entry.body, entry.gzip, [(b"age", str(int(age)).encode())])


def _answer_of(
    scope: Scope, body: bytes, gzipped: Callable[[], bytes], extra: list[tuple[bytes, bytes]]
) -> _Answer:
    headers = [(b"content-type", b"application/json"), *extra]
    if len(body) >= GZIP_MIN_BYTES and _accepts_gzip(scope):
        body = gzipped()
        headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
    headers.append((b"content-length", str(len(body)).encode()))
    return body, headers


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in bytes(value)
    return False


class Admission:
    """ASGI middleware admitting requests by lane."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        writes_at_once: int = WRITES_AT_ONCE,
        reads_at_once: int = READS_AT_ONCE,
        bulk_at_once: int = BULK_AT_ONCE,
    ) -> None:
        self.app = app
        self.limits = {
            Lane.URGENT: writes_at_once,
            Lane.READ: reads_at_once,
            Lane.BULK: bulk_at_once,
        }
        self._gates: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[Lane, asyncio.Semaphore]
        ] = weakref.WeakKeyDictionary()
        self._calls: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Calls] = (
            weakref.WeakKeyDictionary()
        )
        self.in_flight = 0
        """Requests of this process being handled now (streams and files not counted)."""
        self._wrote: OrderedDict[str, float] = OrderedDict()
        """When each login's last write of this process ended (monotonic seconds), by the digest
        of its token (no token itself is kept)."""

    def _note_write(self, token: str) -> None:
        digest = token_digest(token)
        self._wrote[digest] = time.monotonic()
        self._wrote.move_to_end(digest)
        while len(self._wrote) > _WRITERS_KEPT:
            self._wrote.popitem(last=False)

    def _gate(self, lane: Lane) -> asyncio.Semaphore:
        # one per event loop (a test client runs the app on loops that come and go)
        gates = self._gates.setdefault(asyncio.get_running_loop(), {})
        gate = gates.get(lane)
        if gate is None:
            gate = gates[lane] = asyncio.Semaphore(self.limits[lane])
        return gate

    def _calls_here(self) -> _Calls:
        loop = asyncio.get_running_loop()
        calls = self._calls.get(loop)
        if calls is None:
            calls = self._calls[loop] = _Calls()
        return calls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        actor = actor_of(scope)
        lane = lane_of(method, path, actor.role if actor is not None else None)
        if lane is Lane.FREE:
            await self.app(scope, receive, send)
            return
        if method in _WRITES:
            token = _token(scope)
            try:
                await self._admit(scope, receive, send, lane, actor)
            finally:
                if token is not None:
                    self._note_write(token)
            return
        await self._admit(scope, receive, send, lane, actor)

    async def _admit(
        self, scope: Scope, receive: Receive, send: Send, lane: Lane, actor: Actor | None
    ) -> None:
        method, path = scope["method"], scope["path"]
        calls = self._calls_here()
        if method == "POST" and path == _INTAKE:
            with calls.taking():
                await self._inside(scope, receive, send)
            return
        if lane is Lane.READ:
            # even a kept answer waits for the call: forty consoles served kept answers in a
            # closed loop held the processors while the call's thread waited for them
            await calls.none_in_progress()
        kept = _kept_answer(scope, actor) if lane in (Lane.READ, Lane.CALL) else None
        if kept is None and lane is Lane.READ and actor is not None and self._busy(lane):
            token = _token(scope)
            wrote_at = self._wrote.get(token_digest(token)) if token else None
            kept = _recent_answer(scope, actor, wrote_at)
        if kept is not None:
            # a kept answer costs less than the wait for a place: served here, never queued
            # (a reader's waited above for the call being taken, the call lane's does not)
            body, headers = kept
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await calls.none_in_progress()
        if lane is Lane.CALL:
            await self._inside(scope, receive, send)
            return
        async with self._gate(lane):
            # a reader's statements wait for the calls being taken by any process of the server
            stepping = stepping_back.set(method == "GET")
            try:
                await self._inside(scope, receive, send)
            finally:
                stepping_back.reset(stepping)

    async def _inside(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    def _busy(self, lane: Lane) -> bool:
        """Whether a request of ``lane`` would now wait or share the processors with others."""
        return self.in_flight >= BUSY_AT or self._gate(lane).locked()


class _Calls:
    """New incidents being taken in one event loop, and a way to wait until there are none."""

    def __init__(self) -> None:
        self.in_progress = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._board_clear: asyncio.Event | None = None
        self._watch: asyncio.Future[None] | None = None
        """The board's watcher, kept here: the loop holds only a weak reference to a task."""

    @contextmanager
    def taking(self) -> Iterator[None]:
        self.in_progress += 1
        self._idle.clear()
        try:
            with board().taking():  # the readers of every process step back (see the module)
                yield
        finally:
            self.in_progress -= 1
            if not self.in_progress:
                self._idle.set()

    async def none_in_progress(self) -> None:
        """Wait while a call is being taken here or by another process of the server (on the
        board), at most :data:`CALL_HOLD_S`.

        Another process's calls count too: its consoles' kept answers, served at the door in a
        closed loop, took the processors from a call taken next door (the dispatch room's bench
        on PostgreSQL: a call's p99 during an import of 383 ms before, 179 ms after).
        """
        deadline = time.monotonic() + CALL_HOLD_S
        if self.in_progress:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), CALL_HOLD_S)
        if not board().call_in_progress():
            return
        if self._board_clear is None or self._board_clear.is_set():
            # one look at the board for all the waiters of this loop, not one each
            self._board_clear = asyncio.Event()
            self._watch = asyncio.ensure_future(_watch_board(self._board_clear))
        with suppress(TimeoutError):
            await asyncio.wait_for(self._board_clear.wait(), max(deadline - time.monotonic(), 0))


async def _watch_board(clear: asyncio.Event) -> None:
    """Set ``clear`` once no call is being taken on the board (at most :data:`CALL_HOLD_S`)."""
    end = time.monotonic() + CALL_HOLD_S
    try:
        while board().call_in_progress() and time.monotonic() < end:
            await asyncio.sleep(POLL_S)
    finally:
        clear.set()
