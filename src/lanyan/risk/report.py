"""The fire-risk assessment report (消防安全风险评估报告): a Word document from the stored scores.

Everything in it is read from the last scoring run's rows (``risk_premises``, ``risk_cell``,
``risk_warning``) through the actor's jurisdiction, so the same data gives the same document;
the last table says where each figure comes from and which run computed it. The document is
written with the yearly report's GB/T 9704 styles and table writer (:mod:`lanyan.stats.report`).
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.clock import as_local
from lanyan.core.jurisdiction import visible_condition
from lanyan.core.permissions import Action
from lanyan.risk import views
from lanyan.risk.choices import RiskLevel, WarningStatus
from lanyan.risk.indicators import GROUPS, risk_table
from lanyan.risk.models import CellRisk, PremisesRisk, RiskRun, RiskWarning
from lanyan.stats.report import (
    ReportContent,
    ReportTable,
    _header_footer,
    _style_fonts,
    _table,
)

RECOMMENDATIONS = {
    "hazard_sources": (
        "火灾危险源突出：对高风险单位开展“一单位一策”专项检查，重大火灾隐患挂牌督办、限期整改。"
    ),
    "urban_base": "单位密集区域：落实网格化管理，推动九小场所安装简易喷淋和独立式感烟报警器。",
    "fire_forces": (
        "消防力量覆盖不足：在5分钟到场范围之外的高风险区域增设小型站或微型消防站，前置执勤力量。"
    ),
    "warning_control": (
        "火灾多发：对近年火灾集中的网格加密巡查，推广物联网监测，及时处置报警与故障。"
    ),
    "social_control": (
        "社会防控薄弱：督促逾期隐患整改，补齐网格员巡查频次，开展消防宣传进单位、进社区。"
    ),
}
"""What to do about each indicator group when it drives the areas' scores (Lanyan's wording)."""


def _level_counts(session: Session, actor: Actor) -> Counter[RiskLevel]:
    rows = session.execute(
        select(PremisesRisk.level, func.count())
        .where(visible_condition(actor, PremisesRisk))
        .group_by(PremisesRisk.level)
    ).all()
    return Counter({level: int(n) for level, n in rows})


def report_content(session: Session, actor: Actor) -> dict[str, Any]:
    """The report's figures and tables (also what the tests compare with the database)."""
    actor.require(Action.READ)
    table = risk_table()
    run = session.scalars(select(RiskRun).order_by(RiskRun.id.desc()).limit(1)).first()
    levels = _level_counts(session, actor)
    total = sum(levels.values())
    cell_levels = Counter(
        session.scalars(select(CellRisk.level).where(visible_condition(actor, CellRisk))).all()
    )
    brigades = views.area_summary(session, actor, "brigade")
    townships = views.area_summary(session, actor, "township")
    coverage = views.risk_coverage(session, actor)
    top = session.execute(views.ranking(actor).limit(10)).all()
    open_warnings = int(
        session.scalar(
            select(func.count())
            .select_from(RiskWarning)
            .where(
                visible_condition(actor, RiskWarning), RiskWarning.status != WarningStatus.CLOSED
            )
        )
        or 0
    )
    group_means = {
        g: round(sum(a["groups"][g] for a in brigades) / len(brigades), 1) if brigades else 0.0
        for g in GROUPS
    }
    drivers = sorted(GROUPS, key=lambda g: -group_means[g] * table.group_weights[g])[:3]
    tables = {
        "levels": ReportTable(
            "单位风险等级分布",
            ["等级", "单位数", "占比"],
            [
                [lv.zh, levels.get(lv, 0), f"{levels.get(lv, 0) / total:.1%}" if total else "—"]
                for lv in reversed(RiskLevel)
            ],
        ),
        "brigades": ReportTable(
            "各大队风险等级",
            ["大队", "区域得分", "等级", "网格数", "高风险单位", "较高风险单位"],
            [
                [
                    a["name"],
                    f"{a['score']:.1f}",
                    a["level"].zh,
                    a["cells"],
                    a["premises_by_level"].get("high", 0),
                    a["premises_by_level"].get("elevated", 0),
                ]
                for a in brigades
            ],
        ),
        "townships": ReportTable(
            "各乡镇（街道）风险等级",
            ["乡镇（街道）", "区域得分", "等级", "网格数", "高风险单位"],
            [
                [
                    a["name"],
                    f"{a['score']:.1f}",
                    a["level"].zh,
                    a["cells"],
                    a["premises_by_level"].get("high", 0),
                ]
                for a in townships
            ]
            or [["（未划定乡镇（街道）网格）", "—", "—", 0, 0]],
        ),
        "top": ReportTable(
            "风险最高的单位及主要因素",
            ["序号", "单位", "得分", "等级", "主要因素"],
            [
                [
                    i + 1,
                    name,
                    f"{row.score:.0f}",
                    row.level.zh,
                    "；".join(
                        f"{f['label']} +{f['points']:g}"
                        for f in views.factor_list(row.factors)[:3]
                        if f["points"] > 0
                    ),
                ]
                for i, (row, name, _org) in enumerate(top)
            ],
        ),
        "weights": ReportTable(
            "指标体系与权重",
            ["指标组", "权重", "全市平均得分"],
            [[GROUPS[g], f"{table.group_weights[g]:.2f}", f"{group_means[g]:.1f}"] for g in GROUPS],
        ),
        "sources": ReportTable(
            "数据口径与追溯",
            ["图表", "来源"],
            [
                ["表1", "risk_premises 按 level 计数（本辖区）"],
                [
                    "表2、表3",
                    "risk_cell 按 org_id / township_grid_id 分组，区域得分 = 各网格得分均值",
                ],
                ["表4", "risk_premises 按 score 降序前10，因素取自 factors 字段"],
                ["表5", "indicators.GROUP_WEIGHTS；平均得分 = 各大队指标组得分均值"],
                [
                    "评估批次",
                    f"risk_run #{run.id}，{as_local(run.started_at):%Y-%m-%d %H:%M}"
                    if run
                    else "尚未评分",
                ],
            ],
        ),
    }
    return {
        "run": run,
        "levels": levels,
        "premises": total,
        "cells": sum(cell_levels.values()),
        "cell_levels": cell_levels,
        "brigades": brigades,
        "townships": townships,
        "coverage": coverage,
        "open_warnings": open_warnings,
        "drivers": drivers,
        "tables": tables,
    }


