"""Input checks shared by the routing and planning modules.

Hot paths call these once per request, never per element: each check is a handful of numpy
comparisons, so a bad index becomes a readable error instead of an IndexError deep in scipy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from lanyan.routing._errors import NodeOutOfRangeError, ShapeMismatchError


def check_node(node: int, n_nodes: int, *, what: str = "node") -> int:
    """Return ``node`` as an ``int`` or raise :class:`NodeOutOfRangeError`."""
    index = int(node)
    if not 0 <= index < n_nodes:
        raise NodeOutOfRangeError(
            f"路网节点 {index} 不存在（共 {n_nodes} 个节点）",
            f"{what} {index} is outside the graph (0..{n_nodes - 1})",
        )
    return index


def check_nodes(
    nodes: npt.ArrayLike, n_nodes: int, *, what: str = "nodes"
) -> npt.NDArray[np.int32]:
    """Return ``nodes`` as a contiguous int32 array, raising if any index is out of range.

    Negative values are rejected here; callers that use ``-1`` as "no node" filter it first.
    """
    array = np.ascontiguousarray(nodes, dtype=np.int64).ravel()
    if array.size and (int(array.min()) < 0 or int(array.max()) >= n_nodes):
        bad = int(array[(array < 0) | (array >= n_nodes)][0])
        raise NodeOutOfRangeError(
            f"路网节点 {bad} 不存在（共 {n_nodes} 个节点）",
            f"{what} contain {bad}, outside the graph (0..{n_nodes - 1})",
        )
    return array.astype(np.int32)


def check_same_length(what: str, *arrays: npt.NDArray[np.generic]) -> int:
    """Return the common length of ``arrays`` or raise :class:`ShapeMismatchError`."""
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ShapeMismatchError(
            f"{what} 的数组长度不一致：{sorted(lengths)}",
            f"{what}: arrays differ in length {sorted(lengths)}",
        )
    return lengths.pop()


def check_positive(value: float, *, what: str) -> float:
    """Return ``value`` as float if it is a finite positive number."""
    number = float(value)
    if not np.isfinite(number) or number <= 0:
        raise ShapeMismatchError(
            f"{what} 必须为正数，收到 {value}", f"{what} must be > 0, got {value}"
        )
    return number
