"""Coverage of the detachment's response circles, now or as planned, with holes and isochrones.

Three circles, each measured on its own demand (see DESIGN.md, "Standards"):

- ``urban_5min``: urban demand reached by fire-station-class organizations within 5 minutes;
- ``micro_3min``: urban demand reached by micro fire stations within 3 minutes (the "135" circle);
- ``rural_15min``: rural demand reached by any responding organization within 15 minutes.

"Live" coverage leaves out organizations with no unit available (all committed or out of
service), so the one-map shows the hole that opens when a station's last engine rolls out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.errors import Invalid, NotFound
from lanyan.core.jurisdiction import visible_condition
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.forces.choices import OrgKind, UnitStatus
from lanyan.forces.models import Organization, Unit
from lanyan.forces.service import get_organization, get_unit
from lanyan.planning.coverage import Zone, best_seconds, coverage_holes, coverage_report
from lanyan.planning.network import (
    FIRE_STATION_KINDS,
    NetworkState,
    RoadNetwork,
    coverage_thresholds,
)
from lanyan.routing import NoRouteError, isochrones, route


@dataclass(frozen=True)
class Circle:
    """One response circle: who counts, on which demand, within how long."""

    key: str
    zh: str
    en: str
    kinds: frozenset[OrgKind]
    zone: Zone
    threshold_s: float
    """Road travel budget: the standard less its turnout allowance."""
    standard_s: float
    """The standard's whole time, counted from the turnout order."""


def circles() -> list[Circle]:
    """The three circles with travel budgets from the standards table (standard − turnout)."""
    t = coverage_thresholds()
    table = standards()
    responding = frozenset(k for k in OrgKind if k.responds)
    return [
        Circle(
            "urban_5min",
            "城区5分钟（消防站）",
            "urban 5 min (fire stations)",
            FIRE_STATION_KINDS,
            Zone.URBAN,
            t.urban_station_s,
            table["urban_arrival_s"],
        ),
        Circle(
            "micro_3min",
            "城区3分钟（微型消防站）",
            "urban 3 min (micro stations)",
            frozenset({OrgKind.MICRO_STATION}),
            Zone.URBAN,
            t.micro_station_s,
            table["micro_station_arrival_s"],
        ),
        Circle(
            "rural_15min",
            "乡村15分钟（全部力量）",
            "rural 15 min (all forces)",
            responding,
            Zone.RURAL,
            t.rural_s,
            table["rural_arrival_s"],
        ),
    ]


def available_units_by_org(session: Session) -> dict[int, int]:
    """Units available now per home organization."""
    rows = session.execute(
        select(Unit.station_id, func.count())
        .where(Unit.status == UnitStatus.AVAILABLE)
        .group_by(Unit.station_id)
    ).all()
    return {int(org_id): int(count) for org_id, count in rows}


def _rows_for(state: NetworkState, circle: Circle, active: set[int] | None) -> list[int]:
    return [
        s.row
        for s in state.stations
        if s.kind in circle.kinds and (active is None or s.org_id in active)
    ]


def _visible_brigades(session: Session, actor: Actor, state: NetworkState) -> dict[int, str]:
    visible = set(
        session.scalars(
            select(Organization.id).where(
                Organization.kind == OrgKind.BRIGADE, visible_condition(actor, Organization)
            )
        )
    )
    return {bid: name for bid, name in state.brigade_names.items() if bid in visible}


def _visible_stations(session: Session, actor: Actor, state: NetworkState) -> set[int]:
    ids = [s.org_id for s in state.stations]
    return set(
        session.scalars(
            select(Organization.id).where(
                Organization.id.in_(ids), visible_condition(actor, Organization)
            )
        )
    )


def coverage_summary(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    live: bool = True,
    with_holes: bool = False,
) -> dict[str, Any]:
    """Share of demand within each circle, for the city and per brigade, and optionally holes."""
    actor.require(Action.READ)
    state = network.current(session)
    started = time.perf_counter()
    available = available_units_by_org(session) if live else None
    active = None if available is None else {k for k, v in available.items() if v > 0}
    brigades = _visible_brigades(session, actor, state)
    own_stations = _visible_stations(session, actor, state) if active is not None else set()
    out_of_service = [
        {"org_id": s.org_id, "name": s.name}
        for s in state.stations
        if active is not None and s.org_id not in active and s.org_id in own_stations
    ]
    results = []
    holes: dict[str, Any] = {}
    for circle in circles():
        rows = _rows_for(state, circle, active)
        best = best_seconds(state.table.station_major, rows)
        demand = np.where(state.zone == circle.zone, state.demand, 0.0)
        report = coverage_report(best, demand, circle.threshold_s, group=state.brigade_of_node)
        by_brigade = [
            {"brigade_id": bid, "name": name, **report.by_group[bid].as_dict()}
            for bid, name in sorted(brigades.items())
            if bid in report.by_group
        ]
        city = report.overall.as_dict() if actor.org_path.count("/") <= 3 else None
        results.append(
            {
                "key": circle.key,
                "zh": circle.zh,
                "en": circle.en,
                "threshold_s": circle.threshold_s,
                "standard_s": circle.standard_s,
                "turnout_s": circle.standard_s - circle.threshold_s,
                "zone": circle.zone.name.lower(),
                "stations_counted": len(rows),
                "city": city,
                "by_brigade": by_brigade,
            }
        )
        if with_holes:
            uncovered = (demand > 0) & ~report.covered
            holes[circle.key] = coverage_holes(state.graph.lon, state.graph.lat, uncovered, demand)
    return {
        "live": live,
        "circles": results,
        "stations_without_units": out_of_service,
        "computed_ms": round((time.perf_counter() - started) * 1000, 2),
        **({"holes": holes} if with_holes else {}),
    }


