"""A served process warms up before its first request (lanyan.app.warm_up)."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from lanyan.app import create_app
from lanyan.core import heap
from lanyan.core.config import Settings
from tests.conftest import DemoCity


def test_a_served_process_loads_its_roads_first_and_freezes_them_out_of_collections(
    settings: Settings, demo_city: DemoCity
) -> None:
    """Full collections walked every object a server process held, ~330,000 once its roads and
    gazetteer were loaded, for 150–445 ms with the process standing still; the slowest 119 calls
    of the dispatch room's bench were those caught behind one."""
    cold = create_app(settings)
    served = create_app(settings, served=True)
    gc.unfreeze()
    try:
        with TestClient(cold):
            assert not cold.state.network.loaded  # tests and commands build theirs on first use
            assert gc.get_freeze_count() == 0
        with TestClient(served) as client:
            assert served.state.network.loaded
            assert gc.get_freeze_count() > 100_000
            r = client.get("/api/dispatch/incidents", headers=demo_city.headers("demo_dispatcher"))
            assert r.status_code == 200
            walked = {id(o) for o in gc.get_objects()}  # what a full collection walks
            assert id(served.state.network._state) not in walked
            assert id(served.state.geocoder._geocoder) not in walked
    finally:
        heap.unsettle()
        cold.state.engine.dispose()
        served.state.engine.dispose()


def test_a_served_process_starts_without_its_roads(settings: Settings, tmp_path: Path) -> None:
    """A city whose road file is not there yet (or is damaged) still gets its other pages."""
    damaged = tmp_path / "roads.osm.pbf"
    damaged.write_bytes(b"not an OSM file")
    for road_file in (tmp_path / "missing.osm.pbf", damaged):
        app = create_app(settings.model_copy(update={"road_file": road_file}), served=True)
        try:
            with TestClient(app) as client:
                assert client.get("/api/health").status_code == 200
                assert not app.state.network.loaded
        finally:
            heap.unsettle()
            app.state.engine.dispose()
