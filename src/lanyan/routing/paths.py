"""The route a unit drives to an incident: node path, seconds, metres and a GeoJSON line.

Ranking needs only times; the crew's screen and the map need the way itself. One Dijkstra with
predecessors from the unit's node (or road point), bounded just above the known travel time when
the caller has it (from the ranking), keeps this to milliseconds. Searches run on
``graph.turns`` (turn restrictions obeyed); a :class:`~lanyan.routing.snap.SnapResult` as source
or target starts or ends the route on the projected road point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lanyan.routing._errors import RoutingError
from lanyan.routing._validate import check_node
from lanyan.routing.graph import RoadGraph
from lanyan.routing.snap import SnapResult
from lanyan.routing.trees import end_seeds, start_seeds
from lanyan.routing.turns import NO_PREDECESSOR, TurnGraph

Endpoint = int | SnapResult


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
    start, end
        ``(lon, lat)`` of the road point the route starts / ends at, when it is not a node.
    """

    nodes: npt.NDArray[np.int32]
    seconds: float
    metres: float
    start: tuple[float, float] | None = None
    end: tuple[float, float] | None = None

    def coordinates(self, graph: RoadGraph) -> list[list[float]]:
        """``[[lon, lat], ...]`` of the route: start point, nodes, end point."""
        coords: list[list[float]] = np.column_stack(
            [graph.lon[self.nodes], graph.lat[self.nodes]]
        ).tolist()
        if self.start is not None:
            coords.insert(0, list(self.start))
        if self.end is not None:
            coords.append(list(self.end))
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
                "source_node": int(self.nodes[0]) if self.nodes.size else None,
                "target_node": int(self.nodes[-1]) if self.nodes.size else None,
            },
        }


def _node(end: Endpoint) -> int:
    return end.node if isinstance(end, SnapResult) else int(end)


def _point(end: Endpoint) -> tuple[float, float] | None:
    if isinstance(end, SnapResult) and end.on_segment:
        return (end.road_lon, end.road_lat)
    return None


def _along_same_segment(graph: RoadGraph, source: Endpoint, target: Endpoint) -> Route | None:
    """The direct drive when both ends lie on one segment and its direction allows it."""
    if not (isinstance(source, SnapResult) and isinstance(target, SnapResult)):
        return None
    if not (source.on_segment and target.on_segment):
        return None
    if (source.edge_forward, source.edge_backward) != (target.edge_forward, target.edge_backward):
        return None
    share = target.fraction - source.fraction
    edge = source.edge_forward if share >= 0 else source.edge_backward
    if edge < 0:
        return None
    node = source.node_b if share >= 0 else source.node_a
    return Route(
        nodes=np.array([node], dtype=np.int32)[:0],
        seconds=float(graph.seconds[edge]) * abs(share),
        metres=float(graph.length_m[edge]) * abs(share),
        start=_point(source),
        end=_point(target),
    )


def _partial_metres(graph: RoadGraph, end: Endpoint, *, node: int) -> float:
    """Metres driven on the snapped segment between the road point and ``node``."""
    if not (isinstance(end, SnapResult) and end.on_segment):
        return 0.0
    length = float(graph.length_m[max(end.edge_forward, end.edge_backward)])
    at_b = node == end.node_b and node != end.node_a
    return length * ((1.0 - end.fraction) if at_b else end.fraction)


def route(
    graph: RoadGraph, source: Endpoint, target: Endpoint, *, limit_s: float | None = None
) -> Route:
    """Fastest route from ``source`` to ``target``, obeying turn restrictions.

    Parameters
    ----------
    graph
        The road graph.
    source, target
        Node indices (the unit's node and the incident's node), or :class:`SnapResult` road
        points.
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
    check_node(_node(source), graph.n_nodes, what="source")
    check_node(_node(target), graph.n_nodes, what="target")
    turns = graph.turns
    dist, pred = turns.search(start_seeds(turns, graph, source), limit_s=limit_s, predecessors=True)
    assert pred is not None
    best_state, best = -1, np.inf
    for state, offset in end_seeds(turns, target):
        if dist[state] + offset < best:
            best_state, best = state, float(dist[state] + offset)
    direct = _along_same_segment(graph, source, target)
    if direct is not None and direct.seconds <= best:
        return direct
    if best_state < 0 or not np.isfinite(best):
        raise NoRouteError(
            "目标点不可达", f"node {_node(target)} is not reachable from node {_node(source)}"
        )
    states = [best_state]
    while pred[states[-1]] != NO_PREDECESSOR:
        states.append(int(pred[states[-1]]))
    nodes = _nodes_of(turns, states[::-1])
    metres = path_metres(graph, nodes)
    metres += _partial_metres(graph, source, node=int(nodes[0]))
    metres += _partial_metres(graph, target, node=int(nodes[-1]))
    return Route(nodes=nodes, seconds=best, metres=metres, start=_point(source), end=_point(target))


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
    target: Endpoint,
    *,
    limit_s: float | None = None,
) -> list[Route | None]:
    """Fastest routes from many sources to one target, from a single reverse search.

    A recommendation draws a route for each unit it picks; one Dijkstra on the reversed graph
    from the incident gives all of them at once (``None`` for a source that cannot reach it).

    Parameters
    ----------
    graph
        The road graph.
    sources
        Node of each unit.
    target
        The incident's node, or its :class:`SnapResult` road point.
    limit_s
        Optional bound on the search (the slowest ranked ETA plus a margin).
    """
    check_node(_node(target), graph.n_nodes, what="target")
    turns = graph.turns
    seeds = end_seeds(turns, target)
    dist, pred = turns.search(seeds, reverse=True, limit_s=limit_s, predecessors=True)
    assert pred is not None
    out: list[Route | None] = []
    for source in np.asarray(sources, dtype=np.int64).tolist():
        source = check_node(int(source), graph.n_nodes, what="source")
        if not np.isfinite(dist[source]):
            out.append(None)
            continue
        states = [source]
        while pred[states[-1]] != NO_PREDECESSOR:  # reversed search: one step nearer the target
            states.append(int(pred[states[-1]]))
        nodes = _nodes_of(turns, states)
        metres = path_metres(graph, nodes)
        metres += _partial_metres(graph, target, node=int(nodes[-1]))
        out.append(
            Route(nodes=nodes, seconds=float(dist[source]), metres=metres, end=_point(target))
        )
    return out


def _nodes_of(turns: TurnGraph, states: list[int]) -> npt.NDArray[np.int32]:
    return turns.state_node[np.asarray(states, dtype=np.int64)].astype(np.int32)
