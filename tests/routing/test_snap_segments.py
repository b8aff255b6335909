"""Snapping to the nearest road segment, and travel times to and from the projected point.

Fixture tests/routing/data/divided_and_oneway.osm, (x, y) in metres east/north of 47.0N 9.5E:

* a divided road: carriageway 201 (0,0) -> 202 (400,0) eastbound, carriageway
  203 (400,20) -> 204 (0,20) westbound, two-way links 202-203 and 204-201;
* a one-way loop 301 (0,300) -> 302 (300,300) -> 303 (300,500) -> 304 (0,500) -> 301, joined to
  201 by a two-way road.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from lanyan.routing import (
    RoadGraph,
    Snapper,
    SnapResult,
    UnitPositions,
    build_graph,
    build_travel_table,
    rank_units,
    route,
    shortest_path_tree,
)

DATA = Path(__file__).parent / "data"
M_LAT = 111_195.0
M_LON = M_LAT * math.cos(math.radians(47.0))


def at(x: float, y: float) -> tuple[float, float]:
    """(lon, lat) of a point x metres east and y metres north of the fixture's origin."""
    return 9.5 + x / M_LON, 47.0 + y / M_LAT


@pytest.fixture(scope="module")
def graph() -> RoadGraph:
    return build_graph(DATA / "divided_and_oneway.osm")


@pytest.fixture(scope="module")
def snapper(graph: RoadGraph) -> Snapper:
    return Snapper(graph)


def n(graph: RoadGraph, osm: int) -> int:
    return graph.node_of_osm_id(osm)


def edge_s(graph: RoadGraph, a: int, b: int) -> float:
    e = graph.edge(n(graph, a), n(graph, b))
    assert e >= 0
    return float(graph.seconds[e])


def times_to_point(graph: RoadGraph, station_osm: int, snap: SnapResult) -> list[float]:
    """The station's time to the point, by every way the core answers it."""
    station = n(graph, station_osm)
    table = build_travel_table(graph, [station], dtype=np.float32)
    ranked = rank_units(table, UnitPositions.in_quarters([0]), snap, graph=graph)
    away = UnitPositions(station=[0], node=[station], available=[True])
    ranked_away = rank_units(table, away, snap, reverse=graph.transpose(), away_limit_s=1e6, k=1)
    return [
        float(table.seconds_to_point(graph.turns, snap)[0]),
        float(ranked.eta_s[0]),
        float(ranked_away.eta_s[0]),
        route(graph, station, snap).seconds,
        float(shortest_path_tree(graph.transpose(), snap)[station]),
    ]


def test_point_beside_a_one_way_road_is_reached_from_upstream(
    graph: RoadGraph, snapper: Snapper
) -> None:
    # 10 m south of the loop's first side, a quarter of the way from 301 to 302.
    snap = snapper.snap(*at(75, 290))
    assert snap.distance_m == pytest.approx(10, abs=0.2)
    assert {int(graph.osm_id[snap.node_a]), int(graph.osm_id[snap.node_b])} == {301, 302}
    assert (snap.edge_forward < 0) != (snap.edge_backward < 0)  # one way only
    quarter = 0.25 * edge_s(graph, 301, 302)
    # From 303, downstream: round the loop to 301, then a quarter of the side.
    expected = edge_s(graph, 303, 304) + edge_s(graph, 304, 301) + quarter
    for seconds in times_to_point(graph, 303, snap):
        assert seconds == pytest.approx(expected, abs=0.01)
    # The vertex snap would have said "at 301": a quarter of the side too early.
    vertex = Snapper(graph, to_segment=False).snap(*at(75, 290))
    assert int(graph.osm_id[vertex.node]) == 301
    assert shortest_path_tree(graph, n(graph, 303))[vertex.node] == pytest.approx(
        expected - quarter, abs=0.01
    )
    r = route(graph, n(graph, 303), snap)
    assert [int(graph.osm_id[v]) for v in r.nodes] == [303, 304, 301]
    assert r.coordinates(graph)[-1] == pytest.approx([snap.road_lon, snap.road_lat])
    assert r.metres == pytest.approx(200 + 300 + 75, abs=2)


