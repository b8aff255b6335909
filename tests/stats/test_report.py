"""The yearly report: a Word document LibreOffice opens, whose pages show Chinese, plus Excel.

The demo city with two small years of history replayed through the dispatch engine; the report
is written, converted to PDF by LibreOffice (as a reader would open it), and the PDF's text and
fonts are checked: the Chinese headings and figures are there and a CJK font is embedded.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.demo import load_demo
from lanyan.demo.history import load_history
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization
from lanyan.stats.report import write_yearly_report


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is needed to check the report (make test installs "
            "libreoffice-writer-nogui and poppler-utils)"
        )
    return path


@pytest.fixture(scope="module")
def report_files(app_client: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    app = app_client.app  # type: ignore[attr-defined]
    factory: sessionmaker[Session] = app.state.sessionmaker
    load_demo(factory, osm_file=app.state.settings.demo_osm_file, seed=119)
    load_history(factory, app.state.network, seed=119, year=2025, calls=80)
    load_history(factory, app.state.network, seed=7, year=2024, calls=60)
    with factory() as session:
        detachment = session.scalars(
            select(Organization).where(Organization.kind == OrgKind.DETACHMENT)
        ).one()
        return write_yearly_report(
            session,
            actor=SYSTEM,
            year=2025,
            org_id=detachment.id,
            out_dir=tmp_path_factory.mktemp("report"),
        )


def test_docx_opens_in_libreoffice_and_renders_chinese(report_files: tuple[Path, Path]) -> None:
    docx, _ = report_files
    out = docx.parent
    subprocess.run(
        [_tool("soffice"), "--headless", "--convert-to", "pdf", "--outdir", str(out), str(docx)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = docx.with_suffix(".pdf")
    assert pdf.is_file(), "LibreOffice did not produce a PDF"
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    text = "".join(text.split())  # pdftotext spaces out digits beside Chinese characters
    for phrase in (
        "2025年度工作总结",
        "一、总体情况",
        "二、灭火救援",
        "三、防火监督",
        "五、存在问题与下一步工作",
        "表1警情分类统计",
        "火灾扑救",
    ):
        assert phrase in text, phrase
    assert "警情80起" in text  # the headline figure came from the data
    fonts = subprocess.run(
        [_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert "CJK" in fonts, fonts
    pages = subprocess.run(
        [_tool("pdftoppm"), "-r", "50", "-png", str(pdf), str(out / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert pages.returncode == 0
    assert len(list(out.glob("page-*.png"))) >= 2


def test_workbook_holds_every_table(report_files: tuple[Path, Path]) -> None:
    _, xlsx = report_files
    book = load_workbook(xlsx, read_only=True)
    names = book.sheetnames
    assert "表1 警情分类统计" in names
    assert "附表 全部统计数据" in names
    rows = list(book["表1 警情分类统计"].iter_rows(values_only=True))
    assert rows[0][0] == "类型"
    assert sum(int(r[1]) for r in rows[1:]) == 80
