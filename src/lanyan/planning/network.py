"""The detachment's road network in memory: graph, station travel table, demand and zones.

This is where the pure routing core meets the database. One :class:`RoadNetwork` per process
holds the graph (from its ``.npz`` cache) and a travel table for every responding organization
(stations, full-time teams, micro stations). :meth:`RoadNetwork.current` checks, cheaply, whether
the road file or any station position changed since the table was built and rebuilds if so; so
moving a station or dropping in a new extract needs no restart.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from shapely import contains_xy
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core import changes
from lanyan.core.standards import standards
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.planning.coverage import CoverageThresholds, Zone
from lanyan.routing import RoadGraph, Snapper, TravelTable, build_travel_table, load_or_build
from lanyan.routing.snap import local_projection

FIRE_STATION_KINDS = frozenset(
    {OrgKind.STATION, OrgKind.SPECIAL_STATION, OrgKind.GOV_TEAM, OrgKind.ENTERPRISE_TEAM}
)
"""Organizations measured against the 5-minute urban standard (they run fire apparatus)."""

RECHECK_S = 1.0
"""How long a check that found the network current stands when nothing here changed since (a
change made by another process — a moved station, a new road file — is seen after this)."""
_NETWORK_TABLES = ("organization", "system_setting")

URBAN_RADIUS_M = 400.0
URBAN_MIN_INTERSECTIONS = 15
"""A road node is urban when at least this many intersections (nodes joining three or more
roads) lie within URBAN_RADIUS_M of it: a dense street grid means a built-up area, and counting
intersections rather than nodes ignores how finely a road's curve happens to be drawn. On the
demo city this makes the valley towns urban (about half the nodes) and the mountain roads rural;
a deployment with a land-use layer should supply its own zones."""

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Station:
    """A responding organization with its row in the travel table."""

    row: int
    org_id: int
    name: str
    kind: OrgKind
    lon: float
    lat: float
    node: int
    snap_m: float
    brigade_id: int | None


@dataclass
class NetworkState:
    """Everything built for one (road file, station positions) pair."""

    graph: RoadGraph
    snapper: Snapper
    table: TravelTable
    stations: list[Station]
    demand: npt.NDArray[np.float64]
    zone: npt.NDArray[np.int8]
    brigade_of_node: npt.NDArray[np.int64]
    brigade_names: dict[int, str]
    signature: str
    built_at: float
    build_s: float
    row_of_org: dict[int, int] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)
    """Things computed once per state on first use (the base-map GeoJSON, ...)."""

    def __post_init__(self) -> None:
        self.row_of_org = {s.org_id: s.row for s in self.stations}

    @property
    def brigade_of_org(self) -> dict[int, int | None]:
        """The brigade of every responding organization (where its units are based)."""
        return {s.org_id: s.brigade_id for s in self.stations}


def _file_signature(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def _station_rows(session: Session) -> list[Organization]:
    kinds = [k for k in OrgKind if k.responds]
    rows = session.scalars(
        select(Organization)
        .where(Organization.kind.in_(kinds))
        .where(Organization.lon.is_not(None), Organization.lat.is_not(None))
        .order_by(Organization.id)
    ).all()
    return list(rows)


def stations_signature(orgs: list[Organization], road_signature: str) -> str:
    """A digest that changes when the road file or any responding organization moves."""
    digest = hashlib.sha256(road_signature.encode())
    for org in orgs:
        digest.update(f"{org.id}:{org.kind.value}:{org.lon:.7f}:{org.lat:.7f};".encode())
    return digest.hexdigest()


def node_demand(
    graph: RoadGraph,
    premises_lonlat: npt.NDArray[np.float64],
    snapper: Snapper,
    *,
    premises_weight_km: float = 0.5,
) -> npt.NDArray[np.float64]:
    """Demand per node: half the length of the roads at the node (km), plus each premises.

    Road length stands in for where people and buildings are when nothing better is known; each
    premises adds the weight of ``premises_weight_km`` of road at its nearest node.
    """
    sources = graph.edge_sources
    length_km = graph.length_m.astype(np.float64) / 1000.0
    demand: npt.NDArray[np.float64] = 0.5 * (
        np.bincount(sources, weights=length_km, minlength=graph.n_nodes)
        + np.bincount(graph.indices, weights=length_km, minlength=graph.n_nodes)
    ).astype(np.float64)
    if len(premises_lonlat):
        snapped = snapper.snap_many(premises_lonlat[:, 0], premises_lonlat[:, 1])
        np.add.at(demand, snapped.nodes, premises_weight_km)
    return demand


def node_zones(graph: RoadGraph) -> npt.NDArray[np.int8]:
    """Urban or rural per node from intersection density (see URBAN_MIN_INTERSECTIONS)."""
    low = np.minimum(graph.edge_sources, graph.indices).astype(np.int64)
    high = np.maximum(graph.edge_sources, graph.indices).astype(np.int64)
    pairs = np.unique(low * graph.n_nodes + high)
    degree = np.bincount(pairs // graph.n_nodes, minlength=graph.n_nodes) + np.bincount(
        pairs % graph.n_nodes, minlength=graph.n_nodes
    )
    forward, _ = local_projection(float(np.mean(graph.lon)), float(np.mean(graph.lat)))
    x, y = forward.transform(graph.lon, graph.lat)
    points = np.column_stack([x, y])
    intersections = cKDTree(points[degree >= 3])
    counts = np.asarray(
        intersections.query_ball_point(points, r=URBAN_RADIUS_M, return_length=True)
    )
    return np.where(counts >= URBAN_MIN_INTERSECTIONS, Zone.URBAN, Zone.RURAL).astype(np.int8)


def brigade_labels(
    graph: RoadGraph, brigades: list[Organization]
) -> tuple[npt.NDArray[np.int64], dict[int, str]]:
    """The brigade id whose jurisdiction holds each node (0 where none does)."""
    labels = np.zeros(graph.n_nodes, dtype=np.int64)
    names = {}
    for brigade in brigades:
        if not brigade.jurisdiction:
            continue
        inside = contains_xy(shape(brigade.jurisdiction), graph.lon, graph.lat)
        labels[inside & (labels == 0)] = brigade.id
        names[brigade.id] = brigade.name
    return labels, names


def fill_brigades_from_stations(
    labels: npt.NDArray[np.int64],
    names: dict[int, str],
    station_major: npt.NDArray[Any],
    stations: list[Station],
    brigades: list[Organization],
) -> None:
    """Give nodes outside every brigade polygon the brigade of the station that reaches them first.

    A city set up from spreadsheets seldom has district polygons at first; without this every
    call there would belong to the detachment and no brigade's figures would count it. The
    station that reaches a node first is its 主管站, and the node belongs to that station's
    brigade. Nodes no station reaches keep 0. Changes ``labels`` and ``names`` in place.
    """
    missing = labels == 0
    rows = [row for row, station in enumerate(stations) if station.brigade_id]
    if not missing.any() or not rows:
        return
    best = np.full(labels.shape[0], np.inf, dtype=np.float32)
    owner = np.zeros(labels.shape[0], dtype=np.int64)
    unreachable = float(np.iinfo(np.uint16).max) if station_major.dtype == np.uint16 else np.inf
    for row in rows:
        seconds = station_major[row].astype(np.float32)
        seconds[seconds >= unreachable] = np.inf
        better = seconds < best
        best[better] = seconds[better]
        owner[better] = stations[row].brigade_id or 0
    labels[missing] = owner[missing]
    present = set(np.unique(owner[missing]).tolist())
    for brigade in brigades:
        if brigade.id in present:
            names.setdefault(brigade.id, brigade.name)


def coverage_thresholds() -> CoverageThresholds:
    """The three circles' travel budgets: standard minus turnout allowance (standards table)."""
    return CoverageThresholds.from_standards(standards())


