"""Short-horizon hot-spot forecast: expected calls per H3 cell over the next 7 or 30 days.

The model is deliberately simple, because its only claim is what the backtest
(:mod:`lanyan.risk.backtest`) measures against the naive baselines. For a forecast made on day
``origin`` for the ``horizon`` days that follow, from the calls before ``origin`` only:

1. **Long-run rate** of each cell and call type group: calls per day since the history began,
   shrunk toward the cell's neighbourhood (the mean of its H3 disk of radius 1, seven cells):
   ``(n_c + a · m_c) / (1 + a)`` — a Gamma–Poisson posterior mean whose prior is the
   neighbourhood, worth ``a`` times the cell's own exposure. A cell with two calls in a quiet
   area is not ranked above a cell with one call in a busy one by chance alone.
2. **Recent rate**: calls per day weighted by ``exp(-ln 2 · age / half_life)``; blended with
   the long-run rate as ``(1 - w) · long_run + w · recent``.
3. **Calendar multiplier** per call type group: month of the year (season: the dry winter
   heating season for fires, summer for water rescues), day of the week, and Chinese holidays
   (除夕, 春节 days 1–7, 元宵, other public holidays). Each factor is a ratio of observed to
   expected calls in the history, shrunk toward 1 by :data:`SHRINK_CALLS` pseudo-calls, so a
   city with little history (or one that does not keep the Spring Festival) gets factors of ~1.
   The window's multiplier is the mean factor over its days divided by the mean over the
   history's days. Because it is per type group, it changes the *ranking* too: in the weeks of
   the Spring Festival, cells whose calls are mostly fires rise.

``expected[c] = horizon · Σ_g rate[g, c] · multiplier[g]``.

The parameters (``a``, ``w``, half-life, whether to split by type) are fixed
(:data:`DEFAULT_PARAMS`). What the *backtest* ranks cells by is decided by
:func:`lanyan.risk.backtest.tune` from the data before its split: the all-history count shrunk
toward a premises prior (``ForecastParams.prior``, :mod:`lanyan.risk.covariates`) where the
premises explain the calls, else the better baseline exactly — reweightings of the calls
themselves (this module's blends) did not beat the count by more than noise (docs/forecast.md).

API for the rest of the risk package (warnings, maps):

- :func:`forecast_cells` → :class:`CellForecast` (``cells``, ``expected``, ``usual``, ``top()``,
  ``spikes()``): computed on demand from a :class:`~lanyan.risk.calls.CallHistory` (nothing is
  stored; a forecast of a city's two years takes well under a second).
- :class:`Forecaster` precomputes a history once for many origins (the backtest uses it).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache

import numpy as np
import numpy.typing as npt
from scipy import sparse

from lanyan.risk import cells as h3cells
from lanyan.risk.calls import CallHistory
from lanyan.risk.covariates import fit_prior, posterior_mean

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int_]

SPRING_FESTIVAL: dict[int, date] = {
    y: date.fromisoformat(d)
    for y, d in {
        2000: "2000-02-05", 2001: "2001-01-24", 2002: "2002-02-12", 2003: "2003-02-01",
        2004: "2004-01-22", 2005: "2005-02-09", 2006: "2006-01-29", 2007: "2007-02-18",
        2008: "2008-02-07", 2009: "2009-01-26", 2010: "2010-02-14", 2011: "2011-02-03",
        2012: "2012-01-23", 2013: "2013-02-10", 2014: "2014-01-31", 2015: "2015-02-19",
        2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05",
        2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22",
        2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06",
        2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03", 2031: "2031-01-23",
        2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19", 2035: "2035-02-08",
        2036: "2036-01-28", 2037: "2037-02-15", 2038: "2038-02-04", 2039: "2039-01-24",
        2040: "2040-02-12",
    }.items()
}  # fmt: skip
"""春节 (first day of the first lunar month), Gregorian date, from the published lunar calendar
(紫金山天文台 almanac); years outside the table get no Spring Festival effect."""

HOLIDAY_KINDS = ("除夕", "春节", "元宵", "法定假日")
"""Holiday categories, each with its own factor (fireworks make 除夕 and 元宵 the peaks)."""

SHRINK_CALLS = 20.0
"""Pseudo-calls pulling every calendar factor toward 1: a factor moves far from 1 only when
hundreds of calls say so (20 is about a 20 % standard error, the Poisson noise of 25 calls)."""

MAX_GROUPS = 6
"""Call type groups: the five most frequent types and the rest ("其他"); rarer types have too
few calls per cell to have a season of their own."""

MIN_SEASON_DAYS = 330
"""Month factors need about a year of history; shorter histories use day-of-week and holiday
factors only."""


def holiday_kind(day: date) -> str | None:
    """The holiday category of a local day (see :data:`HOLIDAY_KINDS`), or ``None``."""
    festival = SPRING_FESTIVAL.get(day.year)
    if festival is not None:
        offset = (day - festival).days
        if offset == 14:
            return "元宵"
        if 0 <= offset <= 6:
            return "春节"
    nxt = SPRING_FESTIVAL.get(day.year + 1)
    if (festival is not None and (day - festival).days == -1) or (
        nxt is not None and (day - nxt).days == -1
    ):
        return "除夕"
    if (day.month, day.day) == (1, 1) or (day.month == 5 and day.day <= 5):
        return "法定假日"
    if day.month == 10 and day.day <= 7:
        return "法定假日"
    from lanyan.core.workdays import calendar

    if day in calendar().holidays:
        return "法定假日"
    return None


@dataclass(frozen=True)
class ForecastParams:
    """The model's knobs (see the module docstring); chosen by validation, not by hand."""

    neighbour_weight: float = 1.0
    """``a``: how much the H3 neighbourhood's mean counts beside the cell's own history."""
    recent_weight: float = 0.5
    """``w``: share of the exponentially decayed recent rate in the blend."""
    half_life_days: float = 365.0
    by_type: bool = True
    """Rates and calendar factors per call type group (else all calls as one group)."""
    anchor: str = ""
    """``""``: cells are ranked by the expected calls. ``"all_history"`` or ``"last_period"``:
    ranked first by that count and only then by the expected calls — the forecast breaks the
    count's ties (the "anchored" model, which tuning falls back to when no blend is clearly
    better on validation; see :func:`lanyan.risk.backtest.tune`)."""

    tie_break: bool = True
    """With an anchor: whether the expected calls break the anchor's ties (else the ranking is
    the anchor's own, ties and all)."""

    prior: bool = False
    """Rank by the all-history count shrunk toward the prior of the point layers the
    :class:`Forecaster` was given (premises by kind; :mod:`lanyan.risk.covariates`), the
    Gamma–Poisson posterior mean. Takes precedence over ``anchor``; without layers the
    posterior is increasing in the count, i.e. the all-history ranking."""

    def label(self) -> str:
        if self.prior:
            return "empirical Bayes: all-history count, prior from the premises layers"
        if self.anchor and not self.tie_break:
            return f"anchor={self.anchor} (no tie-break)"
        text = (
            f"a={self.neighbour_weight:g} w={self.recent_weight:g} "
            f"half-life={self.half_life_days:g}d by_type={self.by_type}"
        )
        return f"anchor={self.anchor} + {text}" if self.anchor else text


