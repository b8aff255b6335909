"""``lanyan risk ...``: scoring, the assessment report and the backtest of the hot-spot forecast.

The commands of this package hang on :data:`risk_app`: the scoring and report commands are
defined here; the backtest command (:mod:`lanyan.risk.backtest_cli`) adds itself to the same
group and is imported at the bottom of this module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

risk_app = typer.Typer(help="风险感知与预警 risk scoring and early warning", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _factory() -> sessionmaker[Session]:
    from lanyan.core.config import get_settings
    from lanyan.core.errors import DomainError
    from lanyan.core.migrate import current_sessionmaker

    try:
        return current_sessionmaker(get_settings().database_url)
    except DomainError as exc:
        err.print(f"[bold red]错误[/]：{exc.detail}")
        raise typer.Exit(2) from exc


@risk_app.command()
def score(
    full: Annotated[bool, typer.Option("--full", help="rescore every premises and cell")] = False,
    roads: Annotated[
        bool, typer.Option("--roads/--no-roads", help="travel time by road (else estimated)")
    ] = True,
    forecast: Annotated[
        bool | None,
        typer.Option(
            "--forecast/--no-forecast", help="run the forecast-spike rule (default: on --full)"
        ),
    ] = None,
) -> None:
    """Recompute the risk scores (only what changed since the last run unless --full) and
    raise the early warnings due."""
    from lanyan.core.actor import SYSTEM
    from lanyan.risk.service import forecast_spikes, road_travel, run_scoring

    factory = _factory()
    with factory() as session:
        travel = road_travel(session) if roads else None
        if roads and travel is None:
            err.print("[yellow]未登记路网文件：行车时间按直线距离估算[/]")
        spikes = forecast_spikes(session) if (full if forecast is None else forecast) else None
        result = run_scoring(session, actor=SYSTEM, full=full, travel=travel, spikes=spikes)
        session.commit()
    console.print(
        f"{'全量' if result.full else '增量'}评分：单位 {result.premises_scored} 家，"
        f"网格 {result.cells_scored} 个，新预警 {result.warnings_raised} 条，"
        f"用时 {result.duration_ms / 1000:.2f} 秒"
    )
    console.print(json.dumps(result.as_dict(), ensure_ascii=False))


@risk_app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="the .docx to write")] = Path(
        "risk-assessment.docx"
    ),
) -> None:
    """Write the fire-risk assessment report (消防安全风险评估报告) from the stored scores."""
    from lanyan.core.actor import SYSTEM
    from lanyan.risk.report import build_report

    factory = _factory()
    with factory() as session:
        data = build_report(session, SYSTEM)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    console.print(f"评估报告已写入 {out}")


from lanyan.risk import backtest_cli  # noqa: E402, F401  (issue 18, forecast: lanyan risk backtest)
