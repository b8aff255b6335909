"""Read and write the three exchange formats (CSV, XLSX, GeoJSON) as rows of cells.

A row is ``(row_label, {column_key: cell})``; the label is what a person sees in the file ("第 7 行"
for a spreadsheet's 7th line, "要素 3" for the third GeoJSON feature).

Text written to a spreadsheet is made inert (OWASP "CSV injection"): a name such as
``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` must open as text, never as a live formula. CSV gets
a guard quote in front (``'=...``), which the reader takes off again so an export re-imports
unchanged; XLSX gets a string cell with Excel's quote-prefix style, so the text is exact. The
yearly report's workbook (:mod:`lanyan.stats.report`) writes its cells with the same helper.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from lanyan.core.errors import Invalid
from lanyan.exchange.specs import CRS_COLUMN, EntitySpec

MAX_ROWS = 200_000
PACE_EVERY = 100
"""Rows read between two calls of a reader's ``pace``."""

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
"""First characters that make a spreadsheet read a cell as a formula (full-width forms too: a
Chinese input method types them, and some spreadsheets convert them)."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
CSV_GUARD = "'"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula.

    A plain signed number ("-12.5") is not: it can only become that number.
    """
    start = text.lstrip(" ")[:1]
    return start in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(text.strip())


def inert_csv_text(value: Any) -> Any:
    """A CSV cell value that no spreadsheet runs: formula-like text gets a leading quote."""
    if isinstance(value, str) and formula_like(value):
        return CSV_GUARD + value
    return value


def strip_csv_guard(value: Any) -> Any:
    """The inverse of :func:`inert_csv_text`, for cells read back from a file."""
    if isinstance(value, str) and value.startswith(CSV_GUARD) and formula_like(value[1:]):
        return value[1:]
    return value


def inert_xlsx_cell(sheet: Worksheet | WriteOnlyWorksheet, value: Any) -> Any:
    """A value for ``sheet.append`` that is never a formula (or an error code).

    openpyxl makes every str starting with "=" a formula cell; such text becomes a string cell
    with the quote-prefix style instead (Excel shows the text exactly, and keeps it text when the
    cell is edited). Numbers and other values stay as they are.
    """
    if not isinstance(value, str):
        return value
    formula = formula_like(value)
    if not formula and not value.startswith("=") and value not in ERROR_CODES:
        return value
    cell = Cell(sheet, row=1, column=1, value=value)  # append() moves it to its place
    cell.data_type = "s"
    if formula:
        cell.quotePrefix = True
    return cell


class Format(StrEnum):
    """Supported file formats."""

    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"

    @classmethod
    def from_filename(cls, filename: str) -> Format:
        """Guess the format from a file name's extension."""
        lower = filename.lower()
        if lower.endswith(".csv"):
            return cls.CSV
        if lower.endswith((".xlsx", ".xlsm")):
            return cls.XLSX
        if lower.endswith((".geojson", ".json")):
            return cls.GEOJSON
        raise Invalid(
            f"无法识别的文件类型：{filename}（支持 .csv、.xlsx、.geojson）",
            f"unknown file type: {filename} (use .csv, .xlsx or .geojson)",
        )


RowCells = tuple[str, dict[str, Any]]


def _unreadable(kind: str, exc: Exception) -> Invalid:
    return Invalid(f"文件无法读取（{kind}）：{exc}", f"cannot read the {kind} file: {exc}")


def _map_headers(spec: EntitySpec, headers: list[Any]) -> list[str | None]:
    known = spec.header_map()
    mapped: list[str | None] = []
    unknown = []
    for h in headers:
        text = "" if h is None else str(h).strip()
        key = known.get(text) or known.get(text.lower())
        if text and key is None:
            unknown.append(text)
        mapped.append(key)
    if unknown:
        raise Invalid(
            f"表头中有未知列：{', '.join(unknown)}",
            f"unknown columns in the header: {', '.join(unknown)}",
            errors=[{"row": "1", "column": u, "reason": "unknown column"} for u in unknown],
        )
    if "external_id" not in mapped:
        raise Invalid("缺少“编号(external_id)”列", "the external_id column is missing")
    return mapped