DEFAULT_PARAMS = ForecastParams(
    neighbour_weight=1.0, recent_weight=0.5, half_life_days=365.0, by_type=True
)
"""The forecast's parameters (expected counts, spike warnings): the neighbourhood weighs as much
as the cell, the last year or so half of the rate, rates and calendar per type group. As a
tie-breaker of the all-history count it gained 0.10 points of top-10 % hit rate on average over
18 backtests but was once 0.01 points below the count, so the backtest no longer uses it as its
fallback (docs/forecast.md)."""


class Calendar:
    """Calendar factors per type group, estimated from the daily counts before an origin."""

    def __init__(
        self,
        first_day: int,
        daily: FloatArray,
        until: int,
        keys: tuple[IntArray, IntArray, IntArray] | None = None,
    ) -> None:
        """``daily[g, i]``: calls of group ``g`` on day ``first_day + i``; use days < ``until``.
        ``keys``: :func:`day_keys` from ``first_day`` on, if the caller has them already."""
        n_days = max(until - first_day, 1)
        y = daily[:, :n_days]
        if y.shape[1] < n_days:  # an origin after the last call: the days between had none
            y = np.pad(y, ((0, 0), (0, n_days - y.shape[1])))
        self._use_month = n_days >= MIN_SEASON_DAYS
        if keys is not None and len(keys[0]) >= n_days:
            month, dow, hol = (k[:n_days] for k in keys)
        else:
            month, dow, hol = day_keys(first_day, n_days)
        groups = y.shape[0]
        self.month_f = np.ones((groups, 12))
        self.dow_f = np.ones((groups, 7))
        self.hol_f = np.ones((groups, len(HOLIDAY_KINDS) + 1))  # last: an ordinary day
        for _ in range(2):  # backfitting: each factor given the others
            for g in range(groups):
                base = y[g].sum() / n_days
                if base <= 0:
                    continue
                if self._use_month:
                    fit = base * self.dow_f[g, dow] * self.hol_f[g, hol]
                    self.month_f[g] = _ratio(y[g], fit, month, 12)
                fit = base * self.month_f[g, month] * self.hol_f[g, hol]
                self.dow_f[g] = _ratio(y[g], fit, dow, 7)
                fit = base * self.month_f[g, month] * self.dow_f[g, dow]
                f = _ratio(y[g], fit, hol, len(HOLIDAY_KINDS) + 1)
                f[-1] = 1.0
                self.hol_f[g] = f
        self._train_mean = self._factor(month, dow, hol).mean(axis=1)

    def _factor(
        self, month: npt.NDArray[np.int_], dow: npt.NDArray[np.int_], hol: npt.NDArray[np.int_]
    ) -> FloatArray:
        return np.asarray(self.month_f[:, month] * self.dow_f[:, dow] * self.hol_f[:, hol])

    def multiplier(self, origin: date, horizon: int) -> FloatArray:
        """Per group: the window's mean calendar factor relative to the history's mean."""
        month, dow, hol = day_keys(origin.toordinal(), horizon)
        window = self._factor(month, dow, hol).mean(axis=1)
        return np.asarray(window / np.where(self._train_mean > 0, self._train_mean, 1.0))


