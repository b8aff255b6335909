"""The forecast's mechanics on synthetic counts: the Chinese holiday calendar, season and
holiday factors, how they move the ranking of cells, recent activity, and the API the
warnings use (top cells, spikes). Its quality on real calls is test_backtest_real.py's."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from lanyan.demo.history import SPRING_FESTIVAL as DEMO_SPRING_FESTIVAL
from lanyan.risk import cells as h3cells
from lanyan.risk.calls import CallHistory
from lanyan.risk.forecast import (
    SPRING_FESTIVAL,
    Forecaster,
    ForecastParams,
    forecast_cells,
    holiday_kind,
)

FIRE_CELL = (120.0, 30.0)
RESCUE_CELL = (120.05, 30.0)


def test_spring_festival_table_and_holidays() -> None:
    for year, day in DEMO_SPRING_FESTIVAL.items():
        assert SPRING_FESTIVAL[year] == day
    assert holiday_kind(date(2026, 2, 16)) == "除夕"
    assert holiday_kind(date(2026, 2, 17)) == "春节"
    assert holiday_kind(date(2026, 2, 23)) == "春节"
    assert holiday_kind(date(2026, 3, 3)) == "元宵"
    assert holiday_kind(date(2025, 1, 28)) == "除夕"  # eve of 2025-01-29
    assert holiday_kind(date(2025, 10, 3)) == "法定假日"
    assert holiday_kind(date(2025, 5, 31)) == "法定假日"  # 端午 2025, from the State Council
    assert holiday_kind(date(2025, 3, 12)) is None


def _calls(spec: list[tuple[date, tuple[float, float], str, int]]) -> CallHistory:
    days, lon, lat, kind = [], [], [], []
    for day, (x, y), k, n in spec:
        for _ in range(n):
            days.append(day.toordinal())
            lon.append(x)
            lat.append(y)
            kind.append(k)
    order = np.argsort(days, kind="stable")
    return CallHistory(
        day=np.array(days, dtype=np.int64)[order],
        lon=np.array(lon)[order],
        lat=np.array(lat)[order],
        kind=tuple(kind[i] for i in order),
        source="synthetic",
    )


def _two_years() -> CallHistory:
    """2024-01-01 to 2026-02-13: fires at one cell (winter peak, five times the usual on each
    Spring Festival's eve and days), water rescues at another (summer peak)."""
    spec = []
    start = date(2024, 1, 1)
    for d in range((date(2026, 2, 14) - start).days):
        day = start + timedelta(days=d)
        winter = day.month in (12, 1, 2)
        summer = day.month in (6, 7, 8)
        fires = 3 if winter else 1
        if holiday_kind(day) in ("除夕", "春节"):
            fires = 15
        spec.append((day, FIRE_CELL, "fire", fires))
        spec.append((day, RESCUE_CELL, "rescue", 3 if summer else 1))
    return _calls(spec)


def test_calendar_learns_season_and_spring_festival() -> None:
    history = _two_years()
    fc = Forecaster(history)
    fire = fc.group_names.index("fire")
    rescue = fc.group_names.index("rescue")
    cal = fc.calendar(date(2026, 2, 14))
    assert cal.month_f[fire, 0] > 1.5 > cal.month_f[fire, 4]  # January vs May
    assert cal.month_f[rescue, 6] > 1.5 > cal.month_f[rescue, 0]  # July vs January
    spring = 1  # HOLIDAY_KINDS.index("春节")
    assert cal.hol_f[fire, spring] > 2.0
    assert cal.hol_f[rescue, spring] == pytest.approx(1.0, abs=0.3)
    # the window of the 2026 Spring Festival is a multiple of the usual for fires only
    festival = cal.multiplier(date(2026, 2, 15), 7)
    assert festival[fire] > 3.0
    assert festival[rescue] < 1.0


def test_season_and_holiday_move_the_ranking() -> None:
    history = _two_years()
    fire_id = h3cells.cell_of(*FIRE_CELL)
    rescue_id = h3cells.cell_of(*RESCUE_CELL)
    params = ForecastParams(neighbour_weight=0.0, recent_weight=0.0, by_type=True)
    winter = forecast_cells(history, origin=date(2026, 2, 14), horizon=7, params=params)
    summer = forecast_cells(history, origin=date(2026, 7, 1), horizon=30, params=params)
    assert winter.top(0.5) == [fire_id]
    assert summer.top(0.5) == [rescue_id]
    i = winter.cells.index(fire_id)
    assert winter.expected[i] > 3 * winter.usual[i]
    # one group (by_type False): the calendar scales every cell alike, so the cell with more
    # calls over the years (the fire cell) stays first in summer too
    pooled = forecast_cells(
        history, origin=date(2026, 7, 1), horizon=30, params=ForecastParams(by_type=False)
    )
    assert pooled.top(0.5) == [fire_id]


def test_spikes_for_the_warning_rule() -> None:
    history = _two_years()
    fc = forecast_cells(
        history,
        origin=date(2026, 2, 14),
        horizon=7,
        params=ForecastParams(recent_weight=0.0, neighbour_weight=0.0),
    )
    spikes = fc.spikes(ratio=2.0, min_expected=3.0)
    assert [s["cell"] for s in spikes] == [h3cells.cell_of(*FIRE_CELL)]
    ratio = spikes[0]["ratio"]
    assert isinstance(ratio, float)
    assert ratio >= 2.0


def test_recent_activity_raises_a_new_hot_spot() -> None:
    """A cell quiet for a year that has had calls every day for a month rises above a cell
    with the same yearly total spread evenly, when the recent weight is on."""
    spec = []
    start = date(2025, 1, 1)
    old = (120.1, 30.1)
    new = (120.2, 30.1)
    for d in range(365):
        day = start + timedelta(days=d)
        spec.append((day, old, "fire", 1))
        if d >= 335:
            spec.append((day, new, "fire", 12))
    history = _calls(spec)
    plain = forecast_cells(
        history, horizon=7, params=ForecastParams(recent_weight=0.0, neighbour_weight=0.0)
    )
    recent = forecast_cells(
        history,
        horizon=7,
        params=ForecastParams(recent_weight=0.5, half_life_days=14, neighbour_weight=0.0),
    )
    new_id, old_id = h3cells.cell_of(*new), h3cells.cell_of(*old)
    assert plain.top(0.5) == [old_id]  # 365 calls a year against 360
    assert recent.top(0.5) == [new_id]
    j = recent.cells.index(new_id)
    assert recent.expected[j] > 2 * plain.expected[j]


def test_neighbourhood_shrinkage() -> None:
    """Of two cells with the same count, the one in a busy neighbourhood ranks first."""
    centre = h3cells.cell_of(120.0, 30.0)
    ring = [c for c in h3cells.disk(centre, 1) if c != centre]
    lonely = h3cells.cell_of(120.3, 30.3)
    spec = [(date(2025, 1, 1), h3cells.cell_center(centre), "fire", 5)]
    spec += [(date(2025, 1, 2), h3cells.cell_center(c), "fire", 3) for c in ring]
    spec += [(date(2025, 1, 3), h3cells.cell_center(lonely), "fire", 5)]
    history = _calls(spec)
    fc = forecast_cells(
        history, origin=date(2025, 2, 1), params=ForecastParams(neighbour_weight=1.0)
    )
    assert fc.expected[fc.cells.index(centre)] > fc.expected[fc.cells.index(lonely)]


def test_forecast_refuses_nonsense() -> None:
    empty = _calls([])
    with pytest.raises(ValueError, match="没有警情历史"):
        Forecaster(empty)
    with pytest.raises(ValueError, match="horizon"):
        forecast_cells(_two_years(), horizon=0)


def test_a_gap_in_the_data_is_not_read_as_quiet_weeks() -> None:
    """The demo's history ends with last year: a forecast for today learns the rates up to the
    last call, and the window's calendar (here the Spring Festival week) still applies."""
    history = _two_years()  # ends 2026-02-13
    params = ForecastParams(neighbour_weight=0.0, recent_weight=0.0, by_type=True)
    next_day = forecast_cells(history, origin=date(2026, 2, 14), horizon=7, params=params)
    later = forecast_cells(history, origin=date(2027, 2, 5), horizon=7, params=params)
    assert later.usual.sum() == pytest.approx(next_day.usual.sum())
    fire = later.cells.index(h3cells.cell_of(*FIRE_CELL))
    assert later.expected[fire] > 3 * later.usual[fire]  # 除夕 2027-02-05 and the festival
