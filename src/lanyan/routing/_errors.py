"""Errors raised by the routing core.

The routing core imports nothing from the rest of Lanyan, so it carries its own small error family.
Each error holds a Chinese ``detail`` and an English ``detail_en`` like the domain errors in
``lanyan.core.errors``, so the API layer can map them to problem+json without reformatting.
"""

from __future__ import annotations


class RoutingError(ValueError):
    """Base of the routing core's errors; ``detail`` is Chinese, ``detail_en`` English."""

    def __init__(self, detail: str, detail_en: str) -> None:
        super().__init__(detail_en)
        self.detail = detail
        self.detail_en = detail_en


class GraphBuildError(RoutingError):
    """The OSM extract could not be turned into a usable road graph."""


class GraphCacheError(RoutingError):
    """A cached graph file is unreadable or was written by another format version."""


class NodeOutOfRangeError(RoutingError):
    """A node index does not exist in the graph (usually a stale index after a graph rebuild)."""


class ShapeMismatchError(RoutingError):
    """Arrays handed to the core disagree in length or shape."""