def day_keys(first: int, count: int) -> tuple[IntArray, IntArray, IntArray]:
    """Month (0–11), weekday (0 = Monday) and holiday index (:data:`HOLIDAY_KINDS`, or its
    length for an ordinary day) of ``count`` days from the ordinal ``first``."""
    keys = [_keys_of(first + i) for i in range(count)]
    return (
        np.array([k[0] for k in keys], dtype=np.int64),
        np.array([k[1] for k in keys], dtype=np.int64),
        np.array([k[2] for k in keys], dtype=np.int64),
    )


@lru_cache(maxsize=65536)
def _keys_of(ordinal: int) -> tuple[int, int, int]:
    day = date.fromordinal(ordinal)
    kind = holiday_kind(day)
    return day.month - 1, day.weekday(), HOLIDAY_KINDS.index(kind) if kind else len(HOLIDAY_KINDS)


def _ratio(y: FloatArray, fit: FloatArray, key: npt.NDArray[np.int_], size: int) -> FloatArray:
    obs = np.bincount(key, weights=y, minlength=size)
    exp = np.bincount(key, weights=fit, minlength=size)
    return np.asarray((obs + SHRINK_CALLS) / (exp + SHRINK_CALLS))


@dataclass(frozen=True)
class CellForecast:
    """Expected calls per cell in ``[origin, origin + horizon)``."""

    origin: date
    horizon: int
    resolution: int
    cells: tuple[str, ...]
    expected: FloatArray
    """The forecast: expected calls in the window."""
    usual: FloatArray
    """The cell's long-run calls per ``horizon`` days (no season, no recent activity): what a
    spike is measured against."""
    params: ForecastParams
    score: FloatArray
    """What cells are ranked by: ``expected``, or the anchor's count with ``expected`` breaking
    its ties (see :attr:`ForecastParams.anchor`)."""

    def top(self, share: float = 0.10) -> list[str]:
        """The ``share`` of cells ranked highest by :attr:`score`, highest first."""
        k = max(1, round(share * len(self.cells)))
        order = np.argsort(-self.score, kind="stable")[:k]
        return [self.cells[i] for i in order]

    def spikes(self, *, ratio: float = 1.5, min_expected: float = 1.0) -> list[dict[str, object]]:
        """Cells whose forecast is at least ``ratio`` × their usual level and ``min_expected``
        calls: the "forecast spike" warning's candidates, highest ratio first."""
        out = []
        for i, cell in enumerate(self.cells):
            exp, usual = float(self.expected[i]), float(self.usual[i])
            if exp >= min_expected and exp >= ratio * max(usual, 1e-9):
                out.append(
                    {
                        "cell": cell,
                        "expected": round(exp, 2),
                        "usual": round(usual, 2),
                        "ratio": round(exp / usual, 2) if usual > 0 else None,
                    }
                )
        out.sort(key=lambda r: -(r["ratio"] or math.inf))  # type: ignore[operator]
        return out


