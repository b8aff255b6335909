"""``lanyan risk backtest``: the hot-spot forecast's backtest, attached to :data:`risk_app`.

``lanyan risk backtest --split 2026-07-01`` reads this database's incidents;
``--incidents calls.csv`` reads any city's calls instead (columns time, lon, lat, type, WGS-84;
no road network, premises or database needed). The last line printed is JSON (see
:mod:`lanyan.risk.backtest` for every key and how it is measured).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lanyan.risk.cli import risk_app

console = Console(soft_wrap=True)
err = Console(stderr=True)


def _db_history(*, with_premises: bool = False) -> tuple[object, list[object]]:
    """This database's incidents and, if asked, its premises as point layers by venue type
    (the prior the backtest's model may use; :mod:`lanyan.risk.covariates`)."""
    from lanyan.core.config import get_settings
    from lanyan.core.errors import DomainError
    from lanyan.core.migrate import current_sessionmaker
    from lanyan.risk.calls import history_from_db
    from lanyan.risk.covariates import premises_layers

    try:
        factory = current_sessionmaker(get_settings().database_url)
    except DomainError as exc:
        err.print(f"[bold red]错误[/]：{exc.detail}")
        raise typer.Exit(2) from exc
    with factory() as session:
        layers: list[object] = list(premises_layers(session)) if with_premises else []
        return history_from_db(session), layers


@risk_app.command()
def backtest(
    split: Annotated[
        str | None,
        typer.Option(
            help="切分日 YYYY-MM-DD：之前用于训练与调参，之后逐窗口检验（默认：最后半年检验）"
        ),
    ] = None,
    incidents: Annotated[
        Path | None,
        typer.Option(help="警情 CSV（time, lon, lat, type；WGS-84）；不给则用数据库中的警情"),
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, max=90, help="预测时长（天），通常 7 或 30")] = 7,
    resolution: Annotated[int, typer.Option(help="H3 网格分辨率（5–11，默认 8 ≈0.74 km²）")] = 8,
    chart: Annotated[Path | None, typer.Option(help="把命中率对比图写入此 PNG 文件")] = None,
    stride: Annotated[
        int, typer.Option(min=1, max=90, help="检验窗口起点间隔（天），默认每天滚动")
    ] = 1,
    premises: Annotated[
        bool,
        typer.Option(help="用数据库中的场所分布作模型先验（仅用于数据库警情；CSV 城市没有场所）"),
    ] = True,
) -> None:
    """Backtest the hot-spot forecast against the last-period and all-history baselines."""
    from lanyan.risk.backtest import draw_chart, run_backtest, suggested_split
    from lanyan.risk.calls import CallHistory, CallsFileError, read_calls_csv
    from lanyan.risk.covariates import PointLayer

    split_day: date | None = None
    if split is not None:
        try:
            split_day = date.fromisoformat(split)
        except ValueError:
            err.print(f"[bold red]错误[/]：切分日须为 YYYY-MM-DD（收到 {split!r}）")
            raise typer.Exit(2) from None
    layers: list[PointLayer] = []
    if incidents is not None:
        try:
            history = read_calls_csv(incidents)
        except CallsFileError as exc:
            err.print(f"[bold red]错误[/]：{exc}")
            raise typer.Exit(2) from None
    else:
        loaded, found = _db_history(with_premises=premises)
        assert isinstance(loaded, CallHistory)
        history = loaded
        layers = [layer for layer in found if isinstance(layer, PointLayer)]
        if len(history) == 0:
            err.print("[bold red]错误[/]：数据库中没有警情 / no incidents in the database")
            raise typer.Exit(2)
    for note in history.notes:
        console.print(f"[yellow]注意[/]：{note}")
    console.print(
        f"警情 {len(history):,} 起（{history.first_day} – {history.last_day}），"
        f"来源 {history.source}"
    )
    if split_day is None:
        split_day = suggested_split(history)
        console.print(f"切分日未给出，取最后半年检验 split: {split_day}")
    try:
        result = run_backtest(
            history,
            split_day,
            horizon=horizon,
            resolution=resolution,
            stride=stride,
            layers=layers or None,
        )
    except ValueError as exc:
        err.print(f"[bold red]错误[/]：{exc}")
        raise typer.Exit(2) from None
    for note in result.notes[len(history.notes) :]:
        console.print(f"[yellow]注意[/]：{note}")
    s = result.summary()
    console.print(
        f"{s['cells']} 个有历史警情的 H3 网格（分辨率 {resolution}，约 {s['area_km2']} km²），"
        f"{s['windows']} 个 {horizon} 天窗口（每 {stride} 天一个起点），"
        f"检验期警情 {s['incidents']:,} 起；"
        f"参数（切分日前 {s['validation_windows']} 个窗口调参）：{s['params']}"
    )
    console.print(
        f"前10%网格命中率：模型 {s['hit_rate_top10']:.1%}（PAI {s['pai_top10']:.2f}），"
        f"上一周期 {s['baseline_last_period_top10']:.1%}，"
        f"全部历史 {s['baseline_all_history_top10']:.1%}"
    )
    console.print(
        f"前5%网格命中率：模型 {s['hit_rate_top5']:.1%}（PAI {s['pai_top5']:.2f}），"
        f"上一周期 {s['baseline_last_period_top5']:.1%}，"
        f"全部历史 {s['baseline_all_history_top5']:.1%}"
    )
    for line in result.verdicts():
        console.print(line, highlight=False)
    if chart is not None:
        draw_chart(result, chart)
        console.print(f"图表已写入 chart written: {chart}")
    print(json.dumps(s, ensure_ascii=False))


