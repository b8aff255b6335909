from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import osmium
import pytest
from scipy.sparse.csgraph import dijkstra

from lanyan.routing import (
    DEFAULT_SPEEDS,
    GraphBuildError,
    RoadGraph,
    SpeedTable,
    build_graph,
    cache_key,
    graph_from_edges,
    haversine_m,
    load_or_build,
)

LIECHTENSTEIN_PBF = Path(__file__).resolve().parents[2] / "data" / "demo" / "liechtenstein.osm.pbf"
ISLAND_OSM = Path(__file__).parent / "data" / "island.osm"


def test_real_graph_builds(li_graph: RoadGraph) -> None:
    g = li_graph
    assert g.n_nodes > 20_000
    assert g.n_edges > 2 * 20_000 * 0.9
    assert np.all(np.diff(g.indptr) >= 0)
    assert g.indptr[-1] == g.n_edges
    assert g.seconds.dtype == np.float32 and np.all(g.seconds > 0)
    assert g.lon.dtype == np.float64
    # Liechtenstein's bounding box (with a margin for roads that cross the border).
    assert g.lon.min() > 9.40 and g.lon.max() < 9.70
    assert g.lat.min() > 47.00 and g.lat.max() < 47.30
    # Each node's OSM id is unique and the component filter did its job.
    assert np.unique(g.osm_id).shape[0] == g.n_nodes
    assert g.report.strong_components > 1 and g.report.nodes_dropped > 0
    assert g.report.ways_excluded.get("access", 0) > 0


def _consecutive_pairs(oneway_value: str) -> list[tuple[int, int]]:
    pairs = []
    for way in (
        osmium.FileProcessor(str(LIECHTENSTEIN_PBF))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.TagFilter(("oneway", oneway_value)))
    ):
        refs = [n.ref for n in way.nodes]
        if way.tags.get("highway") in DEFAULT_SPEEDS.drivable_classes:
            pairs.extend(itertools.pairwise(refs))
    return pairs


@pytest.mark.parametrize("oneway_value", ["yes", "-1"])
def test_oneway_respected_on_real_data(li_graph: RoadGraph, oneway_value: str) -> None:
    g = li_graph
    checked = 0
    for a_id, b_id in _consecutive_pairs(oneway_value):
        try:
            a, b = g.node_of_osm_id(a_id), g.node_of_osm_id(b_id)
        except KeyError:
            continue
        if oneway_value == "-1":
            a, b = b, a  # drawn against the direction of travel
        assert g.edge(a, b) >= 0, (a_id, b_id)
        assert g.edge(b, a) == -1, (a_id, b_id)
        ab = dijkstra(g.matrix, indices=a)[b]
        ba = dijkstra(g.matrix, indices=b)[a]
        assert ab == pytest.approx(float(g.seconds[g.edge(a, b)]), rel=1e-6)
        assert ba > ab  # back the other way needs a detour
        checked += 1
        if checked >= 5:
            break
    assert checked > 0


def test_travel_time_never_below_straight_line(li_graph: RoadGraph) -> None:
    g = li_graph
    rng = np.random.default_rng(7)
    sources = rng.choice(g.n_nodes, 10, replace=False)
    dist = dijkstra(g.matrix, indices=sources)
    max_mps = DEFAULT_SPEEDS.max_kmh / 3.6
    for i, s in enumerate(sources):
        targets = rng.choice(g.n_nodes, 500, replace=False)
        straight = haversine_m(g.lon[s], g.lat[s], g.lon[targets], g.lat[targets])
        assert np.all(np.isfinite(dist[i, targets]))  # one strongly connected component
        assert np.all(dist[i, targets] >= straight / max_mps - 1e-3)


def test_edge_seconds_match_length_and_speed(li_graph: RoadGraph) -> None:
    g = li_graph
    kmh = g.length_m / g.seconds * 3.6
    ok = g.length_m > 1.0  # ignore the floor on near-zero edges
    assert kmh[ok].max() <= DEFAULT_SPEEDS.max_kmh + 0.01
    assert kmh[ok].min() >= min(DEFAULT_SPEEDS.urban_kmh.values()) - 0.01


