"""The roster (花名册): people of every kind of force, their posts and licences.

Every write checks the actor's role and that the person's organization lies in the actor's
jurisdiction, and is audited in the same transaction. A spreadsheet import (XLSX or CSV, Chinese
headers) is checked row by row first; one bad row refuses the whole file, naming each bad cell,
and nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.duty.choices import Employment, Post
from lanyan.duty.models import Person
from lanyan.duty.schemas import PersonCreate, PersonUpdate
from lanyan.forces.models import Organization


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    """A person in the actor's jurisdiction (404 otherwise)."""
    return get_visible(session, actor, Person, person_id)


def query_people(
    *, actor: Actor, org_id: int | None = None, q: str | None = None, active: bool | None = None
) -> Select[Any]:
    """The roster in the actor's jurisdiction, by organization then name."""
    stmt = visible(actor, Person)
    if org_id is not None:
        stmt = stmt.where(Person.org_id == org_id)
    if q:
        stmt = stmt.where(or_(Person.name.contains(q, autoescape=True), Person.external_id == q))
    if active is not None:
        stmt = stmt.where(Person.active.is_(active))
    return stmt.order_by(Person.org_id, Person.name, Person.id)


def _org(session: Session, actor: Actor, org_id: int) -> Organization:
    return get_visible(session, actor, Organization, org_id)


def _quals(items: list[Any]) -> list[dict[str, Any]]:
    return [q.model_dump(mode="json", exclude_none=True) for q in items]


def create_person(session: Session, *, actor: Actor, data: PersonCreate) -> Person:
    """Add a person to the roster."""
    actor.require(Action.DUTY_ROSTER)
    _org(session, actor, data.org_id)
    values = data.model_dump(exclude={"qualifications"})
    person = Person(**values, qualifications=_quals(data.qualifications))
    return crud.create(session, actor=actor, obj=person, entity="duty_person", entity_zh="人员")


def update_person(session: Session, *, actor: Actor, person_id: int, data: PersonUpdate) -> Person:
    """Change a person (moving them needs both organizations in the jurisdiction)."""
    actor.require(Action.DUTY_ROSTER)
    person = get_person(session, actor, person_id)
    changes = data.model_dump(exclude_unset=True, exclude={"qualifications"})
    if data.org_id is not None:
        _org(session, actor, data.org_id)
    if data.qualifications is not None:
        changes["qualifications"] = _quals(data.qualifications)
    return crud.update(
        session, actor=actor, obj=person, changes=changes, entity="duty_person", entity_zh="人员"
    )


def expired_qualifications(person: Person, today: date) -> list[str]:
    """Names of the person's licences past their expiry on ``today``."""
    out = []
    for qual in person.qualifications or []:
        expires = qual.get("expires_on")
        if expires and date.fromisoformat(str(expires)) < today:
            out.append(str(qual.get("name")))
    return out


# --- spreadsheet import ----------------------------------------------------------------------

HEADERS: dict[str, str] = {
    "编号": "external_id",
    "external_id": "external_id",
    "姓名": "name",
    "name": "name",
    "单位编号": "org_external_id",
    "org_external_id": "org_external_id",
    "岗位": "post",
    "post": "post",
    "人员类别": "employment",
    "employment": "employment",
    "电话": "phone",
    "phone": "phone",
    "资质证书": "qualifications",
    "qualifications": "qualifications",
}
"""Spreadsheet header (Chinese or the field name) → field. ``资质证书`` holds licences as
``名称:证号:有效期至`` separated by ``；`` or ``;`` (``驾驶证:A2-001:2027-05-01；绳索救援``)."""


def _read_table(content: bytes, filename: str) -> list[tuple[str, dict[str, Any]]]:
    """Rows of the sheet as (line label, {field: cell}); an unknown header is refused."""
    from lanyan.exchange.formats import Format, read_rows
    from lanyan.exchange.specs import Column, EntitySpec

    spec = EntitySpec(
        name="people",
        zh="人员",
        en="people",
        model=Person,
        create_schema=PersonCreate,
        update_schema=PersonUpdate,
        columns=tuple(Column(key, zh) for zh, key in HEADERS.items() if zh != key),
        write_action=Action.DUTY_ROSTER,
        create=create_person,
        update=update_person,
        id_kw="person_id",
        query=query_people,
        point_geometry=False,
    )
    fmt = Format.from_filename(filename)
    if fmt not in (Format.XLSX, Format.CSV):
        raise Invalid("花名册只接受 XLSX 或 CSV 文件", "the roster takes XLSX or CSV files")
    return read_rows(spec, fmt, content)


