"""A recommendation searches its routes once per incident and unit while the roads are the same."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import DemoCity

from lanyan.dispatch import route_shapes

VADUZ = {"lon": 9.5215, "lat": 47.1395}


def _recommendation_path(
    client: TestClient, headers: dict[str, str], caller: str, address: str
) -> str:
    """The recommendation of a new house fire in Vaduz."""
    created = client.post(
        "/api/dispatch/incidents",
        json={"caller_number": caller, "address_text": address, **VADUZ,
              "type": "fire", "subtype": "residential_fire", "level": 1},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return f"/api/dispatch/incidents/{created.json()['id']}/recommendation"


def test_routes_are_kept_and_answer_as_a_new_search_would(
    app_client: TestClient, demo_city: DemoCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = demo_city.headers("demo_dispatcher")
    path = _recommendation_path(app_client, headers, "13800138001", "Städtle 5, Vaduz")
    searches: list[int] = []
    search = route_shapes.routes_to

    def counted(*args: Any, **kwargs: Any) -> Any:
        searches.append(len(args[1]))
        return search(*args, **kwargs)

    monkeypatch.setattr(route_shapes, "routes_to", counted)
    first = app_client.get(path, headers=headers).json()
    assert searches and searches[0] == len([u for u in first["units"] if u["route"]])
    app_client.app.state.response_cache.clear()  # type: ignore[attr-defined]
    again = app_client.get(path, headers=headers).json()
    assert len(searches) == 1  # every route came from the kept ones
    assert [u["route"] for u in again["units"]] == [u["route"] for u in first["units"]]
    assert all(u["route"]["geometry"]["type"] == "LineString" for u in again["units"] if u["route"])


def test_kept_routes_give_the_cycle_collector_nothing_to_walk(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    """Kept routes as lists of [lon, lat] lists were ~84,000 lists in a served process, walked by
    every full collection while the process stood still (lanyan.core.heap)."""
    headers = demo_city.headers("demo_dispatcher")
    path = _recommendation_path(app_client, headers, "13800138002", "Städtle 7, Vaduz")
    answer = app_client.get(path, headers=headers).json()
    routes = [u["route"] for u in answer["units"] if u["route"]]
    assert routes and all(len(r["geometry"]["coordinates"][0]) == 2 for r in routes)
    state = app_client.app.state.network._state  # type: ignore[attr-defined]
    kept = list(state.derived["routes_to_incidents"]._shapes.values())
    assert kept
    gc.collect()  # the collector stops tracking a tuple of numbers when it first meets it
    for shape in kept:
        positions = shape.feature["geometry"]["coordinates"]
        assert not any(gc.is_tracked(p) for p in positions)
