"""OSM turn restrictions, and the turn-expanded graph the searches run on.

A restriction relation (``type=restriction``) says that a vehicle arriving on the ``from`` way
at the ``via`` node (or run of via ways) may not turn onto the ``to`` way (``no_*``) or may only
turn onto it (``only_*``). :func:`read_restrictions` reads them from the extract;
:func:`banned_turns` maps them onto the built graph as banned edge sequences: pairs
``(in_edge, out_edge)`` for a via node, longer sequences for via ways.

scipy's Dijkstra knows nothing of turns, so the graph is split at restricted nodes only
(:class:`TurnGraph`): every proper prefix of a banned sequence becomes a *copy* of the node it
ends at ("just drove these edges"), each restricted node gets one more copy for arrivals with
nothing pending, and a copy has only the exits that do not complete a banned sequence (the next
state is the longest prefix the drive now ends with, as in Aho–Corasick matching). The original
node keeps every exit and no in-edge: it is the state of a vehicle that *starts* there.
Original nodes keep their indices and the copies are appended, so a node's travel time is the
minimum over the node and its copies (:meth:`TurnGraph.fold`); the graph grows by a handful of
nodes per restriction and a search costs what it did.

Which restrictions count, for fire apparatus on a call:

* ``restriction=*`` and ``restriction:motorcar=*`` (the latter wins when both are set); tags for
  other vehicle classes alone (``restriction:hgv``, ``:bus``, ``:bicycle``…) are about through
  freight and buses, not emergency vehicles, and are skipped;
* ``except=*`` naming ``emergency`` exempts apparatus (skipped); any other exemption list does
  not (a bus lane exemption does not let a fire engine through a concrete island);
* time-dependent ones (``restriction:conditional``, ``day_on``/``hour_on``) are skipped: the
  station trees are computed once, and applying a rush-hour ban all day would forbid a legal turn
  most of the day;
* via *ways* (``from`` → one or more ``via`` ways → ``to``) ban a whole edge sequence: the end
  of the from way, every segment of the via ways (each driven end to end, in whichever direction
  joins them) and the start of the to way (``only_*``: every other exit at the end of the run).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from lanyan.routing.graph import RoadGraph

NO_TURNS = frozenset(
    {"no_left_turn", "no_right_turn", "no_straight_on", "no_u_turn", "no_entry", "no_exit"}
)
ONLY_TURNS = frozenset({"only_left_turn", "only_right_turn", "only_straight_on", "only_u_turn"})
_TIME_TAGS = ("day_on", "day_off", "hour_on", "hour_off")
#: Smallest weight of an edge from a virtual start point (scipy reads 0 as "no edge").
_MIN_OFFSET_S = 1e-6
#: scipy's "no predecessor" code.
NO_PREDECESSOR = -9999

#: A search start: (state, seconds already driven when the search reaches it).
Seed = tuple[int, float]


@dataclass(frozen=True)
class Restriction:
    """One restriction relation as read from the extract (OSM ids)."""

    relation_id: int
    kind: str
    from_ways: tuple[int, ...]
    via_node: int
    to_ways: tuple[int, ...]
    via_ways: tuple[int, ...] = ()
    """Via ways in relation order (``via_node`` is then ``-1``)."""

    @property
    def only(self) -> bool:
        """``only_*``: every other turn from the ``from`` way is banned."""
        return self.kind.startswith("only_")


@dataclass
class RestrictionRead:
    """Restrictions found in an extract, and those skipped with the reason."""

    restrictions: list[Restriction] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def way_ids(self) -> set[int]:
        """Every way a kept restriction refers to (their node lists are needed)."""
        return {w for r in self.restrictions for w in (*r.from_ways, *r.via_ways, *r.to_ways)}


def restriction_kind(tags: Mapping[str, str]) -> tuple[str | None, str]:
    """The restriction that binds fire apparatus, or ``(None, reason skipped)``."""
    if any(key in tags for key in _TIME_TAGS):
        return None, "conditional"
    kind = tags.get("restriction:motorcar") or tags.get("restriction")
    if kind is None:
        conditional = any(k.endswith(":conditional") for k in tags)
        return None, "conditional" if conditional else "other_vehicle"
    exempt = {v.strip() for v in tags.get("except", "").split(";")}
    if "emergency" in exempt:
        return None, "except_emergency"
    if kind not in NO_TURNS and kind not in ONLY_TURNS:
        return None, "unknown_kind"
    return kind, ""


def read_restrictions(pbf_path: Path) -> RestrictionRead:
    """Read the ``type=restriction`` relations of an extract (one pass over relations)."""
    import osmium  # imported here: only graph building needs libosmium

    out = RestrictionRead()
    processor = osmium.FileProcessor(str(pbf_path)).with_filter(
        osmium.filter.EntityFilter(osmium.osm.RELATION)
    )
    for relation in processor:
        if not isinstance(relation, osmium.osm.Relation):
            continue
        tags = {tag.k: tag.v for tag in relation.tags}
        if tags.get("type") != "restriction":
            continue
        kind, reason = restriction_kind(tags)
        if kind is None:
            out.skipped[reason] += 1
            continue
        members = [(m.type, m.ref, m.role) for m in relation.members]
        from_ways = tuple(ref for typ, ref, role in members if role == "from" and typ == "w")
        to_ways = tuple(ref for typ, ref, role in members if role == "to" and typ == "w")
        via = [(typ, ref) for typ, ref, role in members if role == "via"]
        via_ways = tuple(ref for typ, ref in via if typ == "w")
        if via_ways and len(via_ways) == len(via) and len(from_ways) == len(to_ways) == 1:
            out.restrictions.append(
                Restriction(int(relation.id), kind, from_ways, -1, to_ways, via_ways=via_ways)
            )
            continue
        if len(via) != 1 or via[0][0] != "n" or not from_ways or not to_ways:
            out.skipped["malformed"] += 1
            continue
        out.restrictions.append(
            Restriction(
                relation_id=int(relation.id),
                kind=kind,
                from_ways=from_ways,
                via_node=int(via[0][1]),
                to_ways=to_ways,
            )
        )
    return out


def _neighbours(refs: Sequence[int], via: int, *, ends_only: bool) -> list[int]:
    """OSM ids next to ``via`` along a way (only at the way's ends unless ``ends_only`` is off)."""
    out: list[int] = []
    last = len(refs) - 1
    for pos, ref in enumerate(refs):
        if ref != via or (ends_only and 0 < pos < last):
            continue
        if pos > 0:
            out.append(refs[pos - 1])
        if pos < last:
            out.append(refs[pos + 1])
    return out


def _node_index(graph: RoadGraph, osm_id: int) -> int:
    try:
        return graph.node_of_osm_id(osm_id)
    except KeyError:
        return -1


def _relation_turns(
    graph: RoadGraph, restriction: Restriction, via: int, way_refs: Mapping[int, Sequence[int]]
) -> tuple[list[tuple[int, int]], str]:
    """The ``(in_edge, out_edge)`` pairs a relation names, and what was wrong if none."""
    u_turn = restriction.from_ways == restriction.to_ways
    turns: list[tuple[int, int]] = []
    problem = ""
    for from_way in restriction.from_ways:
        for to_way in restriction.to_ways:
            if from_way not in way_refs or to_way not in way_refs:
                problem = "way_not_drivable"  # outside the extract, or not a road we keep
                continue
            ins = _neighbours(way_refs[from_way], restriction.via_node, ends_only=not u_turn)
            outs = _neighbours(way_refs[to_way], restriction.via_node, ends_only=not u_turn)
            if not ins or not outs:
                problem = "via_not_at_way_end"
                continue
            for a in ins:
                for b in outs:
                    if u_turn and from_way == to_way and a != b:
                        continue  # a U-turn is back along the same segment
                    e_in = graph.edge(na, via) if (na := _node_index(graph, a)) >= 0 else -1
                    e_out = graph.edge(via, nb) if (nb := _node_index(graph, b)) >= 0 else -1
                    if e_in >= 0 and e_out >= 0:
                        turns.append((e_in, e_out))
    # Nothing in the graph although the ways fit: e.g. the from way is one-way away from via.
    return turns, problem or ("" if turns else "not_in_graph")


def _as_bans(
    graph: RoadGraph, via: int, turns: list[tuple[int, int]], *, only: bool
) -> set[tuple[int, int]]:
    """``no_*``: the named turns; ``only_*``: every other exit after each named in-edge."""
    if not only:
        return set(turns)
    allowed: defaultdict[int, set[int]] = defaultdict(set)
    for e_in, e_out in turns:
        allowed[e_in].add(e_out)
    start, stop = int(graph.indptr[via]), int(graph.indptr[via + 1])
    return {
        (e_in, e) for e_in, keep in allowed.items() for e in range(start, stop) if e not in keep
    }


def _via_way_nodes(
    restriction: Restriction, way_refs: Mapping[int, Sequence[int]]
) -> list[int] | None:
    """OSM node ids ``[a, v0, …, vm, b]``: ``a → v0`` the end of the from way, ``v0 … vm``
    along the via ways (each driven end to end, in whichever direction joins them), ``vm → b``
    the start of the to way; ``None`` when the ways do not join up that way."""
    from_refs, to_refs = way_refs[restriction.from_ways[0]], way_refs[restriction.to_ways[0]]
    for start in (from_refs[0], from_refs[-1]):
        path = [start]
        remaining = [list(way_refs[w]) for w in restriction.via_ways]
        while remaining:
            here = path[-1]
            joined = next((r for r in remaining if here in (r[0], r[-1])), None)
            if joined is None:
                break
            remaining.remove(joined)
            path.extend(joined[1:] if joined[0] == here else joined[-2::-1])
        end = path[-1]
        if remaining or len(path) < 2 or end not in (to_refs[0], to_refs[-1]):
            continue
        a = from_refs[1] if from_refs[0] == start else from_refs[-2]
        b = to_refs[1] if to_refs[0] == end else to_refs[-2]
        return [a, *path, b]
    return None


def _via_way_sequences(
    graph: RoadGraph, restriction: Restriction, way_refs: Mapping[int, Sequence[int]]
) -> tuple[list[tuple[int, ...]], str]:
    """Banned edge sequences of a via-way restriction, or ``([], reason)``."""
    if any(w not in way_refs for w in (*restriction.from_ways, *restriction.via_ways)) or (
        restriction.to_ways[0] not in way_refs
    ):
        return [], "way_not_drivable"
    osm_path = _via_way_nodes(restriction, way_refs)
    if osm_path is None:
        return [], "via_ways_not_joined"
    nodes = [_node_index(graph, o) for o in osm_path]
    edges = [graph.edge(u, v) if min(u, v) >= 0 else -1 for u, v in itertools.pairwise(nodes)]
    if min(edges) < 0:
        return [], "not_in_graph"
    if not restriction.only:
        return [tuple(edges)], ""
    last = nodes[-2]
    start, stop = int(graph.indptr[last]), int(graph.indptr[last + 1])
    return [(*edges[:-1], e) for e in range(start, stop) if e != edges[-1]], ""


def banned_turns(
    graph: RoadGraph, read: RestrictionRead, way_refs: Mapping[int, Sequence[int]]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], dict[str, Any]]:
    """Map restrictions onto the graph's edges.

    Parameters
    ----------
    graph
        The built graph (after the component filter).
    read
        What :func:`read_restrictions` found.
    way_refs
        Node ids of every drivable way a restriction refers to.

    Returns
    -------
    tuple
        ``(pairs, sequences, report)``: int32 array ``(k, 2)`` of banned ``(in_edge, out_edge)``
        pairs (via a node); banned edge sequences of three or more edges (via ways), flat int32
        with ``-1`` after each; counts of relations ``applied`` and ``skipped`` (by reason,
        including those the reader skipped).
    """
    skipped: Counter[str] = Counter(read.skipped)
    pairs: set[tuple[int, int]] = set()
    sequences: set[tuple[int, ...]] = set()
    applied = 0
    for restriction in read.restrictions:
        if restriction.via_ways:
            found, problem = _via_way_sequences(graph, restriction, way_refs)
            if not found:
                skipped[problem] += 1
                continue
            applied += 1
            sequences.update(found)
            continue
        via = _node_index(graph, restriction.via_node)
        turns, problem = (
            _relation_turns(graph, restriction, via, way_refs) if via >= 0 else ([], "not_in_graph")
        )
        if not turns:
            skipped[problem] += 1
            continue
        applied += 1
        pairs |= _as_bans(graph, via, turns, only=restriction.only)
    array = np.array(sorted(pairs), dtype=np.int32).reshape(-1, 2)
    flat = [e for seq in sorted(sequences) for e in (*seq, -1)]
    report = {"applied": applied, "skipped": dict(sorted(skipped.items()))}
    return array, np.array(flat, dtype=np.int32), report


