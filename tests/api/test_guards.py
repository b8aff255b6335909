"""The request guard (lanyan.api.guards): body limits against a real served app, cross-site writes,
security headers on every kind of response.

The body-limit tests stream through a uvicorn server in a subprocess, because the test client
hands the app the whole body at once and would hide exactly the bug: a chunked body (no
Content-Length) read whole before any check. The server's memory is read from /proc.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import Headers
from tests.conftest import create_database
from tests.factories import World, build_world

from lanyan.api.deps import SESSION_COOKIE
from lanyan.api.guards import own_origin
from lanyan.app import create_app
from lanyan.core.config import Settings

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BOUNDARY = "lanyan-test-boundary"
RSS_GROWTH_LIMIT_MB = 8
"""Generous: the unfixed server grew by the whole body (0.4 → 1.0 GB for 300 MB)."""


# --- a served app --------------------------------------------------------------------------------


@dataclass
class Served:
    """A uvicorn process serving the app on a free port, and tokens of the small world."""

    base_url: str
    pid: int
    world: World

    def rss_mb(self) -> float:
        """Resident memory of the server process."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app on SQLite, served by uvicorn in a subprocess (the limits need no PostgreSQL)."""
    url = create_database("sqlite", tmp_path_factory.mktemp("served"))
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        world = build_world(app.state.sessionmaker, client)
    app.state.engine.dispose()
    port = _free_port()
    code = (
        "import uvicorn\n"
        "from lanyan.app import create_app\n"
        "from lanyan.core.config import Settings\n"
        f"app = create_app(Settings(database_url={url!r}))\n"
        f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')\n"
    )
    server = subprocess.Popen([sys.executable, "-c", code])
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "the server exited"
            try:
                if httpx.get(f"{base_url}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield Served(base_url, server.pid, world)
    finally:
        server.terminate()
        server.wait(timeout=30)


class Feed:
    """A request body streamed in 64 KiB chunks (so httpx sends it chunked), counting what was
    actually taken: a server that stops reading early takes far less than the whole."""

    def __init__(self, total_bytes: int, *, head: bytes = b"", tail: bytes = b"") -> None:
        self.total_bytes = total_bytes
        self.head = head
        self.tail = tail
        self.sent_bytes = 0

    def __iter__(self) -> Iterator[bytes]:
        block = b"0" * (64 * 1024)
        for part in (self.head, *self._blocks(block), self.tail):
            if part:  # an empty chunk would end a chunked body
                self.sent_bytes += len(part)
                yield part

    def _blocks(self, block: bytes) -> Iterator[bytes]:
        remaining = self.total_bytes
        while remaining > 0:
            yield block[:remaining]
            remaining -= len(block)


def multipart_feed(total_bytes: int, filename: str = "big.png") -> Feed:
    """A multipart/form-data body with one file field ``file`` of about ``total_bytes``."""
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + PNG
    return Feed(total_bytes, head=head, tail=f"\r\n--{BOUNDARY}--\r\n".encode())


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
JSON = {"Content-Type": "application/json"}


def post(served: Served, path: str, feed: Feed, headers: dict[str, str]) -> httpx.Response:
    """POST a streamed body (no Content-Length, so Transfer-Encoding: chunked)."""
    with httpx.Client(base_url=served.base_url, timeout=120) as client:
        return client.post(path, content=iter(feed), headers=headers)


def assert_too_large(response: httpx.Response, limit_mb: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["detail"] == f"上传内容过大（上限 {limit_mb} MB）"
    assert body["detail_en"] == f"request body over {limit_mb} MB"


# --- body limits ---------------------------------------------------------------------------------


def test_chunked_300mb_login_is_refused_early_without_memory(served: Served) -> None:
    """The probe: unauthenticated chunked 300 MB login read whole (RSS 0.4 → 1.0 GB)."""
    post(served, "/api/auth/login", Feed(100), JSON)  # warm up the route before measuring
    before = served.rss_mb()
    feed = Feed(300 * MB)
    response = post(served, "/api/auth/login", feed, JSON)
    after = served.rss_mb()
    assert_too_large(response, 4)
    assert feed.sent_bytes < 64 * MB, f"the server read {feed.sent_bytes / MB:.0f} MB"
    assert after - before < RSS_GROWTH_LIMIT_MB, f"RSS {before:.0f} → {after:.0f} MB"


def test_chunked_40mb_json_write_is_413_and_memory_unchanged(served: Served) -> None:
    token = served.world.tokens["officer_a"]
    headers = JSON | {"Authorization": f"Bearer {token}"}
    post(served, "/api/hazards", Feed(100), headers)
    before = served.rss_mb()
    feed = Feed(40 * MB)
    response = post(served, "/api/hazards", feed, headers)
    after = served.rss_mb()
    assert_too_large(response, 4)
    assert feed.sent_bytes < 40 * MB
    assert after - before < RSS_GROWTH_LIMIT_MB, f"RSS {before:.0f} → {after:.0f} MB"


@pytest.mark.parametrize("path", ["/api/uploads", "/api/exchange/premises/import?dry_run=true"])
def test_chunked_40mb_file_upload_is_413(served: Served, path: str) -> None:
    token = served.world.tokens["admin_a"]
    feed = multipart_feed(40 * MB)
    before = served.rss_mb()
    response = post(served, path, feed, MULTIPART | {"Authorization": f"Bearer {token}"})
    after = served.rss_mb()
    assert_too_large(response, 32)
    assert after - before < RSS_GROWTH_LIMIT_MB, f"RSS {before:.0f} → {after:.0f} MB"


def test_declared_length_over_limit_is_refused_before_reading(served: Served) -> None:
    feed = Feed(40 * MB)
    headers = JSON | {"Content-Length": str(40 * MB)}
    response = post(served, "/api/auth/login", feed, headers)
    assert_too_large(response, 4)
    assert feed.sent_bytes < 40 * MB


def test_file_routes_take_files_up_to_their_own_limit(served: Served) -> None:
    """A 5 MB photo streams through the 32 MB multipart allowance and is stored."""
    token = served.world.tokens["officer_a"]
    headers = MULTIPART | {"Authorization": f"Bearer {token}"}
    response = post(served, "/api/uploads", multipart_feed(5 * MB), headers)
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == "image/png"


def test_json_under_limit_reaches_validation(served: Served) -> None:
    """3 MB of JSON (a large polygon is about 2 MB) is read and validated, not refused for size."""
    token = served.world.tokens["officer_a"]
    body = b'{"note": "' + b"x" * (3 * MB) + b'"}'
    response = post(
        served, "/api/hazards", Feed(0, head=body), JSON | {"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422, response.text


def test_multipart_to_a_json_route_gets_the_json_limit(served: Served) -> None:
    response = post(served, "/api/auth/login", multipart_feed(10 * MB), MULTIPART)
    assert_too_large(response, 4)


def test_unread_body_closes_the_connection(served: Served) -> None:
    """A route that answers without reading the body (401 here) does not drain 40 MB first."""
    feed = Feed(40 * MB)
    response = post(served, "/api/auth/logout", feed, JSON)
    assert response.status_code == 401
    assert response.headers["connection"] == "close"
    assert feed.sent_bytes < 40 * MB


def test_small_requests_keep_the_connection(served: Served) -> None:
    with httpx.Client(base_url=served.base_url) as client:
        first = client.post("/api/auth/login", json={"username": "nobody", "password": "x" * 12})
        second = client.get("/api/health")
    assert first.status_code in (401, 422)
    assert second.status_code == 200
    assert "close" not in first.headers.get("connection", "")


# --- cross-site writes ---------------------------------------------------------------------------


@pytest.fixture
def browser(app_client: TestClient, world: World) -> Iterator[TestClient]:
    """A client like the web console: the session cookie of officer_a, no Authorization header."""
    client = TestClient(app_client.app)
    client.cookies.set(SESSION_COOKIE, world.tokens["officer_a"])
    yield client
    client.close()


def _upload(client: TestClient, headers: dict[str, str]) -> int:
    files = {"file": ("p.png", PNG, "image/png")}
    return client.post("/api/uploads", files=files, headers=headers).status_code


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver:8080"},  # a sibling origin: another port of the same host
        {"Origin": "https://testserver"},  # another scheme
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ],
)
def test_cookie_write_from_another_origin_is_403(
    browser: TestClient, headers: dict[str, str]
) -> None:
    files = {"file": ("p.png", PNG, "image/png")}
    response = browser.post("/api/uploads", files=files, headers=headers)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail_en"].startswith("cross-site request refused")


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://TestServer:80"},
        {"Sec-Fetch-Site": "same-origin"},
        {},  # not a browser page: no Origin, no Sec-Fetch-Site
    ],
)
def test_cookie_write_from_the_same_origin_is_allowed(
    browser: TestClient, headers: dict[str, str]
) -> None:
    assert _upload(browser, headers) == 201


