from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from lanyan.routing import (
    UNREACHABLE_U16,
    NodeOutOfRangeError,
    RoadGraph,
    ShapeMismatchError,
    TravelTable,
    UnitPositions,
    UnitRanker,
    build_travel_table,
    rank_units,
    shortest_path_tree,
    to_uint16_seconds,
)


@pytest.fixture(scope="module")
def table(li_graph: RoadGraph, station_nodes: np.ndarray) -> TravelTable:
    return build_travel_table(li_graph, station_nodes, batch_size=4)


@pytest.fixture(scope="module")
def exact(li_graph: RoadGraph, station_nodes: np.ndarray) -> np.ndarray:
    """Plain scipy on the turn-expanded graph, folded to nodes (the graph has restrictions)."""
    turns = li_graph.turns
    return turns.fold(dijkstra(turns.matrix, indices=station_nodes))


def test_tree_matches_scipy(
    li_graph: RoadGraph, station_nodes: np.ndarray, exact: np.ndarray
) -> None:
    tree = shortest_path_tree(li_graph, int(station_nodes[0]))
    assert tree.dtype == np.float32
    np.testing.assert_allclose(tree, exact[0], rtol=1e-6)
    bounded = shortest_path_tree(li_graph, int(station_nodes[0]), limit_s=300)
    assert np.all(np.isinf(bounded[exact[0] > 300.5]))
    np.testing.assert_allclose(bounded[exact[0] < 299.5], exact[0][exact[0] < 299.5], rtol=1e-6)


def test_uint16_conversion() -> None:
    out = to_uint16_seconds([0.4, 1.6, np.inf, 1e9, np.nan])
    assert out.tolist() == [0, 2, UNREACHABLE_U16, UNREACHABLE_U16 - 1, UNREACHABLE_U16]


def test_table_layouts_agree_with_exact(table: TravelTable, exact: np.ndarray) -> None:
    assert table.station_major.dtype == np.uint16
    assert table.station_major.shape == (6, exact.shape[1])
    assert table.node_major.shape == (exact.shape[1], 6)
    np.testing.assert_array_equal(np.asarray(table.node_major), np.asarray(table.station_major).T)
    np.testing.assert_allclose(table.station_major, np.rint(exact), atol=0)
    node = 777
    np.testing.assert_allclose(table.seconds_to_node(node), exact[:, node], atol=0.5)


def test_process_pool_gives_the_same_table(
    li_graph: RoadGraph, station_nodes: np.ndarray, table: TravelTable, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    pooled = build_travel_table(
        li_graph,
        station_nodes,
        batch_size=2,
        processes=2,
        workdir=tmp_path,
        progress=lambda done, total: seen.append((done, total)),
    )
    np.testing.assert_array_equal(pooled.station_major, table.station_major)
    np.testing.assert_array_equal(pooled.node_major, table.node_major)
    assert seen[-1] == (6, 6)
    reloaded = TravelTable.load(tmp_path)
    assert isinstance(reloaded.node_major, np.memmap)
    np.testing.assert_array_equal(reloaded.node_major, table.node_major)


def test_float32_bounded_table(
    li_graph: RoadGraph, station_nodes: np.ndarray, exact: np.ndarray
) -> None:
    t = build_travel_table(li_graph, station_nodes[:2], dtype=np.float32, limit_s=600)
    assert t.node_major.dtype == np.float32
    inside = exact[:2] <= 599
    np.testing.assert_allclose(np.asarray(t.station_major)[inside], exact[:2][inside], rtol=1e-5)
    assert np.all(np.isinf(np.asarray(t.station_major)[exact[:2] > 601]))


def _brute_force(exact_to_node: np.ndarray, units: UnitPositions, k: int) -> list[int]:
    eta = np.where(units.available, np.rint(exact_to_node[units.station]), np.inf)
    order = np.lexsort((np.arange(units.n_units), eta))
    return [int(u) for u in order[:k] if np.isfinite(eta[u])]


def test_rank_units_in_quarters(table: TravelTable, exact: np.ndarray) -> None:
    units = UnitPositions.in_quarters(np.repeat(np.arange(6), 4))
    rng = np.random.default_rng(11)
    units.available[rng.choice(24, 8, replace=False)] = False
    for node in rng.choice(table.n_nodes, 30, replace=False):
        ranking = rank_units(table, units, int(node), k=5)
        assert ranking.units.tolist() == _brute_force(exact[:, node], units, 5)
        assert np.all(np.diff(ranking.eta_s) >= 0)
        assert units.available[ranking.units].all()


def test_rank_units_away_from_quarters(
    li_graph: RoadGraph, table: TravelTable, exact: np.ndarray
) -> None:
    rng = np.random.default_rng(5)
    station = np.repeat(np.arange(6), 4).astype(np.int32)
    node = np.full(24, -1, dtype=np.int32)
    away = rng.choice(24, 6, replace=False)
    node[away] = rng.choice(li_graph.n_nodes, 6, replace=False)
    units = UnitPositions(station=station, node=node, available=np.ones(24, dtype=bool))
    from_away = li_graph.turns.fold(dijkstra(li_graph.turns.matrix, indices=node[away]))
    for target in rng.choice(li_graph.n_nodes, 20, replace=False):
        truth = np.rint(exact[station, target]).astype(np.float64)
        truth[away] = from_away[:, target]
        ranking = rank_units(
            table, units, int(target), k=24, reverse=li_graph.transpose(), away_limit_s=1e9
        )
        assert len(ranking.units) == 24
        np.testing.assert_allclose(ranking.eta_s, np.sort(truth), rtol=1e-5, atol=1e-3)
        # Bounded by the k-th in-quarters time, the top 3 are still right.
        top3 = rank_units(table, units, int(target), k=3, reverse=li_graph.transpose())
        np.testing.assert_allclose(top3.eta_s, np.sort(truth)[:3], rtol=1e-5, atol=1e-3)
        assert 0 < top3.away_searched_s <= 1800


def test_rank_units_needs_reverse_graph_for_away_units(table: TravelTable) -> None:
    units = UnitPositions(station=[0, 1], node=[-1, 5], available=[True, True])
    with pytest.raises(ShapeMismatchError):
        rank_units(table, units, 10)
    with pytest.raises(NodeOutOfRangeError):
        rank_units(table, UnitPositions.in_quarters([0]), table.n_nodes)


def test_unit_ranker_from_a_point(
    li_graph: RoadGraph, table: TravelTable, fire_stations: np.ndarray
) -> None:
    ranker = UnitRanker(li_graph, table)
    units = UnitPositions.in_quarters(np.arange(6))
    lon, lat = fire_stations[2]
    snapped, ranking = ranker.rank_point(float(lon), float(lat), units, k=3)
    assert not snapped.too_far
    assert ranking.units[0] == 2 and ranking.eta_s[0] == 0.0