def station_isochrones(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    org_id: int,
    minutes: list[float],
) -> dict[str, Any]:
    """Isochrone polygons of one responding organization as GeoJSON."""
    org = get_organization(session, actor, org_id)
    if not minutes or any(m <= 0 or m > 60 for m in minutes) or len(minutes) > 8:
        raise Invalid(
            "等时圈分钟数须在 0–60 之间，最多 8 个", "minutes must be in (0, 60], at most 8"
        )
    state = network.current(session)
    row = state.row_of_org.get(org.id)
    if row is None:
        raise NotFound(
            f"{org.name}不是有位置的出动力量，无法计算等时圈",
            f"{org.name} is not a located responding organization",
        )
    return isochrones(
        state.graph,
        state.table.state_tree(row, state.graph.turns),
        minutes=sorted(minutes),
        properties={"org_id": org.id, "name": org.name},
    )


def unit_route(
    session: Session, *, actor: Actor, network: RoadNetwork, unit_id: int, lon: float, lat: float
) -> dict[str, Any]:
    """The road route from a unit (its AVL position, else its station) to a point."""
    unit = get_unit(session, actor, unit_id)
    state = network.current(session)
    if unit.lon is not None and unit.lat is not None:
        source = state.snapper.snap(unit.lon, unit.lat).node
    else:
        row = state.row_of_org.get(unit.station_id)
        if row is None:
            raise NotFound("车辆所属站没有位置", "the unit's station has no position")
        source = int(state.table.station_nodes[row])
    target = state.snapper.snap(lon, lat)
    try:
        path = route(state.graph, source, target)
    except NoRouteError as exc:
        raise Invalid("两点之间没有可通行的道路", "no drivable route between the points") from exc
    feature = path.geojson(state.graph)
    feature.setdefault("properties", {}).update(
        {
            "unit_id": unit.id,
            "call_sign": unit.call_sign,
            "seconds": round(path.seconds, 1),
            "metres": round(path.metres, 1),
            "snap_m": round(target.distance_m, 1),
            "snap_too_far": bool(target.too_far),
        }
    )
    return feature


def road_lines(network: RoadNetwork, session: Session) -> dict[str, Any]:
    """The routing graph's roads as one GeoJSON MultiLineString: the offline base map.

    Each road segment appears once (both directions of a two-way street share it); segments are
    merged into continuous lines and simplified within about a metre, and coordinates rounded to
    1e-5 degrees, so the browser downloads and draws a few thousand lines, not 30,000 segments.
    """
    state = network.current(session)
    cached: dict[str, Any] | None = state.derived.get("roads")
    if cached is not None:
        return cached
    graph = state.graph
    low = np.minimum(graph.edge_sources, graph.indices).astype(np.int64)
    high = np.maximum(graph.edge_sources, graph.indices).astype(np.int64)
    pairs = np.unique(low * graph.n_nodes + high)
    a, b = pairs // graph.n_nodes, pairs % graph.n_nodes
    lon = np.round(graph.lon, 5)
    lat = np.round(graph.lat, 5)
    segments = np.stack(
        [np.column_stack([lon[a], lat[a]]), np.column_stack([lon[b], lat[b]])], axis=1
    )
    merged = shapely.line_merge(shapely.MultiLineString(list(segments)))
    simplified = shapely.simplify(merged, 1e-5, preserve_topology=True)
    parts = list(getattr(simplified, "geoms", [simplified]))
    coordinates = [np.round(np.asarray(part.coords), 5).tolist() for part in parts]
    feature = {
        "type": "Feature",
        "geometry": {"type": "MultiLineString", "coordinates": coordinates},
        "properties": {
            "segments": len(pairs),
            "lines": len(coordinates),
            "source": "OpenStreetMap",
        },
    }
    state.derived["roads"] = feature
    return feature


def road_lines_json(network: RoadNetwork, session: Session) -> tuple[bytes, str]:
    """The base-map GeoJSON as bytes with its ETag (both cached with the network state)."""
    import json

    state = network.current(session)
    cached = state.derived.get("roads_json")
    if cached is None:
        body = json.dumps(road_lines(network, session), separators=(",", ":")).encode()
        cached = (body, f'"roads-{state.signature[:16]}"')
        state.derived["roads_json"] = cached
    return cached
