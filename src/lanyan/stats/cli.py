"""``lanyan stats``: the yearly figures in the terminal, and the records behind any of them.

For the officer who is asked "where does this number come from?": ``lanyan stats summary --year
2025 --org <支队> --trace fires.deaths`` prints the incidents counted. Uses the same functions as
the API and the report, acting as the system (the CLI runs on the server, like ``lanyan db``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from lanyan.core.actor import SYSTEM
from lanyan.core.config import get_settings
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.errors import DomainError
from lanyan.forces.models import Organization
from lanyan.stats.periods import Period
from lanyan.stats.queries import Figures, compare, compute_figures, kind, label
from lanyan.stats.trace import trace, trace_count

stats_app = typer.Typer(help="统计 statistics", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@stats_app.callback()
def _group() -> None:
    """统计 statistics (a group even while it holds one command)."""


SECTIONS = [
    ("incidents.", "接警出动"),
    ("response.", "响应时间"),
    ("people.", "抢险救援成效"),
    ("property.", "抢险救援成效"),
    ("fires.", "火灾情况"),
    ("patrol.", "防火巡查"),
    ("hazards.", "火灾隐患"),
    ("listings.", "挂牌督办"),
    ("premises.", "三级管控"),
]


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def _print_figures(cur: Figures, prev: Figures) -> None:
    changes = compare(cur, prev)
    for prefix, title in SECTIONS:
        keys = [k for k in cur.values if k.startswith(prefix)]
        if not keys:
            continue
        table = Table(title=f"{title}（{cur.period.label}，{cur.scope.org_name}）")
        table.add_column("指标")
        table.add_column("键 key", style="dim")
        table.add_column(cur.period.label, justify="right")
        table.add_column(prev.period.label, justify="right")
        table.add_column("同比", justify="right")
        for key in keys:
            c = changes[key]
            table.add_row(cur.label(key), key, _fmt(c.current), _fmt(c.previous), c.text)
        console.print(table)


@stats_app.command("summary")
def summary(
    year: Annotated[int, typer.Option(min=2000, max=2100, help="calendar year")],
    org: Annotated[
        str | None, typer.Option(help="external id of the organization (default: all)")
    ] = None,
    trace_key: Annotated[
        str | None, typer.Option("--trace", help="list the records behind this figure key")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="records to list")] = 50,
) -> None:
    """The year's figures with year-on-year changes, or (--trace) the records behind one."""
    engine = make_engine(get_settings().database_url)
    factory = make_sessionmaker(engine)
    period = Period.year(year)
    try:
        with factory() as session:
            org_id = None
            if org is not None:
                org_id = session.scalar(
                    select(Organization.id).where(Organization.external_id == org)
                )
                if org_id is None:
                    raise DomainError(f"组织机构不存在：{org}", f"no organization {org}")
            if trace_key is None:
                cur = compute_figures(session, actor=SYSTEM, period=period, org_id=org_id)
                prev = compute_figures(
                    session, actor=SYSTEM, period=period.same_last_year(), org_id=org_id,
                    now=cur.computed_at,
                )  # fmt: skip
                _print_figures(cur, prev)
                return
            total = trace_count(session, SYSTEM, trace_key, period, org_id)
            rows = trace(session, SYSTEM, trace_key, period, org_id, limit=limit)
    except DomainError as exc:
        err.print(f"[bold red]错误[/]：{exc.detail}\n[dim]{exc.detail_en}[/]")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    table = Table(title=f"{label(trace_key)}（{trace_key}，{period.label}）：共 {total} 条")
    for column in rows[0] if rows else ["id"]:
        table.add_column(column)
    for row in rows:
        table.add_row(*("—" if v is None else str(v) for v in row.values()))
    console.print(table)
    if total > len(rows):
        console.print(f"[dim]仅显示前 {len(rows)} 条（--limit）[/]")
    if kind(trace_key) != "count":
        console.print("[dim]此指标为合计或时间，列出的是参与计算的记录及其数值（value）[/]")
