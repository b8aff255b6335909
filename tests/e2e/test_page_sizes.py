"""Every page at the screen sizes dispatch rooms and phones have, as every role that may open it.

Each page is opened at 1920×1080 (command-centre screens), 1366×768 (laptops) and 390×844 (a
phone) and fails on: an error in the browser console or an uncaught exception, a request that
fails or answers 4xx/5xx (the tab icon included), an element that sticks out of the viewport
sideways, two controls on top of each other, or a control covered by something else (a toast, a
banner, a layer list). A screenshot of every page, role and size is kept in
``test-artifacts/e2e/sizes/`` (gitignored).

Which role opens which page comes from the permission table the server itself uses
(``lanyan.core.permissions.may_open``); a page is added by adding one :class:`PageCase` to
:data:`PAGES`. One served app and one browser serve every case; each role logs in once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lanyan.core.permissions import Screen, may_open
from lanyan.demo.accounts import DEMO_ACCOUNTS
from tests.e2e.conftest import ARTIFACTS, PAGE_TIMEOUT_MS, LiveServer

SIZES: dict[str, dict[str, int]] = {
    "1920x1080": {"width": 1920, "height": 1080},
    "1366x768": {"width": 1366, "height": 768},
    "390x844": {"width": 390, "height": 844},
}
SHOTS = ARTIFACTS / "sizes"
ROLE_OF = {username: role for username, _name, role, _org in DEMO_ACCOUNTS}
ROLES = [username for username in ROLE_OF if username != "demo_admin_unterland"]
"""One account per role (the second administrator only differs in jurisdiction)."""


def may_reach(screen: Screen) -> tuple[str, ...]:
    """The demo accounts whose role may open ``screen``, by the server's own table."""
    return tuple(u for u in ROLES if may_open(ROLE_OF[u], screen))


def refused(screen: Screen) -> tuple[str, ...]:
    """One demo account whose role may not open ``screen`` (it gets the 403 page)."""
    return tuple(u for u in ROLES if not may_open(ROLE_OF[u], screen))[:1]


@dataclass(frozen=True)
class PageCase:
    """A page, who opens it, what says it has finished loading, and the answer expected."""

    name: str
    path: str
    users: tuple[str | None, ...]
    """Demo usernames; ``None`` is a visitor who is not logged in."""
    ready: str
    status: int = 200
    allowed_errors: tuple[str, ...] = field(default=())
    """Console messages that are expected (the 403 page's own status line)."""


PAGES: list[PageCase] = [
    PageCase("login", "/login", (None,), "#login-form"),
    PageCase("public-listings", "/public/listings", (None,), "main.public-listings"),
    PageCase("crew", "/crew", may_reach(Screen.CREW), "body[data-ready]"),
    PageCase("dashboard", "/dashboard", may_reach(Screen.DASHBOARD), "body[data-ready]"),
    PageCase("prevention", "/prevention", may_reach(Screen.PREVENTION), "body[data-ready]"),
    PageCase("grid", "/grid", may_reach(Screen.GRID), "body[data-ready]"),
    PageCase("admin", "/admin", may_reach(Screen.ADMIN), "body[data-ready]"),
    *(
        PageCase(
            f"forbidden-{screen.value}",
            f"/{screen.value}",
            refused(screen),
            "#forbidden-text",
            status=403,
            allowed_errors=("403",),
        )
        for screen in (Screen.ADMIN, Screen.PREVENTION, Screen.GRID)
    ),
    # the console's own size test is written with the console; adding it here is one line:
    # PageCase("console", "/console", may_reach(Screen.CONSOLE), "body[data-map-ready]"),
]

CASES = [(page, user) for page in PAGES for user in page.users]

LAYOUT_PROBLEMS = (Path(__file__).with_name("layout_problems.js")).read_text(encoding="utf-8")
"""A function for ``page.evaluate``: the layout problems of the page, as sentences."""


@dataclass
class Watch:
    """What the browser reported while one page loaded."""

    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    in_flight: set[Any] = field(default_factory=set)

    def clear(self) -> None:
        self.errors.clear()
        self.failed.clear()
        self.in_flight.clear()


