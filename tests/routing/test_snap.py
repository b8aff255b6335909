from __future__ import annotations

import numpy as np
import pytest

from lanyan.routing import RoadGraph, ShapeMismatchError, Snapper, haversine_m


def test_snap_node_coordinates_to_themselves(li_graph: RoadGraph, li_snapper: Snapper) -> None:
    nodes = np.array([0, 17, 4242, li_graph.n_nodes - 1])
    batch = li_snapper.snap_many(li_graph.lon[nodes], li_graph.lat[nodes])
    np.testing.assert_array_equal(batch.nodes, nodes)
    assert np.all(batch.distance_m < 0.01) and not batch.too_far.any()


def test_snap_reports_distance_and_flags_far_points(li_snapper: Snapper) -> None:
    # Vaduz town centre: a road within metres.
    near = li_snapper.snap(9.5215, 47.1410)
    assert near.distance_m < 100 and not near.too_far
    # On the Rhine-side mountains 2 km+ from any road in the extract: flagged, still answered.
    far = li_snapper.snap(9.75, 47.10)
    assert far.too_far and far.distance_m > li_snapper.max_snap_m
    g = li_snapper.graph
    nearest_vertex = float(haversine_m(9.75, 47.10, g.lon, g.lat).min())
    # The nearest road is never farther than the nearest vertex; the distance is to the road.
    assert far.distance_m <= nearest_vertex + 1e-6
    assert far.distance_m == pytest.approx(
        float(haversine_m(9.75, 47.10, far.road_lon, far.road_lat)), rel=1e-9
    )
    vertex = Snapper(g, to_segment=False).snap(9.75, 47.10)
    assert vertex.distance_m == pytest.approx(nearest_vertex, rel=1e-6)
    assert not vertex.on_segment and vertex.too_far


def test_segment_snap_is_never_farther_than_the_vertex_snap(li_graph: RoadGraph) -> None:
    rng = np.random.default_rng(8)
    nodes = rng.integers(0, li_graph.n_nodes, 300)  # near roads: vertices jittered by ~40 m
    lon = li_graph.lon[nodes] + rng.uniform(-0.0005, 0.0005, 300)
    lat = li_graph.lat[nodes] + rng.uniform(-0.0004, 0.0004, 300)
    segment = Snapper(li_graph).snap_many(lon, lat)
    vertex = Snapper(li_graph, to_segment=False).snap_many(lon, lat)
    assert segment.on_segment.all() and not vertex.on_segment.any()
    # (up to the projection plane: nearest in metres east/north, measured on the sphere)
    assert np.all(segment.distance_m <= vertex.distance_m * 1.005 + 0.01)
    assert np.mean(vertex.distance_m - segment.distance_m > 1.0) > 0.3
    # The projected point lies on the segment between its ends.
    lo = np.minimum(li_graph.lon[segment.node_a], li_graph.lon[segment.node_b])
    hi = np.maximum(li_graph.lon[segment.node_a], li_graph.lon[segment.node_b])
    assert np.all((segment.road_lon >= lo - 1e-9) & (segment.road_lon <= hi + 1e-9))


def test_snap_many_matches_snap(li_snapper: Snapper) -> None:
    rng = np.random.default_rng(3)
    lon = rng.uniform(9.49, 9.60, 50)
    lat = rng.uniform(47.05, 47.24, 50)
    batch = li_snapper.snap_many(lon, lat)
    for i in range(50):
        one = li_snapper.snap(lon[i], lat[i])
        assert one.node == batch.nodes[i]
        assert one.distance_m == pytest.approx(batch.distance_m[i])


def test_max_snap_must_be_positive(li_graph: RoadGraph) -> None:
    with pytest.raises(ShapeMismatchError):
        Snapper(li_graph, max_snap_m=0)


def test_real_fire_stations_snap_close(
    station_nodes: np.ndarray, fire_stations: np.ndarray, li_snapper: Snapper
) -> None:
    assert fire_stations.shape == (6, 2)
    batch = li_snapper.snap_many(fire_stations[:, 0], fire_stations[:, 1])
    assert np.all(batch.distance_m < 250)
