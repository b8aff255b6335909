"""Layered fixtures: a fresh database per module on each backend, an app, a client, a small world.

Storage and API tests take ``database_url`` (directly or through ``client``/``world``) and so run
twice: on SQLite and on the real PostgreSQL (which ``make test`` makes sure is running). Each
PostgreSQL run gets its own database, created here and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import upgrade
from tests.factories import World, build_world

PG_ADMIN_DSN = os.environ.get(
    "LANYAN_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
PG_URL_BASE = os.environ.get(
    "LANYAN_TEST_PG_URL_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)
BACKENDS = ["sqlite", "postgresql"]


def _admin_connect() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.fail(f"PostgreSQL is required for the suite and is not reachable: {exc}")


def create_database(backend: str, tmp_dir: Path) -> str:
    """A new, migrated, empty database; returns its URL."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / f'lanyan-{uuid.uuid4().hex[:8]}.db'}"
    else:
        name = f"lanyan_test_{uuid.uuid4().hex[:12]}"
        with _admin_connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_URL_BASE + name
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    """Drop a PostgreSQL test database (SQLite files go with tmp_path)."""
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        with _admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend this module's tests run on."""
    return str(request.param)


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh migrated database for the module."""
    url = create_database(backend, tmp_path_factory.mktemp("db"))
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the module's database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the module's database."""
    return make_sessionmaker(engine)


@pytest.fixture(scope="module")
def settings(database_url: str) -> Settings:
    """Settings pointing at the module's database."""
    # tests route on the demo's roads, named here (a deployment registers its own with `init`)
    return Settings(
        database_url=database_url,
        login_max_failures=5,
        login_window_seconds=300,
        road_file=Settings().demo_osm_file,
    )


@pytest.fixture(scope="module")
def app_client(settings: Settings) -> Iterator[TestClient]:
    """An API client on the module's database."""
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def world(app_client: TestClient) -> World:
    """Two brigades with a station, unit, water source, premises and users each; tokens ready."""
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    return build_world(factory, app_client)


@dataclass
class DemoCity:
    """The demo city loaded into the module's database, with a token per demo account."""

    tokens: dict[str, str]

    def headers(self, username: str) -> dict[str, str]:
        """Authorization header of a demo account."""
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture(scope="module")
def demo_city(app_client: TestClient) -> DemoCity:
    """Load the demo city (real OSM roads and stations) and log every demo account in."""
    from lanyan.demo import ensure_demo_accounts, load_demo

    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    settings: Settings = app_client.app.state.settings  # type: ignore[attr-defined]
    load_demo(factory, osm_file=settings.demo_osm_file, seed=settings.demo_seed)
    tokens = {}
    for account in ensure_demo_accounts(factory, seed=settings.demo_seed):
        response = app_client.post(
            "/api/auth/login", json={"username": account.username, "password": account.password}
        )
        assert response.status_code == 200, response.text
        tokens[account.username] = response.json()["access_token"]
    app_client.cookies.clear()
    return DemoCity(tokens)
