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

Turn restrictions and road points: every search runs on ``graph.turns`` (the graph split at
restricted via nodes, :mod:`lanyan.routing.turns`) and the tables keep, per node, the minimum
over its states, plus the few copy states themselves (``copy_seconds``) so that the time to a
point just past a restricted junction is exact. A station or incident given as a
:class:`~lanyan.routing.snap.SnapResult` starts or ends on the projected road point: the time to
it is the best, over the snapped segment's allowed directions, of the time to enter the segment
plus the seconds along it to the point.
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
from lanyan.routing.snap import SnapBatch, Snapper, SnapResult
from lanyan.routing.turns import Seed, TurnGraph

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


def start_seeds(turns: TurnGraph, graph: RoadGraph, start: int | SnapResult) -> list[Seed]:
    """Search starts for a trip *from* a node or a road point (on the expanded graph)."""
    if isinstance(start, SnapResult) and start.on_segment:
        return [(int(turns.head_state[e]), s) for e, s in start.exits(graph)]
    node = start.node if isinstance(start, SnapResult) else start
    return [(check_node(node, turns.n_nodes, what="source"), 0.0)]


def end_seeds(turns: TurnGraph, end: int | SnapResult) -> list[Seed]:
    """Search starts on the reversed graph for a trip *to* a node or a road point.

    ``(state, seconds)``: from ``state`` the point is ``seconds`` away along an allowed road.
    """
    if isinstance(end, SnapResult) and end.on_segment:
        return [
            (int(state), offset)
            for edge, offset in end.entries()
            for state in turns.entry_states(edge).tolist()
        ]
    node = end.node if isinstance(end, SnapResult) else end
    return [(state, 0.0) for state in turns.states_of(check_node(node, turns.n_nodes))]


def shortest_path_tree(
    graph: RoadGraph | csr_matrix,
    source: int | SnapResult,
    *,
    limit_s: float | None = None,
) -> npt.NDArray[np.float32]:
    """Seconds from ``source`` to every node (``inf`` where unreachable or beyond ``limit_s``).

    Turn restrictions are obeyed; a node's time is the best over the ways of arriving at it.

    Parameters
    ----------
    graph
        Road graph (or a bare csr matrix, searched as is). Pass ``graph.transpose()`` to get
        every node's seconds *to* ``source``.
    source
        Node index, or a :class:`SnapResult` to start from the projected road point.
    limit_s
        Stop the search at this many seconds; nodes beyond get ``inf``.

    Returns
    -------
    numpy.ndarray
        float32, one value per node.
    """
    if not isinstance(graph, RoadGraph):
        node = source.node if isinstance(source, SnapResult) else source
        node = check_node(node, graph.shape[0], what="source")
        dist = dijkstra(
            graph, directed=True, indices=node, limit=np.inf if limit_s is None else limit_s
        )
        return np.asarray(dist, dtype=np.float32)
    forward = graph.forward
    turns = forward.turns
    if forward is not graph:  # transposed: seconds from every node (as a start) to the source
        dist, _ = turns.search(end_seeds(turns, source), reverse=True, limit_s=limit_s)
        return np.asarray(dist[: turns.n_nodes], dtype=np.float32)
    dist, _ = turns.search(start_seeds(turns, graph, source), limit_s=limit_s)
    return np.asarray(turns.fold(dist), dtype=np.float32)


