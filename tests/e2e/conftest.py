"""Browser tests: a real Lanyan server on the demo city, driven by Playwright and Debian's chromium.

The server runs in a background thread (uvicorn) on a free port against a fresh SQLite database
with the demo city loaded. The browser is the system's ``/usr/bin/chromium`` (or
``$LANYAN_CHROMIUM``); Playwright's own browser download is never used (machines here are
offline). A missing browser fails the tests with a message saying how to install it: it never
skips them silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.config import PROJECT_ROOT, Settings

PAGE_TIMEOUT_MS = 45_000
"""How long a page may take to load or show what a test waits for. A loaded CI machine took over
10 s for a login; on 2026-12-07 a machine running at half its usual speed made three pages of a
fresh clone's suite exceed 20 s (the same commit had passed minutes before)."""
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
CONSOLE_VIEWPORT = {"width": 1920, "height": 1080}
PHONE_VIEWPORT = {"width": 390, "height": 844}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: browser test (Playwright + Debian chromium)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


def chromium_path() -> str:
    """The system chromium, or a failure that says how to get it (never a silent skip)."""
    candidates = [
        os.environ.get("LANYAN_CHROMIUM"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    pytest.fail(
        "Chromium not found: the browser tests need Debian's chromium "
        "(`apt-get install chromium fonts-noto-cjk`, which `make test` does) "
        "or LANYAN_CHROMIUM=/path/to/chromium",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """The running server and the demo accounts' passwords."""

    url: str
    passwords: dict[str, str]
    session_factory: sessionmaker[Session]

    def token(self, username: str) -> str:
        response = httpx.post(
            f"{self.url}/api/auth/login",
            json={"username": username, "password": self.passwords[username]},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def api(self, username: str) -> httpx.Client:
        """An API client logged in as ``username``."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token(username)}"},
            timeout=30,
        )


E2E_HISTORY_CALLS = 120
"""Calls replayed into last year before the browser tests (the dashboard's data)."""


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Lanyan with the demo city on a free port, served by uvicorn in a background thread."""
    import lanyan.web.pages
    from lanyan.app import create_app
    from lanyan.core.clock import as_local, utcnow
    from lanyan.core.migrate import upgrade
    from lanyan.demo import ensure_demo_accounts, load_demo
    from lanyan.demo.history import load_history

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'lanyan-e2e.db'}"
    upgrade(url)
    settings = Settings(database_url=url)
    app = create_app(settings)
    if not any(getattr(route, "path", None) == "/console" for route in app.routes):
        app.include_router(lanyan.web.pages.router)
    factory: sessionmaker[Session] = app.state.sessionmaker
    load_demo(factory, osm_file=settings.demo_osm_file, seed=settings.demo_seed)
    # a small history of last year's calls, so the dashboard has figures to click through
    load_history(
        factory,
        app.state.network,
        seed=settings.demo_seed,
        year=as_local(utcnow()).year - 1,
        calls=E2E_HISTORY_CALLS,
    )
    passwords = {
        a.username: a.password for a in ensure_demo_accounts(factory, seed=settings.demo_seed)
    }

    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="lanyan-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the e2e server did not start", pytrace=False)
        time.sleep(0.05)
    live = LiveServer(f"http://127.0.0.1:{port}", passwords, factory)
    # Warm the server's caches (road graph, travel-time trees, coverage) like a running service.
    with live.api("demo_dispatcher") as client:
        for path in ("/api/planning/roads", "/api/planning/coverage?live=true&holes=true"):
            assert client.get(path).status_code == 200
    yield live
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright's sync API."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - environment problem
        pytest.fail("playwright is not installed: pip install -e '.[dev]'", pytrace=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def new_page(
    browser: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """Factory of logged-in pages, each in its own browser context (own cookies).

    When the test fails, every page it opened is saved as FAILED-<test>-<n>.png.
    """
    contexts: list[Any] = []
    pages: list[Any] = []

    def make(username: str, *, viewport: dict[str, int] = CONSOLE_VIEWPORT) -> Any:
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        login(page, username, live_server.passwords[username])
        pages.append(page)
        return page

    yield make
    if request.node.stash.get(FAILED, False):
        for i, page in enumerate(pages):
            shot(page, f"FAILED-{request.node.name}-{i}")
    for context in contexts:
        context.close()


def login(page: Any, username: str, password: str) -> None:
    """Log in through the login form; the page then stands on the role's landing page."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#login-btn")


def shot(page: Any, name: str) -> Path:
    """Save a screenshot of the page as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
