"""Coverage analysis: how much demand the stations reach within the response-time standards.

Pure array work over the station × node travel table of :mod:`lanyan.routing.trees`:

* :func:`best_seconds` — per node, the fastest station (an in-place ``np.minimum`` loop over
  station rows: stacking rows with fancy indexing would copy the whole table);
* :func:`coverage_report` — share of demand (population, calls, premises… any per-node weight)
  within its threshold, overall, per zone (urban/rural) and per group label (brigade);
* :func:`coverage_holes` — uncovered demand as GeoJSON polygons for the one-map view;
* :class:`LiveCoverage` — per-node best times that follow unit status in place, so the duty
  commander sees coverage drop when a station's last unit is committed.

Thresholds come from :class:`CoverageThresholds` (sources in its docstring and in
``docs/standards.md``); nothing here hard-codes a number of seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import mapping

from lanyan.core.standards import Standards
from lanyan.routing._errors import ShapeMismatchError
from lanyan.routing._validate import check_positive, check_same_length
from lanyan.routing.snap import local_projection
from lanyan.routing.trees import UNREACHABLE_U16

TimeArray = npt.NDArray[np.uint16 | np.float32]


class Zone(IntEnum):
    """Zone of a demand node; picks the threshold that applies to it."""

    URBAN = 0
    RURAL = 1


@dataclass(frozen=True)
class CoverageThresholds:
    """Response-time thresholds, seconds of *road travel*.

    The standards count from the turnout order and include the turnout itself, so each circle's
    travel budget is its standard minus a turnout allowance (:meth:`from_standards`); drawing
    the whole time as travel overstates coverage.

    Attributes
    ----------
    urban_station_s
        Fire station, urban: reach the edge of the district within 5 minutes of the turnout
        order (建标152-2017 / GB 51080-2015), of which 1 minute is the turnout: 240 s of travel.
    micro_station_s
        Micro fire station: on scene within 3 minutes including its 1-minute response
        (公消〔2015〕301号): 120 s of travel.
    rural_s
        Township/rural rescue circle: 15 minutes (the local "15分钟救援圈"; configurable) less the
        turnout allowance.
    """

    urban_station_s: float = 300.0
    micro_station_s: float = 180.0
    rural_s: float = 900.0

    @classmethod
    def from_standards(cls, table: Standards) -> CoverageThresholds:
        """Travel budgets from the standards table: arrival standard − turnout allowance."""
        return cls(
            urban_station_s=table["urban_arrival_s"] - table["station_turnout_s"],
            micro_station_s=table["micro_station_arrival_s"] - table["micro_station_response_s"],
            rural_s=table["rural_arrival_s"] - table["rural_turnout_s"],
        )

    def per_zone(self) -> dict[Zone, float]:
        """Threshold of fire stations per zone."""
        return {Zone.URBAN: self.urban_station_s, Zone.RURAL: self.rural_s}


#: Default thresholds.
DEFAULT_THRESHOLDS = CoverageThresholds()


def _unreachable_of(table: npt.NDArray[Any]) -> float:
    return float(UNREACHABLE_U16) if table.dtype == np.uint16 else float(np.inf)


def best_seconds(
    station_major: TimeArray,
    stations: Sequence[int] | npt.NDArray[np.integer[Any]] | None = None,
    *,
    out: TimeArray | None = None,
) -> TimeArray:
    """Per node, the travel time from the fastest of ``stations``.

    Parameters
    ----------
    station_major
        ``(n_stations, n_nodes)`` table (uint16 with 65535 = unreached, or float32 with inf).
    stations
        Rows to use; all when ``None``.
    out
        Array to write into (length ``n_nodes``, the table's dtype); allocated when ``None``.

    Returns
    -------
    numpy.ndarray
        Per-node minimum, the table's dtype (unreached where no station reaches).
    """
    rows = range(station_major.shape[0]) if stations is None else [int(s) for s in stations]
    if out is None:
        out = np.empty(station_major.shape[1], dtype=station_major.dtype)
    out.fill(_unreachable_of(station_major))
    for row in rows:
        np.minimum(out, station_major[row], out=out)
    return out


@dataclass(frozen=True)
class CoverageShare:
    """Demand reached within its threshold, for one set of nodes.

    Attributes
    ----------
    demand_total, demand_covered
        Sum of demand weights, all and within threshold.
    nodes_total, nodes_covered
        Node counts with positive demand, all and within threshold.
    """

    demand_total: float
    demand_covered: float
    nodes_total: int
    nodes_covered: int

    @property
    def share(self) -> float:
        """``demand_covered / demand_total`` (1.0 when there is no demand)."""
        return self.demand_covered / self.demand_total if self.demand_total > 0 else 1.0

    def as_dict(self) -> dict[str, float]:
        """Plain dict for JSON."""
        return {
            "demand_total": self.demand_total,
            "demand_covered": self.demand_covered,
            "nodes_total": self.nodes_total,
            "nodes_covered": self.nodes_covered,
            "share": self.share,
        }


@dataclass(frozen=True)
class CoverageReport:
    """Coverage overall, by zone and by group."""

    overall: CoverageShare
    by_zone: Mapping[int, CoverageShare]
    by_group: Mapping[int, CoverageShare]
    covered: npt.NDArray[np.bool_]

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (without the per-node mask)."""
        return {
            "overall": self.overall.as_dict(),
            "by_zone": {int(k): v.as_dict() for k, v in self.by_zone.items()},
            "by_group": {int(k): v.as_dict() for k, v in self.by_group.items()},
        }


def thresholds_per_node(
    zone: npt.ArrayLike, thresholds: CoverageThresholds = DEFAULT_THRESHOLDS
) -> npt.NDArray[np.float32]:
    """Fire-station threshold of every node from its zone (0 urban, 1 rural)."""
    zones = np.asarray(zone)
    out = np.full(zones.shape, thresholds.urban_station_s, dtype=np.float32)
    out[zones == Zone.RURAL] = thresholds.rural_s
    return out


def _shares(
    labels: npt.NDArray[np.integer[Any]],
    demand: npt.NDArray[np.float64],
    covered: npt.NDArray[np.bool_],
) -> dict[int, CoverageShare]:
    keys, inverse = np.unique(labels, return_inverse=True)
    has = demand > 0
    total = np.bincount(inverse, weights=demand, minlength=keys.shape[0])
    hit = np.bincount(inverse, weights=np.where(covered, demand, 0.0), minlength=keys.shape[0])
    n_total = np.bincount(inverse, weights=has, minlength=keys.shape[0])
    n_hit = np.bincount(inverse, weights=has & covered, minlength=keys.shape[0])
    return {
        int(key): CoverageShare(float(total[i]), float(hit[i]), int(n_total[i]), int(n_hit[i]))
        for i, key in enumerate(keys.tolist())
    }


def coverage_report(
    best_s: npt.ArrayLike,
    demand: npt.ArrayLike,
    threshold_s: float | npt.ArrayLike,
    *,
    group: npt.ArrayLike | None = None,
    zone: npt.ArrayLike | None = None,
) -> CoverageReport:
    """Share of demand within its threshold, overall, by zone and by group.

    Parameters
    ----------
    best_s
        Per-node best travel time (from :func:`best_seconds`; uint16 65535 or inf = unreached).
    demand
        Per-node demand weight (≥ 0).
    threshold_s
        One threshold, or one per node (see :func:`thresholds_per_node`).
    group
        Optional integer label per node (e.g. brigade id) to break the share down by.
    zone
        Optional zone per node (:class:`Zone`) to break the share down by.

    Returns
    -------
    CoverageReport
    """
    times = np.asarray(best_s)
    weights = np.asarray(demand, dtype=np.float64)
    check_same_length("coverage", times, weights)
    seconds = times.astype(np.float32)
    if times.dtype == np.uint16:
        seconds[times == UNREACHABLE_U16] = np.inf
    covered = seconds <= np.asarray(threshold_s, dtype=np.float32)
    everyone = np.zeros(weights.shape[0], dtype=np.int8)
    by_zone: dict[int, CoverageShare] = {}
    by_group: dict[int, CoverageShare] = {}
    if zone is not None:
        zones = np.asarray(zone)
        check_same_length("coverage zone", zones, weights)
        by_zone = _shares(zones, weights, covered)
    if group is not None:
        groups = np.asarray(group)
        check_same_length("coverage group", groups, weights)
        by_group = _shares(groups, weights, covered)
    overall = _shares(everyone, weights, covered).get(0, CoverageShare(0.0, 0.0, 0, 0))
    return CoverageReport(overall=overall, by_zone=by_zone, by_group=by_group, covered=covered)


def coverage_holes(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    uncovered: npt.ArrayLike,
    demand: npt.ArrayLike,
    *,
    cell_m: float = 250.0,
    min_demand: float = 0.0,
) -> dict[str, Any]:
    """Uncovered demand as polygons: nodes binned into square cells, touching cells merged.

    Parameters
    ----------
    lon, lat
        Node coordinates (degrees).
    uncovered
        Per-node mask of nodes outside their threshold (``~report.covered``).
    demand
        Per-node demand; nodes with zero demand are not holes.
    cell_m
        Cell size; holes are drawn at this resolution.
    min_demand
        Holes with less total demand are left out.

    Returns
    -------
    dict
        GeoJSON FeatureCollection in lon/lat, largest demand first, with ``demand`` and
        ``nodes`` per hole.
    """
    cell = check_positive(cell_m, what="cell_m")
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    weights = np.asarray(demand, dtype=np.float64)
    mask = np.asarray(uncovered, dtype=bool) & (weights > 0)
    if lon_a.shape != mask.shape or lat_a.shape != mask.shape:
        raise ShapeMismatchError("坐标与掩码长度不一致", "lon/lat/uncovered differ in length")
    empty: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if not mask.any():
        return empty
    to_m, to_ll = local_projection(float(np.median(lon_a)), float(np.median(lat_a)))
    x, y = to_m.transform(lon_a[mask], lat_a[mask])
    ij = np.floor(np.column_stack([x, y]) / cell).astype(np.int64)
    cells, inverse = np.unique(ij, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    cell_demand = np.bincount(inverse, weights=weights[mask], minlength=cells.shape[0])
    cell_nodes = np.bincount(inverse, minlength=cells.shape[0])
    # Cells sharing an edge or a corner belong to one hole: connected components on a grid.
    span = int(cells[:, 1].max() - cells[:, 1].min()) + 3
    keys = (cells[:, 0] - cells[:, 0].min() + 1) * span + (cells[:, 1] - cells[:, 1].min() + 1)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    src: list[npt.NDArray[np.intp]] = []
    dst: list[npt.NDArray[np.intp]] = []
    for di, dj in ((1, 0), (0, 1), (1, 1), (1, -1)):
        neighbour = keys + di * span + dj
        pos = np.clip(np.searchsorted(sorted_keys, neighbour), 0, keys.shape[0] - 1)
        hit = sorted_keys[pos] == neighbour
        src.append(np.flatnonzero(hit))
        dst.append(order[pos[hit]])
    a, b = np.concatenate(src), np.concatenate(dst)
    n_cells = cells.shape[0]
    adjacency = coo_matrix((np.ones(a.shape[0]), (a, b)), shape=(n_cells, n_cells))
    n_holes, label = connected_components(adjacency, directed=False)
    hole_demand = np.bincount(label, weights=cell_demand, minlength=n_holes)
    hole_nodes = np.bincount(label, weights=cell_nodes, minlength=n_holes)
    boxes = shapely.box(
        cells[:, 0] * cell, cells[:, 1] * cell, (cells[:, 0] + 1) * cell, (cells[:, 1] + 1) * cell
    )
    features = []
    for hole in np.argsort(-hole_demand).tolist():
        if hole_demand[hole] < min_demand:
            break
        area = shapely.coverage_union_all(boxes[label == hole])
        area_ll = shapely.transform(
            area, lambda pts: np.column_stack(to_ll.transform(pts[:, 0], pts[:, 1]))
        )
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(area_ll),
                "properties": {
                    "demand": float(hole_demand[hole]),
                    "nodes": int(hole_nodes[hole]),
                    "area_km2": round(float(shapely.area(area)) / 1e6, 3),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


class LiveCoverage:
    """Per-node best travel time over the stations that can respond now, updated in place.

    A station counts while it has at least ``min_units`` available units. Committing its last
    unit removes it; a returning unit adds it back. Adding is one in-place ``np.minimum`` with the
    station's row. Removing recomputes only the nodes the station was best for, from the
    node-major table when given (a few thousand short rows), else by the full in-place minimum
    loop over the remaining stations' rows.

    Parameters
    ----------
    station_major
        ``(n_stations, n_nodes)`` travel table.
    units_available
        Available units per station at start.
    node_major
        Optional ``(n_nodes, n_stations)`` twin of the table for the fast removal path.
    min_units
        Units a station needs available to count as covering.
    """

    def __init__(
        self,
        station_major: TimeArray,
        units_available: npt.ArrayLike,
        *,
        node_major: TimeArray | None = None,
        min_units: int = 1,
    ) -> None:
        self.station_major = station_major
        self.node_major = node_major
        self.units_available = np.array(units_available, dtype=np.int64)
        if self.units_available.shape != (station_major.shape[0],):
            raise ShapeMismatchError(
                "各站可用车辆数与站点数不一致",
                "units_available needs one count per station row",
            )
        self.min_units = int(min_units)
        self.best: TimeArray = np.empty(station_major.shape[1], dtype=station_major.dtype)
        self.recompute()

    @property
    def active(self) -> npt.NDArray[np.bool_]:
        """Stations currently counted."""
        return self.units_available >= self.min_units

    def recompute(self) -> None:
        """Rebuild :attr:`best` from scratch (in place) over active stations."""
        best_seconds(self.station_major, np.flatnonzero(self.active), out=self.best)

    def commit(self, station: int, units: int = 1) -> None:
        """``units`` of ``station`` were dispatched or went out of service."""
        self.set_available(station, int(self.units_available[station]) - units)

    def release(self, station: int, units: int = 1) -> None:
        """``units`` of ``station`` are back in service."""
        self.set_available(station, int(self.units_available[station]) + units)

    def set_available(self, station: int, count: int) -> None:
        """Set the available unit count of ``station`` and update :attr:`best` if it matters."""
        was = bool(self.active[station])
        self.units_available[station] = max(0, count)
        now = bool(self.active[station])
        if was and not now:
            self._remove(station)
        elif now and not was:
            np.minimum(self.best, self.station_major[station], out=self.best)

    def _remove(self, station: int) -> None:
        if self.node_major is None:
            self.recompute()
            return
        unreachable = _unreachable_of(self.station_major)
        row = self.station_major[station]
        affected = np.flatnonzero((row == self.best) & (self.best != unreachable))
        if affected.size == 0:
            return
        active = np.flatnonzero(self.active)
        if active.size == 0:
            self.best[affected] = unreachable
            return
        self.best[affected] = self.node_major[affected][:, active].min(axis=1)

    def report(
        self,
        demand: npt.ArrayLike,
        threshold_s: float | npt.ArrayLike,
        *,
        group: npt.ArrayLike | None = None,
        zone: npt.ArrayLike | None = None,
    ) -> CoverageReport:
        """Coverage of the current state (see :func:`coverage_report`)."""
        return coverage_report(self.best, demand, threshold_s, group=group, zone=zone)
