"""Drivable road graph from an OpenStreetMap extract, stored as CSR arrays.

Everything travel-time related (station trees, unit ranking, coverage, isochrones) runs on the
:class:`RoadGraph` built here: a directed graph in compressed sparse row form (``indptr``,
``indices``, ``seconds``) with node coordinates and OSM ids, so scipy's csgraph routines can run
on it without conversion and the whole thing round-trips through one ``.npz`` file.

Building (:func:`build_graph`):

1. read ways with a drivable ``highway`` class from the speed table, with node locations
   (pyosmium); skip ferries (``route=ferry``), ``area=yes`` and ``access=private|no`` unless
   ``emergency=yes|designated``;
2. split every way into node-to-node segments; length by haversine; seconds by length over the
   apparatus speed of the way's class (urban or rural, capped by ``maxspeed``; see
   :mod:`lanyan.routing.speeds`);
3. one-way: ``oneway=yes|1|true`` forward only, ``-1|reverse`` backward only; roundabouts and
   motorways imply forward; ``oneway:emergency=no`` lifts it (a fire engine may use a bus gate);
4. keep the largest strongly connected component, so that every kept node can reach, and be
   reached from, every other; what was dropped goes into :class:`BuildReport`;
5. turn restrictions (``type=restriction`` relations over a via node) become banned pairs of
   edges, ``RoadGraph.banned_turns``; the searches run on :attr:`RoadGraph.turns`, the graph
   split at those via nodes (see :mod:`lanyan.routing.turns`).

:func:`load_or_build` caches the arrays keyed by the sha256 of the extract and of the speed table.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from lanyan.routing._errors import GraphBuildError, GraphCacheError
from lanyan.routing._validate import check_node
from lanyan.routing.speeds import DEFAULT_SPEEDS, SpeedTable, ZoneRule, default_is_urban
from lanyan.routing.turns import TurnGraph, banned_turns, read_restrictions

#: Bump when the arrays or their meaning change, so old caches are rebuilt.
GRAPH_FORMAT_VERSION = 3

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8

#: Floor on edge seconds: scipy treats a zero weight ambiguously, and no edge is truly free.
MIN_EDGE_SECONDS = 1e-3

_ONEWAY_FORWARD = frozenset({"yes", "1", "true"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
_ACCESS_DENIED = frozenset({"private", "no"})
_EMERGENCY_ALLOWED = frozenset({"yes", "designated"})
_IMPLIED_ONEWAY_JUNCTIONS = frozenset({"roundabout", "circular"})

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BuildReport:
    """What the builder kept and dropped.

    Attributes
    ----------
    ways_used
        Drivable ways that contributed segments.
    ways_excluded
        Count of drivable-class ways skipped, by reason (``ferry``, ``area``, ``access``).
    oneway_ways
        Ways driven in one direction only.
    nodes_before, edges_before
        Size of the graph before the component filter.
    strong_components, weak_components
        Number of strongly / weakly connected components before the filter; more than one weak
        component means islands (roads with no link to the network at all).
    nodes_dropped, edges_dropped
        Removed by keeping only the largest strongly connected component.
    turn_restrictions
        Restriction relations ``applied`` to the graph and ``skipped`` by reason
        (``conditional``, ``except_emergency``, ``other_vehicle``, ``way_not_drivable``,
        ``via_not_at_way_end``, ``via_ways_not_joined``, ``not_in_graph``…).
    build_s
        Wall time of the build (of the original build when loaded from cache).
    from_cache
        Whether this graph was loaded from the ``.npz`` cache.
    """

    ways_used: int = 0
    ways_excluded: Mapping[str, int] = field(default_factory=dict)
    oneway_ways: int = 0
    nodes_before: int = 0
    edges_before: int = 0
    strong_components: int = 1
    weak_components: int = 1
    nodes_dropped: int = 0
    edges_dropped: int = 0
    turn_restrictions: Mapping[str, Any] = field(default_factory=dict)
    build_s: float = 0.0
    from_cache: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain dict, for logs and JSON."""
        data = asdict(self)
        data["ways_excluded"] = dict(self.ways_excluded)
        data["turn_restrictions"] = dict(self.turn_restrictions)
        return data