def shortest_path_trees(
    graph: RoadGraph | csr_matrix, sources: npt.ArrayLike, *, limit_s: float | None = None
) -> npt.NDArray[np.float32]:
    """Trees for several source nodes at once, shape ``(len(sources), n_nodes)``, float32."""
    if not isinstance(graph, RoadGraph) or graph.forward is not graph:
        nodes = check_nodes(
            sources,
            graph.shape[0] if not isinstance(graph, RoadGraph) else graph.n_nodes,
            what="sources",
        )
        return np.stack([shortest_path_tree(graph, int(s), limit_s=limit_s) for s in nodes])
    turns = graph.turns
    nodes = check_nodes(sources, graph.n_nodes, what="sources")
    dist = dijkstra(
        turns.matrix, directed=True, indices=nodes, limit=np.inf if limit_s is None else limit_s
    )
    dist = np.asarray(dist).reshape(nodes.shape[0], turns.n_states)
    return np.asarray(turns.fold(dist), dtype=np.float32)


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
    copy_seconds
        ``(n_stations, n_copies)``: seconds to the copy states of restricted via nodes
        (``graph.turns``), same dtype; what makes a point just past a banned turn exact.
    station_edges
        ``(n_stations, 2)`` forward/backward edge of the road segment each station starts on
        (``-1, -1`` for a station started at its node).
    station_fraction
        Position of each station along its segment's forward direction.
    """

    station_nodes: npt.NDArray[np.int32]
    station_major: TableArray
    node_major: TableArray
    limit_s: float | None = None
    _workdir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    copy_seconds: TableArray | None = None
    station_edges: npt.NDArray[np.int32] | None = None
    station_fraction: npt.NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        n_st = self.station_nodes.shape[0]
        if self.copy_seconds is None:
            self.copy_seconds = np.empty((n_st, 0), dtype=self.station_major.dtype)
        if self.station_edges is None:
            self.station_edges = np.full((n_st, 2), -1, dtype=np.int32)
        if self.station_fraction is None:
            self.station_fraction = np.zeros(n_st, dtype=np.float64)

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
        np.save(out / "copy_seconds.npy", np.asarray(self.copy_seconds))
        np.save(out / "station_edges.npy", np.asarray(self.station_edges))
        np.save(out / "station_fraction.npy", np.asarray(self.station_fraction))
        (out / "table.json").write_text(json.dumps({"limit_s": self.limit_s}))

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = True) -> TravelTable:
        """Read a table written by :meth:`save`; with ``mmap`` worker processes share pages."""
        src = Path(directory)
        mode: Any = "r" if mmap else None
        meta = json.loads((src / "table.json").read_text())

        def optional(name: str) -> Any:
            path = src / name
            return np.load(path) if path.is_file() else None

        return cls(
            station_nodes=np.load(src / "station_nodes.npy"),
            station_major=np.load(src / "station_major.npy", mmap_mode=mode),
            node_major=np.load(src / "node_major.npy", mmap_mode=mode),
            limit_s=meta["limit_s"],
            copy_seconds=optional("copy_seconds.npy"),
            station_edges=optional("station_edges.npy"),
            station_fraction=optional("station_fraction.npy"),
        )

    def state_tree(self, station: int, turns: TurnGraph) -> npt.NDArray[np.float32]:
        """A station's seconds to every state of ``turns`` (nodes, then copies), float32.

        What :func:`lanyan.routing.isochrones.isochrones` needs to draw restricted junctions
        exactly. A restricted via node's own state is "starting there": reached only by a
        station that starts at that node.
        """
        nodes = table_seconds(np.asarray(self.station_major[station]))
        copies = table_seconds(np.asarray(self.copy_seconds)[station])
        if copies.shape[0] != turns.n_copies:
            raise ShapeMismatchError(
                "出行时间表与路网不匹配，请重建",
                f"table has {copies.shape[0]} copy states, graph {turns.n_copies}: rebuild",
            )
        tree = np.concatenate([nodes, copies])
        tree[turns.via_nodes] = np.inf
        edges = np.asarray(self.station_edges)[station]
        if edges[0] < 0 and edges[1] < 0:
            home = int(self.station_nodes[station])
            if home in turns.copies_of:
                tree[home] = 0.0
        return tree

    def entry_seconds(self, turns: TurnGraph, edge: int, tail: int) -> npt.NDArray[np.float32]:
        """Every station's seconds to the start of ``edge`` (leaving ``tail``) in a state that
        may drive it: the node's row, or for a restricted via node the allowed copies."""
        states = turns.exit_states.get(int(edge))
        copies = np.asarray(self.copy_seconds)
        if states is None or copies.shape[1] == 0:
            row = np.asarray(self.node_major[tail])
            out = row.astype(np.float32)
            if row.dtype == np.uint16:
                out[row == UNREACHABLE_U16] = np.inf
            return out
        allowed = states[states >= turns.n_nodes] - turns.n_nodes
        out = (
            np.min(table_seconds(copies[:, allowed]), axis=1)
            if allowed.size
            else np.full(self.n_stations, np.inf, dtype=np.float32)
        )
        # A station started at the node itself (not on a segment) may leave it any way.
        edges = np.asarray(self.station_edges)
        out[(self.station_nodes == tail) & (edges[:, 0] < 0) & (edges[:, 1] < 0)] = 0.0
        return out

    @cached_property
    def _stations_by_segment(self) -> dict[tuple[int, int], list[int]]:
        out: dict[tuple[int, int], list[int]] = {}
        for j, (forward, backward) in enumerate(np.asarray(self.station_edges).tolist()):
            if forward >= 0 or backward >= 0:
                out.setdefault((forward, backward), []).append(j)
        return out

    def seconds_to_point(self, turns: TurnGraph, snap: SnapResult) -> npt.NDArray[np.float32]:
        """Every station's seconds to a snapped road point (or node, for a vertex snap)."""
        if not snap.on_segment:
            return self.seconds_to_node(snap.node)
        best: npt.NDArray[np.float32] | None = None
        for edge, offset in snap.entries():
            tail = snap.node_a if edge == snap.edge_forward else snap.node_b
            reach = self.entry_seconds(turns, edge, tail)
            reach += np.float32(offset)
            best = reach if best is None else np.minimum(best, reach, out=best)
        assert best is not None
        # A station on the same segment drives straight along it where the direction allows.
        fractions = np.asarray(self.station_fraction)
        for j in self._stations_by_segment.get((snap.edge_forward, snap.edge_backward), ()):
            f0 = float(fractions[j])
            if snap.fraction >= f0 and snap.edge_forward >= 0:
                direct = float(turns.seconds[snap.edge_forward]) * (snap.fraction - f0)
            elif snap.fraction <= f0 and snap.edge_backward >= 0:
                direct = float(turns.seconds[snap.edge_backward]) * (f0 - snap.fraction)
            else:
                continue
            best[j] = min(float(best[j]), direct)
        return best


