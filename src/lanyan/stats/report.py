"""The yearly report (年度工作总结): Word document with charts and tables, plus an Excel workbook.

Figures come from :mod:`lanyan.stats.queries` (the same functions as the dashboards). The text
around them is a Jinja2 template in a Markdown-like form that a department edits without code:
``#``/``##`` lines become headings, ``[[chart:NAME]]`` and ``[[table:NAME]]`` lines place a chart
or a table, every other paragraph is body text. ``LANYAN_REPORT_TEMPLATES`` names a directory
whose ``yearly_report.md.j2`` replaces the shipped one.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font

from lanyan.exchange.formats import inert_xlsx_cell

TEMPLATE_NAME = "yearly_report.md.j2"
BODY_FONT = "Noto Serif CJK SC"
HEADING_FONT = "Noto Sans CJK SC"


@dataclass(frozen=True)
class ReportTable:
    """A table of the report: a title, a header row and body rows (also a sheet of the workbook)."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class ReportContent:
    """Everything the template and the writers need."""

    context: dict[str, Any]
    tables: dict[str, ReportTable]
    charts: dict[str, Callable[[], bytes]]


def template_environment() -> Environment:
    """The Jinja2 environment: the department's directory first, then the shipped templates."""
    search = [str(Path(__file__).parent / "templates")]
    override = os.environ.get("LANYAN_REPORT_TEMPLATES")
    if override:
        search.insert(0, override)
    return Environment(
        loader=FileSystemLoader(search),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_text(content: ReportContent) -> str:
    """The report's text with its figures filled in."""
    return template_environment().get_template(TEMPLATE_NAME).render(**content.context)


def _set_font(run: Any, family: str, size_pt: float, *, bold: bool = False) -> None:
    run.font.name = family
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    run._element.rPr.rFonts.set(qn("w:eastAsia"), family)


def _table(document: Any, table: ReportTable) -> None:
    caption = document.add_paragraph()
    _set_font(caption.add_run(table.title), HEADING_FONT, 10.5, bold=True)
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, 9, bold=True)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _set_font(
                cell.paragraphs[0].add_run("—" if value is None else str(value)), BODY_FONT, 9
            )


