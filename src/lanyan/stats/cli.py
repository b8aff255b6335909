"""``lanyan stats``: the yearly figures in the terminal, and the records behind any of them.

For the officer who is asked "where does this number come from?": ``lanyan stats summary --year
2025 --org <支队> --trace fires.deaths`` prints the incidents counted; ``--json`` prints the figures
as one JSON object of dotted keys for scripts. Uses the same functions as the API and the report,
acting as the system (the CLI runs on the server, like ``lanyan db``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
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
from lanyan.stats.queries import Figures, compare, compute_figures, is_stock, kind, label
from lanyan.stats.trace import trace, trace_count

stats_app = typer.Typer(help="统计 statistics", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@stats_app.callback()
def _group() -> None:
    """统计 statistics (a group even while it holds one command)."""


SECTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("接警出动", ("incidents.", "turnouts.")),
    ("响应时间", ("response.",)),
    ("抢险救援成效", ("people.", "property.")),
    ("火灾情况", ("fires.",)),
    ("防火巡查", ("patrol.",)),
    ("火灾隐患", ("hazards.",)),
    ("挂牌督办", ("listings.",)),
    ("三级管控", ("premises.",)),
]
"""One table per title, in this order; a title lists every key prefix it holds."""

HIDDEN = frozenset({"incidents.false_alarms"})
"""Keys the tables leave out: the false-alarm count is the 虚假警 row of the breakdown by type."""

DASH = "—"

CURRENT_ONLY = ("premises.",)
"""Figures counted as the records stand now (no history is kept): never a previous column."""


def _fmt(value: object) -> str:
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def has_records(figures: Figures) -> bool:
    """Whether any record of the period was counted (stocks at its end do not count)."""
    return any(
        value
        for key, value in figures.values.items()
        if not is_stock(key) and kind(key) in ("count", "people", "cny")
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a summary table, as printed."""

    label: str
    key: str
    current: str
    previous: str
    change: str


def summary_sections(cur: Figures, prev: Figures) -> list[tuple[str, list[Row]]]:
    """The summary's tables as titles and rows: a figure without data is "—", never a copy.

    A previous period with no records at all shows "—" for every figure (the current one still
    shows its stocks: overdue hazards, listings under supervision). Premises under control are
    counted at their current level, so they are shown for the current period only (for the
    previous one they would repeat today's count).
    """
    changes = compare(cur, prev)
    cur_data, prev_data = has_records(cur), has_records(prev)
    out: list[tuple[str, list[Row]]] = []
    for title, prefixes in SECTIONS:
        rows = []
        for key in cur.values:
            if key in HIDDEN or not key.startswith(prefixes):
                continue
            c = changes[key]
            current = _fmt(c.current) if cur_data or is_stock(key) else DASH
            known_before = prev_data and not key.startswith(CURRENT_ONLY)
            previous = _fmt(c.previous) if known_before else DASH
            moved = c.text if known_before and current != DASH else DASH
            rows.append(Row(cur.label(key), key, current, previous, moved))
        if rows:
            out.append((title, rows))
    return out


def _print_figures(cur: Figures, prev: Figures) -> None:
    for title, rows in summary_sections(cur, prev):
        table = Table(title=f"{title}（{cur.period.label}，{cur.scope.org_name}）")
        table.add_column("指标")
        table.add_column("键 key", style="dim")
        table.add_column(cur.period.label, justify="right")
        table.add_column(prev.period.label, justify="right")
        table.add_column("同比", justify="right")
        for row in rows:
            table.add_row(row.label, row.key, row.current, row.previous, row.change)
        console.print(table)


def _json_value(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


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
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="print the figures as one JSON object of dotted keys (with --trace: the records)",
        ),
    ] = False,
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
                if as_json:
                    values = {k: _json_value(v) for k, v in cur.values.items()}
                    print(json.dumps(values, ensure_ascii=False, indent=1))
                    return
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
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
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