# -- building ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TreeJob:
    """What a process needs to fill table rows: the search matrix and how to fold its states."""

    indptr: npt.NDArray[np.int32]
    indices: npt.NDArray[np.int32]
    data: npt.NDArray[np.float64]
    n_nodes: int
    copy_nodes: npt.NDArray[np.int32]

    @property
    def n_states(self) -> int:
        return self.n_nodes + int(self.copy_nodes.shape[0])

    @cached_property
    def matrix(self) -> csr_matrix:
        n = self.indptr.shape[0] - 1
        return csr_matrix((self.data, self.indices, self.indptr), shape=(n, n), copy=False)


_WORKER_JOB: _TreeJob | None = None


def _init_worker(job: _TreeJob) -> None:
    global _WORKER_JOB  # one read-only graph per worker process
    _WORKER_JOB = job


def _fill_rows(
    out: TableArray,
    copies_out: TableArray,
    job: _TreeJob,
    rows: slice,
    sources: npt.NDArray[np.int32],
    limit_s: float | None,
) -> None:
    dist = dijkstra(
        job.matrix, directed=True, indices=sources, limit=np.inf if limit_s is None else limit_s
    )
    dist = np.asarray(dist).reshape(sources.shape[0], job.matrix.shape[0])
    nodes = dist[:, : job.n_nodes]
    copies = dist[:, job.n_nodes : job.n_states]
    if copies.shape[1]:
        np.minimum.at(nodes.T, job.copy_nodes, copies.T)
    if out.dtype == np.uint16:
        out[rows] = to_uint16_seconds(nodes)
        copies_out[rows] = to_uint16_seconds(copies)
    else:
        out[rows] = nodes
        copies_out[rows] = copies


def _worker_batch(
    path: str, copies_path: str, start: int, sources: npt.NDArray[np.int32], limit_s: float | None
) -> float:
    began = time.perf_counter()
    assert _WORKER_JOB is not None, "worker not initialised"
    out = np.load(path, mmap_mode="r+")
    copies_out = np.load(copies_path, mmap_mode="r+")
    rows = slice(start, start + sources.shape[0])
    _fill_rows(out, copies_out, _WORKER_JOB, rows, sources, limit_s)
    out.flush()
    copies_out.flush()
    del out, copies_out
    return time.perf_counter() - began


