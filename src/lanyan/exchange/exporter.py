"""Export master data in the columns the importer reads, limited to the actor's jurisdiction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.permissions import Action
from lanyan.exchange.formats import Format, write_table
from lanyan.exchange.specs import CRS_COLUMN, EntitySpec
from lanyan.geo.crs import Crs, from_wgs84, transform_geojson_coordinates

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


def _in_crs(spec: EntitySpec, record: dict[str, Any], crs: Crs) -> dict[str, Any]:
    """A record's positions in ``crs``, with a 坐标系 cell saying so (a re-import reads it)."""
    out = dict(record)
    if record.get("lon") is not None and record.get("lat") is not None:
        lon, lat = from_wgs84(float(record["lon"]), float(record["lat"]), crs)
        out["lon"], out["lat"] = round(lon, 7), round(lat, 7)
    for column in spec.columns:
        geometry = record.get(column.key) if column.geometry else None
        if isinstance(geometry, dict) and "coordinates" in geometry:
            out[column.key] = {
                **geometry,
                "coordinates": transform_geojson_coordinates(
                    geometry["coordinates"], crs, to_wgs=False
                ),
            }
    out[CRS_COLUMN] = crs.value
    return out


def export_records(
    session: Session, *, actor: Actor, spec: EntitySpec, crs: Crs = Crs.WGS84
) -> list[dict[str, Any]]:
    """Every record of ``spec`` in the actor's jurisdiction, as dicts keyed by column.

    In another ``crs`` than WGS-84 the positions are converted and each record says its system
    in the ``crs`` (坐标系) column, so the file imports back to the same places.
    """
    actor.require(Action.EXPORT)
    rows = session.scalars(spec.query(actor=actor)).unique()
    records = [_record(spec, obj) for obj in rows]
    if crs != Crs.WGS84 and spec.point_geometry:
        records = [_in_crs(spec, record, crs) for record in records]
    return records


def export_file(
    session: Session, *, actor: Actor, spec: EntitySpec, fmt: Format, crs: Crs = Crs.WGS84
) -> bytes:
    """The file content of an export."""
    return write_table(spec, fmt, export_records(session, actor=actor, spec=spec, crs=crs))