@risk_app.command()
def forecast(
    incidents: Annotated[
        Path | None,
        typer.Option(help="警情 CSV（time, lon, lat, type；WGS-84）；不给则用数据库中的警情"),
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, max=90, help="预测时长（天），通常 7 或 30")] = 7,
    origin: Annotated[
        str | None, typer.Option(help="预测起始日 YYYY-MM-DD（默认：最后一起警情的次日）")
    ] = None,
    resolution: Annotated[int, typer.Option(help="H3 网格分辨率（5–11，默认 8 ≈0.74 km²）")] = 8,
    top: Annotated[int, typer.Option(min=1, max=500, help="列出预测警情最多的网格数")] = 10,
) -> None:
    """Forecast calls per H3 cell for the next days: the top cells and the spikes."""
    from lanyan.risk.calls import CallHistory, CallsFileError, read_calls_csv
    from lanyan.risk.cells import cell_center
    from lanyan.risk.forecast import forecast_cells

    start: date | None = None
    if origin is not None:
        try:
            start = date.fromisoformat(origin)
        except ValueError:
            err.print(f"[bold red]错误[/]：起始日须为 YYYY-MM-DD（收到 {origin!r}）")
            raise typer.Exit(2) from None
    if incidents is not None:
        try:
            history = read_calls_csv(incidents)
        except CallsFileError as exc:
            err.print(f"[bold red]错误[/]：{exc}")
            raise typer.Exit(2) from None
    else:
        loaded, _ = _db_history()
        assert isinstance(loaded, CallHistory)
        history = loaded
    try:
        fc = forecast_cells(history, origin=start, horizon=horizon, resolution=resolution)
    except ValueError as exc:
        err.print(f"[bold red]错误[/]：{exc}")
        raise typer.Exit(2) from None
    console.print(
        f"{fc.origin} 起 {horizon} 天，{len(fc.cells)} 个网格共预测 {fc.expected.sum():.1f} 起"
        f"（常态 {fc.usual.sum():.1f} 起）；参数 {fc.params.label()}"
    )
    rows = []
    order = sorted(range(len(fc.cells)), key=lambda i: -fc.expected[i])[:top]
    for rank, i in enumerate(order, start=1):
        lon, lat = cell_center(fc.cells[i])
        rows.append(
            {
                "cell": fc.cells[i],
                "lon": round(lon, 5),
                "lat": round(lat, 5),
                "expected": round(float(fc.expected[i]), 2),
                "usual": round(float(fc.usual[i]), 2),
            }
        )
        console.print(
            f"{rank:>3}. {fc.cells[i]}（{lon:.4f}, {lat:.4f}）预测 {fc.expected[i]:.2f} 起，"
            f"常态 {fc.usual[i]:.2f} 起",
            highlight=False,
        )
    spikes = fc.spikes()
    console.print(f"预测显著高于常态（≥1.5 倍且 ≥1 起）的网格：{len(spikes)} 个", highlight=False)
    print(
        json.dumps(
            {
                "origin": fc.origin.isoformat(),
                "horizon_days": horizon,
                "cells": len(fc.cells),
                "expected_total": round(float(fc.expected.sum()), 2),
                "top": rows,
                "spikes": spikes,
            },
            ensure_ascii=False,
        )
    )
