"""Premises scores from their inputs: arrays in, points per indicator out (no database here).

:func:`score_inputs` turns :class:`~lanyan.risk.inputs.PremisesInputs` into a points matrix
(premises × indicator) with numpy, one column per row of the indicator table, sums it, caps at
100 and grades the level. :func:`factors_json` is what a score row keeps: every indicator's
input and points, so the page can say why a premises is red.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lanyan.risk.choices import RiskLevel
from lanyan.risk.indicators import Indicator, RiskTable, level_of
from lanyan.risk.inputs import FloatArray, PremisesInputs

TravelFn = Callable[[FloatArray, FloatArray], FloatArray]
"""(lon, lat) arrays → seconds from the nearest station (``nan`` where unknown)."""

SCORE_CAP = 100.0


@dataclass
class Scored:
    """The points matrix and its sums for a batch of premises."""

    keys: list[str]
    values: list[list[object]]
    """Per indicator, the input value of each premises (``None`` unknown)."""
    points: npt.NDArray[np.float64]
    """(n_indicators, n_premises)."""
    score: FloatArray
    levels: list[RiskLevel]


def indicator_points(ind: Indicator, values: list[object]) -> FloatArray:
    """The points ``ind`` gives each value."""
    if ind.kind == "map":
        return np.array([ind.points.get(str(v), 0.0) if v else 0.0 for v in values])
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)  # type: ignore[arg-type]
    if ind.kind == "per":
        return np.minimum(ind.cap, ind.per * np.nan_to_num(arr, nan=0.0))
    out = np.zeros(len(arr), dtype=np.float64)
    known = ~np.isnan(arr)
    for threshold, pts in ind.steps:
        out[known & (arr >= threshold)] = pts
    out[~known] = ind.missing
    return out


def _values(data: PremisesInputs, key: str) -> list[object]:
    if key in data.categorical:
        return list(data.categorical[key])
    arr = data.numeric[key]
    return [None if math.isnan(v) else round(float(v), 1) for v in arr.tolist()]


def score_inputs(data: PremisesInputs, table: RiskTable) -> Scored:
    """Points of every indicator for every premises, the capped sum and the level."""
    keys = [ind.key for ind in table.indicators]
    values = [_values(data, key) for key in keys]
    if len(data) == 0:
        points = np.zeros((len(keys), 0))
    else:
        points = np.vstack(
            [
                indicator_points(ind, vals)
                for ind, vals in zip(table.indicators, values, strict=True)
            ]
        )
    score = np.round(np.minimum(SCORE_CAP, points.sum(axis=0)), 2)
    levels = [level_of(float(s), table.level_cuts) for s in score.tolist()]
    return Scored(keys, values, points, score, levels)


def factors_json(scored: Scored, i: int) -> dict[str, list[object]]:
    """Indicator key → [input, points] of premises ``i`` (every indicator, zero points too)."""
    return {
        key: [scored.values[k][i], round(float(scored.points[k, i]), 2)]
        for k, key in enumerate(scored.keys)
    }


def all_factors(scored: Scored) -> list[dict[str, list[object]]]:
    """:func:`factors_json` of every premises at once (plain lists: no numpy scalar per item)."""
    points = np.round(scored.points, 2).T.tolist()
    columns = list(zip(*scored.values, strict=True)) if scored.values else []
    keys = scored.keys
    return [
        {key: [row_values[k], row_points[k]] for k, key in enumerate(keys)}
        for row_values, row_points in zip(columns, points, strict=True)
    ]
