"""Reading a pre-plan file: JSON (the API's own body) or XLSX (the sheet people fill in).

Either the whole file is read or nothing is written: every problem is collected with where it is
(``预案!B4``, ``水源 第3行``, ``building.floors_above``) and returned as one 422, so a person fixes
the file once. The XLSX has two sheets: 预案 (项目 | 内容 rows, labels of :data:`FIELDS`)
and 水源 (名称, 类型, 水源编号, 经度, 纬度, 流量, 备注, one supply point a row; 水源编号 is a
registered water source's external id). ``lanyan preplans template`` writes an empty one,
``GET /api/premises/{id}/preplan/xlsx`` a filled one.
"""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.command.preplan_schemas import PreplanSave
from lanyan.core.actor import Actor
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import visible_condition
from lanyan.forces.models import WaterSource

FIELDS: dict[str, tuple[str, ...]] = {
    "地上层数": ("building", "floors_above"),
    "地下层数": ("building", "floors_below"),
    "建筑高度(m)": ("building", "height_m"),
    "建筑面积(m²)": ("building", "area_m2"),
    "结构": ("building", "structure"),
    "使用性质": ("building", "use"),
    "白天人数": ("building", "occupants_day"),
    "夜间人数": ("building", "occupants_night"),
    "消防控制室": ("systems", "control_room"),
    "自动喷水灭火系统": ("systems", "sprinklers"),
    "水泵接合器": ("systems", "pump_connectors"),
    "室内消火栓": ("systems", "inside_hydrants"),
    "火灾自动报警系统": ("systems", "alarm"),
    "防排烟系统": ("systems", "smoke_control"),
    "消防车道": ("access", "fire_lanes"),
    "登高操作场地": ("access", "aerial_sites"),
    "出入口与内攻路线": ("access", "entrances"),
    "特殊危险": ("hazards",),
    "灭火救援要点": ("attack_plan",),
    "复核周期(天)": ("review_interval_days",),
}
"""Row labels of the 预案 sheet and where each goes in the body."""

LISTS = {("systems", "pump_connectors"), ("hazards",)}
"""Fields that hold several entries, written in one cell separated by ；or line breaks."""

WATER_COLUMNS = ("名称", "类型", "水源编号", "经度", "纬度", "流量(L/s)", "备注")

MAX_BYTES = 10 * 1024 * 1024


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _validated(data: Any, problems: list[dict[str, str]]) -> PreplanSave | None:
    if isinstance(data, dict) and "content" not in data:
        data = {"content": data}  # a bare body is accepted as the content itself
    try:
        return PreplanSave.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append({"where": _where(error["loc"]), "message": error["msg"]})
        return None


def _split(text: str) -> list[str]:
    parts = [p.strip() for p in text.replace("\n", "；").replace(";", "；").split("；")]
    return [p for p in parts if p]


def _read_xlsx(
    session: Session, actor: Actor, raw: bytes, problems: list[dict[str, str]]
) -> dict[str, Any]:
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise Invalid("无法读取 XLSX 文件", f"not a readable XLSX file: {exc}") from exc
    if "预案" not in book.sheetnames:
        raise Invalid("XLSX 缺少“预案”工作表", "the XLSX has no sheet named 预案")
    body: dict[str, Any] = {"content": {}}
    for row_no, row in enumerate(book["预案"].iter_rows(values_only=True), start=1):
        if not row or row[0] is None or str(row[0]).strip() in ("", "项目"):
            continue
        label = str(row[0]).strip()
        value = row[1] if len(row) > 1 else None
        path = FIELDS.get(label)
        if path is None:
            problems.append({"where": f"预案!A{row_no}", "message": f"未知项目“{label}”"})
            continue
        if value is None or str(value).strip() == "":
            continue
        if path == ("review_interval_days",):
            body["review_interval_days"] = value
            continue
        target = body["content"]
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = _split(str(value)) if path in LISTS else value
    if "水源" in book.sheetnames:
        points = _read_water(session, actor, book["水源"].iter_rows(values_only=True), problems)
        if points:
            body["content"]["water_supply"] = points
    return body


def _read_water(
    session: Session, actor: Actor, rows: Any, problems: list[dict[str, str]]
) -> list[dict[str, Any]]:
    points: list[dict[str, Any]] = []
    for row_no, row in enumerate(rows, start=1):
        cells = [*row, *([None] * len(WATER_COLUMNS))][: len(WATER_COLUMNS)]
        if row_no == 1 or all(c is None or str(c).strip() == "" for c in cells):
            continue
        name, kind, external_id, lon, lat, flow, note = cells
        point: dict[str, Any] = {"name": str(name or "").strip()}
        for key, value in (("kind", kind), ("lon", lon), ("lat", lat), ("flow_lps", flow)):
            if value is not None and str(value).strip() != "":
                point[key] = value
        if note:
            point["note"] = str(note)
        if external_id:
            source_id = session.scalar(
                select(WaterSource.id).where(
                    WaterSource.external_id == str(external_id).strip(),
                    visible_condition(actor, WaterSource),
                )
            )
            if source_id is None:
                problems.append(
                    {"where": f"水源 第{row_no}行", "message": f"水源编号“{external_id}”不存在"}
                )
                continue
            point["water_source_id"] = source_id
        points.append(point)
    return points


def read_file(session: Session, *, actor: Actor, filename: str, raw: bytes) -> PreplanSave:
    """The pre-plan in a JSON or XLSX file, or :class:`Invalid` listing every problem."""
    if not raw:
        raise Invalid("文件为空", "the file is empty")
    if len(raw) > MAX_BYTES:
        raise Invalid("文件过大（上限 10 MB）", "the file is over 10 MiB")
    problems: list[dict[str, str]] = []
    name = filename.lower()
    if name.endswith(".json"):
        try:
            data: Any = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Invalid(f"JSON 格式错误：{exc}", f"not valid JSON: {exc}") from exc
    elif name.endswith(".xlsx"):
        data = _read_xlsx(session, actor, raw, problems)
    else:
        raise Invalid("只接受 .json 或 .xlsx 文件", "only .json or .xlsx files are accepted")
    parsed = _validated(data, problems)
    if problems or parsed is None:
        raise Invalid(
            f"预案文件有 {len(problems)} 处错误，未导入任何内容",
            f"the pre-plan file has {len(problems)} problems; nothing was imported",
            errors=problems,
        )
    return parsed


def plan_xlsx(
    content: dict[str, Any] | None = None,
    *,
    review_interval_days: int | None = None,
    water_external_ids: dict[int, str] | None = None,
) -> bytes:
    """An XLSX in the import layout: empty (the template), or filled from a stored body, so a
    plan can be exported, edited in a spreadsheet and imported back. Pictures stay out (an
    XLSX import keeps the plan's floor plans and photos)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "预案"
    sheet.append(["项目", "内容"])
    body: dict[str, Any] = dict(content or {})
    if review_interval_days is not None:
        body["review_interval_days"] = review_interval_days
    for label, path in FIELDS.items():
        value: Any = body
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, list):
            value = "；".join(str(v) for v in value)
        sheet.append([label, value])
    water = book.create_sheet("水源")
    water.append(list(WATER_COLUMNS))
    ids = water_external_ids or {}
    for point in body.get("water_supply", []):
        linked = ids.get(point.get("water_source_id") or 0)
        water.append(
            [
                point.get("name"),
                point.get("kind"),
                linked,
                None if linked else point.get("lon"),
                None if linked else point.get("lat"),
                point.get("flow_lps"),
                point.get("note"),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
