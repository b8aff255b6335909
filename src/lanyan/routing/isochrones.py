"""Isochrone polygons: the area a station reaches within 3, 5, 10 and 15 minutes.

Drawn from the road network, not as circles: every road edge reached within the threshold (and
the reached part of edges cut by it, by linear interpolation) is buffered by ``buffer_m`` in a
metric projection and dissolved. The result shows what planners need — which streets and hamlets
a station really serves — and is returned as GeoJSON in lon/lat for the one-map front end.

With turn restrictions, pass the station's tree over every state of ``graph.turns``
(:meth:`lanyan.routing.trees.TravelTable.state_tree`): an edge leaving a restricted junction is
then reached from the arrivals allowed to take it. A per-node tree (a row of the station-major
table) also works; there an edge leaving a restricted junction starts at the node's earliest
arrival, which may be one that may not turn onto it (a few metres of partial edge too many).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping

from lanyan.routing._validate import check_positive
from lanyan.routing.graph import RoadGraph
from lanyan.routing.snap import local_projection

#: Default isochrone thresholds in minutes (micro station, urban station, rural circles).
DEFAULT_MINUTES: tuple[float, ...] = (3.0, 5.0, 10.0, 15.0)
#: Default half-width of the band drawn around reached roads, metres.
DEFAULT_BUFFER_M = 100.0


def reached_segments(
    graph: RoadGraph, seconds: npt.NDArray[np.floating[Any]], limit_s: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Edges (or their reached part) within ``limit_s`` of a tree.

    Parameters
    ----------
    graph
        Road graph.
    seconds
        Tree: seconds from the station to each node (``inf`` / uint16 65535 for unreached).
    limit_s
        Threshold.

    Returns
    -------
    tuple of numpy.ndarray
        Start node index (as float for uniformity), end node index, and the reached fraction
        ``0 < f <= 1`` of each segment.
    """
    dist = np.asarray(seconds, dtype=np.float64)
    turns = graph.turns
    by_state = dist.shape[0] == turns.n_states and turns.n_copies > 0
    src: npt.NDArray[np.int64]
    if by_state:
        src = np.repeat(np.arange(turns.n_states, dtype=np.int64), np.diff(turns.indptr))
        dst = turns.indices.astype(np.int64)
        weights = turns.seconds
        node_of = turns.state_node.astype(np.int64)
    else:
        src = graph.edge_sources.astype(np.int64)
        dst = graph.indices.astype(np.int64)
        weights = graph.seconds.astype(np.float64)
        node_of = np.arange(graph.n_nodes, dtype=np.int64)
    start = dist[src]
    use = start < limit_s
    edges = np.flatnonzero(use)
    end = dist[dst[edges]]
    weight = weights[edges].astype(np.float64)
    fraction = np.where(end <= limit_s, 1.0, (limit_s - start[edges]) / weight)
    fraction = np.clip(fraction, 0.0, 1.0)
    a = node_of[src[edges]].astype(np.float64)
    b = node_of[dst[edges]].astype(np.float64)
    if by_state:  # the same edge from several states: keep its best reach
        order = np.lexsort((-fraction, b, a))
        a, b, fraction = a[order], b[order], fraction[order]
        first = np.ones(a.shape[0], dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        a, b, fraction = a[first], b[first], fraction[first]
    return a, b, fraction


def isochrones(
    graph: RoadGraph,
    seconds: npt.NDArray[np.floating[Any]] | npt.NDArray[np.uint16],
    *,
    minutes: Sequence[float] = DEFAULT_MINUTES,
    buffer_m: float = DEFAULT_BUFFER_M,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Isochrone polygons of one shortest-path tree, as a GeoJSON FeatureCollection.

    Parameters
    ----------
    graph
        Road graph the tree was computed on.
    seconds
        The station's tree (a row of the station-major table, or a float array).
    minutes
        Thresholds; one Feature per threshold, largest first (so smaller ones draw on top).
    buffer_m
        Half-width of the band around reached roads.
    properties
        Extra properties copied into every Feature (e.g. the station id).

    Returns
    -------
    dict
        FeatureCollection of (Multi)Polygons in lon/lat with ``minutes`` and ``seconds``.
    """
    buffer_m = check_positive(buffer_m, what="buffer_m")
    tree = np.asarray(seconds)
    dist = tree.astype(np.float64)
    if tree.dtype == np.uint16:
        dist[tree == np.iinfo(np.uint16).max] = np.inf
    to_m, to_ll = local_projection(float(np.median(graph.lon)), float(np.median(graph.lat)))
    x, y = to_m.transform(graph.lon, graph.lat)
    xy = np.column_stack([x, y])
    features = []
    for limit_min in sorted(minutes, reverse=True):
        limit_s = float(limit_min) * 60.0
        a, b, f = reached_segments(graph, dist, limit_s)
        ia, ib = a.astype(np.intp), b.astype(np.intp)
        # A two-way street fully reached appears as u→v and v→u: draw it once.
        full = f >= 1.0
        pairs = np.unique(np.sort(np.column_stack([ia[full], ib[full]]), axis=1), axis=0)
        ia = np.concatenate([pairs[:, 0], ia[~full]])
        ib = np.concatenate([pairs[:, 1], ib[~full]])
        f = np.concatenate([np.ones(pairs.shape[0]), f[~full]])
        start = xy[ia]
        stop = start + (xy[ib] - start) * f[:, None]
        if ia.size:
            # Buffering segments one by one and dissolving is ~50x faster than buffering one
            # MultiLineString (GEOS then overlays every overlapping band at once).
            lines = shapely.linestrings(np.stack([start, stop], axis=1))
            area = shapely.union_all(shapely.buffer(lines, buffer_m, quad_segs=2))
            area = shapely.simplify(area, buffer_m / 4)
        else:  # the station itself only
            reached = np.flatnonzero(dist[: graph.n_nodes] <= limit_s)
            area = shapely.buffer(shapely.multipoints(xy[reached]), buffer_m)
        area_ll = shapely.transform(
            area, lambda pts: np.column_stack(to_ll.transform(pts[:, 0], pts[:, 1]))
        )
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(area_ll),
                "properties": {
                    **(properties or {}),
                    "minutes": float(limit_min),
                    "seconds": limit_s,
                    "area_km2": round(float(shapely.area(area)) / 1e6, 3),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
