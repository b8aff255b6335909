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
    expected = haversine_m(9.75, 47.10, g.lon, g.lat).min()
    assert far.distance_m == pytest.approx(float(expected), rel=1e-6)


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