class Forecaster:
    """A history indexed once by cell and type group, forecasting for any origin after it.

    ``universe`` fixes the cells that are ranked (default: every cell with a call in the
    history); calls outside it are still counted in the daily totals (calendar factors).
    """

    def __init__(
        self,
        history: CallHistory,
        *,
        resolution: int = h3cells.DEFAULT_RESOLUTION,
        universe: list[str] | None = None,
        layers: FloatArray | None = None,
    ) -> None:
        """``layers``: ``[cell, layer]`` points per ranked cell (:func:`~lanyan.risk.covariates.
        layer_matrix` over ``universe``), the prior of :attr:`ForecastParams.prior`."""
        h3cells.check_resolution(resolution)
        if len(history) == 0:
            raise ValueError("没有警情历史，无法预测 / no call history to forecast from")
        self.history = history
        self.resolution = resolution
        call_cells = h3cells.cells_of(history.lon, history.lat, resolution)
        self.cells = tuple(universe if universe is not None else h3cells.unique(call_cells))
        if layers is not None and layers.shape[0] != len(self.cells):
            raise ValueError("layers must have one row per ranked cell")
        self.layers = layers
        where = {c: i for i, c in enumerate(self.cells)}
        self.cell_idx = np.array([where.get(c, -1) for c in call_cells], dtype=np.int64)
        common = [k for k, _ in Counter(history.kind).most_common(MAX_GROUPS - 1)]
        self.group_names = (*common, "其他")
        gmap = {k: i for i, k in enumerate(common)}
        self.group_idx = np.array([gmap.get(k, len(common)) for k in history.kind], np.int64)
        self.first_day = int(history.day.min())
        self.day = history.day
        n_days = int(history.day.max()) - self.first_day + 1
        self.daily = np.zeros((len(self.group_names), n_days))
        np.add.at(self.daily, (self.group_idx, history.day - self.first_day), 1.0)
        self._calendars: dict[int, Calendar] = {}
        self._keys = day_keys(self.first_day, n_days + 1)
        self._counts_cache: dict[tuple[int, bool, float | None], FloatArray] = {}

    @cached_property
    def neighbours(self) -> sparse.csr_matrix:
        """Row-normalised H3 disk (radius 1) over the universe: cells outside count as zero."""
        rows, cols, vals = [], [], []
        where = {c: i for i, c in enumerate(self.cells)}
        for i, cell in enumerate(self.cells):
            ring = h3cells.disk(cell, 1)
            for n in ring:
                j = where.get(n)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
                    vals.append(1.0 / len(ring))
        size = len(self.cells)
        return sparse.csr_matrix((vals, (rows, cols)), shape=(size, size))

    def _upto(self, origin: date) -> int:
        return int(np.searchsorted(self.day, origin.toordinal(), side="left"))

    def counts(self, origin: date, *, since: date | None = None) -> FloatArray:
        """Calls per ranked cell in ``[since, origin)`` (all history if ``since`` is None)."""
        stop = self._upto(origin)
        start = self._upto(since) if since is not None else 0
        idx = self.cell_idx[start:stop]
        idx = idx[idx >= 0]
        return np.bincount(idx, minlength=len(self.cells)).astype(np.float64)

    def calendar(self, origin: date) -> Calendar:
        key = origin.toordinal()
        cal = self._calendars.get(key)
        if cal is None:
            cal = self._calendars[key] = Calendar(self.first_day, self.daily, key, self._keys)
        return cal

    def _group_counts(self, origin: date, by_type: bool, half_life: float | None) -> FloatArray:
        key = (origin.toordinal(), by_type, half_life)
        cached = self._counts_cache.get(key)
        if cached is None:
            cached = self._counts_cache[key] = self._count_groups(origin, by_type, half_life)
        return cached

    def forget(self) -> None:
        """Drop the per-origin caches (tuning fills them for many origins)."""
        self._counts_cache.clear()
        self._calendars.clear()

    def _count_groups(self, origin: date, by_type: bool, half_life: float | None) -> FloatArray:
        stop = self._upto(origin)
        idx = self.cell_idx[:stop]
        keep = idx >= 0
        groups = len(self.group_names) if by_type else 1
        g = self.group_idx[:stop][keep] if by_type else np.zeros(int(keep.sum()), np.int64)
        flat = g * len(self.cells) + idx[keep]
        weights = None
        if half_life is not None:
            age = origin.toordinal() - 1 - self.day[:stop][keep]
            weights = np.exp(-math.log(2) * age / half_life)
        out = np.bincount(flat, weights=weights, minlength=groups * len(self.cells))
        return out.astype(np.float64).reshape(groups, len(self.cells))

    def components(self, origin: date, params: ForecastParams) -> tuple[FloatArray, FloatArray]:
        """(long-run daily rate, recent daily rate), each ``[group, cell]``, before ``origin``."""
        exposure = max(origin.toordinal() - self.first_day, 1)
        n = self._group_counts(origin, params.by_type, None)
        if params.neighbour_weight > 0:
            key = (origin.toordinal(), params.by_type, -1.0)
            m = self._counts_cache.get(key)
            if m is None:
                m = self._counts_cache[key] = np.asarray((self.neighbours @ n.T).T)
            n = (n + params.neighbour_weight * m) / (1 + params.neighbour_weight)
        long_run = n / exposure
        if params.recent_weight <= 0:
            return long_run, np.zeros_like(long_run)
        decayed = self._group_counts(origin, params.by_type, params.half_life_days)
        ages = np.arange(exposure)
        norm = np.exp(-math.log(2) * ages / params.half_life_days).sum()
        return long_run, decayed / norm

    def _pooled(self, multiplier: FloatArray, origin: date) -> float:
        """The groups' multipliers averaged by their share of the calls before ``origin`` (the
        one-group model's multiplier)."""
        share = self.daily[:, : max(origin.toordinal() - self.first_day, 0)].sum(axis=1)
        return float((multiplier * share).sum() / max(share.sum(), 1.0))

    def predict(
        self,
        origin: date,
        horizon: int,
        params: ForecastParams,
        *,
        data_end: date | None = None,
    ) -> CellForecast:
        """The forecast for ``[origin, origin + horizon)`` from the calls before ``data_end``
        (default ``origin``; earlier when the data stops before the forecast starts)."""
        known = data_end or origin
        long_run, recent = self.components(known, params)
        rate = (1 - params.recent_weight) * long_run + params.recent_weight * recent
        cal = self.calendar(known).multiplier(origin, horizon)
        mult = cal if params.by_type else np.array([self._pooled(cal, known)])
        expected = horizon * (mult[:, None] * rate).sum(axis=0)
        allh = self._group_counts(known, False, None)[0]
        usual = horizon * allh / max(known.toordinal() - self.first_day, 1)
        score = expected
        if params.prior:
            score = posterior_mean(allh, fit_prior(allh, self.layers))
        elif params.anchor:
            count = allh
            if params.anchor == "last_period":
                count = self.counts(known, since=known - timedelta(days=horizon))
            # expected / (2 max) < 1 never reorders different whole counts, only breaks ties
            score = count
            if params.tie_break:
                score = count + 0.5 * expected / max(float(expected.max()), 1e-12)
        return CellForecast(
            origin=origin,
            horizon=horizon,
            resolution=self.resolution,
            cells=self.cells,
            expected=np.asarray(expected, dtype=np.float64),
            usual=usual,
            params=params,
            score=np.asarray(score, dtype=np.float64),
        )


def forecast_cells(
    history: CallHistory,
    *,
    origin: date | None = None,
    horizon: int = 7,
    resolution: int = h3cells.DEFAULT_RESOLUTION,
    params: ForecastParams = DEFAULT_PARAMS,
) -> CellForecast:
    """Expected calls per cell for the ``horizon`` days from ``origin`` (default: the day after
    the last call), from the calls before ``origin``.

    When the data stops well before ``origin`` (the demo's history ends with last year; an
    import lags), the rates are learnt up to the last call and only the calendar of the
    forecast window is applied: a gap in the data is not read as weeks without calls.
    """
    if horizon < 1:
        raise ValueError("horizon must be at least one day")
    start = origin or (history.last_day + timedelta(days=1))
    known = history.before(start)
    if len(known) == 0:
        raise ValueError("预测起始日之前没有警情 / no calls before the forecast's first day")
    end = min(start, known.last_day + timedelta(days=1))
    return Forecaster(known, resolution=resolution).predict(start, horizon, params, data_end=end)
