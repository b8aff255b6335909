"""Import master data all-or-nothing, with a report naming every bad row, column and reason.

Two passes: first every row is parsed and validated without touching the database; then, only if
all rows are good, the rows are written through the domain services in one transaction (so each
write is checked for jurisdiction and audited). Any error in the second pass rolls everything back.
Records are matched on ``external_id``: importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.errors import DomainError, Invalid
from lanyan.core.permissions import Action
from lanyan.exchange.formats import Format, RowCells, read_rows
from lanyan.exchange.specs import EntitySpec
from lanyan.forces.models import Organization

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
    errors: list[RowError] = field(default_factory=list)

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
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors],
        }


class ImportRejected(Invalid):
    """The file was refused whole; ``report`` names each bad row."""

    def __init__(self, report: ImportReport):
        shown = "; ".join(
            f"第{e.row}行 {e.column}: {e.reason_zh}"
            if e.row.isdigit()
            else f"{e.row} {e.column}: {e.reason_zh}"
            for e in report.errors[:5]
        )
        more = f" 等共 {len(report.errors)} 处错误" if len(report.errors) > 5 else ""
        shown_en = "; ".join(f"row {e.row} {e.column}: {e.reason_en}" for e in report.errors[:5])
        super().__init__(
            f"导入被拒绝，数据库未作任何修改。{shown}{more}",
            f"import rejected, nothing was changed. {shown_en}",
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


@dataclass
class _Parsed:
    label: str
    external_id: str
    values: dict[str, Any]
    refs: dict[str, str]


def _parse_row(
    spec: EntitySpec, label: str, cells: dict[str, Any]
) -> tuple[_Parsed | None, list[RowError]]:
    errors: list[RowError] = []
    if "__error__" in cells:
        return None, [RowError(label, "", "要素格式不正确", str(cells["__error__"]))]
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


def _resolve(session: Session, ref: str, external_id: str) -> int | None:
    del ref  # every reference points at an organization
    return session.scalar(select(Organization.id).where(Organization.external_id == external_id))


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
) -> ImportReport:
    """Validate then write ``rows``; raise :class:`ImportRejected` (nothing written) on any error.

    The caller commits (unless ``dry_run``, where everything is rolled back here).
    """
    actor.require(Action.IMPORT)
    actor.require(spec.write_action)
    report = ImportReport(entity=spec.name, rows=len(rows), dry_run=dry_run)
    parsed: list[_Parsed] = []
    seen: dict[str, str] = {}
    for label, cells in rows:
        row, errors = _parse_row(spec, label, cells)
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
    if report.errors:
        raise ImportRejected(report)
    if spec.name == "organizations":
        parsed = _order_by_parent(parsed)

    savepoint = session.begin_nested()
    for index, row in enumerate(parsed, start=1):
        try:
            _write_row(session, actor=actor, spec=spec, row=row, report=report)
        except DomainError as exc:
            report.errors.append(
                RowError(row.label, _column_of(spec, exc), exc.detail, exc.detail_en)
            )
        except ValidationError as exc:
            report.errors.extend(_validation_errors(spec, row.label, exc, row.values))
        if progress is not None and (index % 200 == 0 or index == len(parsed)):
            progress(index, len(parsed))
    if report.errors or dry_run:
        savepoint.rollback()
        if report.errors:
            session.rollback()
            raise ImportRejected(report)
        session.rollback()
        return report
    savepoint.commit()
    return report


def _column_of(spec: EntitySpec, exc: DomainError) -> str:
    for error in exc.errors:
        field_name = str(error.get("field", ""))
        ref_column = next((c.key for c in spec.columns if c.ref == field_name), None)
        return ref_column or field_name
    return ""


def _write_row(
    session: Session, *, actor: Actor, spec: EntitySpec, row: _Parsed, report: ImportReport
) -> None:
    values = dict(row.values)
    for ref, external_id in row.refs.items():
        ref_id = _resolve(session, ref, external_id)
        column = next(c.key for c in spec.columns if c.ref == ref)
        if ref_id is None:
            raise Invalid(
                f"引用的编号不存在：{external_id}",
                f"no organization with external id {external_id}",
                errors=[{"field": ref}],
            )
        values[ref] = ref_id
        del column
    existing = session.scalar(select(spec.model).where(spec.model.external_id == row.external_id))
    if existing is None:
        spec.create(session, actor=actor, data=spec.create_schema.model_validate(values))
        report.created += 1
        return
    values.pop("external_id")
    validated = spec.update_schema.model_validate(values)
    changes = _differs(existing, validated.model_dump(include=set(values)))
    if not changes:
        report.unchanged += 1
        return
    spec.update(
        session,
        actor=actor,
        data=spec.update_schema.model_validate(changes),
        **{spec.id_kw: existing.id},
    )
    report.updated += 1


def import_file(
    session: Session,
    *,
    actor: Actor,
    spec: EntitySpec,
    filename: str,
    content: bytes,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a CSV, XLSX or GeoJSON file (format from the file name)."""
    fmt = Format.from_filename(filename)
    rows = read_rows(spec, fmt, content)
    return import_rows(
        session, actor=actor, spec=spec, rows=rows, dry_run=dry_run, progress=progress
    )
