"""The call history the forecast learns from: this database's incidents, or a CSV of any city's.

A forecast is only worth what its backtest on real calls says, and the city it will be judged on
has no road network, premises or grids in Lanyan — only calls. So the history is deliberately
thin: the local calendar day, the WGS-84 position and a type label of each call.

- :func:`history_from_db` reads the ``incident`` table (received time in Asia/Shanghai).
- :func:`read_calls_csv` reads a CSV with the columns ``time, lon, lat, type``. It tolerates the
  usual variants (header case and spacing, common aliases such as ``longitude``/``lng``, a
  UTF-8 BOM, ``;`` or tab separators, extra columns, ISO or ``YYYY-MM-DD HH:MM:SS`` or US
  ``MM/DD/YYYY hh:mm:ss AM`` times) and refuses anything else with :class:`CallsFileError`
  naming the line and what is wrong. Rows without a position are common in real exports (a call
  never geocoded): they are skipped and counted, as long as they are a minority.

Times in a CSV are taken as the city's local wall-clock time (an offset, if given, is dropped,
not converted): the calendar effects (day of week, holidays) belong to the local day.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.clock import as_local

ALIASES: dict[str, tuple[str, ...]] = {
    "time": (
        "time",
        "datetime",
        "date_time",
        "timestamp",
        "received_at",
        "received",
        "received_dttm",
        "call_time",
        "call_date",
        "alarm_time",
        "alarm_dttm",
        "incident_date",
        "incident_datetime",
        "dateofcall",
        "date_of_call",
        "date",
    ),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "lat": ("lat", "latitude", "y"),
    "type": (
        "type",
        "call_type",
        "incident_type",
        "type_description",
        "category",
        "kind",
        "title",
        "nature",
        "incidentgroup",
        "incident_group",
    ),
    "point": ("location", "point", "geom", "the_geom", "geometry", "report_location"),
    "call_id": ("call_number", "call_no", "call_id", "event_number", "cad_number"),
}
"""Header names accepted for each column (compared lower-cased without spaces, hyphens and
underscores: ``CallDate`` is ``call_date``); for each column the first alias present wins.
``point`` is used only when there is no ``lon``/``lat`` pair: a WKT ``POINT (lon lat)`` or an
open-data portal's ``(lat, lon)``. ``call_id``, optional: rows repeating a call number (exports
with one row per responding unit) count once."""

_WKT = re.compile(r"POINT\s*\(\s*([-+0-9.eE]+)[\s,]+([-+0-9.eE]+)\s*\)", re.IGNORECASE)
_PAIR = re.compile(r"^\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)$")


def split_point(text: str) -> tuple[str, str]:
    """``(lon, lat)`` texts of a point cell (``("", "")`` when it holds no point)."""
    value = text.strip()
    wkt = _WKT.search(value)
    if wkt:
        return wkt.group(1), wkt.group(2)
    pair = _PAIR.match(value)
    if pair:
        return pair.group(2), pair.group(1)  # portals write (latitude, longitude)
    return "", ""


TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
"""Formats tried after ISO 8601 (``datetime.fromisoformat``), after dropping a trailing zone
(``+0000``, ``+08:00``, ``Z``, ``UTC``: the wall-clock time is what calendar effects need).
A file whose ``a/b/yyyy`` dates have a first number above 12 and never a second one is read
day first (``%d/%m/%Y``: European and Chinese exports), decided once per file, not per row:
mixing the two would swap day and month on every date up to the 12th."""

MISSING = frozenset({"", "null", "none", "na", "n/a", "nan", "-", "--", "?", "unknown"})
"""Coordinate texts that mean "no position" (skipped and counted, like an empty cell)."""

_ZONE = re.compile(r"\s*(?:[+-]\d{2}:?\d{2}|Z|UTC|GMT)$", re.IGNORECASE)
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/\d{4}")

MAX_BAD_SHARE = 0.05
"""Rows with a position or time that cannot be read may be skipped up to this share of the file
(real exports have a few); more means the file is not what we think: refuse."""

MIN_CALLS = 30
"""Fewer calls than this cannot rank cells: refuse rather than print a meaningless figure."""


class CallsFileError(ValueError):
    """A CSV of calls that cannot be used; the message says why (Chinese / English)."""


@dataclass(frozen=True)
class CallHistory:
    """Calls as parallel arrays: local day (``date.toordinal()``), position and type label."""

    day: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    kind: tuple[str, ...]
    source: str = ""
    skipped: int = 0
    """Rows left out (no position, unreadable time): reported, not hidden."""
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.day)

    @property
    def first_day(self) -> date:
        return date.fromordinal(int(self.day.min()))

    @property
    def last_day(self) -> date:
        return date.fromordinal(int(self.day.max()))

    def before(self, day: date) -> CallHistory:
        """Only the calls of days before ``day`` (what a forecast made on ``day`` may know)."""
        keep = self.day < day.toordinal()
        return CallHistory(
            day=self.day[keep],
            lon=self.lon[keep],
            lat=self.lat[keep],
            kind=tuple(k for k, m in zip(self.kind, keep, strict=True) if m),
            source=self.source,
        )


def _build(
    rows: list[tuple[int, float, float, str]], source: str, skipped: int, notes: list[str]
) -> CallHistory:
    rows.sort(key=lambda r: r[0])
    return CallHistory(
        day=np.array([r[0] for r in rows], dtype=np.int64),
        lon=np.array([r[1] for r in rows], dtype=np.float64),
        lat=np.array([r[2] for r in rows], dtype=np.float64),
        kind=tuple(r[3] for r in rows),
        source=source,
        skipped=skipped,
        notes=tuple(notes),
    )


def history_from_db(session: Session) -> CallHistory:
    """Every incident of the database (all jurisdictions: a command-line, detachment-wide view)
    except drills (拉动演练, issue 20), which the statistics leave out too.

    Callers that answer a user must filter by the user's jurisdiction before forecasting; the
    backtest is a detachment-wide quality check and reads all.
    """
    from lanyan.dispatch.models import Incident

    rows = [
        (as_local(at).date().toordinal(), float(lon), float(lat), str(kind.value))
        for at, lon, lat, kind in session.execute(
            select(Incident.received_at, Incident.lon, Incident.lat, Incident.type).where(
                Incident.is_drill.is_(False)  # a 拉动演练 runs through dispatch but is no call
            )
        )
        if lon is not None and lat is not None
    ]
    return _build(rows, "database", 0, [])


def _key(name: str) -> str:
    """A header name as compared with :data:`ALIASES`: lower case, no spaces, hyphens or
    underscores (``CallDate``, ``call_date`` and ``Call Date`` are one name)."""
    return "".join(ch for ch in name.strip().strip('"').lower() if ch not in " -_")


def _column_map(header: list[str]) -> dict[str, int]:
    norm = [_key(h) for h in header]
    found: dict[str, int] = {}
    for column, aliases in ALIASES.items():
        for alias in aliases:
            if _key(alias) in norm:
                found[column] = norm.index(_key(alias))
                break
    required: tuple[str, ...] = ("time", "lon", "lat")
    if "point" in found and ("lon" not in found or "lat" not in found):
        found.pop("lon", None)
        found.pop("lat", None)
        required = ("time", "point")
    else:
        found.pop("point", None)
    missing = [c for c in required if c not in found]
    if missing:
        raise CallsFileError(
            f"CSV 缺少列 {', '.join(missing)}：需要 time, lon, lat, type（WGS-84），"
            f"表头为 {', '.join(header[:12])} / missing column(s) {', '.join(missing)}: "
            "expected time, lon, lat, type"
        )
    return found


def parse_time(text: str, formats: tuple[str, ...] = TIME_FORMATS) -> datetime:
    """A call time in one of the accepted forms (ISO 8601 first), as local wall-clock time."""
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    bare = _ZONE.sub("", value)
    for fmt in formats:
        try:
            return datetime.strptime(bare, fmt)
        except ValueError:
            continue
    raise ValueError(f"unreadable time {value!r}")


def day_first(times: Iterable[str]) -> bool:
    """Whether ``a/b/yyyy`` dates in these texts are day first: some ``a`` above 12, no ``b``."""
    first = second = 0
    for text in times:
        m = _SLASH_DATE.match(text.strip())
        if m:
            first = max(first, int(m.group(1)))
            second = max(second, int(m.group(2)))
    return first > 12 and second <= 12


DAY_FIRST_FORMATS = tuple(f.replace("%m/%d/%Y", "%d/%m/%Y") for f in TIME_FORMATS)


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def read_calls_csv(path: Path | str, *, text: str | None = None) -> CallHistory:
    """Read a CSV of calls (see the module docstring for what is accepted).

    ``text`` lets tests and uploads pass the content directly (``path`` then only names it).
    Raises :class:`CallsFileError` with the line and reason when the file cannot be used.
    """
    name = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise CallsFileError(f"无法读取 {name}：{exc.strerror} / cannot read {name}") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise CallsFileError(
                    f"{name} 不是 UTF-8 或 GB18030 编码的文本 / not UTF-8 or GB18030 text"
                ) from exc
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), _dialect(text[:4096]))
    try:
        header = next(reader)
    except StopIteration:
        raise CallsFileError(f"{name} 是空文件 / the file is empty") from None
    cols = _column_map(header)
    first_pass = csv.reader(io.StringIO(text), _dialect(text[:4096]))
    next(first_pass)
    at = cols["time"]
    dmy = day_first(r[at] for r in first_pass if len(r) > at)
    formats = DAY_FIRST_FORMATS if dmy else TIME_FORMATS
    rows: list[tuple[int, float, float, str]] = []
    no_position = 0
    bad: list[str] = []
    total = 0
    seen: set[str] = set()
    repeated = 0
    for lineno, record in enumerate(reader, start=2):
        if not record or all(not c.strip() for c in record):
            continue
        total += 1
        try:
            if "point" in cols:
                lon_text, lat_text = split_point(record[cols["point"]])
            else:
                lon_text = record[cols["lon"]].strip()
                lat_text = record[cols["lat"]].strip()
            time_text = record[cols["time"]]
        except IndexError:
            bad.append(f"第 {lineno} 行列数不足 / line {lineno}: too few columns")
            continue
        if lon_text.lower() in MISSING or lat_text.lower() in MISSING:
            no_position += 1
            continue
        try:
            lon, lat = float(lon_text), float(lat_text)
        except ValueError:
            bad.append(f"第 {lineno} 行坐标不是数字 / line {lineno}: {lon_text!r}, {lat_text!r}")
            continue
        if not (math.isfinite(lon) and math.isfinite(lat)) or (lon == 0 and lat == 0):
            no_position += 1
            continue
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise CallsFileError(
                f"第 {lineno} 行坐标 ({lon_text}, {lat_text}) 不是 WGS-84 经纬度"
                "（投影坐标请先转换）"
                f" / line {lineno}: ({lon_text}, {lat_text}) is not a WGS-84 lon/lat"
            )
        try:
            moment = parse_time(time_text, formats)
        except ValueError:
            bad.append(f"第 {lineno} 行时间无法识别 / line {lineno}: time {time_text!r}")
            continue
        kind = record[cols["type"]].strip() if "type" in cols and cols["type"] < len(record) else ""
        if "call_id" in cols and cols["call_id"] < len(record):
            call_id = record[cols["call_id"]].strip()
            if call_id and call_id in seen:
                repeated += 1
                continue
            seen.add(call_id)
        rows.append((moment.date().toordinal(), lon, lat, kind or "未分类"))
    if bad and len(bad) > MAX_BAD_SHARE * max(total, 1):
        raise CallsFileError(
            f"{name}：{len(bad)} / {total} 行无法读取，例如："
            + "；".join(bad[:3])
            + f" / {len(bad)} of {total} rows unreadable"
        )
    if no_position > (1 - MAX_BAD_SHARE) * max(total, 1) or len(rows) < MIN_CALLS:
        raise CallsFileError(
            f"{name}：可用的有坐标警情只有 {len(rows)} 起"
            f"（共 {total} 行，{no_position} 行无坐标），"
            f"至少需要 {MIN_CALLS} 起 / only {len(rows)} usable calls with a position"
        )
    notes = []
    if "type" not in cols:
        notes.append("CSV 没有 type 列：按单一类型预测 / no type column: one type assumed")
    if repeated:
        notes.append(
            f"同一警情编号的 {repeated} 行（每车一行的导出）只计一次 / {repeated} rows repeating a"
            " call number (one row per unit) counted once"
        )
    if no_position or bad:
        notes.append(
            f"跳过 {no_position} 行无坐标、{len(bad)} 行无法读取 / skipped {no_position} rows "
            f"without a position and {len(bad)} unreadable"
        )
    return _build(rows, name, no_position + len(bad), notes)
