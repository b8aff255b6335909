"""Migration 0007 remembers the addresses users had logged in from before it (both backends).

The service's known addresses are the truth: users log in (the world fixture, and one more from
another address), the schema goes back to 0006 (the guard's tables are dropped, the login
attempts stay), and the upgrade must find the same (user, address) pairs again from the
successful attempts, and none from a failed one.
"""

from __future__ import annotations

from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from tests.factories import PASSWORD, World

from lanyan.accounts.models import KnownLoginAddress
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import alembic_config, upgrade


def test_migration_0007_remembers_earlier_logins(
    app_client: TestClient, world: World, database_url: str
) -> None:
    app: FastAPI = app_client.app  # type: ignore[assignment]
    elsewhere = TestClient(app, client=("198.51.100.5", 40000))
    ok = {"username": "leader", "password": PASSWORD}
    assert elsewhere.post("/api/auth/login", json=ok).status_code == 200
    bad = {"username": "commander", "password": "not-the-password"}
    assert elsewhere.post("/api/auth/login", json=bad).status_code == 401
    with app.state.sessionmaker() as session:
        truth = set(session.execute(select(KnownLoginAddress.user_id, KnownLoginAddress.ip)))
    assert len(truth) == len(world.tokens) + 1
    app.state.engine.dispose()

    command.downgrade(alembic_config(database_url), "0006")
    engine = make_engine(database_url)
    assert "login_known_address" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        found = set(session.execute(select(KnownLoginAddress.user_id, KnownLoginAddress.ip)))
    engine.dispose()
    assert found == truth
