"""Turn restrictions: hand-built junctions with expected times, the real extract, and networkx.

The junction fixtures (tests/routing/data/*.osm) share one layout, 100 m squares::

    7 --- 8 --- 9
    |     |     |
    4 --- 5 --- 6        (6 is 80 m east of 5)
          |      \\
          2 ----- 3      (3 lies south-east of 6)

Expected times are sums of the graph's own edge seconds along paths written out by hand.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from lanyan.routing import (
    RoadGraph,
    Snapper,
    build_graph,
    build_travel_table,
    isochrones,
    load_or_build,
    route,
    routes_to,
    shortest_path_tree,
)
from lanyan.routing.isochrones import reached_segments
from lanyan.routing.turns import Restriction, _via_way_nodes

DATA = Path(__file__).parent / "data"


def ids(graph: RoadGraph, *osm: int) -> list[int]:
    return [graph.node_of_osm_id(o) for o in osm]


def path_s(graph: RoadGraph, *osm: int) -> float:
    """Seconds along a path of OSM node ids (every step must be an edge)."""
    nodes = ids(graph, *osm)
    total = 0.0
    for u, v in itertools.pairwise(nodes):
        edge = graph.edge(u, v)
        assert edge >= 0, f"no edge {u}->{v}"
        total += float(graph.seconds[edge])
    return total


def osm_path(graph: RoadGraph, nodes: np.ndarray) -> list[int]:
    return [int(graph.osm_id[n]) for n in nodes]


def has_turn(path: list[int], a: int, via: int, b: int) -> bool:
    return any(path[i : i + 3] == [a, via, b] for i in range(len(path) - 2))


@pytest.fixture(scope="module")
def no_left() -> RoadGraph:
    return build_graph(DATA / "no_left_turn.osm")


@pytest.fixture(scope="module")
def only_straight() -> RoadGraph:
    return build_graph(DATA / "only_straight_on.osm")


@pytest.fixture(scope="module")
def no_u() -> RoadGraph:
    return build_graph(DATA / "no_u_turn.osm")


def test_no_left_turn_forces_a_detour(no_left: RoadGraph) -> None:
    free = build_graph(DATA / "no_left_turn.osm", turn_restrictions=False)
    assert no_left.report.turn_restrictions == {"applied": 1, "skipped": {}}
    assert free.report.turn_restrictions == {"applied": 0, "skipped": {}}
    s2, s4, s6 = ids(no_left, 2, 4, 6)
    # Without the restriction: straight left at 5.
    assert route(free, s2, s4).seconds == pytest.approx(path_s(free, 2, 5, 4))
    # With it: the cheapest legal way is on to 6, turn back, straight through 5 (360 m).
    expected = path_s(no_left, 2, 5, 6, 5, 4)
    assert expected < min(path_s(no_left, 2, 5, 8, 5, 4), path_s(no_left, 2, 5, 8, 7, 4))
    r = route(no_left, s2, s4)
    assert r.seconds == pytest.approx(expected, rel=1e-6)
    assert osm_path(no_left, r.nodes) == [2, 5, 6, 5, 4]
    assert r.metres == pytest.approx(360, abs=2)
    tree = shortest_path_tree(no_left, s2)
    assert tree[s4] == pytest.approx(expected, rel=1e-6)
    # Other turns at 5 are untouched: right to 6, and 6 -> 4 straight through.
    assert tree[s6] == pytest.approx(path_s(no_left, 2, 5, 6), rel=1e-6)
    assert route(no_left, s6, s4).seconds == pytest.approx(path_s(no_left, 6, 5, 4), rel=1e-6)
    # The reverse search (units away from quarters) and the table (units in quarters) agree.
    to_4 = shortest_path_tree(no_left.transpose(), s4)
    assert to_4[s2] == pytest.approx(expected, rel=1e-6)
    table = build_travel_table(no_left, [s2], dtype=np.float32)
    assert table.seconds_to_node(s4)[0] == pytest.approx(expected, rel=1e-6)
    (back,) = routes_to(no_left, [s2], s4)
    assert back is not None and osm_path(no_left, back.nodes) == [2, 5, 6, 5, 4]


def test_only_straight_on_bans_every_other_exit(only_straight: RoadGraph) -> None:
    g = only_straight
    s2, s4, s6, s8 = ids(g, 2, 4, 6, 8)
    assert g.report.turn_restrictions["applied"] == 1
    assert g.banned_turns.shape == (3, 2)  # left, right and U-turn after 2 -> 5
    tree = shortest_path_tree(g, s2)
    assert tree[s8] == pytest.approx(path_s(g, 2, 5, 8), rel=1e-6)
    to_4 = min(path_s(g, 2, 5, 8, 5, 4), path_s(g, 2, 5, 8, 7, 4))
    assert tree[s4] == pytest.approx(to_4, rel=1e-6)
    # To 6: the right turn at 5 is gone; the way round by 3 is the best legal one.
    to_6 = path_s(g, 2, 3, 6)
    assert to_6 < min(path_s(g, 2, 5, 8, 5, 6), path_s(g, 2, 5, 8, 9, 6))
    assert to_6 > path_s(g, 2, 5, 6)
    assert tree[s6] == pytest.approx(to_6, rel=1e-6)
    assert osm_path(g, route(g, s2, s6).nodes) == [2, 3, 6]


def test_no_u_turn_and_skipped_relations(no_u: RoadGraph) -> None:
    g = no_u
    assert g.report.turn_restrictions == {
        "applied": 2,
        "skipped": {"conditional": 1, "except_emergency": 1, "via_ways_not_joined": 1},
    }
    s2, s4 = ids(g, 2, 4)
    # The U-turn at 6 that made the no_left_turn detour cheap is banned: the next best loop.
    expected = min(path_s(g, 2, 5, 8, 5, 4), path_s(g, 2, 5, 8, 7, 4))
    assert expected > path_s(g, 2, 5, 6, 5, 4)
    r = route(g, s2, s4)
    assert r.seconds == pytest.approx(expected, rel=1e-6)
    path = osm_path(g, r.nodes)
    assert not has_turn(path, 5, 6, 5) and not has_turn(path, 2, 5, 4)
    # Skipped relations bind nothing: only turns at 5 and 6 are banned, and the conditional
    # left turn 5 -> 8 -> 7 is driven.
    via = {int(g.osm_id[g.indices[e]]) for e in g.banned_turns[:, 0].tolist()}
    assert via == {5, 6}
    (s7,) = ids(g, 7)
    assert shortest_path_tree(g, s2)[s7] == pytest.approx(path_s(g, 2, 5, 8, 7), rel=1e-6)


def test_via_way_restrictions(no_left: RoadGraph) -> None:
    g = build_graph(DATA / "via_way.osm")
    assert g.report.turn_restrictions == {"applied": 3, "skipped": {}}
    s2, s3, s4, s7, s8 = ids(g, 2, 3, 4, 7, 8)
    assert g.banned_sequences.size and g.banned_turns.shape == (1, 2)
    # no_left_turn 2 -> 5 -> 8 -> 7 over via way 58 (with the no_left_turn at 5 as well).
    assert shortest_path_tree(no_left, ids(no_left, 2)[0])[ids(no_left, 7)[0]] == pytest.approx(
        path_s(no_left, 2, 5, 8, 7), rel=1e-6
    )
    tree = shortest_path_tree(g, s2)
    assert tree[s8] == pytest.approx(path_s(g, 2, 5, 8), rel=1e-6)  # the way itself is fine
    # Turning back at 6, then either straight on at 5 or right at 5 and left at 8 (the left at
    # 8 is banned only straight after 2 -> 5 -> 8).
    expected = min(path_s(g, 2, 5, 6, 5, 4, 7), path_s(g, 2, 5, 6, 5, 8, 7))
    assert expected < min(path_s(g, 2, 5, 6, 9, 8, 7), path_s(g, 2, 5, 8, 5, 4, 7))
    assert tree[s7] == pytest.approx(expected, rel=1e-6)
    r = route(g, s2, s7)
    assert osm_path(g, r.nodes) in ([2, 5, 6, 5, 4, 7], [2, 5, 6, 5, 8, 7])
    assert shortest_path_tree(g.transpose(), s7)[s2] == pytest.approx(expected, rel=1e-6)
    to_7 = expected
    # only_left_turn 4 -> 5 -> 6 then only 6 -> 9: the best way from 4 to 3 changes ...
    free = path_s(g, 4, 5, 6, 3)
    expected = path_s(g, 4, 5, 2, 3)
    assert free + 1.0 < expected < path_s(g, 4, 7, 8, 5, 6, 3)
    assert shortest_path_tree(g, s4)[s3] == pytest.approx(expected, rel=1e-6)
    assert osm_path(g, route(g, s4, s3).nodes) == [4, 5, 2, 3]
    # ... but only after the whole run: starting at 5, 5 -> 6 -> 3 is allowed.
    (s5,) = ids(g, 5)
    assert shortest_path_tree(g, s5)[s3] == pytest.approx(path_s(g, 5, 6, 3), rel=1e-6)
    table = build_travel_table(g, [s2, s4], dtype=np.float32)
    np.testing.assert_allclose(table.seconds_to_node(s7)[0], to_7, rtol=1e-6)
    np.testing.assert_allclose(table.seconds_to_node(s3)[1], expected, rtol=1e-6)


def test_via_way_chain_is_followed_in_either_direction() -> None:
    # from way 10 ends at node 3; via ways given out of order and one drawn backwards.
    restriction = Restriction(1, "no_straight_on", (10,), -1, (13,), via_ways=(12, 11))
    refs = {10: [1, 2, 3], 11: [3, 4, 5], 12: [7, 6, 5], 13: [7, 8]}
    assert _via_way_nodes(restriction, refs) == [2, 3, 4, 5, 6, 7, 8]
    refs[13] = [9, 8]  # the to way does not touch the end of the chain
    assert _via_way_nodes(restriction, refs) is None


def test_isochrone_edges_respect_the_banned_turn(no_left: RoadGraph) -> None:
    s2, s4, s5 = ids(no_left, 2, 4, 5)
    table = build_travel_table(no_left, [s2], dtype=np.float32)
    limit = path_s(no_left, 2, 5) + 0.5 * path_s(no_left, 5, 4)  # half-way along 5 -> 4
    a, b, f = reached_segments(no_left, table.state_tree(0, no_left.turns), limit)
    reached = {(int(x), int(y)): float(z) for x, y, z in zip(a, b, f, strict=True)}
    assert (s5, s4) not in reached  # only a car turning left at 5 could be there by now
    assert (s2, s5) in reached and reached[(s2, s5)] == 1.0
    fc = isochrones(no_left, table.state_tree(0, no_left.turns), minutes=[1.0, 0.5])
    assert [f["properties"]["minutes"] for f in fc["features"]] == [1.0, 0.5]


def line_graph_seconds(graph: RoadGraph, source: int) -> np.ndarray:
    """Independent check with networkx: Dijkstra over *edges* (the line graph), where a step
    from edge ``e`` to edge ``f`` exists when ``f`` leaves the head of ``e`` and the pair is not
    banned; a node's time is the best arrival over its in-edges."""
    banned = {tuple(p) for p in graph.banned_turns.tolist()}
    g = nx.DiGraph()
    sources, heads = graph.edge_sources, graph.indices
    for e in range(graph.n_edges):
        v = int(heads[e])
        for f in range(int(graph.indptr[v]), int(graph.indptr[v + 1])):
            if (e, f) not in banned:
                g.add_edge(e, f, weight=float(graph.seconds[f]))
    g.add_node("start")
    for f in range(int(graph.indptr[source]), int(graph.indptr[source + 1])):
        g.add_edge("start", f, weight=float(graph.seconds[f]))
    dist = nx.single_source_dijkstra_path_length(g, "start")
    out = np.full(graph.n_nodes, np.inf)
    out[source] = 0.0
    for e, seconds in dist.items():
        if e != "start":
            out[heads[e]] = min(out[heads[e]], seconds)
    assert len(sources) == graph.n_edges
    return out


