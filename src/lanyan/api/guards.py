"""What every request passes before any router sees it: a body limit, a cross-site check, and the
security headers every response carries.

One pure ASGI middleware, :class:`RequestGuard`, outside every other (a ``BaseHTTPMiddleware``
would buffer the body it is meant to limit):

Body limit
    Counted as the body streams in, so a chunked request (no ``Content-Length``) is stopped as soon
    as it passes the limit instead of being read whole first; a declared ``Content-Length`` over the
    limit is refused before a byte of the body is read. The answer is 413 problem+json with
    ``Connection: close`` (the rest of the body is never read, so the connection cannot be reused).

    - :data:`FILE_BODY_BYTES` (32 MB) for a ``multipart/form-data`` request to a route that takes a
      file (:data:`FILE_ROUTES`: photo uploads, ≤ 10 MiB, and imports, ≤ 30 MB, with room for the
      multipart framing). Those routes check the file's own limit and content afterwards.
    - :data:`BODY_BYTES` (4 MB) for everything else (JSON). The largest JSON the schemas accept is a
      jurisdiction polygon of 50,000 points, about 2 MB; a login is a few hundred bytes. A server
      that takes 4 MB per request, not 32 MB, can hold many more concurrent requests in memory.

    A new route that takes a file must be added to :data:`FILE_ROUTES`, or it gets the JSON limit.

Cross-site writes (CSRF)
    The web console authenticates with the ``lanyan_session`` cookie. ``SameSite=Strict`` keeps it
    off requests from other sites, but not from a sibling origin of the same site (another port, a
    subdomain). So an unsafe request (POST, PUT, PATCH, DELETE) that carries the cookie, and every
    login (it sets the cookie), is refused with 403 when the browser says it comes from elsewhere:
    ``Sec-Fetch-Site`` is ``cross-site`` or ``same-site``, or ``Origin`` is not this server's own
    origin. The own origin is the request's scheme and ``Host``; behind a reverse proxy listed in
    ``LANYAN_TRUSTED_PROXIES`` its ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` are believed. A
    request with neither header is not from a browser page and passes, as does one authenticated
    by a Bearer token alone (a page on another origin cannot attach one without CORS, which Lanyan
    does not grant). The console's own ``fetch()`` calls send ``Origin`` equal to the host.

Security headers
    Every response gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
    ``Referrer-Policy: same-origin`` and, unless it sets its own (the pages in
    :mod:`lanyan.web.pages`, uploaded photos), ``Content-Security-Policy: frame-ancestors 'none'``:
    neither the console nor an API answer can be framed by another site. A header the response
    already sets is left as it is.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanyan.api.deps import SESSION_COOKIE, _trusted
from lanyan.core import problems
from lanyan.core.config import parse_networks

MB = 1024 * 1024
BODY_BYTES = 4 * MB
"""Largest body of any request but a file upload (JSON)."""
FILE_BODY_BYTES = 32 * MB
"""Largest multipart body of a route in :data:`FILE_ROUTES`."""
FILE_ROUTES = re.compile(r"^/api/(uploads|exchange/[a-z_]+/import)/?$")
"""The routes that take a file (photo uploads, imports)."""
LOGIN_PATH = "/api/auth/login"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FOREIGN_FETCH_SITES = frozenset({"cross-site", "same-site"})
DEFAULT_PORTS = {"http": 80, "https": 443}

BASELINE_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
)


def body_limit(method: str, path: str, headers: Headers) -> int:
    """The most bytes the body of this request may have (see the module docstring)."""
    content_type = headers.get("content-type", "").lower()
    if (
        method == "POST"
        and content_type.startswith("multipart/form-data")
        and FILE_ROUTES.match(path)
    ):
        return FILE_BODY_BYTES
    return BODY_BYTES


def too_large(limit: int) -> JSONResponse:
    """413 for a body over ``limit`` bytes; the connection is closed, the body left unread."""
    return problems.problem(
        413,
        "Content too large",
        f"上传内容过大（上限 {limit // MB} MB）",
        f"request body over {limit // MB} MB",
        headers={"Connection": "close"},
    )


def cross_site() -> JSONResponse:
    """403 for a cookie-authenticated write (or a login) coming from another origin."""
    return problems.problem(
        403,
        "Cross-site request refused",
        "拒绝来自其他网站的请求：请在蓝焰页面内操作",
        "cross-site request refused: use Lanyan's own pages",
        headers={"Connection": "close"},
    )


def _origin_key(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    parts = urlsplit(f"{scheme}://{netloc}")
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username or parts.password or parts.path:
        return None
    scheme = scheme.lower()
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS.get(scheme, 0)


def _first(value: str | None) -> str | None:
    first = (value or "").split(",")[0].strip()
    return first or None


def own_origin(scope: Scope, headers: Headers, trusted_proxies: str) -> tuple[str, str, int] | None:
    """This server's origin as the browser sees it: (scheme, host, port), or None if unknown."""
    scheme = str(scope.get("scheme", "http"))
    host = headers.get("host")
    client = scope.get("client")
    networks = parse_networks(trusted_proxies)
    if client and networks and _trusted(str(client[0]), networks):
        scheme = _first(headers.get("x-forwarded-proto")) or scheme
        host = _first(headers.get("x-forwarded-host")) or host
    if not host:
        server = scope.get("server")
        if not server:
            return None
        host = f"{server[0]}:{server[1]}"
    return _origin_key(scheme, host)


