"""Login, sessions that expire, rate-limited failures, hashed passwords, user management."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import PASSWORD, World, login

from lanyan.accounts.models import AuthSession, User
from lanyan.api.deps import client_ip
from lanyan.app import create_app
from lanyan.core.clock import utcnow
from lanyan.core.config import Settings


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessionmaker  # type: ignore[attr-defined, no-any-return]


def test_passwords_are_stored_as_argon2(app_client: TestClient, world: World) -> None:
    with _factory(app_client)() as session:
        user = session.scalars(select(User).where(User.username == "admin_a")).one()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_me_and_logout(app_client: TestClient, world: World) -> None:
    token = login(app_client, "grid_a")
    headers = {"Authorization": f"Bearer {token}"}
    me = app_client.get("/api/auth/me", headers=headers).json()
    assert me["username"] == "grid_a"
    assert me["role"] == "grid"
    assert "password_hash" not in me
    assert app_client.post("/api/auth/logout", headers=headers).status_code == 204
    assert app_client.get("/api/auth/me", headers=headers).status_code == 401


def test_wrong_password_is_401_with_a_chinese_message(app_client: TestClient, world: World) -> None:
    r = app_client.post("/api/auth/login", json={"username": "officer_a", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["detail"] == "用户名或密码错误"


def test_failed_logins_are_rate_limited(app_client: TestClient, world: World) -> None:
    for _ in range(5):
        r = app_client.post("/api/auth/login", json={"username": "officer_b", "password": "bad"})
        assert r.status_code == 401
    r = app_client.post("/api/auth/login", json={"username": "officer_b", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "稍后" in r.json()["detail"]


def test_sessions_expire(app_client: TestClient, world: World) -> None:
    token = login(app_client, "grid_b")
    headers = {"Authorization": f"Bearer {token}"}
    assert app_client.get("/api/auth/me", headers=headers).status_code == 200
    with _factory(app_client)() as session:
        session.execute(
            update(AuthSession)
            .where(AuthSession.user.has(User.username == "grid_b"))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    r = app_client.get("/api/auth/me", headers=headers)
    assert r.status_code == 401
    assert "过期" in r.json()["detail"]


def test_session_lifetime_follows_the_setting(app_client: TestClient, world: World) -> None:
    r = app_client.post("/api/auth/login", json={"username": "leader", "password": PASSWORD})
    app_client.cookies.clear()
    with _factory(app_client)() as session:
        auth = session.scalars(select(AuthSession).order_by(AuthSession.id.desc()).limit(1)).one()
    assert r.status_code == 200
    assert abs((auth.expires_at - auth.created_at) - timedelta(minutes=12 * 60)) < timedelta(
        seconds=1
    )


def test_disabling_a_user_ends_their_sessions(app_client: TestClient, world: World) -> None:
    token = login(app_client, "dispatcher_b")
    with _factory(app_client)() as session:
        user_id = session.scalars(select(User.id).where(User.username == "dispatcher_b")).one()
    r = app_client.patch(
        f"/api/users/{user_id}", json={"is_active": False}, headers=world.headers("admin_b")
    )
    assert r.status_code == 200
    assert (
        app_client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_admins_manage_users_only_in_their_subtree(app_client: TestClient, world: World) -> None:
    listed = app_client.get("/api/users", headers=world.headers("admin_a")).json()["items"]
    assert listed and all(u["username"].endswith("_a") for u in listed)
    r = app_client.post(
        "/api/users",
        headers=world.headers("admin_a"),
        json={
            "username": "spy",
            "display_name": "越权",
            "role": "admin",
            "organization_id": world.b.brigade_id,
            "password": "a-long-password",
        },
    )
    assert r.status_code == 404
    r = app_client.get(f"/api/users/{world.b.admin_user_id}", headers=world.headers("admin_a"))
    assert r.status_code == 404
    assert app_client.get("/api/users", headers=world.headers("dispatcher_a")).status_code == 403


def test_short_passwords_are_refused(app_client: TestClient, world: World) -> None:
    r = app_client.post(
        "/api/users",
        headers=world.headers("admin_a"),
        json={
            "username": "shorty",
            "display_name": "短",
            "role": "grid",
            "organization_id": world.a.brigade_id,
            "password": "short",
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "password"


def _request(peer: str, forwarded: str | None, proxies: str) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=Settings(trusted_proxies=proxies)))
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    scope = {"type": "http", "app": app, "client": (peer, 50000), "headers": headers}
    return Request(scope)


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.9", "198.51.100.1", "", "203.0.113.9"),  # no proxy configured: header ignored
        ("203.0.113.9", "198.51.100.1", "10.0.0.0/8", "203.0.113.9"),  # not from our proxy
        ("10.0.0.5", "198.51.100.1", "10.0.0.0/8", "198.51.100.1"),
        ("10.0.0.5", "6.6.6.6, 198.51.100.1", "10.0.0.0/8", "198.51.100.1"),  # left part forgeable
        ("10.0.0.5", "198.51.100.1, 10.1.2.3", "10.0.0.0/8", "198.51.100.1"),  # proxy chain
        ("10.0.0.5", "10.1.2.3", "10.0.0.0/8", "10.0.0.5"),  # only proxies: the peer
        ("10.0.0.5", "not-an-address", "10.0.0.0/8", "10.0.0.5"),  # malformed: not believed
        ("10.0.0.5", None, "10.0.0.0/8", "10.0.0.5"),
        ("::1", "2001:db8::7", "::1, 10.0.0.0/8", "2001:db8::7"),
    ],
)
def test_client_address_behind_a_trusted_proxy(
    peer: str, forwarded: str | None, proxies: str, expected: str
) -> None:
    assert client_ip(_request(peer, forwarded, proxies)) == expected


def test_a_bad_proxy_setting_fails_at_start() -> None:
    with pytest.raises(ValueError, match="LANYAN_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.0/8, proxy.local")


def test_login_limit_counts_the_client_behind_the_proxy(settings: Settings, world: World) -> None:
    """Behind a proxy every request has its address; the limit must count each client apart."""
    behind = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8", "login_max_failures": 1})
    with TestClient(create_app(behind), client=("10.0.0.5", 40000)) as client:
        via = {"X-Forwarded-For": "203.0.113.7, 10.0.0.9"}
        for i in range(4):  # an address may fail 4 × the per-user limit before it is refused
            bad = {"username": f"ghost{i}", "password": "nope"}
            assert client.post("/api/auth/login", json=bad, headers=via).status_code == 401
        good = {"username": "commander", "password": PASSWORD}  # no failures of its own
        refused = client.post("/api/auth/login", json=good, headers=via)
        assert refused.status_code == 429
        other = {"X-Forwarded-For": "203.0.113.8"}  # a colleague behind the same proxy
        assert client.post("/api/auth/login", json=good, headers=other).status_code == 200
