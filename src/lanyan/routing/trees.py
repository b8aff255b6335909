"""Station travel-time trees, the station × node table, and ranking units by travel time.

Dispatch asks one question thousands of times a day: *which available units reach this point
first?* Answering it with a fresh shortest-path search per call costs a full Dijkstra per
candidate; here it costs one row read. Every station gets one shortest-path tree (seconds from the
station to every node) computed ahead of time, and the trees are stored twice, in uint16 seconds:

* **station-major** ``(n_stations, n_nodes)`` — one contiguous row per station, what coverage
  (min over stations) and isochrones read;
* **node-major** ``(n_nodes, n_stations)`` — one contiguous row per node, what dispatch reads:
  the incident's node gives every station's time to it in one cache-friendly read.

Units away from quarters (returning, on patrol, an AVL fix) are answered by one *bounded reverse*
search from the incident node on the transposed graph, which gives every node's time *to* the
incident. The bound is the k-th best in-quarters time (a unit further than that cannot enter the
top k), capped by ``away_limit_s``, so the search usually settles a few thousand nodes.

scipy's Dijkstra holds the GIL, so trees are built in batches over a process pool that writes
into one shared memory-mapped ``.npy``.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from lanyan.routing._errors import ShapeMismatchError
from lanyan.routing._validate import check_node, check_nodes, check_same_length
from lanyan.routing.graph import RoadGraph
from lanyan.routing.snap import Snapper, SnapResult

#: uint16 code for "not reached within the tree's limit".
UNREACHABLE_U16 = 65535
#: Largest travel time a uint16 table holds exactly (18 h 12 min).
MAX_U16_SECONDS = 65534
#: Default bound on the reverse search for units away from quarters, seconds.
DEFAULT_AWAY_LIMIT_S = 1800.0
#: Default number of units a ranking returns.
DEFAULT_TOP_K = 10

TableArray = npt.NDArray[np.uint16 | np.float32]
ProgressFn = Callable[[int, int], None]


def shortest_path_tree(
    graph: RoadGraph | csr_matrix, source: int, *, limit_s: float | None = None
) -> npt.NDArray[np.float32]:
    """Seconds from ``source`` to every node (``inf`` where unreachable or beyond ``limit_s``).

    Parameters
    ----------
    graph
        Road graph (or its csr matrix). Pass ``graph.transpose()`` to get seconds *to* ``source``.
    source
        Node index.
    limit_s
        Stop the search at this many seconds; nodes beyond get ``inf``.

    Returns
    -------
    numpy.ndarray
        float32, one value per node.
    """
    matrix = graph.matrix if isinstance(graph, RoadGraph) else graph
    source = check_node(source, matrix.shape[0], what="source")
    dist = dijkstra(
        matrix, directed=True, indices=source, limit=np.inf if limit_s is None else limit_s
    )
    return np.asarray(dist, dtype=np.float32)


def shortest_path_trees(
    graph: RoadGraph | csr_matrix, sources: npt.ArrayLike, *, limit_s: float | None = None
) -> npt.NDArray[np.float32]:
    """Trees for several sources at once, shape ``(len(sources), n_nodes)``, float32."""
    matrix = graph.matrix if isinstance(graph, RoadGraph) else graph
    nodes = check_nodes(sources, matrix.shape[0], what="sources")
    dist = dijkstra(
        matrix, directed=True, indices=nodes, limit=np.inf if limit_s is None else limit_s
    )
    return np.asarray(dist, dtype=np.float32).reshape(nodes.shape[0], matrix.shape[0])


def to_uint16_seconds(seconds: npt.ArrayLike) -> npt.NDArray[np.uint16]:
    """Round seconds to uint16; ``inf``/NaN become :data:`UNREACHABLE_U16`, the rest is capped."""
    values = np.asarray(seconds, dtype=np.float64)
    out = np.full(values.shape, UNREACHABLE_U16, dtype=np.uint16)
    finite = np.isfinite(values)
    out[finite] = np.minimum(np.rint(values[finite]), MAX_U16_SECONDS)
    return out


def table_seconds(values: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Table values (uint16 or float32) as float32 seconds with ``inf`` for unreachable."""
    out = values.astype(np.float32)
    if values.dtype == np.uint16:
        out[values == UNREACHABLE_U16] = np.inf
    return out