def _tree_job(
    graph: RoadGraph, stations: npt.ArrayLike | SnapBatch
) -> tuple[
    _TreeJob,
    npt.NDArray[np.int32],
    npt.NDArray[np.int32],
    npt.NDArray[np.int32],
    npt.NDArray[np.float64],
]:
    """The search matrix, each station's source in it, and the stations' segments.

    Stations snapped to a segment start from a virtual node on the projected point (one extra
    row per station, no in-edge); stations given as nodes start at the node.
    """
    turns = graph.turns
    if isinstance(stations, SnapBatch) and stations.on_segment.any():
        nodes = check_nodes(stations.nodes, graph.n_nodes, what="station_nodes")
        rows = [start_seeds(turns, graph, stations[j]) for j in range(len(stations))]
        matrix = turns.augmented(rows)
        sources = np.arange(turns.n_states, turns.n_states + len(stations), dtype=np.int32)
        edges = np.column_stack([stations.edge_forward, stations.edge_backward]).astype(np.int32)
        fraction = np.asarray(stations.fraction, dtype=np.float64)
    else:
        raw = stations.nodes if isinstance(stations, SnapBatch) else stations
        nodes = check_nodes(raw, graph.n_nodes, what="station_nodes")
        matrix = turns.matrix
        sources = nodes
        edges = np.full((nodes.shape[0], 2), -1, dtype=np.int32)
        fraction = np.zeros(nodes.shape[0], dtype=np.float64)
    job = _TreeJob(
        indptr=np.asarray(matrix.indptr),
        indices=np.asarray(matrix.indices),
        data=np.asarray(matrix.data, dtype=np.float64),
        n_nodes=graph.n_nodes,
        copy_nodes=turns.state_node[turns.n_nodes :],
    )
    return job, nodes, sources, edges, fraction


def _transpose_into(src: TableArray, dst: TableArray, *, chunk: int = 1 << 16) -> None:
    """Copy ``src`` (stations × nodes) into ``dst`` (nodes × stations) chunk by chunk."""
    n_nodes = src.shape[1]
    for start in range(0, n_nodes, chunk):
        stop = min(start + chunk, n_nodes)
        dst[start:stop] = src[:, start:stop].T