def test_island_and_exclusions_reported() -> None:
    g = build_graph(ISLAND_OSM)
    r = g.report
    assert sorted(g.osm_id.tolist()) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14]
    assert r.weak_components == 2  # the island, reachable only by ferry
    assert r.strong_components == 3  # plus the one-way dead end
    assert r.nodes_dropped == 4  # island 20, 21, 22 and dead end 12
    assert r.edges_dropped == 5
    assert dict(r.ways_excluded) == {"access": 1, "area": 1, "ferry": 1}
    n = g.node_of_osm_id
    assert g.edge(n(3), n(6)) >= 0 and g.edge(n(6), n(3)) == -1  # oneway=yes
    assert g.edge(n(9), n(10)) >= 0 and g.edge(n(10), n(9)) == -1  # roundabout implies oneway
    assert g.edge(n(1), n(14)) >= 0 and g.edge(n(14), n(1)) >= 0  # access=no but emergency=yes
    with pytest.raises(KeyError):
        n(13)  # access=private


def test_oneway_can_be_ignored() -> None:
    g = build_graph(ISLAND_OSM, respect_oneway=False)
    n = g.node_of_osm_id
    assert g.edge(n(6), n(3)) >= 0
    assert 12 in g.osm_id.tolist()  # the dead end is two-way now


def test_cache_roundtrip(tmp_path: Path) -> None:
    built = load_or_build(ISLAND_OSM, tmp_path)
    assert not built.report.from_cache
    loaded = load_or_build(ISLAND_OSM, tmp_path)
    assert loaded.report.from_cache
    for name in ("indptr", "indices", "seconds", "length_m", "lon", "lat", "osm_id"):
        np.testing.assert_array_equal(getattr(built, name), getattr(loaded, name))
    assert loaded.report.nodes_dropped == built.report.nodes_dropped
    assert len(list(tmp_path.glob("roadgraph-*.npz"))) == 1


def test_cache_key_follows_speed_table() -> None:
    slower = SpeedTable(urban_kmh={**DEFAULT_SPEEDS.urban_kmh, "residential": 20.0})
    assert cache_key(ISLAND_OSM) != cache_key(ISLAND_OSM, speeds=slower)
    assert cache_key(ISLAND_OSM) != cache_key(ISLAND_OSM, respect_oneway=False)
    assert cache_key(ISLAND_OSM) == cache_key(ISLAND_OSM)


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    load_or_build(ISLAND_OSM, tmp_path)
    (cache_file,) = tmp_path.glob("roadgraph-*.npz")
    cache_file.write_bytes(b"not a zip")
    graph = load_or_build(ISLAND_OSM, tmp_path)
    assert not graph.report.from_cache and graph.n_nodes == 12


def test_missing_file_is_a_readable_error(tmp_path: Path) -> None:
    with pytest.raises(GraphBuildError) as info:
        build_graph(tmp_path / "nope.osm.pbf")
    assert "找不到" in info.value.detail


def test_transpose_reverses_every_edge(li_graph: RoadGraph) -> None:
    g, t = li_graph, li_graph.transpose()
    assert t.transpose() is g and li_graph.transpose() is t
    forward = set(zip(g.edge_sources.tolist(), g.indices.tolist(), strict=True))
    backward = set(zip(t.indices.tolist(), t.edge_sources.tolist(), strict=True))
    assert forward == backward
    e = 123
    u, v = int(g.edge_sources[e]), int(g.indices[e])
    assert t.seconds[t.edge(v, u)] == g.seconds[e]


def test_graph_from_edges_keeps_fastest_parallel_edge() -> None:
    g = graph_from_edges(
        sources=[0, 0, 1, 1],
        targets=[1, 1, 0, 1],
        seconds=[5.0, 3.0, 4.0, 1.0],
        length_m=[50, 30, 40, 10],
        lon=[9.5, 9.501],
        lat=[47.0, 47.0],
    )
    assert g.n_edges == 2  # duplicate collapsed, self-loop dropped
    assert g.seconds[g.edge(0, 1)] == 3.0
    assert g.length_m[g.edge(0, 1)] == 30.0
