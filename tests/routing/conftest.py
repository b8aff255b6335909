"""Fixtures for the routing tests: the Liechtenstein demo graph (built once) and its stations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import pytest

from lanyan.routing import RoadGraph, Snapper, load_or_build

REPO = Path(__file__).resolve().parents[2]
LIECHTENSTEIN_PBF = REPO / "data" / "demo" / "liechtenstein.osm.pbf"
ISLAND_OSM = Path(__file__).parent / "data" / "island.osm"


@pytest.fixture(scope="session")
def graph_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("graph-cache")


@pytest.fixture(scope="session")
def li_graph(graph_cache: Path) -> RoadGraph:
    return load_or_build(LIECHTENSTEIN_PBF, graph_cache)


@pytest.fixture(scope="session")
def li_snapper(li_graph: RoadGraph) -> Snapper:
    return Snapper(li_graph)


@pytest.fixture(scope="session")
def fire_stations() -> np.ndarray:
    """(lon, lat) of every amenity=fire_station in the extract (way centroids for areas)."""
    points: list[tuple[float, float]] = []
    for obj in osmium.FileProcessor(str(LIECHTENSTEIN_PBF)).with_locations():
        if obj.tags.get("amenity") != "fire_station":
            continue
        if isinstance(obj, osmium.osm.Node):
            points.append((obj.location.lon, obj.location.lat))
        elif isinstance(obj, osmium.osm.Way):
            locs = [n.location for n in obj.nodes if n.location.valid()]
            points.append(
                (float(np.mean([p.lon for p in locs])), float(np.mean([p.lat for p in locs])))
            )
    return np.asarray(points)


@pytest.fixture(scope="session")
def station_nodes(li_snapper: Snapper, fire_stations: np.ndarray) -> np.ndarray:
    return li_snapper.snap_many(fire_stations[:, 0], fire_stations[:, 1]).nodes
