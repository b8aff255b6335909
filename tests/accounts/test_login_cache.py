"""A login kept for speed never outlives its logout, its account or its role."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World, login

from lanyan.accounts.models import User
from lanyan.core.permissions import Role


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


def test_a_logout_ends_the_login_at_the_next_request(app_client: TestClient, world: World) -> None:
    token = login(app_client, "grid_a")
    app_client.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    assert app_client.get("/api/auth/me", headers=headers).status_code == 200
    assert app_client.get("/api/auth/me", headers=headers).status_code == 200  # kept
    assert app_client.post("/api/auth/logout", headers=headers).status_code in (200, 204)
    assert app_client.get("/api/forces/units", headers=headers).status_code == 401


def test_a_disabled_account_or_a_new_role_counts_at_the_next_request(
    app_client: TestClient, world: World
) -> None:
    token = login(app_client, "officer_b")
    app_client.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    assert app_client.get("/api/users", headers=headers).status_code == 403  # not an admin
    with _factory(app_client)() as session:
        user = session.scalars(select(User).where(User.username == "officer_b")).one()
        user.role = Role.ADMIN
        session.commit()
    assert app_client.get("/api/users", headers=headers).status_code == 200
    with _factory(app_client)() as session:
        user = session.scalars(select(User).where(User.username == "officer_b")).one()
        user.is_active = False
        session.commit()
    assert app_client.get("/api/forces/units", headers=headers).status_code == 401
