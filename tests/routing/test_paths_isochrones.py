from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import shape

from lanyan.routing import NoRouteError, RoadGraph, build_travel_table, isochrones, route


def test_route_matches_tree_and_has_geometry(li_graph: RoadGraph) -> None:
    source, target = 500, 20_000
    truth = dijkstra(li_graph.matrix, indices=source)[target]
    r = route(li_graph, source, target)
    assert r.nodes[0] == source and r.nodes[-1] == target
    assert r.seconds == pytest.approx(truth)
    edges = [li_graph.edge(int(u), int(v)) for u, v in zip(r.nodes[:-1], r.nodes[1:], strict=True)]
    assert min(edges) >= 0
    assert r.seconds == pytest.approx(float(li_graph.seconds[edges].astype(np.float64).sum()))
    assert r.metres == pytest.approx(float(li_graph.length_m[edges].astype(np.float64).sum()))
    feature = r.geojson(li_graph)
    assert feature["geometry"]["type"] == "LineString"
    assert len(feature["geometry"]["coordinates"]) == len(r.nodes)
    assert feature["properties"]["seconds"] == pytest.approx(truth, abs=0.1)


def test_route_to_itself_and_bounded_failure(li_graph: RoadGraph) -> None:
    r = route(li_graph, 42, 42)
    assert r.seconds == 0 and r.metres == 0
    assert len(r.geojson(li_graph)["geometry"]["coordinates"]) == 2
    with pytest.raises(NoRouteError):
        route(li_graph, 500, 20_000, limit_s=1.0)


def test_isochrones_nested_and_valid(li_graph: RoadGraph, station_nodes: np.ndarray) -> None:
    table = build_travel_table(li_graph, station_nodes[:1])
    fc = isochrones(li_graph, table.station_major[0], properties={"station": 0})
    assert fc["type"] == "FeatureCollection"
    minutes = [f["properties"]["minutes"] for f in fc["features"]]
    assert minutes == [15.0, 10.0, 5.0, 3.0]
    shapes = [shape(f["geometry"]) for f in fc["features"]]
    assert all(s.is_valid and not s.is_empty for s in shapes)
    areas = [f["properties"]["area_km2"] for f in fc["features"]]
    assert areas == sorted(areas, reverse=True)
    # The 3-minute area lies inside the 15-minute one (up to simplification).
    assert shapely.area(shapely.difference(shapes[3], shapes[0])) < 0.02 * shapes[3].area
    # The station is inside its smallest isochrone; lon/lat output.
    station = shapely.Point(li_graph.lon[station_nodes[0]], li_graph.lat[station_nodes[0]])
    assert shapes[3].contains(station)
    assert fc["features"][0]["properties"]["station"] == 0