@dataclass(eq=False)
class RoadGraph:
    """A directed road graph in CSR form with node coordinates.

    Edge ``e`` of node ``u`` (``indptr[u] <= e < indptr[u + 1]``) leads to ``indices[e]`` in
    ``seconds[e]`` over ``length_m[e]`` metres. There is at most one edge per ordered node pair
    (the fastest), no self-loops, and every weight is ≥ :data:`MIN_EDGE_SECONDS`.

    Attributes
    ----------
    indptr, indices
        CSR structure, int32.
    seconds, length_m
        Travel time and length per edge, float32.
    lon, lat
        Node coordinates in WGS84 degrees, float64.
    osm_id
        OSM node id per node (synthetic graphs use ``0..n-1``), int64.
    banned_turns
        ``(k, 2)`` int32 pairs of edge indices ``(in_edge, out_edge)``: arriving on ``in_edge``,
        a vehicle may not continue on ``out_edge`` (OSM turn restrictions over a via node).
    banned_sequences
        Longer banned edge sequences (restrictions over via ways), flat int32, each followed by
        ``-1``: driving the whole sequence is not allowed.
    report
        What the builder did.
    source_sha256
        Cache key the graph was built under, empty for graphs built from arrays.
    """

    indptr: IntArray
    indices: IntArray
    seconds: npt.NDArray[np.float32]
    length_m: npt.NDArray[np.float32]
    lon: FloatArray
    lat: FloatArray
    osm_id: npt.NDArray[np.int64]
    report: BuildReport = field(default_factory=BuildReport)
    source_sha256: str = ""
    banned_turns: IntArray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int32))
    banned_sequences: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int32))

    def __post_init__(self) -> None:
        self.banned_turns = np.asarray(self.banned_turns, dtype=np.int32).reshape(-1, 2)
        self.banned_sequences = np.asarray(self.banned_sequences, dtype=np.int32).ravel()

    @cached_property
    def turns(self) -> TurnGraph:
        """The graph split at restricted via nodes, where every search runs (built once).

        Without restrictions it has the same nodes and edges as the graph itself.
        """
        return TurnGraph(self)

    @property
    def forward(self) -> RoadGraph:
        """The graph this one is the transpose of, or itself."""
        forward = self.__dict__.get("_forward")
        return forward if isinstance(forward, RoadGraph) else self

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.indptr.shape[0] - 1)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.indices.shape[0])

    @cached_property
    def matrix(self) -> csr_matrix:
        """The graph as a float64 ``csr_matrix`` of seconds, built once, for scipy.csgraph."""
        n = self.n_nodes
        return csr_matrix(
            (self.seconds.astype(np.float64), self.indices, self.indptr), shape=(n, n), copy=False
        )

    @cached_property
    def edge_sources(self) -> IntArray:
        """Source node of every edge (the row of each CSR entry)."""
        counts = np.diff(self.indptr)
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), counts)

    @cached_property
    def _transposed(self) -> RoadGraph:
        sources = self.edge_sources
        order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=self.n_nodes)
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int32)
        np.cumsum(counts, out=indptr[1:])
        reverse = RoadGraph(
            indptr=indptr,
            indices=sources[order].astype(np.int32),
            seconds=self.seconds[order],
            length_m=self.length_m[order],
            lon=self.lon,
            lat=self.lat,
            osm_id=self.osm_id,
            report=self.report,
            source_sha256=self.source_sha256,
        )
        reverse.__dict__["_transposed"] = self
        reverse.__dict__["_forward"] = self
        return reverse

    def transpose(self) -> RoadGraph:
        """The reversed graph (every edge flipped), built once and cached.

        A search from node ``t`` on the transpose gives every node's travel time *to* ``t``: that
        is how units away from quarters are ranked with one search per incident.
        """
        return self._transposed

    @cached_property
    def _osm_order(self) -> npt.NDArray[np.intp]:
        return np.argsort(self.osm_id, kind="stable")

    def node_of_osm_id(self, osm_id: int) -> int:
        """Index of the node with OSM id ``osm_id``; ``KeyError`` if it was not kept."""
        order = self._osm_order
        pos = int(np.searchsorted(self.osm_id, osm_id, sorter=order))
        if pos < order.shape[0] and int(self.osm_id[order[pos]]) == int(osm_id):
            return int(order[pos])
        raise KeyError(osm_id)

    def edge(self, u: int, v: int) -> int:
        """Index of the edge ``u → v``, or ``-1`` when there is none."""
        u = check_node(u, self.n_nodes)
        start, stop = int(self.indptr[u]), int(self.indptr[u + 1])
        hits = np.nonzero(self.indices[start:stop] == v)[0]
        return start + int(hits[0]) if hits.size else -1

    def save(self, path: Path) -> None:
        """Write the graph to one uncompressed ``.npz`` (loads in milliseconds)."""
        meta = {
            "version": GRAPH_FORMAT_VERSION,
            "report": self.report.as_dict(),
            "source_sha256": self.source_sha256,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(
            tmp,
            indptr=self.indptr,
            indices=self.indices,
            seconds=self.seconds,
            length_m=self.length_m,
            lon=self.lon,
            lat=self.lat,
            osm_id=self.osm_id,
            banned_turns=self.banned_turns,
            banned_sequences=self.banned_sequences,
            meta=np.array(json.dumps(meta)),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RoadGraph:
        """Read a graph written by :meth:`save`."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("version") != GRAPH_FORMAT_VERSION:
                    raise GraphCacheError(
                        "路网缓存版本不符，需要重建",
                        f"graph cache {path} has format {meta.get('version')}, "
                        f"expected {GRAPH_FORMAT_VERSION}",
                    )
                report = BuildReport(**{**meta["report"], "from_cache": True})
                return cls(
                    indptr=data["indptr"],
                    indices=data["indices"],
                    seconds=data["seconds"],
                    length_m=data["length_m"],
                    lon=data["lon"],
                    lat=data["lat"],
                    osm_id=data["osm_id"],
                    report=report,
                    source_sha256=str(meta["source_sha256"]),
                    banned_turns=data["banned_turns"],
                    banned_sequences=data["banned_sequences"],
                )
        except (OSError, KeyError, ValueError) as exc:
            raise GraphCacheError(
                "路网缓存文件损坏", f"cannot read graph cache {path}: {exc}"
            ) from exc


def haversine_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in metres between points given in degrees (vectorised)."""
    lam1, phi1, lam2, phi2 = (
        np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2)
    )
    h = np.sin((phi2 - phi1) / 2) ** 2
    h = h + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def graph_from_edges(
    *,
    sources: npt.ArrayLike,
    targets: npt.ArrayLike,
    seconds: npt.ArrayLike,
    length_m: npt.ArrayLike,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    osm_id: npt.ArrayLike | None = None,
    report: BuildReport | None = None,
) -> RoadGraph:
    """Assemble a :class:`RoadGraph` from an edge list (no component filter).

    Self-loops are dropped, parallel edges collapse to the fastest, weights are floored at
    :data:`MIN_EDGE_SECONDS`. Used by the OSM builder and for synthetic graphs.

    Parameters
    ----------
    sources, targets
        Node index per directed edge.
    seconds, length_m
        Travel time and length per edge.
    lon, lat
        Coordinates per node; their length sets the node count.
    osm_id
        OSM id per node; defaults to ``0..n-1``.
    report
        Build report to attach.

    Returns
    -------
    RoadGraph
    """
    lon_arr = np.ascontiguousarray(lon, dtype=np.float64)
    lat_arr = np.ascontiguousarray(lat, dtype=np.float64)
    n = int(lon_arr.shape[0])
    src = np.asarray(sources, dtype=np.int64)
    dst = np.asarray(targets, dtype=np.int64)
    sec = np.maximum(np.asarray(seconds, dtype=np.float32), np.float32(MIN_EDGE_SECONDS))
    length = np.asarray(length_m, dtype=np.float32)
    if not (src.shape == dst.shape == sec.shape == length.shape):
        raise GraphBuildError("边数组长度不一致", "edge arrays differ in length")
    if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise GraphBuildError("边引用了不存在的节点", "an edge refers to a node outside lon/lat")
    loops = src == dst
    if loops.any():
        src, dst, sec, length = src[~loops], dst[~loops], sec[~loops], length[~loops]
    order = np.lexsort((sec, dst, src))
    src, dst, sec, length = src[order], dst[order], sec[order], length[order]
    if src.size:
        first = np.ones(src.shape[0], dtype=bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst, sec, length = src[first], dst[first], sec[first], length[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    if indptr[-1] >= np.iinfo(np.int32).max:
        raise GraphBuildError("路网过大", "more than 2^31 edges; split the extract")
    ids = (
        np.arange(n, dtype=np.int64)
        if osm_id is None
        else np.ascontiguousarray(osm_id, dtype=np.int64)
    )
    return RoadGraph(
        indptr=indptr.astype(np.int32),
        indices=dst.astype(np.int32),
        seconds=sec,
        length_m=length,
        lon=lon_arr,
        lat=lat_arr,
        osm_id=ids,
        report=report or BuildReport(nodes_before=n, edges_before=int(src.shape[0])),
    )


def largest_strong_component(graph: RoadGraph) -> RoadGraph:
    """Keep only the largest strongly connected component; the report says what went.

    Parameters
    ----------
    graph
        Any road graph.

    Returns
    -------
    RoadGraph
        A new graph with nodes renumbered in their original order.
    """
    n_strong, labels = connected_components(graph.matrix, directed=True, connection="strong")
    n_weak, _ = connected_components(graph.matrix, directed=True, connection="weak")
    keep = labels == np.argmax(np.bincount(labels))
    new_index = np.cumsum(keep, dtype=np.int64) - 1
    sources = graph.edge_sources
    kept_edges = keep[sources] & keep[graph.indices]
    report = BuildReport(
        **{
            **graph.report.as_dict(),
            "nodes_before": graph.n_nodes,
            "edges_before": graph.n_edges,
            "strong_components": int(n_strong),
            "weak_components": int(n_weak),
            "nodes_dropped": int(graph.n_nodes - keep.sum()),
            "edges_dropped": int(graph.n_edges - kept_edges.sum()),
        }
    )
    return graph_from_edges(
        sources=new_index[sources[kept_edges]],
        targets=new_index[graph.indices[kept_edges]],
        seconds=graph.seconds[kept_edges],
        length_m=graph.length_m[kept_edges],
        lon=graph.lon[keep],
        lat=graph.lat[keep],
        osm_id=graph.osm_id[keep],
        report=report,
    )


@dataclass
class _WayBuffer:
    """Flat per-node and per-way lists filled while reading the extract."""

    refs: list[int] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    way_len: list[int] = field(default_factory=list)
    way_kmh: list[float] = field(default_factory=list)
    way_forward: list[bool] = field(default_factory=list)
    way_backward: list[bool] = field(default_factory=list)
    way_id: list[int] = field(default_factory=list)


def _direction(tags: Mapping[str, str], *, respect_oneway: bool) -> tuple[bool, bool]:
    """(forward allowed, backward allowed) for a way."""
    if not respect_oneway or tags.get("oneway:emergency") == "no":
        return True, True
    oneway = tags.get("oneway", "").lower()
    if oneway in _ONEWAY_FORWARD:
        return True, False
    if oneway in _ONEWAY_BACKWARD:
        return False, True
    if oneway == "no":
        return True, True
    implied = tags.get("junction") in _IMPLIED_ONEWAY_JUNCTIONS or tags.get("highway") == "motorway"
    return True, not implied


def _exclusion(tags: Mapping[str, str]) -> str | None:
    """Why a drivable-class way is skipped, or ``None`` to keep it."""
    if tags.get("route") == "ferry" or tags.get("ferry"):
        return "ferry"
    if tags.get("area") == "yes":
        return "area"
    if tags.get("access") in _ACCESS_DENIED and tags.get("emergency") not in _EMERGENCY_ALLOWED:
        return "access"
    return None


def _read_ways(
    pbf_path: Path, speeds: SpeedTable, is_urban: ZoneRule, *, respect_oneway: bool
) -> tuple[_WayBuffer, Counter[str], int]:
    import osmium  # imported here: only graph building needs libosmium

    classes = speeds.drivable_classes
    buf = _WayBuffer()
    excluded: Counter[str] = Counter()
    oneway_ways = 0
    processor = (
        osmium.FileProcessor(str(pbf_path))
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        if not isinstance(way, osmium.osm.Way):
            continue
        tags = {tag.k: tag.v for tag in way.tags}
        road_class = tags.get("highway", "")
        if road_class not in classes:
            continue
        reason = _exclusion(tags)
        if reason is not None:
            excluded[reason] += 1
            continue
        forward, backward = _direction(tags, respect_oneway=respect_oneway)
        if not (forward or backward):
            continue
        oneway_ways += forward != backward
        count = 0
        for node in way.nodes:
            location = node.location
            buf.refs.append(node.ref)
            if location.valid():
                buf.lon.append(location.lon)
                buf.lat.append(location.lat)
            else:  # node outside the extract: the segments touching it are skipped
                buf.lon.append(np.nan)
                buf.lat.append(np.nan)
            count += 1
        buf.way_len.append(count)
        buf.way_kmh.append(
            speeds.speed_kmh(road_class, urban=is_urban(tags), maxspeed=tags.get("maxspeed"))
        )
        buf.way_forward.append(forward)
        buf.way_backward.append(backward)
        buf.way_id.append(int(way.id))
    return buf, excluded, oneway_ways


def build_graph(
    pbf_path: str | Path,
    *,
    speeds: SpeedTable = DEFAULT_SPEEDS,
    is_urban: ZoneRule = default_is_urban,
    respect_oneway: bool = True,
    turn_restrictions: bool = True,
) -> RoadGraph:
    """Build the drivable road graph of an OSM extract (no cache; see :func:`load_or_build`).

    Parameters
    ----------
    pbf_path
        An ``.osm.pbf`` (or ``.osm`` XML) extract.
    speeds
        Apparatus speed table; its classes decide what is drivable.
    is_urban
        Rule picking the urban or rural speed of a way from its tags.
    respect_oneway
        Set to ``False`` to let apparatus drive one-way streets both ways.
    turn_restrictions
        Set to ``False`` to ignore OSM turn restrictions (for comparisons only).

    Returns
    -------
    RoadGraph
        The largest strongly connected component, with a :class:`BuildReport`.

    Raises
    ------
    GraphBuildError
        If the file has no drivable road.
    """
    started = time.perf_counter()
    path = Path(pbf_path)
    if not path.is_file():
        raise GraphBuildError(f"找不到路网文件 {path}", f"OSM extract {path} does not exist")
    buf, excluded, oneway_ways = _read_ways(path, speeds, is_urban, respect_oneway=respect_oneway)
    if not buf.way_len:
        raise GraphBuildError("路网文件中没有可通行道路", f"{path} holds no drivable road")

    refs = np.asarray(buf.refs, dtype=np.int64)
    lon = np.asarray(buf.lon, dtype=np.float64)
    lat = np.asarray(buf.lat, dtype=np.float64)
    way_len = np.asarray(buf.way_len, dtype=np.int64)
    ends = np.cumsum(way_len)
    last = np.zeros(refs.shape[0], dtype=bool)
    last[ends - 1] = True
    seg_a = np.nonzero(~last)[0]
    seg_b = seg_a + 1
    way_of_point = np.repeat(np.arange(way_len.shape[0]), way_len)
    seg_way = way_of_point[seg_a]
    valid = np.isfinite(lon[seg_a]) & np.isfinite(lon[seg_b])
    seg_a, seg_b, seg_way = seg_a[valid], seg_b[valid], seg_way[valid]

    used_ids, first_pos, inverse = np.unique(
        np.concatenate([refs[seg_a], refs[seg_b]]), return_index=True, return_inverse=True
    )
    point_of_node = np.concatenate([seg_a, seg_b])[first_pos]
    u, v = np.split(inverse.astype(np.int64), 2)
    metres = haversine_m(lon[seg_a], lat[seg_a], lon[seg_b], lat[seg_b])
    mps = np.asarray(buf.way_kmh, dtype=np.float64)[seg_way] / 3.6
    secs = metres / mps
    fwd = np.asarray(buf.way_forward, dtype=bool)[seg_way]
    bwd = np.asarray(buf.way_backward, dtype=bool)[seg_way]

    report = BuildReport(
        ways_used=len(buf.way_len),
        ways_excluded=dict(sorted(excluded.items())),
        oneway_ways=oneway_ways,
    )
    full = graph_from_edges(
        sources=np.concatenate([u[fwd], v[bwd]]),
        targets=np.concatenate([v[fwd], u[bwd]]),
        seconds=np.concatenate([secs[fwd], secs[bwd]]),
        length_m=np.concatenate([metres[fwd], metres[bwd]]),
        lon=lon[point_of_node],
        lat=lat[point_of_node],
        osm_id=used_ids,
        report=report,
    )
    graph = largest_strong_component(full)
    turns_report: dict[str, Any] = {"applied": 0, "skipped": {}}
    if turn_restrictions:
        read = read_restrictions(path)
        wanted = read.way_ids
        way_refs: dict[int, list[int]] = {}
        if wanted:
            starts = np.concatenate([[0], ends[:-1]])
            for w, way_id in enumerate(buf.way_id):
                if way_id in wanted:
                    way_refs[way_id] = refs[starts[w] : ends[w]].tolist()
        graph.banned_turns, graph.banned_sequences, turns_report = banned_turns(
            graph, read, way_refs
        )
    graph.report = BuildReport(
        **{
            **graph.report.as_dict(),
            "turn_restrictions": turns_report,
            "build_s": round(time.perf_counter() - started, 3),
        }
    )
    return graph


def file_sha256(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    """sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(
    pbf_path: str | Path,
    *,
    speeds: SpeedTable = DEFAULT_SPEEDS,
    is_urban: ZoneRule = default_is_urban,
    respect_oneway: bool = True,
    turn_restrictions: bool = True,
) -> str:
    """The cache key of a build: sha256 over the file, the speed table and the build options."""
    rule = f"{getattr(is_urban, '__module__', '')}.{getattr(is_urban, '__qualname__', is_urban)}"
    parts = [
        file_sha256(pbf_path),
        speeds.fingerprint(),
        rule,
        f"oneway={respect_oneway}",
        f"turns={turn_restrictions}",
        f"v{GRAPH_FORMAT_VERSION}",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def load_or_build(
    pbf_path: str | Path,
    cache_dir: str | Path,
    *,
    speeds: SpeedTable = DEFAULT_SPEEDS,
    is_urban: ZoneRule = default_is_urban,
    respect_oneway: bool = True,
    turn_restrictions: bool = True,
) -> RoadGraph:
    """Load the graph of ``pbf_path`` from ``cache_dir``, building and caching it if needed.

    The cache file is ``roadgraph-<key>.npz`` where the key covers the extract's bytes, the speed
    table and the options (see :func:`cache_key`): edit either and the next call rebuilds.

    Parameters
    ----------
    pbf_path
        The OSM extract.
    cache_dir
        Directory for ``.npz`` files (created if missing).
    speeds, is_urban, respect_oneway, turn_restrictions
        As for :func:`build_graph`.

    Returns
    -------
    RoadGraph
        ``report.from_cache`` tells whether the cache was used.
    """
    options: dict[str, Any] = {
        "speeds": speeds,
        "is_urban": is_urban,
        "respect_oneway": respect_oneway,
        "turn_restrictions": turn_restrictions,
    }
    key = cache_key(pbf_path, **options)
    cache_file = Path(cache_dir) / f"roadgraph-{key[:32]}.npz"
    if cache_file.is_file():
        try:
            graph = RoadGraph.load(cache_file)
        except GraphCacheError:
            cache_file.unlink(missing_ok=True)
        else:
            if graph.source_sha256 == key:
                return graph
    graph = build_graph(pbf_path, **options)
    graph.source_sha256 = key
    graph.save(cache_file)
    return graph
