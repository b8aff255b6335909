"""Answers kept for the polling dispatch room are never older than what they read.

Each test reads a list through the API (which keeps the answer), changes what it shows by one of
the paths a change can take — the API itself, another session of this process, a remote live
event, a connection SQLAlchemy never sees — and reads again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.api.cache import ResponseCache
from lanyan.core import changes
from lanyan.core.events import Event, EventBus
from lanyan.live.bus import BrokerRelay
from lanyan.live.transport import MemoryBroker, MemoryTransport


def _names(client: TestClient, world: World, user: str, path: str, key: str) -> set[str]:
    response = client.get(path, params={"limit": 1000}, headers=world.headers(user))
    assert response.status_code == 200, response.text
    return {row[key] for row in response.json()["items"]}


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


def test_a_write_through_the_api_is_in_the_next_answer(
    app_client: TestClient, world: World
) -> None:
    path = "/api/forces/water-sources"
    before = _names(app_client, world, "admin_a", path, "name")
    assert _names(app_client, world, "admin_a", path, "name") == before  # kept
    created = app_client.post(
        path,
        json={
            "external_id": "t:ws:cache-1",
            "name": "缓存测试消火栓",
            "kind": "hydrant",
            "org_id": world.a.brigade_id,
            "lon": 9.52,
            "lat": 47.14,
        },
        headers=world.headers("admin_a"),
    )
    assert created.status_code == 201, created.text
    assert _names(app_client, world, "admin_a", path, "name") == before | {"缓存测试消火栓"}


def test_a_write_by_another_session_of_the_process_is_in_the_next_answer(
    app_client: TestClient, world: World
) -> None:
    path = "/api/forces/organizations"
    assert "改名前" not in _names(app_client, world, "admin_a", path, "name")
    with _factory(app_client)() as session:
        session.execute(
            text("UPDATE organization SET name = '改名前' WHERE id = :id"),
            {"id": world.a.station_id},
        )
        session.commit()
    assert "改名前" in _names(app_client, world, "admin_a", path, "name")


def test_each_jurisdiction_gets_its_own_answer(app_client: TestClient, world: World) -> None:
    path = "/api/forces/units"
    mine = _names(app_client, world, "admin_a", path, "call_sign")
    theirs = _names(app_client, world, "admin_b", path, "call_sign")
    assert mine and theirs and not mine & theirs
    assert _names(app_client, world, "admin_a", path, "call_sign") == mine


def _write_outside(backend: str, database_url: str, sql: str) -> None:
    """A write on a connection of no engine of this process (as another process makes it)."""
    if backend == "sqlite":
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql)
    else:
        dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.encode())


@pytest.fixture
def cache_with_ttl(app_client: TestClient) -> Iterator[Callable[[float], None]]:
    app = app_client.app
    kept = app.state.response_cache  # type: ignore[attr-defined]

    def use(ttl_s: float) -> None:
        app.state.response_cache = ResponseCache(ttl_s=ttl_s)  # type: ignore[attr-defined]

    yield use
    app.state.response_cache = kept  # type: ignore[attr-defined]


def test_a_live_event_of_another_process_retires_the_dispatch_answers(
    app_client: TestClient,
    world: World,
    backend: str,
    database_url: str,
    cache_with_ttl: Callable[[float], None],
) -> None:
    """Another server process's dispatch write reaches this one as an event through the broker."""
    cache_with_ttl(3600.0)  # only the event can retire the answer here
    path = "/api/forces/units"
    before = _names(app_client, world, "admin_a", path, "call_sign")
    _write_outside(
        backend,
        database_url,
        f"UPDATE unit SET call_sign = '远端改名' WHERE id = {world.a.unit_id}",
    )
    assert _names(app_client, world, "admin_a", path, "call_sign") == before
    broker = MemoryBroker()
    here = BrokerRelay(EventBus(), MemoryTransport(broker), "t/events")
    there = BrokerRelay(EventBus(), MemoryTransport(broker), "t/events")
    here.start()
    there.start()
    try:
        there.forward(Event("unit.status", {"unit_id": world.a.unit_id}, "/"))
    finally:
        here.close()
        there.close()
    assert "远端改名" in _names(app_client, world, "admin_a", path, "call_sign")