def build_travel_table(
    graph: RoadGraph,
    station_nodes: npt.ArrayLike | SnapBatch,
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
        Graph node of each station, or the stations' :class:`SnapBatch` from
        :meth:`lanyan.routing.snap.Snapper.snap_many`: a segment snap starts each tree on the
        road point beside the station (both directions where the way allows).
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
    job, nodes, sources, station_edges, station_fraction = _tree_job(graph, station_nodes)
    n_st, n = nodes.shape[0], graph.n_nodes
    n_copies = int(job.copy_nodes.shape[0])
    if batch_size < 1 or processes < 1:
        raise ShapeMismatchError("批大小和进程数必须 ≥ 1", "batch_size and processes must be >= 1")
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if workdir is None and processes > 1:
        tmp = tempfile.TemporaryDirectory(prefix="lanyan-trees-")
        workdir = tmp.name
    station_path: Path | None = None
    copies_path: Path | None = None
    station_major: TableArray
    node_major: TableArray
    copy_seconds: TableArray
    if workdir is None:
        station_major = np.empty((n_st, n), dtype=dtype)
        node_major = np.empty((n, n_st), dtype=dtype)
        copy_seconds = np.empty((n_st, n_copies), dtype=dtype)
    else:
        base = Path(workdir)
        base.mkdir(parents=True, exist_ok=True)
        station_path = base / "station_major.npy"
        copies_path = base / "copy_seconds.npy"
        station_major = np.lib.format.open_memmap(
            station_path, mode="w+", dtype=dtype, shape=(n_st, n)
        )
        node_major = np.lib.format.open_memmap(
            base / "node_major.npy", mode="w+", dtype=dtype, shape=(n, n_st)
        )
        copy_seconds = np.lib.format.open_memmap(
            copies_path, mode="w+", dtype=dtype, shape=(n_st, n_copies)
        )
        np.save(base / "station_nodes.npy", nodes)
        np.save(base / "station_edges.npy", station_edges)
        np.save(base / "station_fraction.npy", station_fraction)
        (base / "table.json").write_text(json.dumps({"limit_s": limit_s}))

    starts = list(range(0, n_st, batch_size))
    done = 0
    if processes == 1:
        for start in starts:
            batch = sources[start : start + batch_size]
            rows = slice(start, start + batch.shape[0])
            _fill_rows(station_major, copy_seconds, job, rows, batch, limit_s)
            done += batch.shape[0]
            if progress is not None:
                progress(done, n_st)
    else:
        assert station_path is not None
        assert copies_path is not None
        for array in (station_major, copy_seconds):
            if isinstance(array, np.memmap):
                array.flush()
        with ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(job,),
        ) as pool:
            futures = {
                pool.submit(
                    _worker_batch,
                    str(station_path),
                    str(copies_path),
                    start,
                    sources[start : start + batch_size],
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
        copy_seconds = np.load(copies_path, mmap_mode="r+")
    _transpose_into(station_major, node_major)
    return TravelTable(
        station_nodes=nodes,
        station_major=station_major,
        node_major=node_major,
        limit_s=limit_s,
        _workdir=tmp,
        copy_seconds=copy_seconds,
        station_edges=station_edges,
        station_fraction=station_fraction,
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
    node: int | SnapResult,
    *,
    k: int = DEFAULT_TOP_K,
    reverse: RoadGraph | None = None,
    away_limit_s: float = DEFAULT_AWAY_LIMIT_S,
    graph: RoadGraph | None = None,
) -> Ranking:
    """Rank available units by travel time to ``node`` (a node or a snapped road point).

    Units in quarters are read from the node-major table row of ``node`` (for a road point: the
    rows of the segment's ends plus the seconds along it); units away from quarters
    (``units.node >= 0``) get their time from one reverse Dijkstra from the incident on
    ``reverse``, bounded by the k-th best in-quarters time (and ``away_limit_s``).

    Parameters
    ----------
    table
        Station × node travel table.
    units
        Unit positions and availability.
    node
        Incident node, or the incident's :class:`SnapResult` from
        :class:`lanyan.routing.snap.Snapper` to rank to the projected road point.
    k
        How many units to return at most.
    reverse
        ``graph.transpose()``; required when any available unit is away from quarters.
    away_limit_s
        Upper bound of the reverse search.
    graph
        The road graph; only needed for a road point when ``reverse`` is not given (it tells
        the restricted turns).

    Returns
    -------
    Ranking
    """
    forward = graph if graph is not None else (reverse.forward if reverse is not None else None)
    if isinstance(node, SnapResult):
        snap = node
        node = check_node(snap.node, table.n_nodes, what="incident node")
        if snap.on_segment:
            if forward is None:
                raise ShapeMismatchError(
                    "按路段排序需要路网", "ranking to a road point needs graph= or reverse="
                )
            eta = table.seconds_to_point(forward.turns, snap)[units.station]
        else:
            eta = table_seconds(np.asarray(table.node_major[node])[units.station])
        target: int | SnapResult = snap
    else:
        node = check_node(node, table.n_nodes, what="incident node")
        target = node
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
            turns = reverse.forward.turns
            dist, _ = turns.search(end_seeds(turns, target), reverse=True, limit_s=bound)
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
        _ = graph.turns.reverse_matrix  # build the search matrices once, not on the first call
        graph.turns.search([(0, 1.0)], reverse=True, limit_s=0.0)

    def rank_point(
        self, lon: float, lat: float, units: UnitPositions, *, k: int = DEFAULT_TOP_K
    ) -> tuple[SnapResult, Ranking]:
        """Snap ``(lon, lat)`` and rank units to it (to the projected road point when the
        snapper snaps to segments).

        Returns
        -------
        tuple
            ``(SnapResult, Ranking)``; check ``SnapResult.too_far`` before trusting the ranking.
        """
        snapped = self.snapper.snap(lon, lat)
        ranking = rank_units(
            self.table,
            units,
            snapped,
            k=k,
            reverse=self.reverse,
            away_limit_s=self.away_limit_s,
            graph=self.graph,
        )
        return snapped, ranking


def unit_node_positions(units: UnitPositions, table: TravelTable) -> npt.NDArray[np.int32]:
    """Current graph node of every unit (its station's node when in quarters)."""
    return np.where(units.node >= 0, units.node, table.station_nodes[units.station]).astype(
        np.int32
    )
