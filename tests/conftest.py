"""Layered fixtures: a fresh database per module on each backend, an app, a client, a small world.

Storage and API tests take ``database_url`` (directly or through ``client``/``world``) and so run
twice: on SQLite and on the real PostgreSQL (which ``make test`` makes sure is running). Each
PostgreSQL run gets its own database, created here and dropped afterwards.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lanyan.app import create_app
from lanyan.core import security
from lanyan.core.config import Settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import MIGRATIONS_DIR, upgrade
from tests.factories import World, build_world

PG_ADMIN_DSN = os.environ.get(
    "LANYAN_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
PG_URL_BASE = os.environ.get(
    "LANYAN_TEST_PG_URL_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)
BACKENDS = ["sqlite", "postgresql"]

DEPLOYED_HASHER = security._hasher
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""argon2id at its smallest cost for the suite's own accounts. Every module's world hashes and
logs in 13 users on each backend: at the deployed cost (~0.1 s a hash or a check on this machine)
that was three seconds of every module's set-up, a quarter of the suite's time. It is still
argon2id, checked on every login. A hash carries its cost, so an account made here is checked at
this cost; a test about what the deployed cost does (parallel guesses overlapping in the check)
hashes its account with :data:`DEPLOYED_HASHER`."""

security._hasher = TEST_HASHER
security._DUMMY_HASH = TEST_HASHER.hash("not-a-real-password")


def _admin_connect() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.fail(f"PostgreSQL is required for the suite and is not reachable: {exc}")


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


PROJECT_ROOT = Path(__file__).resolve().parents[1]
SRC = PROJECT_ROOT / "src" / "lanyan"
# a template made by other migrations (or, for the demo, other code or data) is never reused
SCHEMA_KEY = _digest(sorted(MIGRATIONS_DIR.rglob("*.py")))
DEMO_KEY = _digest(sorted(SRC.rglob("*.py")) + sorted((PROJECT_ROOT / "data" / "demo").glob("*")))
TEMPLATE_DIR = Path(tempfile.gettempdir()) / "lanyan-test-templates"
_IN_USE: dict[str, IO[str]] = {}  # the templates this process copies, flocked shared until exit


@contextmanager
def _locked(name: str, mode: int) -> Iterator[bool]:
    """``flock`` on TEMPLATE_DIR/name; yields whether it was taken (LOCK_NB may fail)."""
    TEMPLATE_DIR.mkdir(exist_ok=True)
    with (TEMPLATE_DIR / name).open("a") as handle:
        try:
            fcntl.flock(handle, mode)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _mark_in_use(template: str) -> None:
    """Hold a shared lock on the template's use file while this process lives: another suite
    (another checkout, other code) drops only the templates nobody holds."""
    if template not in _IN_USE:
        handle = (TEMPLATE_DIR / f"{template}.use").open("a")
        fcntl.flock(handle, fcntl.LOCK_SH)
        _IN_USE[template] = handle
        if len(_IN_USE) == 1:
            atexit.register(_release_templates)


def _release_templates() -> None:
    for handle in _IN_USE.values():
        handle.close()  # closing drops the shared lock
    _IN_USE.clear()


def _drop_unused_templates(kind: str, keep: str) -> None:
    """Drop templates of ``kind`` other than ``keep`` that no running suite holds."""
    with _admin_connect() as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{kind}%",)
            )
        ]
        for name in names:
            if name == keep or name.endswith("_building") or name in _IN_USE:
                continue
            with _locked(f"{name}.use", fcntl.LOCK_EX | fcntl.LOCK_NB) as free:
                if free:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for path in TEMPLATE_DIR.glob(f"{kind}*.db"):
        if path.stem != keep and path.stem not in _IN_USE:
            with _locked(f"{path.stem}.use", fcntl.LOCK_EX | fcntl.LOCK_NB) as free:
                if free:
                    path.unlink(missing_ok=True)
                    path.with_suffix(".json").unlink(missing_ok=True)


def _template(backend: str, name: str, fill: Callable[[str], None]) -> str:
    """The template database ``name`` on ``backend`` (made once: ``fill`` migrates or loads a
    new database's URL); returns the URL to copy from (SQLite) or the database name."""
    with _locked(f"{name}.lock", fcntl.LOCK_EX):
        _mark_in_use(name)
        if backend == "sqlite":
            path = TEMPLATE_DIR / f"{name}.db"
            if not path.exists():
                building = TEMPLATE_DIR / f"{name}.building.db"
                building.unlink(missing_ok=True)
                fill(f"sqlite:///{building}")
                building.rename(path)
                _drop_unused_templates(name.rsplit("_", 1)[0], name)
            return f"sqlite:///{path}"
        with _admin_connect() as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if found.fetchone() is None:
                building = f"{name}_building"
                conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{building}"')
                fill(PG_URL_BASE + building)
                conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
                _drop_unused_templates(name.rsplit("_", 1)[0], name)
        return name


