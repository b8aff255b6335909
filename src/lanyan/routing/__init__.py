"""Travel-time core of Lanyan: OSM road graph, snapping, station trees, ranking, isochrones.

Pure numpy/scipy (shapely/pyproj for geometry, osmium only to build the graph): arrays in,
arrays out, no database and no web. The dispatch and planning layers call what is re-exported
here; see ``docs/routing.md`` for how the pieces fit and what they cost.
"""

from lanyan.routing._errors import (
    GraphBuildError,
    GraphCacheError,
    NodeOutOfRangeError,
    RoutingError,
    ShapeMismatchError,
)
from lanyan.routing.graph import (
    BuildReport,
    RoadGraph,
    build_graph,
    cache_key,
    graph_from_edges,
    haversine_m,
    largest_strong_component,
    load_or_build,
)
from lanyan.routing.isochrones import DEFAULT_MINUTES, isochrones
from lanyan.routing.paths import NoRouteError, Route, route, routes_to
from lanyan.routing.snap import DEFAULT_MAX_SNAP_M, SnapBatch, Snapper, SnapResult
from lanyan.routing.speeds import DEFAULT_SPEEDS, SpeedTable, default_is_urban, parse_maxspeed_kmh
from lanyan.routing.trees import (
    DEFAULT_AWAY_LIMIT_S,
    UNREACHABLE_U16,
    Ranking,
    TravelTable,
    UnitPositions,
    UnitRanker,
    build_travel_table,
    rank_units,
    shortest_path_tree,
    shortest_path_trees,
    table_seconds,
    to_uint16_seconds,
)
from lanyan.routing.turns import TurnGraph

__all__ = [
    "DEFAULT_AWAY_LIMIT_S",
    "DEFAULT_MAX_SNAP_M",
    "DEFAULT_MINUTES",
    "DEFAULT_SPEEDS",
    "UNREACHABLE_U16",
    "BuildReport",
    "GraphBuildError",
    "GraphCacheError",
    "NoRouteError",
    "NodeOutOfRangeError",
    "Ranking",
    "RoadGraph",
    "Route",
    "RoutingError",
    "ShapeMismatchError",
    "SnapBatch",
    "SnapResult",
    "Snapper",
    "SpeedTable",
    "TravelTable",
    "TurnGraph",
    "UnitPositions",
    "UnitRanker",
    "build_graph",
    "build_travel_table",
    "cache_key",
    "default_is_urban",
    "graph_from_edges",
    "haversine_m",
    "isochrones",
    "largest_strong_component",
    "load_or_build",
    "parse_maxspeed_kmh",
    "rank_units",
    "route",
    "routes_to",
    "shortest_path_tree",
    "shortest_path_trees",
    "table_seconds",
    "to_uint16_seconds",
]
