"""The yearly report: a Word document LibreOffice opens, whose pages show Chinese, plus Excel.

The demo city with two small years of history replayed through the dispatch engine; the report
is written, converted to PDF by LibreOffice (as a reader would open it), and the PDF's text and
fonts are checked: the Chinese headings and figures are there and a CJK font is embedded.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
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
    # captions in order, page numbers "— n —" in the footer, the 落款 at the end
    assert re.findall(r"表(\d+)(?=警情分类统计|各大队警情|防火监督)", text) == ["1", "2", "3"]
    for number, title in ((1, "月度警情对比"), (2, "警情类型构成"), (3, "响应时间分布")):
        assert f"图{number}{title}" in text, title
    assert "—1—" in text and "—2—" in text, "page numbers"
    # the 落款 closes the text on the page of its last paragraph, the page number under it
    signature = r"原始记录。）蓝焰市消防救援支队\d{4}年\d{1,2}月\d{1,2}日—\d+—$"
    assert re.search(signature, text), text[-200:]
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


def test_docx_is_laid_out_as_an_official_document(report_files: tuple[Path, Path]) -> None:
    """GB/T 9704 layout through python-docx: real heading styles in the Chinese faces, captions
    numbered consecutively (tables above, figures below), a PAGE field in the footer, the 落款."""
    docx, _ = report_files
    document = Document(str(docx))
    paragraphs = document.paragraphs
    by_style: dict[str, list[str]] = {}
    for p in paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Title"] == ["蓝焰市消防救援支队2025年度工作总结"]
    assert by_style["Heading 1"][:5] == [
        "一、总体情况",
        "二、灭火救援",
        "三、防火监督",
        "四、队伍建设与力量",
        "五、存在问题与下一步工作",
    ]
    assert by_style["Heading 2"][:2] == ["（一）火灾情况", "（二）警情构成"]
    for name in ("Heading 1", "Heading 2", "Normal"):
        rfonts = document.styles[name].element.rPr.rFonts
        assert rfonts.get(qn("w:eastAsia")), name
        assert rfonts.get(qn("w:eastAsiaTheme")) is None, name  # a theme would override it
    captions = by_style["Caption"]
    tables = [c for c in captions if c.startswith("表")]
    figures = [c for c in captions if c.startswith("图")]
    assert [re.match(r"表(\d+) ", c)[1] for c in tables] == ["1", "2", "3"]  # type: ignore[index]
    assert [re.match(r"图(\d+) ", c)[1] for c in figures] == ["1", "2", "3"]  # type: ignore[index]
    body = document.element.body
    for element in body.iterchildren():
        if element.tag == qn("w:tbl"):  # every table right under its caption
            previous = element.getprevious()
            assert "".join(previous.itertext()).startswith("表")
        if element.tag == qn("w:p") and element.findall(".//" + qn("w:drawing")):
            following = element.getnext()
            assert "".join(following.itertext()).startswith("图")
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and 'w:fldCharType="begin"' in footer_xml
    assert "2025年度工作总结" in document.sections[0].header.paragraphs[0].text
    *_, org, signed = [p for p in paragraphs if p.text.strip()]
    assert org.text == "蓝焰市消防救援支队" and org.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", signed.text)
    assert signed.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    text = "\n".join(p.text for p in paragraphs)
    assert "志愿消防队" in text
    problems = by_style["Heading 1"].index("五、存在问题与下一步工作")
    assert problems >= 0
    start = next(i for i, p in enumerate(paragraphs) if p.text == "五、存在问题与下一步工作")
    section_five = [p.text for p in paragraphs[start + 1 :] if p.style.name == "Normal" and p.text]
    assert len(section_five) >= 3  # several sentences from the figures, then the note and 落款
    # the same figure as printed in 二、灭火救援 (its value follows the engine's dispatches)
    share = re.search(r"到场率为(\d+\.\d)%", section_five[0])
    assert share is not None
    assert f"{share[1]}%" in text.split("五、存在问题与下一步工作")[0]


def test_workbook_holds_every_table(report_files: tuple[Path, Path]) -> None:
    _, xlsx = report_files
    book = load_workbook(xlsx, read_only=True)
    names = book.sheetnames
    assert "表1 警情分类统计" in names
    assert "附表 全部统计数据" in names
    rows = list(book["表1 警情分类统计"].iter_rows(values_only=True))
    assert rows[0][0] == "类型"
    assert sum(int(r[1]) for r in rows[1:]) == 80
