"""The cycle collector kept out of a 119 call's way (lanyan.core.heap)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from lanyan.core.heap import FreePointCollector, keep, settle, unsettle


class _Node:
    """An object in a reference cycle: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collections_seen() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


def test_settle_keeps_what_lives_now_out_of_later_collections() -> None:
    kept = [_Node() for _ in range(1000)]
    try:
        assert settle() >= len(kept)
        made_after = _Node()
        walked = {id(o) for o in gc.get_objects()}  # what a collection would walk
        assert not any(id(node) in walked for node in kept)
        assert id(made_after) in walked  # only what lived at the settle is frozen
        keep()
        assert id(made_after) not in {id(o) for o in gc.get_objects()}
    finally:
        unsettle()
    assert id(kept[0]) in {id(o) for o in gc.get_objects()}
    assert id(made_after) in {id(o) for o in gc.get_objects()}


def test_keep_freezes_nothing_in_a_process_that_never_settled() -> None:
    unsettle()
    made = _Node()
    keep()
    assert id(made) in {id(o) for o in gc.get_objects()}


def test_no_collection_runs_inside_a_free_point_collector_but_where_it_is_asked(
    collections_seen: list[int],
) -> None:
    assert gc.isenabled()
    threshold = gc.get_threshold()[0]
    gc.collect()  # every generation's count from zero
    collections_seen.clear()
    with FreePointCollector() as collector:
        assert not gc.isenabled()
        garbage = [_Node() for _ in range(threshold * 5)]
        del garbage
        assert collections_seen == []  # automatic collection would have run several times
        collector.collect_if_due()
        assert collections_seen == [0]
        assert collector.collections == [1, 0, 0]
        collector.collect_if_due()  # nothing allocated since: not due
        assert collections_seen == [0]
    assert gc.isenabled()


def test_the_older_generations_are_collected_when_theirs_are_due(
    collections_seen: list[int],
) -> None:
    threshold0, threshold1, _ = gc.get_threshold()
    gc.collect()
    collections_seen.clear()
    with FreePointCollector() as collector:
        for _ in range(threshold1 + 1):
            keep = [_Node() for _ in range(threshold0 + 10)]
            collector.collect_if_due()
            del keep
    assert collections_seen.count(0) == threshold1
    assert collections_seen.count(1) == 1  # the youngest's count passed its threshold once


def test_a_collector_entered_with_collection_off_leaves_it_off() -> None:
    gc.disable()
    try:
        with FreePointCollector():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(("full_every_s", "full"), [(0.0, 1), (3600.0, 0)])
def test_the_oldest_generation_is_collected_at_most_every_so_often(
    collections_seen: list[int], full_every_s: float, full: int
) -> None:
    """A full collection walks everything the worker holds (0.4 s each with an import's rows):
    not every tenth collection of the middle one, as the thresholds alone would have it."""
    threshold0, threshold1, threshold2 = gc.get_threshold()
    gc.collect()
    collections_seen.clear()
    with FreePointCollector(full_every_s=full_every_s) as collector:
        for _ in range((threshold1 + 1) * (threshold2 + 1)):
            keep = [_Node() for _ in range(threshold0 + 10)]
            collector.collect_if_due()
            del keep
    assert collections_seen.count(2) == full
    assert collector.collections[2] == full
    assert collector.collections[1] >= threshold2