def write_docx(content: ReportContent, path: Path) -> None:
    """Render the template into a Word document with its charts and tables."""
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.6)
    for block in render_text(content).split("\n\n"):
        text = block.strip()
        if not text:
            continue
        if text.startswith("[[chart:") and text.endswith("]]"):
            png = content.charts[text[8:-2]]()
            document.add_picture(io.BytesIO(png), width=Cm(15.5))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif text.startswith("[[table:") and text.endswith("]]"):
            _table(document, content.tables[text[8:-2]])
        elif text.startswith("# "):
            title = document.add_paragraph()
            title.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(title.add_run(text[2:]), HEADING_FONT, 18, bold=True)
        elif text.startswith("## "):
            heading = document.add_paragraph()
            _set_font(heading.add_run(text[3:]), HEADING_FONT, 14, bold=True)
        else:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(24)
            paragraph.paragraph_format.line_spacing = 1.5
            _set_font(paragraph.add_run(" ".join(text.split("\n"))), BODY_FONT, 12)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def write_xlsx(content: ReportContent, path: Path) -> None:
    """Every table of the report, one sheet each."""
    book = Workbook()
    book.remove(book.active)
    for key, table in content.tables.items():
        sheet = book.create_sheet(table.title[:31] or key)
        sheet.append(list(table.header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            # brigade and type names are record text: never a live formula in the workbook
            sheet.append(["—" if v is None else inert_xlsx_cell(sheet, v) for v in row])
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(40, 4 + width * 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))


# --- assembling the yearly report from the statistics --------------------------------------------


def _wan(value: float | int | None) -> str:
    return "0" if not value else f"{float(value) / 10_000:,.1f}"


def _duration(seconds: float | int | None) -> str:
    if seconds is None:
        return "—"
    total = round(float(seconds))
    return f"{total // 60}分{total % 60:02d}秒"


def _change_text(changes: dict[str, Any], key: str) -> str:
    change = changes.get(key)
    if change is None or change.text == "—":
        return "（上年无可比数据）"
    return f"，同比{change.text}"


def response_distribution(
    session: Any, scope: Any, period: Any, width_s: int = 30, cap_s: int = 1200
) -> tuple[list[float], list[int]]:
    """First-response times (调派至到场) of ``period`` in the ``scope`` subtree, in ``width_s``
    bins up to ``cap_s``, for the chart."""
    from sqlalchemy import Integer, case, cast, func, select

    from lanyan.stats.queries import dialect_of, first_response

    fr = first_response(scope, period, dialect_of(session)).subquery()
    capped = case((fr.c.response_s >= cap_s, cap_s), else_=fr.c.response_s)
    bucket = cast(capped / width_s, Integer).label("b")
    rows = session.execute(
        select(bucket, func.count()).where(fr.c.response_s.is_not(None)).group_by(bucket)
    ).all()
    counts = {int(b): int(n) for b, n in rows}
    edges = list(range(0, cap_s // width_s + 1))
    return [b * width_s for b in edges], [counts.get(b, 0) for b in edges]


def _forces(session: Any, scope_path: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from lanyan.forces.choices import OrgKind
    from lanyan.forces.models import Organization, Unit, WaterSource

    def count_orgs(*kinds: OrgKind) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Organization)
                .where(Organization.kind.in_(kinds), Organization.path.startswith(scope_path))
            )
            or 0
        )

    return {
        "stations": count_orgs(OrgKind.STATION, OrgKind.SPECIAL_STATION),
        "teams": count_orgs(OrgKind.GOV_TEAM, OrgKind.ENTERPRISE_TEAM),
        "micro_stations": count_orgs(OrgKind.MICRO_STATION),
        "units": int(
            session.scalar(
                select(func.count())
                .select_from(Unit)
                .join(Unit.station)
                .where(Organization.path.startswith(scope_path))
            )
            or 0
        ),
        "water_sources": int(
            session.scalar(
                select(func.count())
                .select_from(WaterSource)
                .join(WaterSource.org)
                .where(Organization.path.startswith(scope_path))
            )
            or 0
        ),
    }


def yearly_content(session: Any, *, actor: Any, year: int, org_id: int | None) -> ReportContent:
    """Figures of ``year`` and the year before, turned into the report's context, tables, charts."""
    from sqlalchemy import func, select

    from lanyan.core.standards import standards
    from lanyan.dispatch.models import Assignment, Incident
    from lanyan.stats.periods import Period
    from lanyan.stats.queries import compare, compute_figures, incident_base

    current = compute_figures(session, actor=actor, period=Period.year(year), org_id=org_id)
    previous = compute_figures(session, actor=actor, period=Period.year(year - 1), org_id=org_id)
    changes = compare(current, previous)
    v = current.values
    total = int(v["incidents.total"] or 0)
    units_sent = int(
        session.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(Incident)
            .where(incident_base(current.scope, current.period))
        )
        or 0
    )
    by_type: list[dict[str, Any]] = []
    type_rows = []
    for key, value in current.group("incidents.by_type").items():
        full = f"incidents.by_type.{key}"
        count = int(value or 0)
        share = f"{count / total:.1%}" if total else "—"
        by_type.append({"zh": current.label(full), "count": count, "share": share})
        type_rows.append(
            [current.label(full), count, previous.values.get(full), share, changes[full].text]
        )
    grades = [
        {"zh": current.label(f"fires.by_grade.{g}"), "count": c}
        for g, c in current.group("fires.by_grade").items()
        if c
    ]
    standard_s = standards()["urban_arrival_s"]
    within_pct = v.get("response.within_standard_pct")
    context = {
        "year": year,
        "org_name": current.scope.org_name,
        "incidents": {
            "total": total,
            "total_change": _change_text(changes, "incidents.total"),
            "units_sent": units_sent,
            "rescued": v["people.rescued"],
            "evacuated": v["people.evacuated"],
            "property_protected_wan": _wan(v["property.protected_cny"]),
            "fires": v["fires.total"],
            "fires_change": _change_text(changes, "fires.total"),
            "deaths": v["fires.deaths"],
            "deaths_change": _change_text(changes, "fires.deaths"),
            "serious_injuries": v["fires.serious_injuries"],
            "minor_injuries": v["fires.minor_injuries"],
            "direct_loss_wan": _wan(v["fires.direct_loss_cny"]),
            "loss_change": _change_text(changes, "fires.direct_loss_cny"),
            "grades": grades,
            "by_type": by_type,
        },
        "response": {
            "p50": _duration(v.get("response.response.p50")),
            "p90": _duration(v.get("response.response.p90")),
            "within_share": "—" if within_pct is None else f"{within_pct:.1f}%",
            "within_share_value": (within_pct or 0) / 100,
            "standard_min": f"{standard_s / 60:g}",
            "call_handling_p50": _duration(v.get("response.call_handling.p50")),
            "turnout_p50": _duration(v.get("response.turnout.p50")),
            "travel_p50": _duration(v.get("response.travel.p50")),
        },
        "prevention": {
            "patrols": v["patrol.visits"],
            "hazards_found": v["hazards.found"],
            "hazards_found_change": _change_text(changes, "hazards.found"),
            "hazards_rectified": v["hazards.rectified"],
            "overdue": v["hazards.overdue"],
            "listings": int(v["listings.listed"] or 0) + int(v["listings.rectifying"] or 0),
            "controlled_premises": v["premises.controlled.total"],
        },
        "forces": _forces(session, current.scope.path),
    }
    months_now = [int(x or 0) for x in current.group("incidents.by_month").values()]
    months_before = [int(x or 0) for x in previous.group("incidents.by_month").values()]
    brigade_rows = [
        [current.label(f"incidents.by_brigade.{k}"), c]
        for k, c in current.group("incidents.by_brigade").items()
    ]
    prevention_keys = [
        "patrol.visits",
        "patrol.tasks_planned",
        "patrol.tasks_done",
        "patrol.inspections",
        "hazards.found",
        "hazards.major",
        "hazards.rectified",
        "hazards.overdue",
        "listings.listed",
        "listings.rectifying",
        "listings.delisted",
        "premises.controlled.total",
    ]
    tables = {
        "types": ReportTable(
            "表1 警情分类统计", ["类型", f"{year}年", f"{year - 1}年", "占比", "同比"], type_rows
        ),
        "months": ReportTable(
            "表2 月度警情",
            ["月份", f"{year}年", f"{year - 1}年"],
            [
                [f"{i + 1}月", a, b]
                for i, (a, b) in enumerate(zip(months_now, months_before, strict=False))
            ],
        ),
        "brigades": ReportTable("表3 各大队警情", ["大队", "起数"], brigade_rows),
        "response": ReportTable(
            "表4 响应时间（首车）",
            ["指标", "中位数", "90百分位", "样本数"],
            [
                [
                    current.label(f"response.{m}.p50").split("·")[0],
                    _duration(v.get(f"response.{m}.p50")),
                    _duration(v.get(f"response.{m}.p90")),
                    v.get(f"response.{m}.n"),
                ]
                for m in ("call_handling", "turnout", "travel", "response")
            ],
        ),
        "prevention": ReportTable(
            "表5 防火监督",
            ["指标", f"{year}年", f"{year - 1}年", "同比"],
            [
                [current.label(k), v[k], previous.values.get(k), changes[k].text]
                for k in prevention_keys
            ],
        ),
        "all": ReportTable(
            "附表 全部统计数据",
            ["编号", "指标", f"{year}年", f"{year - 1}年", "同比"],
            [
                [
                    k,
                    current.label(k),
                    val,
                    previous.values.get(k),
                    changes[k].text if k in changes else "—",
                ]
                for k, val in v.items()
            ],
        ),
    }
    from lanyan.stats import charts

    type_labels = [str(t["zh"]) for t in by_type]
    type_values = [int(t["count"]) for t in by_type]
    charts_map = {
        "month": lambda: charts.bars_by_month(months_now, months_before, year),
        "type": lambda: charts.bars_by_type(type_labels, type_values),
        "response": lambda: charts.response_histogram(
            *response_distribution(session, current.scope, current.period), standard_s=standard_s
        ),
    }
    return ReportContent(context=context, tables=tables, charts=charts_map)


def write_yearly_report(
    session: Any, *, actor: Any, year: int, org_id: int | None, out_dir: Path
) -> tuple[Path, Path]:
    """Write ``年度工作总结-<year>.docx`` and ``统计表-<year>.xlsx`` into ``out_dir``."""
    content = yearly_content(session, actor=actor, year=year, org_id=org_id)
    docx_path = out_dir / f"年度工作总结-{year}.docx"
    xlsx_path = out_dir / f"统计表-{year}.xlsx"
    write_docx(content, docx_path)
    write_xlsx(content, xlsx_path)
    return docx_path, xlsx_path
