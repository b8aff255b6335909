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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font

from lanyan.exchange.formats import inert_xlsx_cell

TEMPLATE_NAME = "yearly_report.md.j2"
# GB/T 9704: 黑体 for level-1 headings, 楷体 for level 2, 仿宋 for the body; where the machine has
# none of them (a Linux server) the installed Noto CJK faces stand in, and Word on the reader's
# machine substitutes by the east-Asian name anyway
FONT_CHOICES = {
    "heading1": ("SimHei", "黑体", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"),
    "heading2": ("KaiTi", "楷体", "Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei"),
    "body": ("FangSong", "仿宋", "Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei"),
    "title": ("STZhongsong", "华文中宋", "Noto Serif CJK SC", "Noto Sans CJK SC"),
}
CHART_TITLES = {"month": "月度警情对比", "type": "警情类型构成", "response": "响应时间分布"}


@lru_cache(maxsize=1)
def report_fonts() -> dict[str, str]:
    """The font family of each role (title, heading1, heading2, body) on this machine."""
    from matplotlib import font_manager

    from lanyan.stats.charts import cjk_family

    installed = {f.name for f in font_manager.fontManager.ttflist} | {cjk_family()}
    return {
        role: next((f for f in families if f in installed), cjk_family())
        for role, families in FONT_CHOICES.items()
    }


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


def _set_font(run: Any, family: str, size_pt: float | None, *, bold: bool = False) -> None:
    run.font.name = family
    if size_pt is not None:
        run.font.size = Pt(size_pt)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the family named here
    fonts.set(qn("w:eastAsia"), family)


def _style_fonts(document: Any) -> dict[str, str]:
    """Give the built-in styles the GB/T 9704 faces: Heading 1/2 stay real headings, so Word's
    navigation pane and a table of contents find them."""
    fonts = report_fonts()
    black = RGBColor(0, 0, 0)
    for name, family, size, bold in (
        ("Normal", fonts["body"], 16, False),  # 三号
        ("Title", fonts["title"], 22, False),  # 二号
        ("Heading 1", fonts["heading1"], 16, False),
        ("Heading 2", fonts["heading2"], 16, False),
        ("Caption", fonts["heading1"], 12, False),  # 小四
        ("Header", fonts["body"], 10.5, False),
        ("Footer", fonts["body"], 14, False),  # 四号
    ):
        style = document.styles[name]
        _set_font(style, family, size, bold=bold)
        style.font.color.rgb = black
        style.font.italic = False
    title_ppr = document.styles["Title"].element.pPr
    for border in title_ppr.findall(qn("w:pBdr")) if title_ppr is not None else []:
        title_ppr.remove(border)  # the template's blue rule under the title is no part of 9704
    for name in ("Heading 1", "Heading 2"):
        fmt = document.styles[name].paragraph_format
        fmt.first_line_indent = Pt(32)
        fmt.space_before, fmt.space_after = Pt(6), Pt(6)
    return fonts


def _caption(document: Any, label: str, number: int, title: str) -> None:
    """``表3 各大队警情`` in the Caption style, the number a SEQ field (Word renumbers it)."""
    paragraph = document.add_paragraph(style="Caption")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(label)
    _field(paragraph, f"SEQ {label} \\* ARABIC", str(number))
    paragraph.add_run(f" {title}")


def _field(paragraph: Any, instruction: str, shown: str) -> None:
    """A Word field (PAGE, SEQ) with ``shown`` as its last computed result."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None)):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
    paragraph.add_run(shown)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(end)


def _table(document: Any, table: ReportTable, number: int, fonts: dict[str, str]) -> None:
    _caption(document, "表", number, table.title)
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(str(text)), fonts["heading1"], 10.5)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _set_font(
                cell.paragraphs[0].add_run("—" if value is None else str(value)),
                fonts["body"],
                10.5,
            )


def numbering(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """Numbers of the tables and the charts in the order the text places them (表1, 表2 …)."""
    tables: dict[str, int] = {}
    charts: dict[str, int] = {}
    for kind, name in re.findall(r"^\[\[(table|chart):([^\]]+)\]\]\s*$", text, re.MULTILINE):
        target = tables if kind == "table" else charts
        target.setdefault(name, len(target) + 1)
    return tables, charts


def _header_footer(document: Any, content: ReportContent) -> None:
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = str(content.context.get("header", ""))
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")  # GB/T 9704 7.5: "— 1 —" under the text
    _field(footer, "PAGE", "1")
    footer.add_run(" —")


def _signature(document: Any, content: ReportContent) -> None:
    """The 落款: the issuing body and the date, right-aligned (GB/T 9704 7.3.5)."""
    if document.paragraphs:  # the 落款 never stands alone on a page
        document.paragraphs[-1].paragraph_format.keep_with_next = True
    document.add_paragraph().paragraph_format.keep_with_next = True
    for text in (content.context["org_name"], content.context["signed_on"]):
        paragraph = document.add_paragraph(str(text))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(64)  # 空四字
        paragraph.paragraph_format.keep_with_next = True


def write_docx(content: ReportContent, path: Path) -> None:
    """Render the template into a Word document with its charts and tables."""
    document = Document()
    fonts = _style_fonts(document)
    section = document.sections[0]
    # GB/T 9704 5.2: A4, 天头 37 mm, 订口 28 mm, text block 156 × 225 mm
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _header_footer(document, content)
    text = render_text(content)
    table_no, chart_no = numbering(text)
    for block in text.split("\n\n"):
        block = block.strip()
        if not block:
            continue
        if block.startswith("[[chart:") and block.endswith("]]"):
            name = block[8:-2]
            png = content.charts[name]()
            document.add_picture(io.BytesIO(png), width=Cm(15.5))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _caption(document, "图", chart_no[name], CHART_TITLES.get(name, name))
        elif block.startswith("[[table:") and block.endswith("]]"):
            name = block[8:-2]
            _table(document, content.tables[name], table_no[name], fonts)
        elif block == "[[signature]]":
            _signature(document, content)
        elif block.startswith("# "):
            title = document.add_paragraph(block[2:], style="Title")
            title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.startswith("## "):
            document.add_paragraph(block[3:], style="Heading 1")
        elif block.startswith("### "):
            document.add_paragraph(block[4:], style="Heading 2")
        else:
            paragraph = document.add_paragraph(" ".join(block.split("\n")))
            paragraph.paragraph_format.first_line_indent = Pt(32)
            paragraph.paragraph_format.line_spacing = Pt(28)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def write_xlsx(content: ReportContent, path: Path) -> None:
    """Every table of the report, one sheet each."""
    book = Workbook()
    book.remove(book.active)
    table_no, _ = numbering(render_text(content))
    for key, table in content.tables.items():
        title = f"表{table_no[key]} {table.title}" if key in table_no else table.title
        sheet = book.create_sheet(title[:31] or key)
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


def _problems(
    v: dict[str, Any], changes: dict[str, Any], standard_s: float, year: int
) -> list[str]:
    """存在问题与下一步工作, one sentence per figure that calls for work — from the figures only."""
    minutes = f"{standard_s / 60:g}"
    out: list[str] = []
    within = v.get("response.within_standard_pct")
    if within is not None:
        if within < 90:
            out.append(
                f"{minutes}分钟到场率为{within:.1f}%，距90%尚差{90 - within:.1f}个百分点，"
                f"首车到场第90百分位为{_duration(v.get('response.response.p90'))}，"
                "下一步将结合辖区覆盖分析优化站点布局，推动力量前置。"
            )
        else:
            out.append(f"{minutes}分钟到场率为{within:.1f}%，下一步将保持现有力量部署并巩固。")
    parts = [(m, v.get(f"response.{m}.p50")) for m in ("call_handling", "turnout", "travel")]
    known = [(m, s) for m, s in parts if s is not None]
    if known:
        slowest, seconds = max(known, key=lambda p: p[1])
        names = {"call_handling": "接警处置", "turnout": "出动准备", "travel": "途中行驶"}
        out.append(
            f"响应各环节中{names[slowest]}耗时最长（中位{_duration(seconds)}），"
            "是缩短到场时间的重点环节。"
        )
    found = int(v.get("hazards.found") or 0)
    rectified = int(v.get("hazards.rectified") or 0)
    overdue = int(v.get("hazards.overdue") or 0)
    if found:
        out.append(
            f"全年发现火灾隐患{found}处、整改销案{rectified}处"
            f"（{rectified / found:.1%}）"
            + (f"，年末仍有{overdue}处逾期未改，下一步将逐处督办销案。" if overdue else "。")
        )
    elif overdue:
        out.append(f"年末仍有{overdue}处隐患逾期未改，下一步将逐处督办销案。")
    missed = int(v.get("patrol.tasks_missed") or 0)
    if missed:
        out.append(f"{missed}项防火巡查任务逾期未完成，需压实巡查责任。")
    for key, what in (("fires.total", "火灾起数"), ("fires.direct_loss_cny", "直接财产损失")):
        change = changes.get(key)
        if change is not None and change.direction == "上升" and change.pct is not None:
            out.append(f"{what}同比{change.text}，需加强火灾防控和重点时段防范。")
    if not out:
        out.append(f"{year}年各项数据未显示需重点解决的问题，下一步将继续巩固。")
    return out


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
        "volunteer_teams": count_orgs(OrgKind.VOLUNTEER_TEAM),
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


def _section_paragraphs(current: Any, previous: Any) -> dict[str, list[dict[str, str]]]:
    """Each registered section's paragraph (:mod:`lanyan.stats.sections`) under its chapter."""
    from lanyan.stats.sections import sections

    chapters: dict[str, list[dict[str, str]]] = {"rescue": [], "prevention": [], "forces": []}
    for section in sections():
        text = section.paragraph(current, previous) if section.paragraph else None
        if text:
            chapters[section.report_chapter].append({"title": section.report_title, "text": text})
    return chapters


def yearly_content(
    session: Any, *, actor: Any, year: int, org_id: int | None, signed_on: date | None = None
) -> ReportContent:
    """Figures of ``year`` and the year before, turned into the report's context, tables, charts."""
    from sqlalchemy import func, select

    from lanyan.core.clock import LOCAL_TZ, utcnow
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
    prevention_recorded = any(
        v.get(k)
        for k in ("patrol.visits", "patrol.tasks_planned", "patrol.inspections", "hazards.found")
    ) or any(v.get(k) for k in ("listings.listed", "listings.delisted"))
    today = utcnow().astimezone(LOCAL_TZ).date() if signed_on is None else signed_on
    context = {
        "year": year,
        "org_name": current.scope.org_name,
        "header": f"{current.scope.org_name}{year}年度工作总结",
        # GB/T 9704 7.3.5.1: the date in Arabic numerals, year in full, no leading zeros
        "signed_on": f"{today.year}年{today.month}月{today.day}日",
        "problems": _problems(v, changes, standard_s, year),
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
            "listings": v["listings.listed"],
            "listings_delisted": v["listings.delisted"],
            "listings_open": v["listings.open"],
            "inspections": v["patrol.inspections"],
            "controlled_premises": v["premises.controlled.total"],
            "recorded": prevention_recorded,
        },
        "forces": _forces(session, current.scope.path),
        "sections": _section_paragraphs(current, previous),
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
        "listings.delisted",
        "listings.open",
        "premises.controlled.total",
    ]
    tables = {
        "types": ReportTable(
            "警情分类统计", ["类型", f"{year}年", f"{year - 1}年", "占比", "同比"], type_rows
        ),
        "months": ReportTable(
            "月度警情",
            ["月份", f"{year}年", f"{year - 1}年"],
            [
                [f"{i + 1}月", a, b]
                for i, (a, b) in enumerate(zip(months_now, months_before, strict=False))
            ],
        ),
        "brigades": ReportTable("各大队警情", ["大队", "起数"], brigade_rows),
        "response": ReportTable(
            "响应时间（首车）",
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
            "防火监督",
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