@pytest.mark.parametrize("fixture", ["no_left_turn", "only_straight_on", "no_u_turn"])
def test_times_agree_with_networkx_on_restricted_junctions(fixture: str) -> None:
    g = build_graph(DATA / f"{fixture}.osm")
    for source in range(g.n_nodes):
        ours = shortest_path_tree(g, source)
        np.testing.assert_allclose(ours, line_graph_seconds(g, source), rtol=1e-5)


def test_real_extract_obeys_its_restrictions(li_graph: RoadGraph) -> None:
    report = li_graph.report.turn_restrictions
    assert report["applied"] >= 2
    assert sum(report["skipped"].values()) >= 1  # the only_right_turn whose from way is not a road
    assert li_graph.banned_turns.shape[0] >= 2
    sources = li_graph.edge_sources
    for e_in, e_out in li_graph.banned_turns.tolist():
        a, via, b = int(sources[e_in]), int(li_graph.indices[e_in]), int(li_graph.indices[e_out])
        # Without restrictions the fastest way from a to b is the banned turn itself.
        free = dijkstra(li_graph.matrix, indices=a)
        banned_s = float(li_graph.seconds[e_in]) + float(li_graph.seconds[e_out])
        assert free[b] == pytest.approx(banned_s, rel=1e-5)
        r = route(li_graph, a, b)
        path = [int(n) for n in r.nodes]
        assert not has_turn(path, a, via, b)
        assert r.seconds > banned_s + 1.0
        assert shortest_path_tree(li_graph, a)[b] == pytest.approx(r.seconds, rel=1e-5)
    # The independent networkx build agrees from the tail of each restricted turn.
    for e_in in li_graph.banned_turns[:, 0].tolist():
        source = int(sources[e_in])
        ours = shortest_path_tree(li_graph, source)
        np.testing.assert_allclose(ours, line_graph_seconds(li_graph, source), rtol=1e-4)