def test_other_cookie_writes_are_checked_too(browser: TestClient, world: World) -> None:
    cross = {"Origin": "https://evil.example"}
    assert browser.post("/api/auth/logout", headers=cross).status_code == 403
    body = {"display_name": "x"}
    assert browser.patch("/api/users/1", json=body, headers=cross).status_code == 403
    # reads are not writes: a cross-site GET is answered (and cannot be read by the other site)
    assert browser.get("/api/auth/me", headers=cross).status_code == 200


def test_bearer_only_write_is_not_csrf_checked(app_client: TestClient, world: World) -> None:
    client = TestClient(app_client.app)
    headers = world.headers("officer_a") | {
        "Origin": "https://evil.example",
        "Sec-Fetch-Site": "cross-site",
    }
    assert _upload(client, headers) == 201


def test_cross_site_login_is_403(app_client: TestClient, world: World) -> None:
    client = TestClient(app_client.app)
    body = {"username": "officer_a", "password": "correct-horse-battery"}
    refused = client.post("/api/auth/login", json=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert SESSION_COOKIE not in refused.cookies
    refused = client.post("/api/auth/login", json=body, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    own = client.post("/api/auth/login", json=body, headers={"Origin": "http://testserver"})
    assert own.status_code == 200, own.text
    assert SESSION_COOKIE in own.cookies


def test_own_origin_behind_a_trusted_proxy() -> None:
    """Behind a TLS proxy the browser's origin is https://public-host; only a trusted proxy is
    believed about it."""
    headers = Headers(
        raw=[
            (b"host", b"10.0.0.5:8000"),
            (b"x-forwarded-proto", b"https"),
            (b"x-forwarded-host", b"fire.example.cn"),
        ]
    )

    def scope(client: str) -> dict[str, object]:
        return {"type": "http", "scheme": "http", "client": (client, 5000), "headers": headers.raw}

    proxied = ("https", "fire.example.cn", 443)
    direct = ("http", "10.0.0.5", 8000)
    assert own_origin(scope("10.0.0.1"), headers, "10.0.0.0/24") == proxied
    assert own_origin(scope("192.0.2.9"), headers, "10.0.0.0/24") == direct
    assert own_origin(scope("10.0.0.1"), headers, "") == direct


# --- security headers ----------------------------------------------------------------------------


def _assert_baseline(headers: Mapping[str, str]) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_api_answers_cannot_be_framed(app_client: TestClient, world: World) -> None:
    for response in (
        app_client.get("/api/health"),
        app_client.get("/api/auth/me"),  # 401 problem
        app_client.get("/api/premises", headers=world.headers("officer_a")),
    ):
        _assert_baseline(response.headers)
        assert response.headers["content-security-policy"] == "frame-ancestors 'none'"


def test_pages_keep_their_own_csp_and_cannot_be_framed(app_client: TestClient) -> None:
    response = app_client.get("/login")
    assert response.status_code == 200
    _assert_baseline(response.headers)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp  # the page's own policy, not replaced by the baseline
    assert len(response.headers.get_list("content-security-policy")) == 1


def test_refusals_carry_the_headers_too(browser: TestClient) -> None:
    refused = browser.post("/api/uploads", headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    _assert_baseline(refused.headers)


def test_uploaded_photo_is_served_inert(app_client: TestClient, world: World) -> None:
    headers = world.headers("officer_a")
    files = {"file": ("<script>.png", PNG, "image/png")}
    created = app_client.post("/api/uploads", files=files, headers=headers)
    assert created.status_code == 201, created.text
    photo_id = created.json()["id"]
    response = app_client.get(f"/api/uploads/{photo_id}", headers=headers)
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert response.headers["content-disposition"] == f'inline; filename="photo-{photo_id}.png"'
    assert response.headers["x-frame-options"] == "DENY"