def _copy(backend: str, template: str, tmp_dir: Path) -> str:
    """A new database that is a copy of ``template``; returns its URL."""
    if backend == "sqlite":
        path = tmp_dir / f"lanyan-{uuid.uuid4().hex[:8]}.db"
        # The backup API copies a consistent image whatever is still in the template's WAL.
        source_path = template.removeprefix("sqlite:///")
        with (
            closing(sqlite3.connect(source_path)) as source,
            closing(sqlite3.connect(path)) as target,
        ):
            source.backup(target)
        return f"sqlite:///{path}"
    name = f"lanyan_test_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as conn:
        for attempt in range(50):
            try:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except psycopg.errors.ObjectInUse:
                # Another worker's copy of the same template is being made this instant.
                if attempt == 49:
                    raise
                time.sleep(0.1)
    return PG_URL_BASE + name


def create_database(backend: str, tmp_dir: Path) -> str:
    """A new, migrated, empty database; returns its URL.

    It is a copy of a template migrated once per schema (``SCHEMA_KEY``), not a fresh run of
    every migration (about two seconds a database, two backends, every module): the copy is
    what the migrations produce. Migration tests downgrade and upgrade their copy themselves.
    """
    return _copy(backend, _template(backend, f"lanyan_schema_{SCHEMA_KEY}", upgrade), tmp_dir)


def _load_demo_into(url: str) -> None:
    from lanyan.demo import ensure_demo_accounts, load_demo

    settings = Settings(database_url=url)
    engine = make_engine(url)
    try:
        upgrade(url)
        factory = make_sessionmaker(engine)
        load_demo(factory, osm_file=settings.demo_osm_file, seed=settings.demo_seed)
        accounts = ensure_demo_accounts(factory, seed=settings.demo_seed)
    finally:
        engine.dispose()
    passwords = {account.username: account.password for account in accounts}
    key = url.rsplit("/", 1)[1].removesuffix(".building.db").removesuffix("_building")
    (TEMPLATE_DIR / f"{key}.json").write_text(json.dumps(passwords))


def create_demo_database(backend: str, tmp_dir: Path) -> tuple[str, dict[str, str]]:
    """A new database holding the demo city and its accounts; returns its URL and the accounts'
    passwords. A copy of a template loaded once per code version (``DEMO_KEY``): loading the
    demo and hashing eight passwords takes 7-10 s, and a dozen modules on two backends need it.
    """
    name = f"lanyan_demo_{backend}_{DEMO_KEY}"  # each backend's accounts have their passwords
    template = _template(backend, name, _load_demo_into)
    passwords = json.loads((TEMPLATE_DIR / f"{name}.json").read_text())
    return _copy(backend, template, tmp_dir), passwords


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


_DEMO_PASSWORDS: dict[str, dict[str, str]] = {}  # database URL -> its demo accounts' passwords


@pytest.fixture(scope="module")
def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A fresh migrated database for the module; with the demo city already in it when the
    module's first test asks for ``demo_city`` (a copy of the demo template, see ``demo_city``)."""
    if "demo_city" in request.fixturenames:
        url, passwords = create_demo_database(backend, tmp_path_factory.mktemp("db"))
        _DEMO_PASSWORDS[url] = passwords
    else:
        url = create_database(backend, tmp_path_factory.mktemp("db"))
    yield url
    _DEMO_PASSWORDS.pop(url, None)
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
    """The demo city (real OSM roads and stations) in the module's database, every demo account
    logged in. ``database_url`` usually copied it in already from the demo template; it is
    loaded here when the module's first test did not ask for it."""
    from lanyan.demo import ensure_demo_accounts, load_demo

    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    settings: Settings = app_client.app.state.settings  # type: ignore[attr-defined]
    passwords = _DEMO_PASSWORDS.get(settings.database_url)
    if passwords is None:  # a module whose first test did not ask for the demo: load it now
        load_demo(factory, osm_file=settings.demo_osm_file, seed=settings.demo_seed)
        accounts = ensure_demo_accounts(factory, seed=settings.demo_seed)
        passwords = {account.username: account.password or "" for account in accounts}
    tokens = {}
    for username, password in passwords.items():
        response = app_client.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        tokens[username] = response.json()["access_token"]
    app_client.cookies.clear()
    return DemoCity(tokens)
