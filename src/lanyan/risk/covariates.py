"""Where calls are likely before they happen: point layers (premises by kind) as a prior for the
hot-spot ranking, by empirical Bayes.

Why: ranking cells by their past counts is very hard to beat (docs/forecast.md), because a
count is the maximum-likelihood estimate of a cell's rate and every other ranking must get its
edge from information the count does not have. Reweighting the same calls (recency, a spatial
kernel, the season's type mix) was tried and was no better on average than noise; what the count
lacks is *where the city is* — the premises a fire can start in. Risk terrain modelling and the
fire-risk literature use such layers as covariates; here they enter as the prior of a
Gamma–Poisson model, so a cell's own calls still weigh most wherever it has many.

The model, for the calls ``n_c`` of cell ``c`` before an origin:

- prior mean ``μ_c = X_c · β`` with ``X_c`` = 1 and the number of points of each layer in the
  cell (layers scaled so that one coefficient is "calls per point"), ``β ≥ 0`` fitted by
  non-negative least squares on the same counts;
- ``n_c | Λ_c ~ Poisson(Λ_c)``, ``Λ_c ~ Gamma(shape κ, mean μ_c)``; ``κ`` by maximum
  likelihood of the counts' negative-binomial marginal given ``μ`` (``Var n = μ + μ²/κ``: the
  less the counts scatter beyond Poisson around the prior, the larger ``κ``);
- the ranking score is the posterior mean ``E[Λ_c | n_c] = (n_c + κ) / (1 + κ / μ_c)``: the
  count pulled toward what the cell's premises predict, the less the noisier the counts are
  around that prediction.

With a constant prior (no layers) the posterior mean is increasing in ``n_c``: the ranking is
the all-history count's, so the layers are the only thing the model adds. :func:`covariate_test`
says whether they add anything at all — a likelihood-ratio test of the negative-binomial
marginal likelihood with and without them, on the training counts only. A layer unrelated to
where calls happen (a city whose premises are not in Lanyan, a random layer) fails the test
and the backtest falls back to the baseline, saying so.

API: :class:`PointLayer`, :func:`premises_layers` (from the database), :func:`layer_matrix`,
:func:`fit_prior`, :func:`posterior_mean`, :func:`covariate_test`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.risk import cells as h3cells

FloatArray = npt.NDArray[np.float64]

MIN_LAYER_POINTS = 5
"""A kind of premises with fewer points than this joins the layer "其他场所": one coefficient
per three hospitals would be fitted to noise."""

TEST_P_VALUE = 0.01
"""The layers are used only if the likelihood-ratio test rejects "they say nothing about where
calls are" at this level (on the demo city: p < 1e-10; on a random layer it passes once in a
hundred runs)."""

MAX_KAPPA = 1e4
"""Cap of the prior's shape: counts exactly as dispersed as Poisson around the prior would make
it infinite and the prior alone rank the cells; the cap keeps the cell's own calls in play."""


@dataclass(frozen=True)
class PointLayer:
    """Points of one kind (e.g. the premises of one venue type), WGS-84."""

    name: str
    lon: FloatArray
    lat: FloatArray

    def __len__(self) -> int:
        return len(self.lon)


def premises_layers(session: Session) -> list[PointLayer]:
    """The premises of the database as one layer per venue type (rare types pooled).

    All jurisdictions: the backtest is a detachment-wide check, like
    :func:`lanyan.risk.calls.history_from_db`."""
    from lanyan.prevention.models import Premises

    groups: dict[str, list[tuple[float, float]]] = {}
    for venue, lon, lat in session.execute(
        select(Premises.venue_type, Premises.lon, Premises.lat).order_by(Premises.id)
    ):
        if lon is None or lat is None:
            continue
        groups.setdefault(str(getattr(venue, "value", venue)), []).append((float(lon), float(lat)))
    return group_layers(groups)


def group_layers(groups: dict[str, list[tuple[float, float]]]) -> list[PointLayer]:
    """One layer per group of at least :data:`MIN_LAYER_POINTS` points, the rest pooled as
    "其他场所", in a stable order."""
    layers: list[PointLayer] = []
    rest: list[tuple[float, float]] = []
    for name in sorted(groups):
        points = groups[name]
        if len(points) < MIN_LAYER_POINTS:
            rest.extend(points)
            continue
        layers.append(_layer(name, points))
    if rest:
        layers.append(_layer("其他场所", rest))
    return layers


def _layer(name: str, points: Sequence[tuple[float, float]]) -> PointLayer:
    return PointLayer(
        name,
        np.array([p[0] for p in points], dtype=np.float64),
        np.array([p[1] for p in points], dtype=np.float64),
    )


