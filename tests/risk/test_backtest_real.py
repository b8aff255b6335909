"""``lanyan risk backtest`` end to end on real calls (Pittsburgh fire incidents 2013–2023,
tests/data/README.md), and the CSV reader's tolerance and refusals."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lanyan.cli import app
from lanyan.risk.backtest import run_backtest
from lanyan.risk.calls import CallsFileError, read_calls_csv

REAL = Path(__file__).resolve().parents[1] / "data" / "pittsburgh_fire_incidents.csv"


@pytest.fixture(scope="module")
def real_calls():  # type: ignore[no-untyped-def]
    return read_calls_csv(REAL)


def test_real_file_is_read_with_its_gaps_reported(real_calls) -> None:  # type: ignore[no-untyped-def]
    assert len(real_calls) > 8000
    assert real_calls.first_day == date(2013, 1, 2)
    assert real_calls.skipped > 900  # rows the city published without a position
    assert any("跳过" in note for note in real_calls.notes)


def test_model_no_worse_than_the_better_baseline_on_real_calls(real_calls) -> None:  # type: ignore[no-untyped-def]
    """Acceptance 3 on a real city: a CSV has no premises, so the model falls back to the
    better baseline on the validation windows (all history) and ranks exactly as it does."""
    s = run_backtest(real_calls, date(2021, 1, 1), horizon=30, stride=3).summary()
    assert s["fallback_to_baseline"] is True
    assert s["covariate_test"] is None and s["layers"] == []
    assert s["hit_rate_top10"] == s["baseline_all_history_top10"]
    assert s["hit_rate_top5"] == s["baseline_all_history_top5"]
    assert s["windows"] == 337
    assert 1600 < s["incidents"] < 1700  # distinct calls, though windows overlap
    assert s["hit_rate_top10"] >= s["baseline_hit_rate_top10"]
    assert s["no_worse_than_better_baseline_top10"] is True
    assert s["hit_rate_top10"] > s["baseline_last_period_top10"]
    assert s["pai_top10"] > 2.5  # a tenth of the area holds over a quarter of the fires


def test_command_on_the_real_csv(tmp_path: Path) -> None:
    chart = tmp_path / "backtest.png"
    result = CliRunner().invoke(
        app,
        [
            "risk",
            "backtest",
            "--incidents",
            str(REAL),
            "--split",
            "2021-01-01",
            "--horizon",
            "30",
            "--chart",
            str(chart),
            "--stride",
            "30",
        ],
    )
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    for key in (
        "hit_rate_top10",
        "baseline_last_period_top10",
        "baseline_all_history_top10",
        "pai_top10",
        "cells",
        "hit_rate_top5",
        "pai_top5",
        "windows",
        "incidents",
    ):
        assert key in last
    assert last["cells"] > 200
    assert last["fallback_to_baseline"] is True
    assert "退回基线 fallback" in result.output and "没有场所等协变量" in result.output
    assert "逐窗口" in result.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_command_refuses_a_bad_split() -> None:
    result = CliRunner().invoke(
        app, ["risk", "backtest", "--incidents", str(REAL), "--split", "2021-13-01"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


GOOD_ROWS = "".join(
    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 0{i % 10}:00:00,{120 + i % 5 * 0.01},{30.0},fire\n"
    for i in range(40)
)


def test_csv_variants_are_tolerated() -> None:
    bom = "\ufeffTime,Longitude,Latitude,Type,extra\n" + GOOD_ROWS.replace(",fire\n", ",fire,x\n")
    assert len(read_calls_csv("a.csv", text=bom)) == 40
    semicolons = "LAT;LNG;TIMESTAMP\n" + "".join(
        f"30.0;{120 + i % 5 * 0.01};2024-03-{1 + i % 28:02d}T10:00:00+08:00\n" for i in range(40)
    )
    calls = read_calls_csv("b.csv", text=semicolons)
    assert len(calls) == 40
    assert calls.kind[0] == "未分类"
    assert any("type" in note for note in calls.notes)
    us = "call_date,lon,lat,call_type\n" + "".join(
        f"03/{1 + i % 28:02d}/2024 01:47:00 PM,-122.4,37.7,Medical\n" for i in range(40)
    )
    assert read_calls_csv("c.csv", text=us).first_day == date(2024, 3, 1)
    # a portal export: one location column, (lat, lon) or WKT, no lon/lat columns
    portal = (
        "Received DtTm,Call Type,Location\n"
        + "".join(
            f'2024-03-{1 + i % 28:02d} 10:00:00,Alarms,"(37.7{i % 9}, -122.4{i % 7})"\n'
            for i in range(20)
        )
        + "".join(
            f"2024-04-{1 + i % 28:02d} 10:00:00,Fire,POINT (-122.4{i % 7} 37.7{i % 9})\n"
            for i in range(20)
        )
    )
    calls = read_calls_csv("d.csv", text=portal)
    assert len(calls) == 40
    assert calls.lon.max() < -122 and calls.lat.min() > 37
    assert set(calls.kind) == {"Alarms", "Fire"}
    # a European export: day first (decided for the whole file), "NULL"/"nan" positions skipped
    european = (
        "DateOfCall,Longitude,Latitude,IncidentGroup\n"
        + "".join(f"{1 + i % 28:02d}/03/2024 10:00,-0.1{i % 5},51.5,Fire\n" for i in range(40))
        + "02/03/2024 11:00,NULL,NULL,Fire\n03/03/2024 12:00,nan,nan,Fire\n"
    )
    calls = read_calls_csv("e.csv", text=european)
    assert len(calls) == 40 and calls.skipped == 2
    assert (calls.first_day, calls.last_day) == (date(2024, 3, 1), date(2024, 3, 28))
    # a zone after a US time, day-month-name dates
    zoned = (
        "Datetime,Latitude,Longitude,Type\n"
        + "".join(
            f"03/{1 + i % 28:02d}/2024 08:43:00 AM +0000,47.6,-122.3,Aid Response\n"
            for i in range(20)
        )
        + "".join(f"{1 + i % 28:02d} Apr 2024,47.6,-122.3,Aid Response\n" for i in range(20))
    )
    calls = read_calls_csv("f.csv", text=zoned)
    # a unit-level export (one row per responding unit), CamelCase headers: one call per number
    units = "CallNumber,UnitID,CallType,CallDate,Location\n" + "".join(
        f'{100 + i // 2},E{i % 2},Alarms,03/{1 + i // 2 % 28:02d}/2024,"(37.7{i % 9}, -122.4)"\n'
        for i in range(80)
    )
    unit_calls = read_calls_csv("g.csv", text=units)
    assert len(unit_calls) == 40 and set(unit_calls.kind) == {"Alarms"}
    assert any("counted once" in note for note in unit_calls.notes)
    assert (calls.first_day, calls.last_day) == (date(2024, 3, 1), date(2024, 4, 20))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "空文件"),
        ("when,where\n2024-01-01,x\n", "缺少列 time, lon, lat"),
        ("time,lon,lat,type\n2024-01-01,512345.0,3345678.0,fire\n", "不是 WGS-84"),
        ("time,lon,lat,type\n" + "yesterday,120.0,30.0,fire\n" * 40, "无法读取"),
        ("time,lon,lat,type\n" + "2024-01-01,120.0,30.0,fire\n" * 5, "至少需要 30 起"),
        ("time,lon,lat,type\n" + "2024-01-01,,,fire\n" * 40, "无坐标"),
    ],
)
def test_csv_refusals_say_why(text: str, message: str) -> None:
    with pytest.raises(CallsFileError, match=message):
        read_calls_csv("bad.csv", text=text)


def test_missing_file() -> None:
    with pytest.raises(CallsFileError, match="无法读取"):
        read_calls_csv("/nonexistent/calls.csv")


def test_forecast_command_on_the_real_csv() -> None:
    result = CliRunner().invoke(
        app, ["risk", "forecast", "--incidents", str(REAL), "--horizon", "30", "--top", "3"]
    )
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert last["origin"] == "2023-11-06"  # the day after the last call
    assert len(last["top"]) == 3
    assert last["top"][0]["expected"] >= last["top"][2]["expected"] > 0
    assert -80.2 < last["top"][0]["lon"] < -79.8