def _watch(page: Any) -> Watch:
    watch = Watch()
    page.on("pageerror", lambda error: watch.errors.append(f"uncaught: {error}"))

    def on_console(message: Any) -> None:
        if message.type == "error":
            watch.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_request(request: Any) -> None:
        if "/api/events" not in request.url:  # the live stream stays open by design
            watch.in_flight.add(request)

    def on_done(request: Any) -> None:
        watch.in_flight.discard(request)

    def on_failed(request: Any) -> None:
        watch.in_flight.discard(request)
        watch.failed.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            watch.failed.append(f"{response.request.method} {response.url}: HTTP {response.status}")

    page.on("console", on_console)
    page.on("request", on_request)
    page.on("requestfinished", on_done)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    return watch


@dataclass
class Visitor:
    """One browser context (its own cookies) and its page, reused across pages and sizes."""

    context: Any
    page: Any
    watch: Watch


@pytest.fixture(scope="module")
def visitors(browser: Any, live_server: LiveServer) -> Iterator[dict[str | None, Visitor]]:
    """A logged-in browser context per demo account (and one not logged in), made when needed."""
    made: dict[str | None, Visitor] = {}

    def make(user: str | None) -> Visitor:
        context = browser.new_context(
            viewport=SIZES["1920x1080"],
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=live_server.url,
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        if user is not None:
            # the login API sets the session cookie in this context (the form is tested elsewhere)
            answer = context.request.post(
                "/api/auth/login",
                data={"username": user, "password": live_server.passwords[user]},
            )
            assert answer.ok, answer.text()
        page = context.new_page()
        return Visitor(context, page, _watch(page))

    class Lazy(dict[str | None, Visitor]):
        def __missing__(self, user: str | None) -> Visitor:
            self[user] = make(user)
            return self[user]

    made = Lazy()
    yield made
    for visitor in made.values():
        visitor.context.close()


def _settle(page: Any, watch: Watch) -> None:
    # wait until every request the page started has finished (the live stream aside); a guard
    # against a hung page, not a measure of speed
    deadline = time.monotonic() + 30
    while watch.in_flight and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert not watch.in_flight, [r.url for r in watch.in_flight]
    page.wait_for_timeout(300)  # let the last responses render (charts, maps)


@pytest.mark.parametrize(
    ("case", "user"),
    CASES,
    ids=[f"{case.name}-{user or 'visitor'}" for case, user in CASES],
)
def test_page_holds_at_every_size(
    case: PageCase, user: str | None, visitors: dict[str | None, Visitor]
) -> None:
    visitor = visitors[user]
    page, watch = visitor.page, visitor.watch
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for size_name, size in SIZES.items():
        page.goto("about:blank")
        watch.clear()
        page.set_viewport_size(size)
        response = page.goto(case.path)
        assert response is not None
        where = f"{case.path} as {user or 'visitor'} at {size_name}"
        if response.status != case.status:
            problems.append(f"{where}: HTTP {response.status}, expected {case.status}")
        # ready, or a page that failed to load says so in an error message
        page.wait_for_selector(f"{case.ready}, .toast-error", state="attached")
        _settle(page, watch)
        shot_path = SHOTS / f"{case.name}-{user or 'visitor'}-{size_name}.png"
        page.screenshot(path=str(shot_path), full_page=True)
        for message in page.locator(".toast-error").all_inner_texts():
            problems.append(f"{where}: the page says: {message}")
        document = page.url
        failed = [
            f
            for f in watch.failed
            if not (case.status >= 400 and f.endswith(f"HTTP {case.status}") and document in f)
        ]
        errors = [
            e for e in watch.errors if not any(allowed in e for allowed in case.allowed_errors)
        ]
        problems += [f"{where}: {e}" for e in errors]
        problems += [f"{where}: request failed: {f}" for f in failed]
        problems += [f"{where}: {p}" for p in page.evaluate(LAYOUT_PROBLEMS)]
        if user is not None and size_name == "1920x1080":
            # the menu shows exactly the pages the permission table opens to the role
            menu = set(
                page.locator("header.topbar nav a").evaluate_all(
                    "els => els.filter(a => a.getClientRects().length).map(a => a.pathname)"
                )
            )
            opens = {f"/{s.value}" for s in Screen if may_open(ROLE_OF[user], s)}
            if menu != opens:
                problems.append(
                    f"{where}: the menu offers {sorted(menu)}, the role opens {sorted(opens)}"
                )
    assert not problems, "\n".join(problems)
