"""OSM turn restrictions, and the turn-expanded graph the searches run on.

A restriction relation (``type=restriction``) says that a vehicle arriving on the ``from`` way
at the ``via`` node may not turn onto the ``to`` way (``no_*``) or may only turn onto it
(``only_*``). :func:`read_restrictions` reads them from the extract; :func:`banned_turns` maps
them onto the built graph as pairs of edge indices ``(in_edge, out_edge)`` that must not follow
each other.

scipy's Dijkstra knows nothing of turns, so the graph is split at restricted via nodes only
(:class:`TurnGraph`): every in-edge of such a node leads into a *copy* of it, one copy per
distinct set of banned out-edges (all unrestricted in-edges share one), and each copy has only
the out-edges allowed after arriving that way. The original node keeps every out-edge and no
in-edge: it is the state of a vehicle that *starts* there. Original nodes keep their indices and
the copies are appended, so a node's travel time is the minimum over the node and its copies
(:meth:`TurnGraph.fold`); the graph grows by a handful of nodes per restriction and a search
costs what it did.

Which restrictions count, for fire apparatus on a call:

* ``restriction=*`` and ``restriction:motorcar=*`` (the latter wins when both are set); tags for
  other vehicle classes alone (``restriction:hgv``, ``:bus``, ``:bicycle``…) are about through
  freight and buses, not emergency vehicles, and are skipped;
* ``except=*`` naming ``emergency`` exempts apparatus (skipped); any other exemption list does
  not (a bus lane exemption does not let a fire engine through a concrete island);
* time-dependent ones (``restriction:conditional``, ``day_on``/``hour_on``) are skipped: the
  station trees are computed once, and applying a rush-hour ban all day would forbid a legal turn
  most of the day;
* via *ways* (``from`` → one or more ``via`` ways → ``to``) are not modelled; they are counted as
  skipped in the build report.
"""

from __future__ import annotations

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
        return {w for r in self.restrictions for w in (*r.from_ways, *r.to_ways)}


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
        if any(typ == "w" for typ, _ in via):
            out.skipped["via_way"] += 1
            continue
        if len(via) != 1 or not from_ways or not to_ways:
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


def banned_turns(
    graph: RoadGraph, read: RestrictionRead, way_refs: Mapping[int, Sequence[int]]
) -> tuple[npt.NDArray[np.int32], dict[str, Any]]:
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
        ``(pairs, report)``: int32 array ``(k, 2)`` of banned ``(in_edge, out_edge)`` pairs,
        and counts of relations ``applied`` and ``skipped`` (by reason, including those the
        reader skipped).
    """
    skipped: Counter[str] = Counter(read.skipped)
    pairs: set[tuple[int, int]] = set()
    applied = 0
    for restriction in read.restrictions:
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
    return array, {"applied": applied, "skipped": dict(sorted(skipped.items()))}


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
        banned = np.asarray(graph.banned_turns, dtype=np.int64).reshape(-1, 2)
        head_state = graph.indices.astype(np.int32).copy()
        state_node = [np.arange(n, dtype=np.int32)]
        copy_rows: list[npt.NDArray[np.int64]] = []
        #: For an edge leaving a via node: the states from which it may be taken.
        self.exit_states: dict[int, npt.NDArray[np.int32]] = {}
        banned_after: defaultdict[int, set[int]] = defaultdict(set)
        for e_in, e_out in banned.tolist():
            banned_after[e_in].add(e_out)
        via_nodes = np.unique(graph.indices[banned[:, 0]]) if banned.size else np.empty(0, int)
        next_state = n
        in_edges_of = _in_edges(graph, via_nodes)
        for via in via_nodes.tolist():
            start, stop = int(graph.indptr[via]), int(graph.indptr[via + 1])
            outs = range(start, stop)
            groups: dict[frozenset[int], list[int]] = defaultdict(list)
            for e_in in in_edges_of[via]:
                groups[frozenset(banned_after.get(e_in, ()))].append(e_in)
            exits: defaultdict[int, list[int]] = defaultdict(list)
            for e in outs:
                exits[e].append(via)  # a vehicle starting at the node may take any road
            for banned_set, ins in groups.items():
                state = next_state
                next_state += 1
                head_state[ins] = state
                state_node.append(np.array([via], dtype=np.int32))
                allowed = np.array([e for e in outs if e not in banned_set], dtype=np.int64)
                copy_rows.append(allowed)
                for e in allowed.tolist():
                    exits[e].append(state)
            for e, states in exits.items():
                self.exit_states[e] = np.array(states, dtype=np.int32)
        self.state_node = np.concatenate(state_node)
        self.head_state = head_state
        self.n_states = next_state
        self.via_nodes = via_nodes.astype(np.int32)
        copy_edges = np.concatenate(copy_rows) if copy_rows else np.empty(0, dtype=np.int64)
        #: Base-graph edge of every edge of the expanded graph.
        self.edge_of = np.concatenate([np.arange(n_edges, dtype=np.int64), copy_edges]).astype(
            np.int32
        )
        counts = [len(r) for r in copy_rows]
        indptr = np.concatenate(
            [graph.indptr.astype(np.int64), n_edges + np.cumsum(counts, dtype=np.int64)]
        )
        self.indptr = indptr.astype(np.int32)
        self.indices = head_state[self.edge_of]
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


def _in_edges(graph: RoadGraph, nodes: npt.NDArray[np.integer[Any]]) -> dict[int, list[int]]:
    wanted = np.isin(graph.indices, nodes)
    out: dict[int, list[int]] = {int(v): [] for v in nodes.tolist()}
    for e in np.flatnonzero(wanted).tolist():
        out[int(graph.indices[e])].append(e)
    return out