def _parse_quals(text: Any) -> list[dict[str, Any]]:
    if text is None or not str(text).strip():
        return []
    out = []
    for part in str(text).replace("；", ";").split(";"):
        bits = [b.strip() for b in part.replace("：", ":").split(":")]
        if not bits[0]:
            continue
        qual: dict[str, Any] = {"name": bits[0]}
        if len(bits) > 1 and bits[1]:
            qual["number"] = bits[1]
        if len(bits) > 2 and bits[2]:
            qual["expires_on"] = bits[2]
        out.append(qual)
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def import_people(
    session: Session, *, actor: Actor, content: bytes, filename: str
) -> tuple[int, int, int]:
    """Import a roster sheet: (rows, created, updated). Any bad row refuses the whole file."""
    from lanyan.exchange.importer import ImportRejected, ImportReport, RowError

    actor.require(Action.DUTY_ROSTER)
    rows = _read_table(content, filename)
    report = ImportReport(entity="people", rows=len(rows))
    orgs = {o.external_id: o.id for o in session.scalars(visible(actor, Organization))}
    ids = [_text(cells.get("external_id")) for _, cells in rows]
    existing = {
        p.external_id: p
        for p in session.scalars(
            select(Person).where(Person.external_id.in_([i for i in ids if i]))
        )
    }
    seen: set[str] = set()
    planned: list[tuple[Person | None, dict[str, Any]]] = []
    for label, cells in rows:
        ext = _text(cells.get("external_id"))
        org_ext = _text(cells.get("org_external_id"))

        def fail(column: str, zh: str, en: str, value: Any = None, row: str = label) -> None:
            report.errors.append(RowError(row, column, zh, en, _text(value)))

        if ext and ext in seen:
            fail("编号", "同一编号在文件中出现两次", "external id repeated in the file", ext)
            continue
        if ext:
            seen.add(ext)
        if org_ext not in orgs:
            fail("单位编号", "单位不存在或不在您的辖区内", "unknown organization", org_ext)
            continue
        values: dict[str, Any] = {
            "external_id": ext,
            "name": _text(cells.get("name")),
            "org_id": orgs[org_ext] if org_ext else None,
            "phone": _text(cells.get("phone")),
            "qualifications": _parse_quals(cells.get("qualifications")),
        }
        for key, choice, column in (("post", Post, "岗位"), ("employment", Employment, "人员类别")):
            raw = _text(cells.get(key))
            try:
                values[key] = choice.parse(raw or "")
            except ValueError:
                fail(column, f"无法识别的{column}", f"unknown {key}", raw)
        if len(report.errors) and report.errors[-1].row == label:
            continue
        try:
            data = PersonCreate.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else ""
                fail(column, f"取值无效：{err['msg']}", str(err["msg"]), err.get("input"))
            continue
        person = existing.get(data.external_id)
        if person is not None and get_visible_or_none(session, actor, person.id) is None:
            fail("编号", "该编号的人员不在您的辖区内", "person outside your jurisdiction", ext)
            continue
        planned.append((person, data.model_dump()))
    if report.errors:
        raise ImportRejected(report)
    created = updated = 0
    for person, values in planned:
        if person is None:
            create_person(session, actor=actor, data=PersonCreate.model_validate(values))
            created += 1
        else:
            values.pop("external_id")
            update_person(
                session, actor=actor, person_id=person.id, data=PersonUpdate.model_validate(values)
            )
            updated += 1
    return len(rows), created, updated


def get_visible_or_none(session: Session, actor: Actor, person_id: int) -> Person | None:
    """The person if the actor sees them, else ``None``."""
    return session.scalars(visible(actor, Person).where(Person.id == person_id)).one_or_none()
