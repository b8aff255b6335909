"""Import master data all-or-nothing, with a report naming every bad row, column and reason.

Three steps, and the first two never write:

1. every row is parsed and validated against its schema (no database);
2. every row is checked against the database with reads only: references resolve to
   organizations inside the importer's jurisdiction, the rules the domain services apply
   (a unit's station responds, an organization's kind fits under its parent), an existing record
   with the same ``external_id`` is in the jurisdiction; each row is planned as a create, an
   update or unchanged. Any bad row refuses the whole file with nothing written. A dry run stops
   here: it takes no write lock at all;
3. the rows are written in chunks (:data:`CHUNK_ROWS` at most), one short transaction each, each
   record with its audit row. Between chunks the write lock is free: call intake, dispatch and
   logins wait for one chunk at most, never for the file (on SQLite there is one writer at a time
   and chunks are sized to hold the lock ~20 ms; on PostgreSQL a long transaction would hold row
   locks on updated records for as long).

New units, water sources and premises are inserted a chunk at a time (the objects are built as
their service builds them, after the service's checks ran in step 2); updates and new
organizations go through the domain services record by record.

If step 3 fails half-way (a record changed between check and write, the server stopped), the
chunks already committed stay: the error says how many rows were written, and importing the same
file again completes it, because records are matched on ``external_id`` (importing the same file
twice changes nothing).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, get_args

import numpy as np
from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.audit import AuditLog
from lanyan.core.cellforms import parse_bool_zh, parse_date_zh, parse_number
from lanyan.core.clock import utcnow
from lanyan.core.errors import DomainError, Invalid
from lanyan.core.permissions import Action
from lanyan.core.standards import standards
from lanyan.exchange.formats import Format, RowCells, read_rows
from lanyan.exchange.positions import DistanceToRoad, cells_in_wgs84
from lanyan.exchange.specs import CRS_COLUMN, EntitySpec
from lanyan.forces.choices import UnitStatus
from lanyan.forces.models import Organization
from lanyan.forces.service import ALLOWED_CHILDREN
from lanyan.geo.crs import Crs

CHUNK_ROWS = 500
"""Rows per read while checking, and at most per write transaction."""

SQLITE_CHUNK_S = 0.02
"""On SQLite a write chunk holds the database's only write lock: chunks are sized (from the time
the previous one took) to hold it about this long, however busy the machine is. A 119 call that
arrives while a chunk is written waits for the rest of it."""

SQLITE_PAUSE_S = 0.03
"""Pause between two write chunks on SQLite. Writers waiting for their turn are let in within a
millisecond of the chunk's commit (:class:`lanyan.core.db.GatedConnection`); the pause leaves room
for several of them (a call, a dispatch, crews' status changes) before the next chunk, whichever
process runs the import."""

_SQLITE_MIN_ROWS = 20
_PACE_ROWS = 100
"""Parsing and checking offer to step back every this many rows (a few milliseconds)."""


def _no_pace() -> None:
    """In-process imports (commands, tests) run flat out."""


_REASON_ZH = {
    "missing": "必填项为空",
    "string_too_long": "内容过长",
    "string_too_short": "不能为空",
    "string_pattern_mismatch": "格式不正确",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "float_parsing": "不是有效的数字",
    "int_parsing": "不是有效的整数",
    "int_from_float": "应为整数",
    "enum": "不是有效的选项",
    "value_error": "取值无效",
    "extra_forbidden": "不允许的列",
    "dict_type": "格式不正确",
    "string_type": "应为文字",
    "float_type": "应为数字",
    "int_type": "应为整数",
}


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or the whole row when ``column`` is empty)."""

    row: str
    column: str
    reason_zh: str
    reason_en: str
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API and the CLI."""
        return {
            "row": self.row,
            "column": self.column,
            "reason": self.reason_zh,
            "reason_en": self.reason_en,
            "value": self.value,
        }


@dataclass
class ImportReport:
    """What an import did, or why it was refused."""

    entity: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    written: int = 0
    """Rows written (created or updated) so far; only an interrupted import has ``written`` short of
    ``created + updated``."""
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    """Rows imported but worth a look (a point a few hundred metres off the road)."""

    @property
    def ok(self) -> bool:
        """True when the import went (or, dry run, would go) through."""
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API and the CLI."""
        return {
            "entity": self.entity,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "written": self.written,
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


class ImportRejected(Invalid):
    """The file was refused; ``report`` names each bad row.

    Refused in the checks, nothing was written. Refused in the write pass, ``report.written`` rows
    were (the message says so): import the corrected file again to finish.
    """

    def __init__(self, report: ImportReport):
        shown = "; ".join(
            f"第{e.row}行 {e.column}: {e.reason_zh}"
            if e.row.isdigit()
            else f"{e.row} {e.column}: {e.reason_zh}"
            for e in report.errors[:5]
        )
        more = f" 等共 {len(report.errors)} 处错误" if len(report.errors) > 5 else ""
        shown_en = "; ".join(f"row {e.row} {e.column}: {e.reason_en}" for e in report.errors[:5])
        if report.written:
            head = (
                f"导入中断：已写入 {report.written} 行，其余未写入；修正后重新导入同一文件即可"
                "（按编号匹配，已写入的行不会重复）。"
            )
            head_en = (
                f"import interrupted: {report.written} rows were written, the rest were not; "
                "import the corrected file again to finish (rows are matched on external_id)."
            )
        else:
            head, head_en = (
                "导入被拒绝，数据库未作任何修改。",
                "import rejected, nothing was changed.",
            )
        super().__init__(
            f"{head}{shown}{more}",
            f"{head_en} {shown_en}",
            errors=[e.as_dict() for e in report.errors],
        )
        self.report = report


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _field_types(annotation: Any) -> set[Any]:
    types = {annotation}
    for arg in get_args(annotation):
        types |= _field_types(arg)
    return types


@lru_cache(maxsize=256)
def _spreadsheet_form(schema: type[BaseModel], key: str) -> Callable[[Any], Any]:
    """How a text cell of this column is read: 是/否 for a bool, 2025年5月20日 for a date,
    full-width digits and thousands separators for a number; other text as it is."""
    field_info = schema.model_fields.get(key)
    types = _field_types(field_info.annotation) if field_info is not None else set()
    if bool in types:
        return parse_bool_zh
    if date in types or datetime in types:
        return parse_date_zh
    if int in types or float in types:
        return parse_number
    return lambda value: value


@dataclass
class _Parsed:
    label: str
    external_id: str
    values: dict[str, Any]
    refs: dict[str, str]


def _parse_row(
    spec: EntitySpec, label: str, cells: dict[str, Any], crs: Crs = Crs.WGS84
) -> tuple[_Parsed | None, list[RowError]]:
    errors: list[RowError] = []
    if "__error__" in cells:
        return None, [RowError(label, "", "要素格式不正确", str(cells["__error__"]))]
    if spec.point_geometry:
        named = cells.get(CRS_COLUMN)
        try:
            row_crs = crs if _blank(named) else Crs.parse(str(named))
        except ValueError as exc:
            return None, [
                RowError(label, CRS_COLUMN, str(exc), "unknown coordinate system", _short(named))
            ]
        cells = cells_in_wgs84(cells, row_crs)
    values: dict[str, Any] = {}
    refs: dict[str, str] = {}
    for column in spec.columns:
        raw = cells.get(column.key)
        if column.read_only or _blank(raw):
            continue
        if isinstance(raw, str):
            raw = raw.strip()
        if column.ref is not None:
            refs[column.ref] = str(raw)
            continue
        if column.choice is not None:
            try:
                values[column.key] = column.choice.parse(str(raw))
            except ValueError:
                options = "、".join(m.zh for m in column.choice)
                errors.append(
                    RowError(
                        label,
                        column.key,
                        f"不是有效的选项（可选：{options}）",
                        f"not a valid choice (one of: {', '.join(m.value for m in column.choice)})",
                        _short(raw),
                    )
                )
            continue
        if isinstance(raw, str):
            raw = _spreadsheet_form(spec.create_schema, column.key)(raw)
        if column.geometry and isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                errors.append(
                    RowError(
                        label, column.key, "不是有效的 GeoJSON", "not valid GeoJSON", _short(raw)
                    )
                )
                continue
        values[column.key] = raw
    external_id = values.get("external_id")
    if external_id is None:
        errors.append(RowError(label, "external_id", "必填项为空", "required"))
        return None, errors
    values["external_id"] = str(external_id)
    # validate the shape as a create would (references filled with a placeholder id)
    probe = dict(values)
    for column in spec.columns:
        if column.ref is not None:
            probe[column.ref] = 1  # resolved against the database in the second pass
    try:
        spec.create_schema.model_validate(probe)
    except ValidationError as exc:
        errors.extend(_validation_errors(spec, label, exc, cells))
    if errors:
        return None, errors
    return _Parsed(label, str(values["external_id"]), values, refs), []


def _validation_errors(
    spec: EntitySpec, label: str, exc: ValidationError, cells: dict[str, Any]
) -> list[RowError]:
    errors = []
    for e in exc.errors():
        loc = [str(p) for p in e["loc"]]
        column = loc[0] if loc else ""
        ref_column = next((c.key for c in spec.columns if c.ref == column), None)
        if ref_column is not None:
            column = ref_column
        errors.append(
            RowError(
                label,
                column,
                _REASON_ZH.get(e["type"], "取值无效"),
                e["msg"],
                _short(cells.get(column)),
            )
        )
    return errors


def _order_by_parent(rows: list[_Parsed]) -> list[_Parsed]:
    """Parents before children when both are in the file (organizations)."""
    by_id = {r.external_id: r for r in rows}
    done: set[str] = set()
    out: list[_Parsed] = []

    def visit(row: _Parsed, depth: int) -> None:
        if row.external_id in done or depth > 64:
            return
        parent = by_id.get(row.refs.get("parent_id", ""))
        if parent is not None and parent is not row:
            visit(parent, depth + 1)
        done.add(row.external_id)
        out.append(row)

    for row in rows:
        visit(row, 0)
    return out


@dataclass(frozen=True)
class _OrgRef:
    """What the checks need of an organization (existing, or earlier in the same file)."""

    id: int | None
    path: str | None
    kind: Any
    covered: bool


@dataclass
class _Planned:
    """One validated row and what the write pass will do with it."""

    row: _Parsed
    action: str  # "create", "update" or "unchanged"
    data: BaseModel | None = None
    existing_id: int | None = None
    parent_external_id: str | None = None  # organizations whose parent is created in this file


_ENTITY = {
    "organizations": ("organization", "组织机构"),
    "units": ("unit", "车辆"),
    "water_sources": ("water_source", "消防水源"),
    "premises": ("premises", "单位场所"),
    "devices": ("iot_device", "物联设备"),
}
_OWNER = {
    "units": "station_id",
    "water_sources": "org_id",
    "premises": "org_id",
    "devices": "org_id",
}
"""The column of an existing record that places it in a jurisdiction (organizations: their path)."""


def _load_orgs(session: Session, actor: Actor) -> dict[str, _OrgRef]:
    rows = session.execute(
        select(Organization.external_id, Organization.id, Organization.path, Organization.kind)
    ).all()
    return {ext: _OrgRef(oid, path, kind, actor.covers(path)) for ext, oid, path, kind in rows}


def _ref_error(spec: EntitySpec, row: _Parsed, ref: str, external_id: str) -> RowError:
    column = next(c.key for c in spec.columns if c.ref == ref)
    return RowError(
        row.label,
        column,
        f"引用的编号不存在或不在您的管辖范围内：{external_id}",
        f"no organization with external id {external_id} in your jurisdiction",
        _short(external_id),
    )


def _check_ref_kind(spec: EntitySpec, row: _Parsed, ref: _OrgRef) -> RowError | None:
    """The rule the service applies to the referenced organization, checked without writing."""
    if spec.name == "units" and not ref.kind.responds:
        return RowError(
            row.label,
            "station_external_id",
            f"车辆只能配属到出动力量（站、专职队、微型站），不能配属到{ref.kind.zh}",
            f"units belong to a responding organization, not a {ref.kind.en}",
        )
    if spec.name == "organizations":
        kind = row.values.get("kind")
        if kind is not None and kind not in ALLOWED_CHILDREN[ref.kind]:
            return RowError(
                row.label,
                "parent_external_id",
                f"{ref.kind.zh}下不能设立{kind.zh}",
                f"a {kind.en} cannot sit under a {ref.kind.en}",
            )
    return None


def _existing(session: Session, spec: EntitySpec, external_ids: list[str]) -> dict[str, Any]:
    stmt = select(spec.model).where(spec.model.external_id.in_(external_ids)).options(lazyload("*"))
    return {obj.external_id: obj for obj in session.scalars(stmt)}


def _plan_rows(
    session: Session,
    *,
    actor: Actor,
    spec: EntitySpec,
    parsed: list[_Parsed],
    report: ImportReport,
    pace: Callable[[], None],
) -> list[_Planned]:
    """Check every row against the database without writing: references, jurisdiction, the
    services' rules, the schemas; and decide create / update / unchanged.

    Reads only (a few queries per 500 rows), so a dry run or the check before a real import takes
    no write lock and never holds up call intake.
    """
    orgs = _load_orgs(session, actor)
    paths = {o.id: o.path for o in orgs.values() if o.id is not None and o.path is not None}
    planned: list[_Planned] = []
    for start in range(0, len(parsed), CHUNK_ROWS):
        chunk = parsed[start : start + CHUNK_ROWS]
        existing = _existing(session, spec, [r.external_id for r in chunk])
        session.rollback()  # end the read transaction: nothing here is held across chunks
        for n, row in enumerate(chunk):
            if n % _PACE_ROWS == 0:
                pace()
            plan = _plan_row(spec, actor, row, orgs, paths, existing.get(row.external_id), report)
            if plan is not None:
                planned.append(plan)
    if report.errors:
        raise ImportRejected(report)
    return planned


def _plan_row(
    spec: EntitySpec,
    actor: Actor,
    row: _Parsed,
    orgs: dict[str, _OrgRef],
    paths: dict[int, str],
    existing: Any,
    report: ImportReport,
) -> _Planned | None:
    values = dict(row.values)
    parent_external_id: str | None = None
    out_of_reach: dict[str, RowError] = {}
    for ref, external_id in row.refs.items():
        target = orgs.get(external_id)
        if target is None:
            report.errors.append(_ref_error(spec, row, ref, external_id))
            return None
        # an organization outside the jurisdiction, or of the wrong kind, may stay referenced
        # (an exported brigade names its detachment), never be newly referenced
        problem = _check_ref_kind(spec, row, target)
        if not target.covered:
            problem = _ref_error(spec, row, ref, external_id)
        if problem is not None:
            out_of_reach[ref] = problem
        if target.id is None:
            parent_external_id = external_id
            values[ref] = 1  # placeholder: the parent is created earlier in the write pass
        else:
            values[ref] = target.id
    if existing is not None:
        owner = _OWNER.get(spec.name)
        path = existing.path if owner is None else paths.get(getattr(existing, owner))
        if path is None or not actor.covers(path):
            report.errors.append(
                RowError(
                    row.label,
                    "external_id",
                    "该编号已被管辖范围以外的记录使用",
                    "this external id belongs to a record outside your jurisdiction",
                    row.external_id,
                )
            )
            return None
    try:
        if existing is None:
            data = spec.create_schema.model_validate(values)
            changed = set(values)
        else:
            values.pop("external_id")
            update = spec.update_schema.model_validate(values)
            changes = _differs(existing, update.model_dump(include=set(values)))
            if not changes:
                report.unchanged += 1
                return _Planned(row, "unchanged")
            data = spec.update_schema.model_validate(changes)
            changed = set(changes)
    except ValidationError as exc:
        report.errors.extend(_validation_errors(spec, row.label, exc, row.values))
        return None
    refused = [error for ref, error in out_of_reach.items() if ref in changed]
    if refused:
        report.errors.extend(refused)
        return None
    if spec.name == "organizations" and existing is None:
        # later rows may hang under this one: they see it as covered (its parent was checked)
        orgs[row.external_id] = _OrgRef(None, None, values.get("kind"), True)
    if existing is None:
        report.created += 1
        return _Planned(row, "create", data, parent_external_id=parent_external_id)
    report.updated += 1
    return _Planned(
        row, "update", data, existing_id=existing.id, parent_external_id=parent_external_id
    )


def _same(old: Any, new: Any) -> bool:
    # spreadsheets keep 15 significant digits: a re-imported coordinate may differ in the last ulp
    if isinstance(old, float) and isinstance(new, int | float):
        return math.isclose(old, float(new), rel_tol=1e-13, abs_tol=1e-12)
    return bool(old == new)


def _differs(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "external_id" and not _same(getattr(obj, k), v)}


def import_rows(
    session: Session,
    *,
    actor: Actor,
    spec: EntitySpec,
    rows: list[RowCells],
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    crs: Crs = Crs.WGS84,
    distance_to_road: DistanceToRoad | None = None,
    pace: Callable[[], None] | None = None,
) -> ImportReport:
    """Check every row, then (unless ``dry_run``) write them in short transactions.

    Coordinates are read in ``crs`` (or the row's own 坐标系) and stored in WGS-84; with
    ``distance_to_road``, a point farther from every road than ``city_max_snap_m`` is a row error
    and one farther than ``snap_warn_m`` a warning. ``pace`` is called every few rows at points
    where no write is held (between write chunks, or while parsing and checking): the import's
    worker steps back there while the server is busy (:class:`lanyan.core.pacing.CpuPacer`).

    Raises :class:`ImportRejected` with nothing written when any row is bad. The rows are written
    and committed here, a chunk per transaction; the session is left with nothing
    pending. Should the write pass itself fail (a record changed meanwhile, the server stopped),
    the rows before the failing chunk stay written and :class:`ImportRejected` says how many;
    importing the same file again finishes the job, as rows are matched on ``external_id``.
    """
    actor.require(Action.IMPORT)
    actor.require(spec.write_action)
    report = ImportReport(entity=spec.name, rows=len(rows), dry_run=dry_run)
    parsed: list[_Parsed] = []
    seen: dict[str, str] = {}
    pace = pace or _no_pace
    for n, (label, cells) in enumerate(rows):
        if n % _PACE_ROWS == 0:
            pace()
        row, errors = _parse_row(spec, label, cells, crs)
        report.errors.extend(errors)
        if row is None:
            continue
        if row.external_id in seen:
            report.errors.append(
                RowError(
                    label,
                    "external_id",
                    f"编号与第{seen[row.external_id]}行重复",
                    f"duplicate of row {seen[row.external_id]}",
                    row.external_id,
                )
            )
            continue
        seen[row.external_id] = label
        parsed.append(row)
    if spec.point_geometry:
        _check_road_distances(parsed, distance_to_road, report)
    if report.errors:
        raise ImportRejected(report)
    if spec.name == "organizations":
        parsed = _order_by_parent(parsed)
    session.rollback()  # whatever the caller had open: the checks read in their own short reads
    planned = _plan_rows(session, actor=actor, spec=spec, parsed=parsed, report=report, pace=pace)
    if dry_run:
        if progress is not None:
            progress(len(planned), len(planned))
        return report
    _write_planned(
        session,
        actor=actor,
        spec=spec,
        planned=planned,
        report=report,
        progress=progress,
        pace=pace,
    )
    return report


def _write_planned(
    session: Session,
    *,
    actor: Actor,
    spec: EntitySpec,
    planned: list[_Planned],
    report: ImportReport,
    progress: Callable[[int, int], None] | None,
    pace: Callable[[], None],
) -> None:
    """Write the checked rows, at most :data:`CHUNK_ROWS` per transaction.

    Between two chunks the write lock is free, so on SQLite (one writer at a time) a 119 call, a
    login or a status change waits at most for one chunk, never for the whole file.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    created_ids: dict[str, int] = {}  # organizations created by this file, for their children
    todo = [p for p in planned if p.action != "unchanged"]
    done = 0
    size = 100 if sqlite else CHUNK_ROWS
    while done < len(todo):
        chunk = todo[done : done + size]
        started = time.perf_counter()
        try:
            _write_chunk(session, actor=actor, spec=spec, chunk=chunk, created_ids=created_ids)
            session.commit()
        except _RowFailed as failed:
            session.rollback()
            report.written = done
            report.errors.extend(_write_error(spec, failed))
            raise ImportRejected(report) from failed.cause
        finally:
            session.expunge_all()  # keep memory flat over 100k rows
        done += len(chunk)
        if progress is not None:
            progress(done, len(todo))
        if sqlite and done < len(todo):
            took = max(time.perf_counter() - started, 1e-3)
            size = int(min(CHUNK_ROWS, max(_SQLITE_MIN_ROWS, len(chunk) * SQLITE_CHUNK_S / took)))
            time.sleep(SQLITE_PAUSE_S)
        pace()
    report.written = done


class _RowFailed(Exception):
    """A row of the write pass failed; carries its label for the report."""

    def __init__(self, label: str, cause: DomainError | ValidationError):
        super().__init__(label)
        self.label = label
        self.cause = cause


def _write_error(spec: EntitySpec, failed: _RowFailed) -> list[RowError]:
    if isinstance(failed.cause, DomainError):
        return [
            RowError(
                failed.label,
                _column_of(spec, failed.cause),
                failed.cause.detail,
                failed.cause.detail_en,
            )
        ]
    return _validation_errors(spec, failed.label, failed.cause, {})


def _write_chunk(
    session: Session,
    *,
    actor: Actor,
    spec: EntitySpec,
    chunk: list[_Planned],
    created_ids: dict[str, int],
) -> None:
    """One transaction's worth of rows; the caller commits."""
    one_by_one = chunk
    if spec.name in _BUILDERS:
        creates = [p for p in chunk if p.action == "create"]
        try:
            if creates:
                _insert_batch(session, actor=actor, spec=spec, creates=creates)
            one_by_one = [p for p in chunk if p.action == "update"]
        except IntegrityError:
            # a clashing record was written meanwhile: redo the chunk a row at a time to name it
            session.rollback()
    for plan in one_by_one:
        data = plan.data
        assert data is not None
        if plan.parent_external_id is not None:
            data = data.model_copy(update={"parent_id": created_ids[plan.parent_external_id]})
        try:
            if plan.action == "create":
                obj = spec.create(session, actor=actor, data=data)
                created_ids[plan.row.external_id] = obj.id
            else:
                spec.update(session, actor=actor, data=data, **{spec.id_kw: plan.existing_id})
        except (DomainError, ValidationError) as exc:
            raise _RowFailed(plan.row.label, exc) from exc


def _new_unit(data: BaseModel) -> dict[str, Any]:
    return {
        **data.model_dump(exclude_none=True),
        "status": UnitStatus.AVAILABLE,
        "status_changed_at": utcnow(),
    }


def _fields(data: BaseModel) -> dict[str, Any]:
    return data.model_dump(exclude_none=True)


_BUILDERS: dict[str, Callable[[BaseModel], dict[str, Any]]] = {
    "units": _new_unit,
    "water_sources": _fields,
    "premises": _fields,
}
"""New records' columns as ``forces.create_unit`` / ``forces.create_water_source`` /
``prevention.create_premises`` set them (their checks ran in :func:`_plan_rows`). The importer
inserts them a chunk at a time with one audit row each, in the same transaction: the per-record
savepoint, flush and re-read of the one-record service path made a 100k-row file take minutes."""


def _insert_batch(
    session: Session, *, actor: Actor, spec: EntitySpec, creates: list[_Planned]
) -> None:
    entity, _ = _ENTITY[spec.name]
    build = _BUILDERS[spec.name]
    rows = [build(p.data) for p in creates if p.data is not None]
    # one multi-row INSERT … RETURNING per chunk; the returned objects carry every column
    stmt = insert(spec.model).returning(spec.model, sort_by_parameter_order=True)
    created = session.scalars(stmt, rows).all()
    at = utcnow()
    session.execute(
        insert(AuditLog),
        [
            audit.row_values(
                actor=actor,
                at=at,
                action="create",
                entity=entity,
                entity_id=obj.id,
                after=audit.snapshot(obj),
            )
            for obj in created
        ],
    )


def _column_of(spec: EntitySpec, exc: DomainError) -> str:
    for error in exc.errors:
        field_name = str(error.get("field", ""))
        ref_column = next((c.key for c in spec.columns if c.ref == field_name), None)
        return ref_column or field_name
    return ""


def _check_road_distances(
    parsed: list[_Parsed], distance_to_road: DistanceToRoad | None, report: ImportReport
) -> None:
    located = [
        (row.label, float(row.values["lon"]), float(row.values["lat"]))
        for row in parsed
        if row.values.get("lon") is not None and row.values.get("lat") is not None
    ]
    if not located:
        return
    if distance_to_road is None:
        report.warnings.append(
            RowError(
                "",
                "",
                "未登记本市路网（lanyan init），未检查坐标与道路的距离",
                "no road file registered: distances to the roads were not checked",
            )
        )
        return
    table = standards()
    refuse_m, warn_m = table["city_max_snap_m"], table["snap_warn_m"]
    metres = distance_to_road(
        np.array([lon for _, lon, _ in located]), np.array([lat for _, _, lat in located])
    )
    for (label, lon, lat), off_m in zip(located, metres.tolist(), strict=True):
        where = f"{lon:.6f},{lat:.6f}"
        if not np.isfinite(off_m) or off_m > refuse_m:
            far = "无道路可达" if not np.isfinite(off_m) else f"{off_m / 1000:.1f} 公里"
            report.errors.append(
                RowError(
                    label,
                    "lon",
                    f"距最近道路{far}，超过 {refuse_m / 1000:g} 公里："
                    "坐标有误，或坐标系不对（高德/腾讯为 gcj02，百度为 bd09）？",
                    f"{off_m:.0f} m from the nearest road (limit {refuse_m:g} m): a wrong"
                    " coordinate or coordinate system?",
                    where,
                )
            )
        elif off_m > warn_m:
            report.warnings.append(
                RowError(
                    label,
                    "lon",
                    f"距最近道路 {off_m:.0f} 米，请核对坐标",
                    f"{off_m:.0f} m from the nearest road: check the position",
                    where,
                )
            )


def import_file(
    session: Session,
    *,
    actor: Actor,
    spec: EntitySpec,
    filename: str,
    content: bytes,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    crs: Crs = Crs.WGS84,
    distance_to_road: DistanceToRoad | None = None,
    pace: Callable[[], None] | None = None,
) -> ImportReport:
    """Import a CSV, XLSX or GeoJSON file (format from the file name)."""
    fmt = Format.from_filename(filename)
    rows = read_rows(spec, fmt, content, pace=pace)
    return import_rows(
        session,
        actor=actor,
        spec=spec,
        rows=rows,
        dry_run=dry_run,
        progress=progress,
        crs=crs,
        distance_to_road=distance_to_road,
        pace=pace,
    )
