"""The backtest's arithmetic (hit rate, PAI, ties, windows) on hand-computed cases, and its
refusals; the real-data runs are in test_backtest_real.py."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from lanyan.risk.backtest import (
    BacktestResult,
    Window,
    data_end,
    hit_rate,
    pai,
    places,
    run_backtest,
    suggested_split,
    validation_starts,
    window_starts,
)
from lanyan.risk.calls import CallHistory
from lanyan.risk.forecast import ForecastParams


def test_hit_rate_and_pai_by_hand() -> None:
    # 20 cells; the top 10 % is 2 cells, the top 5 % one cell
    scores = np.array([9.0, 7.0, 5.0] + [0.0] * 17)
    actual = np.array([3.0, 1.0, 2.0] + [0.0] * 16 + [4.0])  # 10 calls in the window
    assert places(20, 0.10) == 2
    assert places(20, 0.05) == 1
    assert hit_rate(scores, actual, 0.10) == pytest.approx(0.4)  # cells 0, 1: 3 + 1 of 10
    assert hit_rate(scores, actual, 0.05) == pytest.approx(0.3)
    # PAI = hit rate / area share: 0.4 / (2 / 20) = 4; 0.3 / (1 / 20) = 6
    assert pai(0.4, 20, 0.10) == pytest.approx(4.0)
    assert pai(0.3, 20, 0.05) == pytest.approx(6.0)
    # calls outside the ranked cells count in the total: 4 of 12 calls
    assert hit_rate(scores, actual, 0.10, total=12) == pytest.approx(4 / 12)


def test_ties_at_the_cut_share_the_places() -> None:
    # top 10 % of 20 cells = 2 places; one cell above the cut, three tied for one place
    scores = np.array([5.0, 2.0, 2.0, 2.0] + [0.0] * 16)
    actual = np.array([4.0, 3.0, 0.0, 0.0] + [0.0] * 15 + [3.0])  # 10 calls
    # 4 + (3 + 0 + 0) * 1/3 = 5 calls expected under a random tie-break
    assert hit_rate(scores, actual, 0.10) == pytest.approx(0.5)
    # the order of tied cells changes nothing
    assert hit_rate(scores[::-1].copy(), actual[::-1].copy(), 0.10) == pytest.approx(0.5)
    # all-zero scores: the expected share of a random pick, 2/20 of the calls
    assert hit_rate(np.zeros(20), actual, 0.10) == pytest.approx(0.1)


def test_window_starts_and_validation() -> None:
    starts = window_starts(date(2025, 7, 1), date(2025, 7, 31), 7)
    assert starts == [date(2025, 7, 1) + timedelta(days=7 * i) for i in range(4)]
    assert window_starts(date(2025, 7, 1), date(2025, 7, 6), 7) == []
    history = _history([(date(2024, 1, 1) + timedelta(days=i), 0, 0) for i in range(0, 500, 3)])
    val = validation_starts(history, date(2025, 1, 1), 30)
    assert val[-1] + timedelta(days=30) == date(2025, 1, 1)  # ends at the split
    assert len(val) == 6  # half of 366 days before the split, in whole 30-day windows
    daily = window_starts(date(2025, 7, 1), date(2025, 7, 31), 7, stride=1)
    assert len(daily) == 25
    assert daily[-1] == date(2025, 7, 25)
    assert suggested_split(history) == date(2024, 12, 1)  # last call 2025-05-13


def _history(calls: list[tuple[date, int, int]], kind: str = "fire") -> CallHistory:
    """Calls at (day, i, j): ``i``, ``j`` steps of ~1.1 km east and north of a point."""
    return CallHistory(
        day=np.array([d.toordinal() for d, _, _ in calls], dtype=np.int64),
        lon=np.array([120.0 + 0.013 * i for _, i, _ in calls]),
        lat=np.array([30.0 + 0.01 * j for _, _, j in calls]),
        kind=tuple(kind for _ in calls),
        source="test",
    )


def test_summary_keys_and_honest_verdicts() -> None:
    rates = {
        "model": {"top5": 0.2, "top10": 0.3},
        "last_period": {"top5": 0.1, "top10": 0.2},
        "all_history": {"top5": 0.25, "top10": 0.35},
    }
    result = BacktestResult(
        split=date(2025, 7, 1),
        horizon=7,
        resolution=8,
        cells=40,
        train_calls=100,
        params=ForecastParams(),
        validation_windows=0,
        windows=[Window(date(2025, 7, 1), 10, rates)],
    )
    s = result.summary()
    for key in (
        "hit_rate_top10",
        "baseline_last_period_top10",
        "baseline_all_history_top10",
        "pai_top10",
        "cells",
        "hit_rate_top5",
        "baseline_last_period_top5",
        "baseline_all_history_top5",
        "pai_top5",
        "windows",
        "incidents",
    ):
        assert key in s
    assert s["pai_top10"] == pytest.approx(0.3 / (4 / 40))
    assert s["baseline_hit_rate_top10"] == 0.35
    assert s["beats_last_period_top10"] is True
    assert s["beats_all_history_top10"] is False
    assert s["no_worse_than_better_baseline_top10"] is False
    assert any("WORSE" in line and "all_history" in line for line in result.verdicts())


def test_refusals() -> None:
    history = _history([(date(2025, 1, 1) + timedelta(days=i), i % 3, 0) for i in range(60)])
    with pytest.raises(ValueError, match="之前没有警情"):
        run_backtest(history, date(2024, 1, 1))
    with pytest.raises(ValueError, match="不足一个完整"):
        run_backtest(history, date(2025, 2, 27), horizon=7)
    with pytest.raises(ValueError, match="分辨率"):
        run_backtest(history, date(2025, 2, 1), resolution=15)


def test_a_persistent_hot_spot_is_found() -> None:
    """Two years where one cell has half the calls: every method finds it. The rest is noise
    (both baselines are as good as any model there), so the model keeps its anchor."""
    rng = np.random.default_rng(7)
    calls = []
    for d in range(730):
        day = date(2024, 1, 1) + timedelta(days=d)
        for _ in range(rng.poisson(2.0)):
            calls.append((day, 0, 0))
        for _ in range(rng.poisson(2.0)):
            calls.append((day, int(rng.integers(1, 12)), int(rng.integers(0, 12))))
    result = run_backtest(_history(calls), date(2025, 7, 1), horizon=30, stride=30)
    s = result.summary()
    assert s["windows"] == 6
    assert s["hit_rate_top5"] >= 0.5  # the hot cell alone has half the calls
    # the model ranks like its anchor (the baseline better on validation) except where the
    # anchor's counts tie, and here the tie-break has nothing to find: within a point of it
    anchor = result.params.anchor
    assert anchor == "all_history"
    assert abs(s["hit_rate_top10"] - s["baseline_all_history_top10"]) < 0.01
    assert s["pai_top10"] > 1


def test_a_sparse_tail_is_left_out_of_the_test() -> None:
    """Two regular years then a few calls a quarter (the demo database's scenario calls after
    its history; an export that trails off): the default split and the test windows end with
    the regular data, and the output says how many calls it left out."""
    regular = [(date(2024, 1, 1) + timedelta(days=d), d % 7, d % 5) for d in range(731)]
    tail = [(date(2026, m, 10), 1, 1) for m in (1, 4, 7, 10)]
    history = _history(regular + tail)
    assert data_end(history) == date(2025, 12, 31)
    assert suggested_split(history) == date(2025, 7, 1)
    result = run_backtest(history, date(2025, 7, 1), horizon=30, stride=30)
    assert result.summary()["test_until"] == "2025-12-31"
    assert result.windows[-1].start + timedelta(days=29) <= date(2025, 12, 31)
    assert any("4 calls after 2025-12-31" in note for note in result.notes)
    # a file that stops on the 4th of a month is not a sparse tail: its days count
    stops = _history([(date(2024, 1, 1) + timedelta(days=d), 0, 0) for d in range(735)])
    assert data_end(stops) == stops.last_day == date(2026, 1, 4)