class RoadNetwork:
    """Lazily built, automatically refreshed road network of the detachment.

    Parameters
    ----------
    road_file
        The OSM extract.
    cache_dir
        Where the graph's ``.npz`` cache lives.
    """

    def __init__(
        self,
        road_file: Path | None,
        cache_dir: Path,
        *,
        resolve: Callable[[Session], Path] | None = None,
    ) -> None:
        self.road_file = road_file
        self.cache_dir = cache_dir
        self._resolve = resolve
        self._lock = threading.Lock()
        self._graph: RoadGraph | None = None
        self._graph_signature = ""
        self._state: NetworkState | None = None
        self._quick: tuple[object, ...] | None = None
        self._checked: tuple[tuple[int, ...], float] | None = None
        """Table versions and time of the last check that found the state current."""

    @property
    def loaded(self) -> bool:
        """Whether a network state has been built (a served process builds it when it starts)."""
        return self._state is not None

    def _road_file(self) -> Path:
        if self.road_file is None:
            raise ValueError("RoadNetwork needs a road file or a resolver")
        return self.road_file

    def _graph_for(self, road_signature: str, progress: ProgressFn | None) -> RoadGraph:
        if self._graph is None or road_signature != self._graph_signature:
            if progress:
                progress("路网 road graph", 0, 1)
            self._graph = load_or_build(self._road_file(), self.cache_dir)
            self._graph_signature = road_signature
            if progress:
                progress("路网 road graph", 1, 1)
        return self._graph

    def current(self, session: Session, *, progress: ProgressFn | None = None) -> NetworkState:
        """The network for the stations as they are now; rebuilt only when something moved.

        A single aggregate query (count, newest update, highest id of the responding
        organizations) and a stat() of the road file tell whether anything changed; only then
        are the organizations loaded and hashed. Even that is skipped for a second after a check
        when neither the organizations nor the settings changed in this process since
        (:mod:`lanyan.core.changes`): a recommendation asks for the network on every call.
        """
        versions = changes.versions(_NETWORK_TABLES)
        checked = self._checked
        if (
            self._state is not None
            and checked is not None
            and checked[0] == versions
            and time.monotonic() - checked[1] < RECHECK_S
        ):
            return self._state
        state = self._current(session, progress)
        self._checked = (versions, time.monotonic())
        return state

    def _current(self, session: Session, progress: ProgressFn | None) -> NetworkState:
        if self._resolve is not None:  # the deployment's setting, read each time: it may change
            self.road_file = self._resolve(session)
        road_signature = _file_signature(self._road_file())
        kinds = [k for k in OrgKind if k.responds]
        quick = (
            road_signature,
            *session.execute(
                select(
                    func.count(), func.max(Organization.updated_at), func.max(Organization.id)
                ).where(Organization.kind.in_(kinds))
            ).one(),
        )
        state = self._state
        if state is not None and quick == self._quick:
            return state
        orgs = _station_rows(session)
        signature = stations_signature(orgs, road_signature)
        if state is not None and state.signature == signature:
            self._quick = quick
            return state
        with self._lock:
            if self._state is None or self._state.signature != signature:
                self._state = self._build(session, orgs, road_signature, signature, progress)
            self._quick = quick
            return self._state

    def _build(
        self,
        session: Session,
        orgs: list[Organization],
        road_signature: str,
        signature: str,
        progress: ProgressFn | None,
    ) -> NetworkState:
        from lanyan.prevention.models import Premises

        started = time.perf_counter()
        graph = self._graph_for(road_signature, progress)
        snapper = Snapper(graph, max_snap_m=standards()["snap_warn_m"])
        brigades = list(
            session.scalars(select(Organization).where(Organization.kind == OrgKind.BRIGADE))
        )
        brigade_by_path = {b.path: b.id for b in brigades}
        stations: list[Station] = []
        snapped = snapper.snap_many(np.empty(0), np.empty(0))
        if orgs:
            snapped = snapper.snap_many(
                np.array([o.lon for o in orgs], dtype=np.float64),
                np.array([o.lat for o in orgs], dtype=np.float64),
            )
            for row, org in enumerate(orgs):
                brigade_id = next(
                    (bid for path, bid in brigade_by_path.items() if org.path.startswith(path)),
                    None,
                )
                if org.lon is None or org.lat is None:  # filtered in _station_rows
                    continue
                stations.append(
                    Station(
                        row=row,
                        org_id=org.id,
                        name=org.name,
                        kind=org.kind,
                        lon=org.lon,
                        lat=org.lat,
                        node=int(snapped.nodes[row]),
                        snap_m=float(snapped.distance_m[row]),
                        brigade_id=brigade_id,
                    )
                )

        def tree_progress(done: int, total: int) -> None:
            if progress:
                progress("各站行车时间树 station trees", done, total)

        # Each tree starts on the road point beside the station, both ways where the road allows.
        table = build_travel_table(graph, snapped, progress=tree_progress)
        premises = np.array(
            session.execute(select(Premises.lon, Premises.lat)).all(), dtype=np.float64
        ).reshape(-1, 2)
        labels, names = brigade_labels(graph, brigades)
        fill_brigades_from_stations(labels, names, table.station_major, stations, brigades)
        return NetworkState(
            graph=graph,
            snapper=snapper,
            table=table,
            stations=stations,
            demand=node_demand(graph, premises, snapper),
            zone=node_zones(graph),
            brigade_of_node=labels,
            brigade_names=names,
            signature=signature,
            built_at=time.time(),
            build_s=time.perf_counter() - started,
        )

    def describe(self) -> dict[str, Any]:
        """What is loaded now (for health and the CLI)."""
        state = self._state
        if state is None:
            return {"loaded": False}
        return {
            "loaded": True,
            "nodes": state.graph.n_nodes,
            "edges": state.graph.n_edges,
            "stations": len(state.stations),
            "build_s": round(state.build_s, 3),
        }