def _text(document: Any, text: str) -> None:
    paragraph = document.add_paragraph(text)
    paragraph.paragraph_format.first_line_indent = Pt(32)
    paragraph.paragraph_format.line_spacing = Pt(28)


def build_report(session: Session, actor: Actor, *, now: datetime | None = None) -> bytes:
    """The assessment as .docx bytes."""
    data = report_content(session, actor)
    run = data["run"]
    when = as_local(run.started_at if run else (now or datetime.now().astimezone()))
    document = Document()
    fonts = _style_fonts(document)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _header_footer(
        document, ReportContent(context={"header": "消防安全风险评估"}, tables={}, charts={})
    )
    title = document.add_paragraph("消防安全风险评估报告", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    levels: Counter[RiskLevel] = data["levels"]
    cov = data["coverage"]
    tables: dict[str, ReportTable] = data["tables"]
    document.add_paragraph("一、总体情况", style="Heading 1")
    _text(
        document,
        f"本次评估基于 {when:%Y年%m月%d日} 的数据，共评估单位 {data['premises']} 家、"
        f"网格 {data['cells']} 个。高风险单位 {levels.get(RiskLevel.HIGH, 0)} 家，"
        f"较高风险单位 {levels.get(RiskLevel.ELEVATED, 0)} 家；"
        f"待办结风险预警 {data['open_warnings']} 条。",
    )
    if cov["risk_share"] is not None:
        _text(
            document,
            f"按风险加权，5分钟行车范围（{cov['budget_s']:.0f} 秒）内的风险占全部风险的 "
            f"{cov['risk_share']:.1%}，按单位数为 {cov['premises_share']:.1%}，"
            f"按网格面积为 {cov['area_share']:.1%}。",
        )
    _table(document, tables["levels"], 1, fonts)
    document.add_paragraph("二、各大队、乡镇（街道）风险等级", style="Heading 1")
    _table(document, tables["brigades"], 2, fonts)
    _table(document, tables["townships"], 3, fonts)
    document.add_paragraph("三、主要风险及成因", style="Heading 1")
    _table(document, tables["top"], 4, fonts)
    _table(document, tables["weights"], 5, fonts)
    document.add_paragraph("四、对策建议", style="Heading 1")
    for i, group in enumerate(data["drivers"], start=1):
        _text(document, f"（{i}）{RECOMMENDATIONS[group]}")
    document.add_paragraph("附：数据口径", style="Heading 1")
    _table(document, tables["sources"], 6, fonts)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
