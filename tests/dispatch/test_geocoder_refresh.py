"""The geocoder follows imported premises without making an address search wait for a rebuild.

During a premises import every chunk changed the premises count, and each address search of the
intake form (one per keystroke) rebuilt the geocoder in the request: ~4 s of the server's CPU
with 50,000 premises, the searches queued one behind the other.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DemoCity

from lanyan.core.actor import SYSTEM
from lanyan.dispatch import geocoding
from lanyan.exchange.importer import import_file
from lanyan.exchange.specs import SPECS

HEADER = "external_id,name,category,venue_type,org_external_id,lon,lat"


def _add_premises(factory: sessionmaker[Session], external_id: str, name: str) -> None:
    row = f"{external_id},{name},small_venue,restaurant,demo:brigade:oberland,9.5215,47.1395"
    with factory() as session:
        import_file(
            session,
            actor=SYSTEM,
            spec=SPECS["premises"],
            filename="p.csv",
            content=f"{HEADER}\n{row}\n".encode(),
        )
        session.commit()


def _labels(client: TestClient, demo: DemoCity, q: str) -> list[str]:
    r = client.get(
        "/api/dispatch/geocode", params={"q": q}, headers=demo.headers("demo_dispatcher")
    )
    assert r.status_code == 200, r.text
    return [c["label"] for c in r.json()["candidates"]]


def test_a_search_is_answered_at_once_while_the_geocoder_is_rebuilt_for_new_premises(
    app_client: TestClient, demo_city: DemoCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_client.app
    service: geocoding.GeocoderService = app.state.geocoder  # type: ignore[attr-defined]
    factory: sessionmaker[Session] = app.state.sessionmaker  # type: ignore[attr-defined]
    assert "蓝焰甲商场" not in _labels(app_client, demo_city, "蓝焰甲商场")  # built, synchronously

    builds: list[None] = []
    started, release = threading.Event(), threading.Event()
    load = geocoding.load_osm_gazetteer

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        builds.append(None)
        started.set()
        assert release.wait(60)
        return load(*args, **kwargs)

    monkeypatch.setattr(geocoding, "load_osm_gazetteer", slow_load)
    monkeypatch.setattr(geocoding, "QUIET_S", 3600.0)
    _add_premises(factory, "refresh:1", "蓝焰甲商场")
    assert "蓝焰甲商场" not in _labels(app_client, demo_city, "蓝焰甲商场")  # the current one
    _add_premises(factory, "refresh:2", "蓝焰乙商场")  # an import goes on: no rebuild yet
    assert "蓝焰甲商场" not in _labels(app_client, demo_city, "蓝焰甲商场")
    assert builds == []

    monkeypatch.setattr(geocoding, "QUIET_S", 0.0)  # the premises have stopped changing
    assert "蓝焰甲商场" not in _labels(app_client, demo_city, "蓝焰甲商场")  # the current one...
    assert started.wait(30)  # ... while the rebuild has begun in the background
    assert "蓝焰甲商场" not in _labels(app_client, demo_city, "蓝焰甲商场")  # not waited for
    assert len(builds) == 1  # one rebuild, however many searches
    release.set()
    service.wait_for_refresh(60)
    assert _labels(app_client, demo_city, "蓝焰甲商场")[0] == "蓝焰甲商场"
    assert _labels(app_client, demo_city, "蓝焰乙商场")[0] == "蓝焰乙商场"
    assert len(builds) == 1

    monkeypatch.setattr(geocoding, "QUIET_S", 3600.0)
    monkeypatch.setattr(geocoding, "STALE_MAX_S", 0.0)  # changes that never stop: rebuilt anyway
    _add_premises(factory, "refresh:3", "蓝焰丙商场")
    assert "蓝焰丙商场" not in _labels(app_client, demo_city, "蓝焰丙商场")
    service.wait_for_refresh(60)
    assert len(builds) == 2
    assert _labels(app_client, demo_city, "蓝焰丙商场")[0] == "蓝焰丙商场"


def test_another_road_file_is_searched_only_once_rebuilt(
    app_client: TestClient, demo_city: DemoCity, tmp_path: Path
) -> None:
    """A new road file is another city's answers: never the old geocoder's, not even once."""
    app = app_client.app
    service: geocoding.GeocoderService = app.state.geocoder  # type: ignore[attr-defined]
    factory: sessionmaker[Session] = app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as session:
        before = service.get(session)
        road = service._resolve(session) if service._resolve else service.osm_file
        assert road is not None
        copy = tmp_path / "other-city.osm.pbf"
        copy.write_bytes(road.read_bytes())
        other = geocoding.GeocoderService(copy, service.cache_dir)
        other._geocoder, other._signature = before, service._signature
        after = other.get(session)
    assert after is not before