def test_point_between_two_carriageways_takes_the_nearer_and_its_direction(
    graph: RoadGraph, snapper: Snapper
) -> None:
    # 7 m north of the eastbound carriageway, 300 m along it: the station at 202 (its east end)
    # is 100 m away as the crow flies but must go round by the westbound one.
    south = snapper.snap(*at(300, 7))
    assert south.distance_m == pytest.approx(7, abs=0.2)
    assert {int(graph.osm_id[south.node_a]), int(graph.osm_id[south.node_b])} == {201, 202}
    expected = (
        edge_s(graph, 202, 203)
        + edge_s(graph, 203, 204)
        + edge_s(graph, 204, 201)
        + 0.75 * edge_s(graph, 201, 202)
    )
    for seconds in times_to_point(graph, 202, south):
        assert seconds == pytest.approx(expected, abs=0.01)
    # 7 m south of the westbound carriageway: reached over the link, a quarter of the way along.
    north = snapper.snap(*at(300, 13))
    assert north.distance_m == pytest.approx(7, abs=0.2)
    assert {int(graph.osm_id[north.node_a]), int(graph.osm_id[north.node_b])} == {203, 204}
    expected = edge_s(graph, 202, 203) + 0.25 * edge_s(graph, 203, 204)
    for seconds in times_to_point(graph, 202, north):
        assert seconds == pytest.approx(expected, abs=0.01)


def test_station_on_a_segment_starts_from_its_road_point(
    graph: RoadGraph, snapper: Snapper
) -> None:
    # A station beside the middle of the one-way side 301 -> 302.
    stations = snapper.snap_many(*np.array([at(150, 310)]).T)
    assert stations.on_segment.all()
    table = build_travel_table(graph, stations, dtype=np.float32)
    side = edge_s(graph, 301, 302)
    # Downstream on its own side: straight along it.
    ahead = snapper.snap(*at(225, 310))
    assert table.seconds_to_point(graph.turns, ahead)[0] == pytest.approx(0.25 * side, abs=0.01)
    # Upstream on its own side: all the way round the loop.
    behind = snapper.snap(*at(75, 310))
    loop = edge_s(graph, 302, 303) + edge_s(graph, 303, 304) + edge_s(graph, 304, 301)
    assert table.seconds_to_point(graph.turns, behind)[0] == pytest.approx(
        0.5 * side + loop + 0.25 * side, abs=0.01
    )
    assert route(graph, stations[0], behind).seconds == pytest.approx(
        0.5 * side + loop + 0.25 * side, abs=0.01
    )
    assert route(graph, stations[0], ahead).seconds == pytest.approx(0.25 * side, abs=0.01)
    # Nodes: 302 is half a side away, 301 the rest of the loop.
    np.testing.assert_allclose(table.seconds_to_node(n(graph, 302)), [0.5 * side], atol=0.01)
    np.testing.assert_allclose(table.seconds_to_node(n(graph, 301)), [0.5 * side + loop], atol=0.01)


def test_snap_many_matches_snap_on_segments(graph: RoadGraph, snapper: Snapper) -> None:
    points = np.array([at(75, 290), at(300, 7), at(300, 13), at(-50, -50), at(150, 400)])
    batch = snapper.snap_many(points[:, 0], points[:, 1])
    for i, (lon, lat) in enumerate(points):
        one = snapper.snap(lon, lat)
        assert batch[i].node == one.node
        assert batch[i].edge_forward == one.edge_forward
        assert batch[i].edge_backward == one.edge_backward
        assert batch[i].fraction == pytest.approx(one.fraction)
        assert batch[i].distance_m == pytest.approx(one.distance_m)
    # Past the end of a segment the point projects onto the end node.
    corner = batch[3]
    assert corner.fraction in (0.0, 1.0)
    assert int(graph.osm_id[corner.node]) == 201
    assert corner.distance_m == pytest.approx(math.hypot(50, 50), abs=0.5)


def test_searches_from_road_points_are_thread_safe(
    li_graph: RoadGraph, li_snapper: Snapper
) -> None:
    """The spare virtual node is rewritten per search: concurrent callers must not see another's
    start point (the API serves requests from a thread pool)."""
    rng = np.random.default_rng(4)
    nodes = rng.integers(0, li_graph.n_nodes, 40)
    snaps = li_snapper.snap_many(
        li_graph.lon[nodes] + rng.uniform(-3e-4, 3e-4, 40),
        li_graph.lat[nodes] + rng.uniform(-3e-4, 3e-4, 40),
    )
    reverse = li_graph.transpose()

    def to_point(i: int) -> np.ndarray:
        return shortest_path_tree(reverse, snaps[i], limit_s=600)

    serial = [to_point(i) for i in range(40)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(to_point, list(range(40)) * 3))
    for i, tree in enumerate(threaded):
        np.testing.assert_array_equal(tree, serial[i % 40])
