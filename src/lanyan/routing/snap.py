"""Snapping a position (incident, unit AVL fix, hydrant) to its nearest road-graph node.

A KD-tree over node coordinates projected to an azimuthal equidistant plane centred on the
graph (metres, distortion < 0.1 % within 100 km of the centre) answers one query in tens of
microseconds. The snap distance is always reported and a snap beyond ``max_snap_m`` is flagged,
never silently accepted: a caller located 2 km off the network is a geocoding problem the
dispatcher must see, not a route to trust.

The snap is to the nearest *node*; nodes are kept at every OSM vertex, so on built-up roads the
node is within a few tens of metres of the true nearest road point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyproj import Transformer
from scipy.spatial import cKDTree

from lanyan.routing._validate import check_positive
from lanyan.routing.graph import RoadGraph, haversine_m

#: Default distance beyond which a snap is flagged, metres.
DEFAULT_MAX_SNAP_M = 250.0


@dataclass(frozen=True)
class SnapResult:
    """Nearest node to a point.

    Attributes
    ----------
    node
        Graph node index.
    distance_m
        Great-circle distance from the point to the node, metres.
    too_far
        ``True`` when ``distance_m`` exceeds the snapper's ``max_snap_m``.
    """

    node: int
    distance_m: float
    too_far: bool


@dataclass(frozen=True)
class SnapBatch:
    """Nearest nodes to many points (arrays aligned with the input)."""

    nodes: npt.NDArray[np.int32]
    distance_m: npt.NDArray[np.float64]
    too_far: npt.NDArray[np.bool_]


def local_projection(lon0: float, lat0: float) -> tuple[Transformer, Transformer]:
    """Forward and inverse transformers between WGS84 and a metric plane centred on a point.

    Parameters
    ----------
    lon0, lat0
        Centre of the azimuthal equidistant projection, degrees.

    Returns
    -------
    tuple of Transformer
        ``(to_metres, to_lonlat)``, both with ``always_xy=True``.
    """
    crs = f"+proj=aeqd +lat_0={lat0:.7f} +lon_0={lon0:.7f} +datum=WGS84 +units=m +no_defs"
    return (
        Transformer.from_crs("EPSG:4326", crs, always_xy=True),
        Transformer.from_crs(crs, "EPSG:4326", always_xy=True),
    )


class Snapper:
    """KD-tree snapper for one road graph.

    Parameters
    ----------
    graph
        The road graph whose nodes are snap targets.
    max_snap_m
        Snaps farther than this are flagged ``too_far``.
    """

    def __init__(self, graph: RoadGraph, *, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> None:
        self.graph = graph
        self.max_snap_m = check_positive(max_snap_m, what="max_snap_m")
        lon0 = float(np.median(graph.lon))
        lat0 = float(np.median(graph.lat))
        self.to_metres, self.to_lonlat = local_projection(lon0, lat0)
        x, y = self.to_metres.transform(graph.lon, graph.lat)
        self.xy = np.column_stack([x, y])
        self._tree = cKDTree(self.xy)

    def project(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Project WGS84 degrees to the snapper's metric plane."""
        x, y = self.to_metres.transform(np.asarray(lon, np.float64), np.asarray(lat, np.float64))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def snap(self, lon: float, lat: float) -> SnapResult:
        """Snap one point.

        Parameters
        ----------
        lon, lat
            WGS84 degrees.

        Returns
        -------
        SnapResult
        """
        x, y = self.to_metres.transform(float(lon), float(lat))
        _, index = self._tree.query((x, y))
        node = int(index)
        distance = float(haversine_m(lon, lat, self.graph.lon[node], self.graph.lat[node]))
        return SnapResult(node=node, distance_m=distance, too_far=distance > self.max_snap_m)

    def snap_many(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> SnapBatch:
        """Snap many points at once.

        Parameters
        ----------
        lon, lat
            WGS84 degrees, same length.

        Returns
        -------
        SnapBatch
        """
        lon_arr = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_arr = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        x, y = self.project(lon_arr, lat_arr)
        _, index = self._tree.query(np.column_stack([x, y]))
        nodes = np.asarray(index, dtype=np.int32)
        distance = haversine_m(lon_arr, lat_arr, self.graph.lon[nodes], self.graph.lat[nodes])
        return SnapBatch(nodes=nodes, distance_m=distance, too_far=distance > self.max_snap_m)
