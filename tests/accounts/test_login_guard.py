"""The login limit under concurrency, and why an outsider cannot lock a 119 room out (issue 11).

Runs on SQLite and PostgreSQL. Addresses are given to the app as the TestClient's peer; every
world user has logged in once from ``testclient`` (the world fixture), so that is their known
address. Here the limit is 3 guesses per account and address in 300 s, 12 per address and per
account from strange addresses (every checked guess costs an argon2 verify: fewer keep the module
quick); the concurrency test runs the default 5.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DEPLOYED_HASHER
from tests.factories import PASSWORD, World

from lanyan.accounts import service
from lanyan.accounts.models import KnownLoginAddress, LoginAttempt, LoginThrottle, User
from lanyan.app import create_app
from lanyan.core import security
from lanyan.core.clock import utcnow
from lanyan.core.config import Settings
from lanyan.core.db import make_engine

GUESSES = 30
DEFAULT_LIMIT = 5
LIMIT = 3
SHARED = 4 * LIMIT
WAIT_S = 60.0


@pytest.fixture(scope="module")
def settings(database_url: str) -> Settings:
    """The module's database, with a limit of 3."""
    return Settings(database_url=database_url, login_max_failures=LIMIT, login_window_seconds=300)


def _app(client: TestClient) -> FastAPI:
    app: FastAPI = client.app  # type: ignore[assignment]
    return app


def _factory(client: TestClient) -> sessionmaker[Session]:
    return _app(client).state.sessionmaker  # type: ignore[no-any-return]


def _from(app: FastAPI, ip: str) -> TestClient:
    """A client whose requests come from ``ip``."""
    return TestClient(app, client=(ip, 40000))


def _try(client: TestClient, username: str, password: str) -> int:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    client.cookies.clear()
    return response.status_code


class CallSpy:
    """Calls through to ``target``, counting calls and how many ran at once."""

    def __init__(self, target: Callable[..., Any], during: Callable[[], None] | None = None):
        self.target = target
        self.during = during
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.during is not None:
                self.during()
            return self.target(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1


def _failed_attempts(factory: sessionmaker[Session], username: str) -> int:
    with factory() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(LoginAttempt)
                .where(LoginAttempt.username == username, LoginAttempt.success.is_(False))
            )
            or 0
        )


def test_parallel_guesses_reach_argon2_at_most_the_limit(
    settings: Settings,
    world: World,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """30 wrong passwords at once for one account: 5 are checked, 25 refused before argon2."""
    # the account's hash at the deployed cost: each check takes as long as in service, the window
    # the guesses race in (the suite's own accounts are hashed cheaply, see tests/conftest.py)
    with session_factory() as session:
        session.execute(
            update(User)
            .where(User.username == "dispatcher_a")
            .values(password_hash=DEPLOYED_HASHER.hash(PASSWORD))
        )
        session.commit()
    verifies = CallSpy(security.verify_password)
    logins = CallSpy(service.login)
    monkeypatch.setattr(service, "verify_password", verifies)
    monkeypatch.setattr(service, "login", logins)
    app = create_app(settings.model_copy(update={"login_max_failures": DEFAULT_LIMIT}))
    barrier = threading.Barrier(GUESSES)

    def guess(i: int) -> int:
        client = _from(app, "198.51.100.66")
        barrier.wait(timeout=WAIT_S)
        return _try(client, "dispatcher_a", f"guess-number-{i}")

    try:
        with ThreadPoolExecutor(GUESSES) as pool:
            statuses = Counter(pool.map(guess, range(GUESSES)))
        assert logins.calls == GUESSES
        assert logins.most_at_once > 1  # the guesses really overlapped
        assert verifies.calls == DEFAULT_LIMIT
        assert statuses == {401: DEFAULT_LIMIT, 429: GUESSES - DEFAULT_LIMIT}
        assert _failed_attempts(app.state.sessionmaker, "dispatcher_a") == DEFAULT_LIMIT
        # the owner, at the address the account is known at, is not locked out
        assert _try(TestClient(app), "dispatcher_a", PASSWORD) == 200
    finally:
        app.state.engine.dispose()


def test_the_owner_logs_in_from_a_known_address_while_attacked(
    app_client: TestClient, world: World
) -> None:
    app = _app(app_client)
    attacker = _from(app, "198.51.100.7")
    for _ in range(LIMIT):
        assert _try(attacker, "dispatcher_b", "not-the-password") == 401
    assert _try(attacker, "dispatcher_b", "not-the-password") == 429
    assert _try(attacker, "dispatcher_b", PASSWORD) == 429  # no more guesses from there
    assert _try(app_client, "dispatcher_b", PASSWORD) == 200  # the duty room's PC

    # many addresses against one account: strangers are refused, the owner's desk is not
    for host in range(10, 10 + SHARED // LIMIT - 1):  # with the first ones: SHARED failures
        for _ in range(LIMIT):
            assert _try(_from(app, f"198.51.100.{host}"), "dispatcher_b", "nope-nope-1") == 401
    assert _try(_from(app, "198.51.100.99"), "dispatcher_b", PASSWORD) == 429
    assert _try(app_client, "dispatcher_b", PASSWORD) == 200


def test_failures_for_many_accounts_do_not_block_a_user_known_at_that_address(
    app_client: TestClient, world: World
) -> None:
    """A shared duty-room PC (or a NAT): many failures there do not refuse a known colleague."""
    app = _app(app_client)
    duty_pc = _from(app, "198.51.100.20")
    assert _try(duty_pc, "grid_b", PASSWORD) == 200  # grid_b works at this PC
    for i in range(SHARED):
        assert _try(duty_pc, f"ghost{i}", "not-the-password") == 401
    assert _try(duty_pc, "ghost99", "not-the-password") == 429
    assert _try(duty_pc, "grid_b", PASSWORD) == 200
    assert _try(duty_pc, "crew_b", PASSWORD) == 429  # never logged in here: a stranger
    with _factory(app_client)() as session:
        known = session.scalars(
            select(KnownLoginAddress.ip).join(User).where(User.username == "grid_b")
        ).all()
    assert set(known) == {"testclient", "198.51.100.20"}


def test_a_known_address_still_gets_only_the_limit(app_client: TestClient, world: World) -> None:
    """Brute force stays bounded at a known address; a success clears that address's count."""
    for _ in range(LIMIT - 1):
        assert _try(app_client, "officer_a", "not-the-password") == 401
    assert _try(app_client, "officer_a", PASSWORD) == 200
    for _ in range(LIMIT):
        assert _try(app_client, "officer_a", "not-the-password") == 401
    assert _try(app_client, "officer_a", PASSWORD) == 429


def test_the_count_starts_again_when_the_window_has_passed(
    app_client: TestClient, world: World
) -> None:
    stranger = _from(_app(app_client), "198.51.100.30")
    for _ in range(LIMIT):
        assert _try(stranger, "crew_a", "not-the-password") == 401
    refused = stranger.post("/api/auth/login", json={"username": "crew_a", "password": PASSWORD})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    with _factory(app_client)() as session:
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key.contains("198.51.100.30"))
            .values(window_started_at=utcnow() - timedelta(seconds=301))
        )
        session.commit()
    assert _try(stranger, "crew_a", PASSWORD) == 200


