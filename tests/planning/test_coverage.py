from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import shape

from lanyan.planning import (
    DEFAULT_THRESHOLDS,
    CoverageThresholds,
    LiveCoverage,
    Zone,
    best_seconds,
    coverage_holes,
    coverage_report,
    thresholds_per_node,
)
from lanyan.routing import UNREACHABLE_U16, ShapeMismatchError

U = UNREACHABLE_U16


@pytest.fixture
def table() -> np.ndarray:
    # 3 stations x 6 nodes, uint16 seconds (65535 = not reached).
    return np.array(
        [
            [0, 100, 250, 400, U, 900],
            [300, 200, 100, 50, 700, U],
            [U, U, 500, 350, 120, 1000],
        ],
        dtype=np.uint16,
    )


def test_best_seconds_in_place(table: np.ndarray) -> None:
    best = best_seconds(table)
    assert best.tolist() == [0, 100, 100, 50, 120, 900]
    out = np.zeros(6, dtype=np.uint16)
    result = best_seconds(table, [2], out=out)
    assert result is out and out.tolist() == [U, U, 500, 350, 120, 1000]
    assert best_seconds(table, []).tolist() == [U] * 6


def test_best_seconds_float_table(table: np.ndarray) -> None:
    floats = np.where(table == U, np.inf, table).astype(np.float32)
    np.testing.assert_array_equal(best_seconds(floats, [0]), floats[0])


def test_coverage_report_by_zone_and_group(table: np.ndarray) -> None:
    best = best_seconds(table)  # [0, 100, 100, 50, 120, 900]
    demand = np.array([10, 20, 0, 5, 5, 1.0])
    zone = np.array([Zone.URBAN] * 4 + [Zone.RURAL] * 2)
    group = np.array([1, 1, 1, 2, 2, 2])
    report = coverage_report(best, demand, 100.0, group=group, zone=zone)
    assert report.overall.demand_total == 41 and report.overall.demand_covered == 35
    assert report.overall.share == pytest.approx(35 / 41)
    assert report.overall.nodes_total == 5 and report.overall.nodes_covered == 3
    assert report.by_group[1].share == 1.0
    assert report.by_group[2].demand_covered == 5
    assert report.by_zone[Zone.RURAL].demand_covered == 0
    per_node = thresholds_per_node(zone)
    full = coverage_report(best, demand, per_node)
    assert full.overall.share == 1.0  # 900 s rural node sits exactly on the 15-minute line
    strict = coverage_report(
        best, demand, thresholds_per_node(zone, CoverageThresholds(rural_s=899))
    )
    assert strict.overall.demand_covered == 40
    assert report.as_dict()["by_group"][2]["nodes_covered"] == 1


def test_thresholds_have_documented_defaults() -> None:
    assert DEFAULT_THRESHOLDS.urban_station_s == 300
    assert DEFAULT_THRESHOLDS.micro_station_s == 180
    assert DEFAULT_THRESHOLDS.rural_s == 900


def test_coverage_report_rejects_mismatched_arrays() -> None:
    with pytest.raises(ShapeMismatchError):
        coverage_report(np.zeros(3), np.ones(4), 300)


def test_live_coverage_matches_recompute() -> None:
    rng = np.random.default_rng(1)
    table = rng.integers(0, 2000, size=(12, 5000)).astype(np.uint16)
    table[rng.random(table.shape) < 0.1] = U
    node_major = np.ascontiguousarray(table.T)
    units = rng.integers(1, 4, size=12)
    fast = LiveCoverage(table, units, node_major=node_major)
    slow = LiveCoverage(table, units)
    for _ in range(60):
        station = int(rng.integers(12))
        if rng.random() < 0.6:
            fast.commit(station)
            slow.commit(station)
        else:
            fast.release(station)
            slow.release(station)
        expected = best_seconds(table, np.flatnonzero(fast.units_available >= 1))
        np.testing.assert_array_equal(fast.best, expected)
        np.testing.assert_array_equal(slow.best, expected)
    for station in range(12):  # everyone out: nothing covered
        fast.set_available(station, 0)
    assert np.all(fast.best == U)
    report = fast.report(np.ones(5000), 300.0)
    assert report.overall.share == 0.0


def test_live_coverage_needs_one_count_per_station() -> None:
    with pytest.raises(ShapeMismatchError):
        LiveCoverage(np.zeros((3, 4), dtype=np.uint16), [1, 1])


def test_coverage_holes_groups_uncovered_demand() -> None:
    # Two clusters of uncovered nodes ~5 km apart, plus covered and zero-demand nodes.
    lon = np.array([9.50, 9.5005, 9.501, 9.57, 9.5705, 9.52, 9.53])
    lat = np.array([47.10, 47.1002, 47.1001, 47.12, 47.1203, 47.11, 47.11])
    uncovered = np.array([True, True, True, True, True, False, True])
    demand = np.array([1.0, 2.0, 3.0, 4.0, 4.0, 9.0, 0.0])
    fc = coverage_holes(lon, lat, uncovered, demand, cell_m=200)
    assert [f["properties"]["demand"] for f in fc["features"]] == [8.0, 6.0]
    assert [f["properties"]["nodes"] for f in fc["features"]] == [2, 3]
    first = shape(fc["features"][1]["geometry"])
    assert first.is_valid and first.buffer(1e-6).contains(
        shape({"type": "Point", "coordinates": [9.5005, 47.1002]})
    )
    assert (
        coverage_holes(lon, lat, uncovered, demand, min_demand=7)["features"][0]["properties"][
            "demand"
        ]
        == 8.0
    )
    assert coverage_holes(lon, lat, np.zeros(7, bool), demand)["features"] == []