def is_cross_site(scope: Scope, headers: Headers, trusted_proxies: str) -> bool:
    """Whether a browser says this request comes from a page of another origin."""
    if headers.get("sec-fetch-site", "").lower() in FOREIGN_FETCH_SITES:
        return True
    origin = headers.get("origin")
    if origin is None:
        return False  # not sent by a browser page (curl, scripts, old browsers' same-origin GET)
    scheme, _, netloc = origin.partition("://")
    theirs = _origin_key(scheme, netloc) if netloc else None  # "null" from sandboxed frames
    return theirs is None or theirs != own_origin(scope, headers, trusted_proxies)


def _carries_session_cookie(headers: Headers) -> bool:
    for cookie_header in headers.getlist("cookie"):
        for pair in cookie_header.split(";"):
            name, _, value = pair.strip().partition("=")
            if name == SESSION_COOKIE and value:
                return True
    return False


def needs_origin_check(method: str, path: str, headers: Headers) -> bool:
    """An unsafe request riding on the session cookie, or a login (which sets it)."""
    if method in SAFE_METHODS:
        return False
    return path == LOGIN_PATH or _carries_session_cookie(headers)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes its limit, to stop the app reading it.

    An ``HTTPException`` so that FastAPI passes it through its body parsing unchanged; whatever
    the app answers to it is replaced by :func:`too_large`.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body over {limit // MB} MB")


def _with_baseline_headers(send: Send) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in BASELINE_HEADERS:
                headers.setdefault(name, value)
        await send(message)

    return send_with_headers


@dataclass
class _CountedBody:
    """``receive`` and ``send`` of one request, counting the body as it arrives."""

    scope: Scope
    receive_from_server: Receive
    send_to_server: Send
    limit: int
    body_expected: bool
    received_bytes: int = 0
    body_done: bool = False
    exceeded: bool = False
    started: bool = False
    refused: bool = False

    async def receive(self) -> Message:
        if self.exceeded:
            raise BodyTooLarge(self.limit)
        message = await self.receive_from_server()
        if message["type"] == "http.request":
            self.received_bytes += len(message.get("body", b""))
            self.body_done = not message.get("more_body", False)
            if self.received_bytes > self.limit:
                self.exceeded = True
                raise BodyTooLarge(self.limit)
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            await self.refuse()
        if self.refused:
            return  # the app's own answer to BodyTooLarge: ours has gone instead
        if message["type"] == "http.response.start":
            self.started = True
            if self.body_expected and not self.body_done:
                # answered without reading the body (401, 404, a form route sent JSON): close
                # rather than let the server drain a body of any size to reuse the connection
                MutableHeaders(scope=message)["Connection"] = "close"
        await self.send_to_server(message)

    async def refuse(self) -> None:
        """Send the 413 (once, and only if no answer has started)."""
        if self.started:
            return
        self.started = self.refused = True
        await too_large(self.limit)(self.scope, self.receive_from_server, self.send_to_server)


class RequestGuard:
    """The body limit, the cross-site check and the baseline security headers (module docstring).

    ``trusted_proxies`` is ``LANYAN_TRUSTED_PROXIES``: only requests from those addresses may name
    the browser's scheme and host in ``X-Forwarded-Proto`` / ``X-Forwarded-Host``.
    """

    def __init__(self, app: ASGIApp, *, trusted_proxies: str = "") -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_baseline_headers(send)
        headers = Headers(scope=scope)
        method, path = str(scope["method"]).upper(), str(scope["path"])
        if needs_origin_check(method, path, headers) and is_cross_site(
            scope, headers, self.trusted_proxies
        ):
            await cross_site()(scope, receive, send)
            return
        limit = body_limit(method, path, headers)
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await too_large(limit)(scope, receive, send)
            return
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        body = _CountedBody(scope, receive, send, limit, chunked or int(declared or 0) > 0)
        with contextlib.suppress(BodyTooLarge):  # answered below; anything else propagates
            await self.app(scope, body.receive, body.send)
        if body.exceeded:
            await body.refuse()
