"""The road routes a recommendation draws for the units it picks, kept while the roads are the same.

A recommendation shows each picked unit's route to the incident. The consoles of a dispatch room
ask for the same open incidents' recommendations over and over, and the road from a station (or
a unit on the road) to the incident does not change while the network does not: routes are kept
per network state, and only units not seen before for the incident cost a search.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from lanyan.dispatch import recommend as rec
from lanyan.planning.network import NetworkState
from lanyan.routing import SnapResult, routes_to


def routes_of(
    state: NetworkState, chosen: list[rec.Candidate], target: int | SnapResult
) -> dict[int, rec.RouteShape]:
    """Route geometry of every chosen unit, from one reverse search from the incident.

    Routes are kept per network state (:class:`_RouteMemo`): the consoles of a dispatch room ask
    for the same open incidents' recommendations over and over, and the road from a station to
    the incident does not change while the network does not; only units not seen before for
    this incident cost a search.
    """
    if not chosen:
        return {}
    memo: _RouteMemo = state.derived.setdefault("routes_to_incidents", _RouteMemo())
    out: dict[int, rec.RouteShape] = {}
    missing: list[tuple[rec.Candidate, int]] = []
    for cand in chosen:
        unit = cand.unit
        if cand.away and unit.lon is not None and unit.lat is not None:
            source = state.snapper.snap(unit.lon, unit.lat).node
        else:
            source = int(state.table.station_nodes[state.row_of_org[unit.station_id]])
        shape = memo.get((target, source))
        if shape is None:
            missing.append((cand, source))
        else:
            out[unit.id] = shape
    if not missing:
        return out
    bound = max(c.eta_s for c, _ in missing) + 120.0
    sources = [source for _, source in missing]
    for (cand, source), path in zip(
        missing, routes_to(state.graph, sources, target, limit_s=bound), strict=True
    ):
        if path is not None:  # none within the bound is not kept: a later bound may be wider
            shape = rec.RouteShape(path.metres, _kept(path.geojson(state.graph)))
            memo.put((target, source), shape)
            out[cand.unit.id] = shape
    return out


def _kept(feature: dict[str, Any]) -> dict[str, Any]:
    """``feature`` with its positions as tuples, to be kept for long.

    The collector stops walking a tuple of numbers after it first meets it, but walks a list on
    every full collection: a served process's 4,096 kept routes were ~84,000 lists, which every
    full collection walked with the process standing still (:mod:`lanyan.core.heap`).
    """
    geometry = feature["geometry"]
    positions = tuple(tuple(p) for p in geometry["coordinates"])
    return {**feature, "geometry": {**geometry, "coordinates": positions}}


class _RouteMemo:
    """Route shapes by (incident's road point, unit's node), the most recently used kept."""

    SIZE = 4096

    def __init__(self) -> None:
        self._shapes: OrderedDict[tuple[int | SnapResult, int], rec.RouteShape] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int | SnapResult, int]) -> rec.RouteShape | None:
        with self._lock:
            shape = self._shapes.get(key)
            if shape is not None:
                self._shapes.move_to_end(key)
            return shape

    def put(self, key: tuple[int | SnapResult, int], shape: rec.RouteShape) -> None:
        with self._lock:
            self._shapes[key] = shape
            while len(self._shapes) > self.SIZE:
                self._shapes.popitem(last=False)