class TurnGraph:
    """The road graph split at restricted via nodes (see the module docstring).

    States ``0 .. n_nodes-1`` are the original nodes; ``n_nodes ..`` are the copies, with
    :attr:`state_node` giving the node of every state. Without restrictions this is the road
    graph itself and costs nothing.

    Parameters
    ----------
    graph
        The road graph, with its ``banned_turns``.
    """

    def __init__(self, graph: RoadGraph) -> None:
        n, n_edges = graph.n_nodes, graph.n_edges
        self.n_nodes = n
        heads = graph.indices
        banned = _banned_sequences(graph)
        # Every proper prefix of a banned sequence is a state: "arrived at its last edge's head
        # having just driven it". Single-edge prefixes are the in-edges of restricted via nodes.
        prefixes = sorted({seq[:i] for seq in banned for i in range(1, len(seq))})
        restricted = sorted({int(heads[p[-1]]) for p in prefixes})
        free_state = {v: n + i for i, v in enumerate(restricted)}
        prefix_state = {p: n + len(restricted) + i for i, p in enumerate(prefixes)}
        self.n_states = n + len(restricted) + len(prefixes)
        state_node = np.arange(self.n_states, dtype=np.int32)
        state_node[n : n + len(restricted)] = restricted
        for p, state in prefix_state.items():
            state_node[state] = heads[p[-1]]
        self.state_node = state_node
        prefix_set = set(prefix_state)

        def target(history: tuple[int, ...], edge: int) -> int:
            """State reached by driving ``edge`` after ``history`` (``-1``: banned)."""
            seq = (*history, edge)
            if any(seq[i:] in banned for i in range(len(seq) - 1)):
                return -1
            suffix = next((seq[i:] for i in range(len(seq)) if seq[i:] in prefix_set), ())
            if suffix:
                return prefix_state[suffix]
            head = int(heads[edge])
            return free_state.get(head, head)

        # A vehicle starting at a node, or arriving with no restriction pending, may take any
        # edge: rows 0..n-1 are the road graph with heads redirected.
        head_state = np.array(heads, dtype=np.int32)
        if restricted:
            into = np.flatnonzero(np.isin(heads, restricted))
            head_state[into] = [free_state[int(v)] for v in heads[into].tolist()]
        for p, state in prefix_state.items():
            if len(p) == 1:  # the first edge of a banned sequence leads into its own state
                head_state[p[0]] = state
        self.head_state = head_state
        #: For an edge leaving a restricted node: the states from which it may be taken.
        self.exit_states: dict[int, npt.NDArray[np.int32]] = {}
        rows: list[list[int]] = []  # base edges of each extra state's row, in state order
        targets: list[list[int]] = []
        exits: defaultdict[int, list[int]] = defaultdict(list)
        histories: list[tuple[int, tuple[int, ...]]] = [(v, ()) for v in restricted]
        histories += [(int(heads[p[-1]]), p) for p in prefixes]
        for v in restricted:
            for e in range(int(graph.indptr[v]), int(graph.indptr[v + 1])):
                exits[e].append(v)  # starting at the node itself
        for state, (v, history) in enumerate(histories, start=n):
            row, row_targets = [], []
            for e in range(int(graph.indptr[v]), int(graph.indptr[v + 1])):
                to = target(history, e)
                if to >= 0:
                    row.append(e)
                    row_targets.append(to)
                    exits[e].append(state)
            rows.append(row)
            targets.append(row_targets)
        for e, states in exits.items():
            self.exit_states[e] = np.array(states, dtype=np.int32)
        self.via_nodes = np.array(restricted, dtype=np.int32)
        copy_edges = np.array([e for r in rows for e in r], dtype=np.int64)
        #: Base-graph edge of every edge of the expanded graph.
        self.edge_of = np.concatenate([np.arange(n_edges, dtype=np.int64), copy_edges]).astype(
            np.int32
        )
        counts = np.array([len(r) for r in rows], dtype=np.int64)
        indptr = np.concatenate([graph.indptr.astype(np.int64), n_edges + np.cumsum(counts)])
        self.indptr = indptr.astype(np.int32)
        self.indices = np.concatenate(
            [self.head_state, np.array([t for r in targets for t in r], dtype=np.int32)]
        ).astype(np.int32)
        self.seconds = graph.seconds.astype(np.float64)[self.edge_of]
        self.copies_of: dict[int, list[int]] = defaultdict(list)
        for state, node in enumerate(self.state_node[n:].tolist(), start=n):
            self.copies_of[node].append(state)
        most = max((len(v) for v in self.exit_states.values()), default=1)
        self._spare_slots = 2 * max(most, 1)
        self._lock = threading.Lock()

    @property
    def n_copies(self) -> int:
        """Number of copy states (0 without restrictions)."""
        return self.n_states - self.n_nodes

    @cached_property
    def matrix(self) -> csr_matrix:
        """The expanded graph as a float64 csr matrix of seconds."""
        n = self.n_states
        return csr_matrix((self.seconds, self.indices, self.indptr), shape=(n, n), copy=False)

    @cached_property
    def reverse_matrix(self) -> csr_matrix:
        """The expanded graph with every edge flipped (for searches *to* a point)."""
        return csr_matrix(self.matrix.T.tocsr())

    def entry_states(self, edge: int) -> npt.NDArray[np.int32]:
        """States from which base edge ``edge`` may be driven."""
        states = self.exit_states.get(int(edge))
        if states is not None:
            return states
        return np.array([self._tail(edge)], dtype=np.int32)

    def _tail(self, edge: int) -> int:
        return int(np.searchsorted(self.indptr[: self.n_nodes + 1], edge, side="right") - 1)

    def states_of(self, node: int) -> list[int]:
        """Every state of a node: the node itself and its copies."""
        return [node, *self.copies_of.get(node, ())]

    def augmented(self, rows: Sequence[Sequence[Seed]], *, reverse: bool = False) -> csr_matrix:
        """The (reversed) expanded graph plus one virtual node per entry of ``rows``.

        Virtual node ``n_states + i`` has an edge to each ``(state, seconds)`` of ``rows[i]``
        and no in-edge: a search from it is a search from a point on a road.
        """
        base = self.reverse_matrix if reverse else self.matrix
        counts = np.array([len(r) for r in rows], dtype=np.int64)
        targets = np.array([s for r in rows for s, _ in r], dtype=np.int32)
        weights = np.array([max(w, _MIN_OFFSET_S) for r in rows for _, w in r], dtype=np.float64)
        n = self.n_states + len(rows)
        indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)])
        return csr_matrix(
            (
                np.concatenate([base.data, weights]),
                np.concatenate([base.indices, targets]),
                indptr.astype(np.int64 if indptr[-1] >= 2**31 else np.int32),
            ),
            shape=(n, n),
        )

    def _spare_row(self) -> list[Seed]:
        return [(self.n_states, 1.0)] * self._spare_slots  # unused slots: a harmless self-loop

    @cached_property
    def _spare_forward(self) -> csr_matrix:
        """The matrix plus one virtual node whose edges are rewritten per search (no copy of
        the graph per query; guarded by a lock, and scipy holds the GIL anyway)."""
        return self.augmented([self._spare_row()])

    @cached_property
    def _spare_reverse(self) -> csr_matrix:
        """As :attr:`_spare_forward`, on the reversed graph."""
        return self.augmented([self._spare_row()], reverse=True)

    def search(
        self,
        seeds: Sequence[Seed],
        *,
        reverse: bool = False,
        limit_s: float | None = None,
        predecessors: bool = False,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32] | None]:
        """One Dijkstra from several start states, each with seconds already driven.

        Returns seconds to every state (``inf`` beyond ``limit_s``) and, if asked, the
        predecessor of every state (:data:`NO_PREDECESSOR` at the starts).
        """
        limit = np.inf if limit_s is None else float(limit_s)
        states = [s for s, _ in seeds]
        if all(w == 0 for _, w in seeds):
            matrix = self.reverse_matrix if reverse else self.matrix
            out = dijkstra(
                matrix,
                directed=True,
                indices=states,
                limit=limit,
                min_only=True,
                return_predecessors=predecessors,
            )
            if predecessors:
                return np.asarray(out[0]), np.asarray(out[1], dtype=np.int32)
            return np.asarray(out), None
        if len(seeds) > self._spare_slots:
            matrix = self.augmented([seeds], reverse=reverse)
            return self._from_point(matrix, limit, predecessors)
        matrix = self._spare_reverse if reverse else self._spare_forward
        start = int(matrix.indptr[self.n_states])
        with self._lock:
            slots = slice(start, start + self._spare_slots)
            matrix.indices[slots] = self.n_states
            matrix.data[slots] = 1.0
            matrix.indices[start : start + len(seeds)] = states
            matrix.data[start : start + len(seeds)] = [max(w, _MIN_OFFSET_S) for _, w in seeds]
            return self._from_point(matrix, limit, predecessors)

    def _from_point(
        self, matrix: csr_matrix, limit: float, predecessors: bool
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32] | None]:
        out = dijkstra(
            matrix,
            directed=True,
            indices=self.n_states,
            limit=limit,
            return_predecessors=predecessors,
        )
        if not predecessors:
            return np.asarray(out)[: self.n_states], None
        dist = np.asarray(out[0])[: self.n_states]
        pred = np.asarray(out[1], dtype=np.int32)[: self.n_states]
        pred[pred >= self.n_states] = NO_PREDECESSOR
        return dist, pred

    def fold(self, dist: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Per-state values (last axis) to per-node values: the minimum over a node's states."""
        if dist.shape[-1] == self.n_nodes:
            return dist
        out = np.array(dist[..., : self.n_nodes], copy=True)
        copies = self.state_node[self.n_nodes :]
        if out.ndim == 1:
            np.minimum.at(out, copies, dist[self.n_nodes :])
        else:
            np.minimum.at(out.T, copies, dist[:, self.n_nodes :].T)
        return out

    def nodes_of(self, states: Iterable[int]) -> npt.NDArray[np.int32]:
        """Original node of each state."""
        return self.state_node[np.fromiter(states, dtype=np.int64)]


def _banned_sequences(graph: RoadGraph) -> set[tuple[int, ...]]:
    """Every banned edge sequence of a graph: its turn pairs and its via-way sequences."""
    out: set[tuple[int, ...]] = {(int(a), int(b)) for a, b in graph.banned_turns.tolist()}
    current: list[int] = []
    for e in graph.banned_sequences.tolist():
        if e < 0:
            out.add(tuple(current))
            current = []
        else:
            current.append(int(e))
    return out