@dataclass(eq=False)
class TravelTable:
    """Precomputed seconds from each station to each node, in both layouts.

    Attributes
    ----------
    station_nodes
        Graph node of each station (column ``j`` of ``node_major`` is station ``j``).
    station_major
        ``(n_stations, n_nodes)`` — coverage and isochrones.
    node_major
        ``(n_nodes, n_stations)`` — dispatch.
    limit_s
        Search bound used to build the trees (``None`` = unbounded).
    """

    station_nodes: npt.NDArray[np.int32]
    station_major: TableArray
    node_major: TableArray
    limit_s: float | None = None
    _workdir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def n_stations(self) -> int:
        """Number of stations (table columns)."""
        return int(self.station_nodes.shape[0])

    @property
    def n_nodes(self) -> int:
        """Number of graph nodes."""
        return int(self.station_major.shape[1])

    def seconds_from_station(self, station: int) -> npt.NDArray[np.float32]:
        """Tree of one station as float32 seconds (``inf`` beyond the limit)."""
        return table_seconds(np.asarray(self.station_major[station]))

    def seconds_to_node(self, node: int) -> npt.NDArray[np.float32]:
        """Every station's seconds to ``node``, float32 (``inf`` beyond the limit)."""
        return table_seconds(np.asarray(self.node_major[check_node(node, self.n_nodes)]))

    def save(self, directory: str | Path) -> None:
        """Write the table as ``.npy`` files (readable with ``mmap_mode``) plus ``table.json``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        np.save(out / "station_nodes.npy", self.station_nodes)
        np.save(out / "station_major.npy", self.station_major)
        np.save(out / "node_major.npy", self.node_major)
        (out / "table.json").write_text(json.dumps({"limit_s": self.limit_s}))

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = True) -> TravelTable:
        """Read a table written by :meth:`save`; with ``mmap`` worker processes share pages."""
        src = Path(directory)
        mode: Any = "r" if mmap else None
        meta = json.loads((src / "table.json").read_text())
        return cls(
            station_nodes=np.load(src / "station_nodes.npy"),
            station_major=np.load(src / "station_major.npy", mmap_mode=mode),
            node_major=np.load(src / "node_major.npy", mmap_mode=mode),
            limit_s=meta["limit_s"],
        )


# -- building ---------------------------------------------------------------------------------

_WORKER_MATRIX: csr_matrix | None = None


def _init_worker(
    indptr: npt.NDArray[np.int32], indices: npt.NDArray[np.int32], data: npt.NDArray[np.float64]
) -> None:
    global _WORKER_MATRIX  # one read-only graph per worker process
    n = indptr.shape[0] - 1
    _WORKER_MATRIX = csr_matrix((data, indices, indptr), shape=(n, n), copy=False)


def _fill_rows(
    out: TableArray,
    matrix: csr_matrix,
    rows: slice,
    sources: npt.NDArray[np.int32],
    limit_s: float | None,
) -> None:
    dist = dijkstra(
        matrix, directed=True, indices=sources, limit=np.inf if limit_s is None else limit_s
    )
    dist = np.asarray(dist).reshape(sources.shape[0], matrix.shape[0])
    if out.dtype == np.uint16:
        out[rows] = to_uint16_seconds(dist)
    else:
        out[rows] = dist


def _worker_batch(
    path: str, start: int, sources: npt.NDArray[np.int32], limit_s: float | None
) -> float:
    began = time.perf_counter()
    assert _WORKER_MATRIX is not None, "worker not initialised"
    out = np.load(path, mmap_mode="r+")
    _fill_rows(out, _WORKER_MATRIX, slice(start, start + sources.shape[0]), sources, limit_s)
    out.flush()
    del out
    return time.perf_counter() - began


def _transpose_into(src: TableArray, dst: TableArray, *, chunk: int = 1 << 16) -> None:
    """Copy ``src`` (stations × nodes) into ``dst`` (nodes × stations) chunk by chunk."""
    n_nodes = src.shape[1]
    for start in range(0, n_nodes, chunk):
        stop = min(start + chunk, n_nodes)
        dst[start:stop] = src[:, start:stop].T


def build_travel_table(
    graph: RoadGraph,
    station_nodes: npt.ArrayLike,
    *,
    limit_s: float | None = None,
    dtype: type[np.uint16] | type[np.float32] = np.uint16,
    batch_size: int = 8,
    processes: int = 1,
    workdir: str | Path | None = None,
    progress: ProgressFn | None = None,
) -> TravelTable:
    """Build one shortest-path tree per station and store them in both layouts.

    Parameters
    ----------
    graph
        The road graph.
    station_nodes
        Graph node of each station (see :meth:`lanyan.routing.snap.Snapper.snap_many`).
    limit_s
        Bound on each tree in seconds; nodes further away are unreachable in the table. ``None``
        computes full trees (slower; needed only for long rural runs).
    dtype
        ``np.uint16`` (whole seconds, half the memory; the default) or ``np.float32``.
    batch_size
        Stations per Dijkstra call / per task sent to a worker.
    processes
        Worker processes; ``1`` runs in this process. Workers write into a memory-mapped file.
    workdir
        Where the ``.npy`` files live. ``None`` keeps the table in memory when ``processes == 1``
        and uses a temporary directory (removed with the table) otherwise.
    progress
        Called with ``(stations_done, n_stations)`` after each batch.

    Returns
    -------
    TravelTable
    """
    nodes = check_nodes(station_nodes, graph.n_nodes, what="station_nodes")
    n_st, n = nodes.shape[0], graph.n_nodes
    if batch_size < 1 or processes < 1:
        raise ShapeMismatchError("批大小和进程数必须 ≥ 1", "batch_size and processes must be >= 1")
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if workdir is None and processes > 1:
        tmp = tempfile.TemporaryDirectory(prefix="lanyan-trees-")
        workdir = tmp.name
    station_path: Path | None = None
    station_major: TableArray
    node_major: TableArray
    if workdir is None:
        station_major = np.empty((n_st, n), dtype=dtype)
        node_major = np.empty((n, n_st), dtype=dtype)
    else:
        base = Path(workdir)
        base.mkdir(parents=True, exist_ok=True)
        station_path = base / "station_major.npy"
        station_major = np.lib.format.open_memmap(
            station_path, mode="w+", dtype=dtype, shape=(n_st, n)
        )
        node_major = np.lib.format.open_memmap(
            base / "node_major.npy", mode="w+", dtype=dtype, shape=(n, n_st)
        )
        np.save(base / "station_nodes.npy", nodes)
        (base / "table.json").write_text(json.dumps({"limit_s": limit_s}))

    starts = list(range(0, n_st, batch_size))
    done = 0
    if processes == 1:
        for start in starts:
            batch = nodes[start : start + batch_size]
            _fill_rows(
                station_major, graph.matrix, slice(start, start + batch.shape[0]), batch, limit_s
            )
            done += batch.shape[0]
            if progress is not None:
                progress(done, n_st)
    else:
        assert station_path is not None
        if isinstance(station_major, np.memmap):
            station_major.flush()
        matrix = graph.matrix
        with ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(matrix.indptr, matrix.indices, matrix.data),
        ) as pool:
            futures = {
                pool.submit(
                    _worker_batch,
                    str(station_path),
                    start,
                    nodes[start : start + batch_size],
                    limit_s,
                ): min(batch_size, n_st - start)
                for start in starts
            }
            for future in as_completed(futures):
                future.result()
                done += futures[future]
                if progress is not None:
                    progress(done, n_st)
        # Re-open so this process sees what the workers wrote.
        station_major = np.load(station_path, mmap_mode="r+")
    _transpose_into(station_major, node_major)
    return TravelTable(
        station_nodes=nodes,
        station_major=station_major,
        node_major=node_major,
        limit_s=limit_s,
        _workdir=tmp,
    )


# -- ranking ----------------------------------------------------------------------------------


@dataclass(eq=False)
class UnitPositions:
    """Where every unit is, as arrays aligned by unit index.

    Attributes
    ----------
    station
        Table column of each unit's home station.
    node
        Graph node of units away from quarters, ``-1`` for units in quarters.
    available
        Whether the unit can be dispatched now.
    """

    station: npt.NDArray[np.int32]
    node: npt.NDArray[np.int32]
    available: npt.NDArray[np.bool_]

    def __post_init__(self) -> None:
        self.station = np.ascontiguousarray(self.station, dtype=np.int32)
        self.node = np.ascontiguousarray(self.node, dtype=np.int32)
        self.available = np.ascontiguousarray(self.available, dtype=np.bool_)
        check_same_length("UnitPositions", self.station, self.node, self.available)

    @classmethod
    def in_quarters(cls, station: npt.ArrayLike) -> UnitPositions:
        """All units at their stations and available."""
        stations = np.asarray(station, dtype=np.int32)
        return cls(
            station=stations,
            node=np.full(stations.shape, -1, dtype=np.int32),
            available=np.ones(stations.shape, dtype=np.bool_),
        )

    @property
    def n_units(self) -> int:
        """Number of units."""
        return int(self.station.shape[0])

    @cached_property
    def away(self) -> npt.NDArray[np.intp]:
        """Indices of units away from quarters (computed once; build a new object on change)."""
        return np.flatnonzero(self.node >= 0)


@dataclass(frozen=True)
class Ranking:
    """Units ordered by travel time to an incident node.

    Attributes
    ----------
    units
        Unit indices, fastest first; only available units that can reach the node.
    eta_s
        Travel seconds of each listed unit (in-quarters times are whole seconds).
    node
        The incident node.
    away_searched_s
        Bound of the reverse search for away units, ``0`` when none was needed.
    """

    units: npt.NDArray[np.int32]
    eta_s: npt.NDArray[np.float32]
    node: int
    away_searched_s: float = 0.0


def rank_units(
    table: TravelTable,
    units: UnitPositions,
    node: int,
    *,
    k: int = DEFAULT_TOP_K,
    reverse: RoadGraph | None = None,
    away_limit_s: float = DEFAULT_AWAY_LIMIT_S,
) -> Ranking:
    """Rank available units by travel time to ``node``.

    Units in quarters are read from the node-major table row of ``node``; units away from quarters
    (``units.node >= 0``) get their time from one reverse Dijkstra from ``node`` on ``reverse``,
    bounded by the k-th best in-quarters time (and ``away_limit_s``).

    Parameters
    ----------
    table
        Station × node travel table.
    units
        Unit positions and availability.
    node
        Incident node (from :class:`lanyan.routing.snap.Snapper`).
    k
        How many units to return at most.
    reverse
        ``graph.transpose()``; required when any available unit is away from quarters.
    away_limit_s
        Upper bound of the reverse search.

    Returns
    -------
    Ranking
    """
    node = check_node(node, table.n_nodes, what="incident node")
    row = table.node_major[node]
    gathered = row[units.station]
    eta = gathered.astype(np.float32)
    if gathered.dtype == np.uint16:
        eta[gathered == UNREACHABLE_U16] = np.inf
    eta[~units.available] = np.inf
    searched = 0.0
    away = units.away
    if away.size:
        eta[away] = np.inf
        away_ok = away[units.available[away]]
        if away_ok.size:
            if reverse is None:
                raise ShapeMismatchError(
                    "有离开驻地的车辆，需要反向路网",
                    "units away from quarters need reverse=graph.transpose()",
                )
            bound = float(away_limit_s)
            if k <= eta.shape[0]:
                kth = float(np.partition(eta, k - 1)[k - 1])
                bound = min(bound, kth + 1.0)  # +1 s: table times are rounded to seconds
            dist = dijkstra(reverse.matrix, directed=True, indices=node, limit=bound)
            eta[away_ok] = dist[units.node[away_ok]]
            searched = bound
    return _top_k(eta, k, node, searched)


def _top_k(eta: npt.NDArray[np.float32], k: int, node: int, searched: float) -> Ranking:
    finite = np.flatnonzero(np.isfinite(eta))
    if finite.shape[0] > k:
        # Keep every unit tied with the k-th so that ties resolve by unit index, not by chance.
        kth = np.partition(eta[finite], k - 1)[k - 1]
        finite = finite[eta[finite] <= kth]
    order = finite[np.lexsort((finite, eta[finite]))][:k]  # ties: lower unit index first
    return Ranking(
        units=order.astype(np.int32), eta_s=eta[order], node=node, away_searched_s=searched
    )


class UnitRanker:
    """Everything a dispatcher's "recommend units" call needs, held together.

    Parameters
    ----------
    graph
        The road graph.
    table
        Travel table built for the detachment's stations on ``graph``.
    snapper
        Snapper on ``graph``; built if not given.
    away_limit_s
        Bound of the reverse search for units away from quarters.
    """

    def __init__(
        self,
        graph: RoadGraph,
        table: TravelTable,
        *,
        snapper: Snapper | None = None,
        away_limit_s: float = DEFAULT_AWAY_LIMIT_S,
    ) -> None:
        if table.n_nodes != graph.n_nodes:
            raise ShapeMismatchError(
                "出行时间表与路网不匹配，请重建",
                f"table has {table.n_nodes} nodes, graph {graph.n_nodes}: rebuild the table",
            )
        self.graph = graph
        self.table = table
        self.snapper = snapper if snapper is not None else Snapper(graph)
        self.reverse = graph.transpose()
        self.away_limit_s = away_limit_s
        _ = self.reverse.matrix  # build the csr once, not on the first call

    def rank_point(
        self, lon: float, lat: float, units: UnitPositions, *, k: int = DEFAULT_TOP_K
    ) -> tuple[SnapResult, Ranking]:
        """Snap ``(lon, lat)`` and rank units to it.

        Returns
        -------
        tuple
            ``(SnapResult, Ranking)``; check ``SnapResult.too_far`` before trusting the ranking.
        """
        snapped = self.snapper.snap(lon, lat)
        ranking = rank_units(
            self.table,
            units,
            snapped.node,
            k=k,
            reverse=self.reverse,
            away_limit_s=self.away_limit_s,
        )
        return snapped, ranking


def unit_node_positions(units: UnitPositions, table: TravelTable) -> npt.NDArray[np.int32]:
    """Current graph node of every unit (its station's node when in quarters)."""
    return np.where(units.node >= 0, units.node, table.station_nodes[units.station]).astype(
        np.int32
    )