def test_a_change_no_engine_of_the_process_saw_is_in_the_answer_after_the_time_to_live(
    app_client: TestClient,
    world: World,
    backend: str,
    database_url: str,
    cache_with_ttl: Callable[[float], None],
) -> None:
    """An import's worker, a shell command, a second host: bounded by the time to live."""
    ttl_s = 0.3
    cache_with_ttl(ttl_s)
    path = "/api/premises"
    assert "外部改名" not in _names(app_client, world, "admin_b", path, "name")
    _write_outside(
        backend,
        database_url,
        f"UPDATE premises SET name = '外部改名' WHERE id = {world.b.premises_id}",
    )
    time.sleep(ttl_s + 0.05)
    assert "外部改名" in _names(app_client, world, "admin_b", path, "name")


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        ('INSERT INTO "incident" (id) VALUES (1)', "incident"),
        ("INSERT OR REPLACE INTO unit (id) VALUES (1)", "unit"),
        ("insert into audit_log (x) values (1) returning id", "audit_log"),
        ("  UPDATE assignment SET status=? WHERE id=?", "assignment"),
        ('UPDATE "public"."unit" SET x=1', "unit"),
        ("DELETE FROM premises WHERE id = 1", "premises"),
        ("TRUNCATE TABLE hazard", "hazard"),
        ("SELECT * FROM incident", None),
        ("WITH x AS (SELECT 1) SELECT * FROM x", None),
    ],
)
def test_the_table_a_statement_writes(statement: str, table: str | None) -> None:
    assert changes.written_table(statement) == table


def test_a_rolled_back_write_changes_no_version(
    session_factory: sessionmaker[Session], world: World
) -> None:
    before = changes.versions(("water_source",))
    with session_factory() as session:
        session.execute(text("UPDATE water_source SET name = name WHERE id = :id"), {"id": 1})
        session.rollback()
    assert changes.versions(("water_source",)) == before
    with session_factory() as session:
        session.execute(text("UPDATE water_source SET name = name WHERE id = :id"), {"id": 1})
        session.commit()
    assert changes.versions(("water_source",)) > before


def test_a_kept_answer_is_served_before_the_router_as_the_router_gives_it(
    app_client: TestClient, world: World
) -> None:
    """The admission middleware serves a kept answer without a session, a thread or a handler;
    an answer in another coordinate system, or for another jurisdiction, still goes the long way."""
    path = "/api/forces/water-sources"
    params = {"limit": "1000", "offset": "0"}
    app = app_client.app
    factory = app.state.sessionmaker  # type: ignore[attr-defined]
    opened: list[int] = []

    def counting() -> Session:
        opened.append(1)
        return factory()

    built = app_client.get(path, params=params, headers=world.headers("admin_a"))
    assert built.status_code == 200, built.text
    app.state.sessionmaker = counting  # type: ignore[attr-defined]
    try:
        hits = app.state.response_cache.stats.hits  # type: ignore[attr-defined]
        kept = app_client.get(
            path, params=params, headers={**world.headers("admin_a"), "Accept-Encoding": "gzip"}
        )
        assert kept.status_code == 200
        assert opened == []  # no session: the router was not asked
        assert app.state.response_cache.stats.hits == hits + 1  # type: ignore[attr-defined]
        assert kept.json() == built.json()
        assert kept.headers["content-type"] == "application/json"
        if len(built.content) >= 2048:
            assert kept.headers["content-encoding"] == "gzip"
        converted = app_client.get(
            path, params={**params, "crs": "gcj02"}, headers=world.headers("admin_a")
        )
        assert converted.status_code == 200 and opened  # the conversion sits after the cache
        opened.clear()
        other = app_client.get(path, params=params, headers=world.headers("admin_b"))
        assert other.status_code == 200 and opened  # another brigade: its own answer, built
    finally:
        app.state.sessionmaker = factory  # type: ignore[attr-defined]