def _rows_from_table(
    spec: EntitySpec, table: Iterable[list[Any]], pace: Callable[[], None] | None = None
) -> list[RowCells]:
    iterator = iter(table)
    try:
        headers = list(next(iterator))
    except StopIteration as exc:
        raise Invalid("文件为空", "the file is empty") from exc
    keys = _map_headers(spec, headers)
    rows: list[RowCells] = []
    for line_no, raw in enumerate(iterator, start=2):
        if pace is not None and line_no % PACE_EVERY == 0:
            pace()
        cells = list(raw)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise Invalid(f"行数超过上限 {MAX_ROWS}", f"more than {MAX_ROWS} rows")
        values = {k: strip_csv_guard(v) for k, v in zip(keys, cells, strict=False) if k is not None}
        rows.append((str(line_no), values))
    return rows


def read_rows(
    spec: EntitySpec, fmt: Format, content: bytes, *, pace: Callable[[], None] | None = None
) -> list[RowCells]:
    """Parse ``content`` into labelled rows of raw cells keyed by column.

    ``pace`` is called every :data:`PACE_EVERY` rows (the import's worker steps back there: a
    100,000-row file is a second or two of parsing).
    """
    if fmt is Format.CSV:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")  # spreadsheets saved as CSV on Chinese Windows
            except UnicodeDecodeError as exc:
                raise _unreadable("CSV", exc) from exc
        try:
            return _rows_from_table(spec, csv.reader(io.StringIO(text)), pace)
        except csv.Error as exc:
            raise _unreadable("CSV", exc) from exc
    if fmt is Format.XLSX:
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            raise _unreadable("XLSX", exc) from exc
        except Exception as exc:
            raise _unreadable("XLSX", exc) from exc
        sheet = book.worksheets[0]
        rows = _rows_from_table(
            spec, ([c for c in r] for r in sheet.iter_rows(values_only=True)), pace
        )
        book.close()
        return rows
    return _read_geojson(spec, content)


def _read_geojson(spec: EntitySpec, content: bytes) -> list[RowCells]:
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _unreadable("GeoJSON", exc) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise Invalid("GeoJSON 须为 FeatureCollection", "GeoJSON must be a FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise Invalid("GeoJSON 缺少 features 数组", "GeoJSON has no features array")
    if len(features) > MAX_ROWS:
        raise Invalid(f"要素数量超过上限 {MAX_ROWS}", f"more than {MAX_ROWS} features")
    known = spec.header_map()
    geometry_column = next((c.key for c in spec.columns if c.geometry), None)
    rows: list[RowCells] = []
    for index, feature in enumerate(features, start=1):
        label = f"feature {index}"
        values: dict[str, Any] = {}
        if not isinstance(feature, dict):
            rows.append((label, {"__error__": "not a GeoJSON Feature"}))
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        for name, value in props.items():
            key = known.get(str(name)) or known.get(str(name).lower())
            if key is not None:
                values[key] = value
        geometry = feature.get("geometry")
        if isinstance(geometry, dict):
            if geometry.get("type") == "Point":
                coords = geometry.get("coordinates") or [None, None]
                if isinstance(coords, list) and len(coords) >= 2:
                    values["lon"], values["lat"] = coords[0], coords[1]
                else:
                    values["__error__"] = "Point geometry without two coordinates"
            elif geometry_column is not None:
                values[geometry_column] = geometry
        rows.append((label, values))
    return rows


def _cell(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_table(spec: EntitySpec, fmt: Format, records: list[dict[str, Any]]) -> bytes:
    """Serialize exported records (dicts keyed by column) in ``fmt``."""
    keys = [c.key for c in spec.columns]
    if records and CRS_COLUMN in records[0]:
        keys.append(CRS_COLUMN)
    if fmt is Format.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(keys)
        for record in records:
            cells = (record.get(k) for k in keys)
            writer.writerow(["" if v is None else inert_csv_text(_cell(v)) for v in cells])
        return buffer.getvalue().encode("utf-8-sig")
    if fmt is Format.XLSX:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(spec.zh)
        sheet.append(keys)
        for record in records:
            sheet.append([inert_xlsx_cell(sheet, _cell(record.get(k))) for k in keys])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    features = []
    geometry_column = next((c.key for c in spec.columns if c.geometry), None)
    for record in records:
        geometry: dict[str, Any] | None = None
        props = {k: _cell(record.get(k)) for k in keys}
        if geometry_column and record.get(geometry_column):
            geometry = record[geometry_column]
            props.pop(geometry_column)
        elif spec.point_geometry and record.get("lon") is not None:
            geometry = {"type": "Point", "coordinates": [record["lon"], record["lat"]]}
            props.pop("lon")
            props.pop("lat")
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")
