"""Export master data in the columns the importer reads, limited to the actor's jurisdiction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.permissions import Action
from lanyan.exchange.formats import Format, write_table
from lanyan.exchange.specs import EntitySpec

_REF_SOURCE = {"parent_id": "parent", "station_id": "station", "org_id": "org"}


def _record(spec: EntitySpec, obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in spec.columns:
        if column.ref is not None:
            related = getattr(obj, _REF_SOURCE[column.ref])
            out[column.key] = related.external_id if related is not None else None
        else:
            out[column.key] = getattr(obj, column.key)
    return out


def export_records(session: Session, *, actor: Actor, spec: EntitySpec) -> list[dict[str, Any]]:
    """Every record of ``spec`` in the actor's jurisdiction, as dicts keyed by column."""
    actor.require(Action.EXPORT)
    rows = session.scalars(spec.query(actor=actor)).unique()
    return [_record(spec, obj) for obj in rows]


def export_file(session: Session, *, actor: Actor, spec: EntitySpec, fmt: Format) -> bytes:
    """The file content of an export."""
    return write_table(spec, fmt, export_records(session, actor=actor, spec=spec))
