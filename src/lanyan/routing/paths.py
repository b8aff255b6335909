"""The route a unit drives to an incident: node path, seconds, metres and a GeoJSON line.

Ranking needs only times; the crew's screen and the map need the way itself. One Dijkstra with
predecessors from the unit's node, bounded just above the known travel time when the caller has
it (from the ranking), keeps this to milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from lanyan.routing._errors import RoutingError
from lanyan.routing._validate import check_node
from lanyan.routing.graph import RoadGraph


class NoRouteError(RoutingError):
    """The target cannot be reached from the source (within the given bound)."""


@dataclass(frozen=True)
class Route:
    """A driven route.

    Attributes
    ----------
    nodes
        Graph nodes from source to target inclusive.
    seconds
        Travel time, seconds.
    metres
        Length, metres.
    """

    nodes: npt.NDArray[np.int32]
    seconds: float
    metres: float

    def coordinates(self, graph: RoadGraph) -> list[list[float]]:
        """``[[lon, lat], ...]`` of the route's nodes."""
        coords: list[list[float]] = np.column_stack(
            [graph.lon[self.nodes], graph.lat[self.nodes]]
        ).tolist()
        return coords

    def geojson(self, graph: RoadGraph) -> dict[str, Any]:
        """The route as a GeoJSON Feature with a LineString and seconds/metres properties."""
        coords = self.coordinates(graph)
        if len(coords) == 1:  # a LineString needs two positions
            coords = coords * 2
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {
                "seconds": round(self.seconds, 1),
                "metres": round(self.metres, 1),
                "source_node": int(self.nodes[0]),
                "target_node": int(self.nodes[-1]),
            },
        }


def route(graph: RoadGraph, source: int, target: int, *, limit_s: float | None = None) -> Route:
    """Fastest route from ``source`` to ``target``.

    Parameters
    ----------
    graph
        The road graph.
    source, target
        Node indices (the unit's node and the incident's node).
    limit_s
        Optional bound on the search; pass the ranked ETA plus a margin to make it fast.

    Returns
    -------
    Route

    Raises
    ------
    NoRouteError
        If ``target`` is not reachable within ``limit_s``.
    """
    source = check_node(source, graph.n_nodes, what="source")
    target = check_node(target, graph.n_nodes, what="target")
    dist, pred = dijkstra(
        graph.matrix,
        directed=True,
        indices=source,
        return_predecessors=True,
        limit=np.inf if limit_s is None else limit_s,
    )
    if not np.isfinite(dist[target]):
        raise NoRouteError("目标点不可达", f"node {target} is not reachable from node {source}")
    path = [target]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    nodes = np.asarray(path[::-1], dtype=np.int32)
    return Route(nodes=nodes, seconds=float(dist[target]), metres=path_metres(graph, nodes))


def path_metres(graph: RoadGraph, nodes: npt.NDArray[np.int32]) -> float:
    """Length in metres of a node path along the graph's edges."""
    total = 0.0
    for u, v in zip(nodes[:-1].tolist(), nodes[1:].tolist(), strict=True):
        edge = graph.edge(u, v)
        if edge < 0:
            raise NoRouteError("路径包含不存在的路段", f"no edge {u} -> {v} in the graph")
        total += float(graph.length_m[edge])
    return total


def routes_to(
    graph: RoadGraph,
    sources: npt.ArrayLike,
    target: int,
    *,
    limit_s: float | None = None,
) -> list[Route | None]:
    """Fastest routes from many sources to one target, from a single reverse search.

    A recommendation draws a route for each unit it picks; one Dijkstra on the transposed graph
    from the incident gives all of them at once (``None`` for a source that cannot reach it).

    Parameters
    ----------
    graph
        The road graph.
    sources
        Node of each unit.
    target
        The incident's node.
    limit_s
        Optional bound on the search (the slowest ranked ETA plus a margin).
    """
    target = check_node(target, graph.n_nodes, what="target")
    dist, pred = dijkstra(
        graph.transpose().matrix,
        directed=True,
        indices=target,
        return_predecessors=True,
        limit=np.inf if limit_s is None else limit_s,
    )
    out: list[Route | None] = []
    for source in np.asarray(sources, dtype=np.int64).tolist():
        source = check_node(int(source), graph.n_nodes, what="source")
        if not np.isfinite(dist[source]):
            out.append(None)
            continue
        path = [source]
        while path[-1] != target:  # in the reversed search, pred points one step nearer target
            path.append(int(pred[path[-1]]))
        nodes = np.asarray(path, dtype=np.int32)
        out.append(
            Route(nodes=nodes, seconds=float(dist[source]), metres=path_metres(graph, nodes))
        )
    return out