def layer_matrix(layers: Sequence[PointLayer], cells: Sequence[str], resolution: int) -> FloatArray:
    """``[cell, layer]``: how many points of each layer lie in each of ``cells``."""
    where = {c: i for i, c in enumerate(cells)}
    out = np.zeros((len(cells), len(layers)))
    for k, layer in enumerate(layers):
        for cell in h3cells.cells_of(layer.lon, layer.lat, resolution):
            i = where.get(cell)
            if i is not None:
                out[i, k] += 1.0
    return out


@dataclass(frozen=True)
class PriorFit:
    """A fitted prior: its mean per cell and its shape."""

    mean: FloatArray
    kappa: float
    coef: FloatArray


def _design(x: FloatArray) -> FloatArray:
    """The constant and the layers, each layer scaled to unit mean (conditioning only)."""
    scale = x.mean(axis=0)
    scaled = x / np.where(scale > 0, scale, 1.0)
    return np.column_stack([np.ones(len(x)), scaled])


def fit_prior(n: FloatArray, x: FloatArray | None) -> PriorFit:
    """The prior for counts ``n`` (per cell) from layers ``x`` (``[cell, layer]``, or None for a
    constant prior)."""
    total = float(n.sum())
    design = np.ones((len(n), 1)) if x is None or x.shape[1] == 0 else _design(x)
    coef, _ = optimize.nnls(design, n)
    floor = max(1e-3 * total / max(len(n), 1), 1e-9)
    mean = np.maximum(design @ coef, floor)
    return PriorFit(mean=mean, kappa=_ml_kappa(n, mean), coef=coef)


def _ml_kappa(n: FloatArray, mean: FloatArray) -> float:
    """The prior's shape by maximum likelihood given its mean (bounded to [1e-3,
    :data:`MAX_KAPPA`]): a method-of-moments shape made the likelihood-ratio test reject a random
    layer several times more often than its level."""

    def minus_ll(log_k: float) -> float:
        return -nb_loglik(n, PriorFit(mean=mean, kappa=math.exp(log_k), coef=np.zeros(0)))

    best = optimize.minimize_scalar(
        minus_ll, bounds=(math.log(1e-3), math.log(MAX_KAPPA)), method="bounded"
    )
    return float(math.exp(best.x))


def posterior_mean(n: FloatArray, prior: PriorFit) -> FloatArray:
    """``E[Λ | n] = (n + κ) / (1 + κ / μ)`` per cell."""
    k = prior.kappa
    return np.asarray((n + k) / (1.0 + k / prior.mean), dtype=np.float64)


def nb_loglik(n: FloatArray, prior: PriorFit) -> float:
    """Negative-binomial (Gamma–Poisson marginal) log-likelihood of the counts under a prior."""
    k, m = prior.kappa, prior.mean
    ll = (
        special.gammaln(n + k)
        - special.gammaln(k)
        - special.gammaln(n + 1)
        + k * np.log(k / (k + m))
        + n * np.log(m / (k + m))
    )
    return float(ll.sum())


@dataclass(frozen=True)
class CovariateTest:
    """Do the layers say where calls are? A likelihood-ratio test on the training counts."""

    lr: float
    df: int
    p_value: float
    kappa_without: float
    kappa_with: float

    @property
    def useful(self) -> bool:
        return self.df > 0 and self.p_value < TEST_P_VALUE

    def as_dict(self) -> dict[str, float | int | bool]:
        return {
            "lr": round(self.lr, 1),
            "df": self.df,
            "p_value": float(f"{self.p_value:.3g}"),
            "kappa_without": round(self.kappa_without, 2),
            "kappa_with": round(self.kappa_with, 2),
            "useful": self.useful,
        }


def covariate_test(n: FloatArray, x: FloatArray | None) -> CovariateTest:
    """Likelihood-ratio test of the prior with the layers against the constant prior, ``df`` =
    the layers that hold at least one point in the ranked cells."""
    without = fit_prior(n, None)
    if x is None:
        return CovariateTest(0.0, 0, 1.0, without.kappa, without.kappa)
    present = x[:, x.sum(axis=0) > 0]
    if present.shape[1] == 0:
        return CovariateTest(0.0, 0, 1.0, without.kappa, without.kappa)
    with_ = fit_prior(n, present)
    lr = max(2.0 * (nb_loglik(n, with_) - nb_loglik(n, without)), 0.0)
    df = present.shape[1]
    p = float(stats.chi2.sf(lr, df)) if math.isfinite(lr) else 0.0
    return CovariateTest(lr, df, p, without.kappa, with_.kappa)