def test_restrictions_survive_the_cache(tmp_path: Path) -> None:
    built = load_or_build(DATA / "no_u_turn.osm", tmp_path)
    cached = load_or_build(DATA / "no_u_turn.osm", tmp_path)
    assert cached.report.from_cache and not built.report.from_cache
    np.testing.assert_array_equal(cached.banned_turns, built.banned_turns)
    assert cached.report.turn_restrictions == built.report.turn_restrictions
    free = load_or_build(DATA / "no_u_turn.osm", tmp_path, turn_restrictions=False)
    assert not free.report.from_cache and free.banned_turns.shape == (0, 2)
    assert len(list(tmp_path.glob("roadgraph-*.npz"))) == 2


def test_road_point_times_from_the_table_match_a_direct_search(li_graph: RoadGraph) -> None:
    """Stations just before each restricted junction, calls just after it: the table's answer
    (entry into the segment from the allowed arrivals, copy states included) equals a direct
    search from the station's road point, and is longer than driving the banned turn."""
    g = li_graph
    snapper = Snapper(g)
    sources = g.edge_sources

    def along(edge: int, f: float) -> tuple[float, float]:
        a, b = int(sources[edge]), int(g.indices[edge])
        return g.lon[a] + f * (g.lon[b] - g.lon[a]), g.lat[a] + f * (g.lat[b] - g.lat[a])

    e_ins, e_outs = g.banned_turns[:, 0].tolist(), g.banned_turns[:, 1].tolist()
    stations = np.array([along(e, 0.5) for e in e_ins])
    calls = np.array([along(e, 0.3) for e in e_outs])
    station_snaps = snapper.snap_many(stations[:, 0], stations[:, 1])
    table = build_travel_table(g, station_snaps, dtype=np.float32)
    for i, (lon, lat) in enumerate(calls):
        call = snapper.snap(lon, lat)
        from_table = table.seconds_to_point(g.turns, call)
        for j in range(len(stations)):
            direct = route(g, station_snaps[j], call).seconds
            assert from_table[j] == pytest.approx(direct, abs=1e-3)
        banned = 0.5 * float(g.seconds[e_ins[i]]) + 0.3 * float(g.seconds[e_outs[i]])
        assert from_table[i] > banned + 1.0