@pytest.fixture
def trusted_app(settings: Settings) -> Iterator[FastAPI]:
    """The app with the duty rooms' network 192.0.2.0/24 trusted."""
    app = create_app(settings.model_copy(update={"login_trusted_networks": "192.0.2.0/24"}))
    yield app
    app.state.engine.dispose()


def test_a_trusted_network_is_never_locked_out_from_outside(
    trusted_app: FastAPI, world: World
) -> None:
    for host in range(10, 10 + SHARED // LIMIT):
        for _ in range(LIMIT):
            attacker = _from(trusted_app, f"203.0.113.{host}")
            assert _try(attacker, "officer_b", "not-the-password") == 401
    assert _try(_from(trusted_app, "203.0.113.99"), "officer_b", PASSWORD) == 429
    # a PC of the duty room the account never used: still let in
    assert _try(_from(trusted_app, "192.0.2.44"), "officer_b", PASSWORD) == 200
    # more failures from a trusted PC than any address may make do not refuse anyone there
    shared_pc = _from(trusted_app, "192.0.2.45")
    for i in range(SHARED + 1):
        assert _try(shared_pc, f"nobody{i}", "not-the-password") == 401
    assert _try(shared_pc, "crew_b", PASSWORD) == 200
    # and guesses from inside stay limited per account
    for _ in range(LIMIT):
        assert _try(shared_pc, "leader", "not-the-password") == 401
    assert _try(shared_pc, "leader", PASSWORD) == 429


def test_a_bad_trusted_network_setting_fails_at_start() -> None:
    with pytest.raises(ValueError, match="LANYAN_LOGIN_TRUSTED_NETWORKS"):
        Settings(login_trusted_networks="10.8.0.0/24, duty-room")


def test_the_password_check_holds_no_database_lock(
    app_client: TestClient, world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While argon2 runs, another connection writes the very counter the guess took a slot in."""
    probe = make_engine(database_url)
    writes: list[float] = []

    def write_meanwhile() -> None:
        started = time.monotonic()
        with probe.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.execute(text("PRAGMA busy_timeout=300"))
            else:
                conn.execute(text("SET LOCAL lock_timeout = '300ms'"))
            conn.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key.contains("|admin_b"))
                .values(failures=LoginThrottle.failures)
            )
        writes.append(time.monotonic() - started)

    monkeypatch.setattr(
        service, "verify_password", CallSpy(security.verify_password, write_meanwhile)
    )
    try:
        assert _try(app_client, "admin_b", "not-the-password") == 401
        assert _try(app_client, "admin_b", PASSWORD) == 200
    finally:
        probe.dispose()
    assert len(writes) == 2
    assert max(writes) < 0.3
