"""Import and export API for organizations, units, water sources and premises."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile

from lanyan.api.deps import CurrentActor, SessionDep
from lanyan.core.config import Settings
from lanyan.core.errors import Invalid
from lanyan.exchange.choices import Entity
from lanyan.exchange.exporter import export_file
from lanyan.exchange.formats import Format
from lanyan.exchange.jobs import run_import
from lanyan.exchange.specs import SPECS, EntitySpec
from lanyan.geo.crs import Crs

router = APIRouter(prefix="/api/exchange", tags=["exchange 导入导出"])

MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.GEOJSON: "application/geo+json",
}
MAX_UPLOAD_BYTES = 30 * 1024 * 1024


def _spec(entity: Entity) -> EntitySpec:
    return SPECS[entity.value]


@router.post("/{entity}/import")
async def import_upload(
    request: Request,
    entity: Entity,
    file: Annotated[UploadFile, File(description="CSV, XLSX or GeoJSON")],
    actor: CurrentActor,
    session: SessionDep,
    dry_run: Annotated[bool, Query(description="validate only, write nothing")] = False,
    crs: Annotated[
        str,
        Query(max_length=20, description="wgs84 (default), gcj02 (Amap, Tencent), bd09 (Baidu)"),
    ] = "wgs84",
) -> dict[str, Any]:
    """Import a file whole or not at all; a refused file gets 422 with every bad row named.

    The import runs in a worker process and writes in short transactions: call intake, dispatch
    and logins go on meanwhile (see :mod:`lanyan.exchange.jobs`).
    """
    session.close()  # the login was checked; hold no database connection while the import runs
    try:
        file_crs = Crs.parse(crs)
    except ValueError as exc:
        raise Invalid(str(exc), f"unknown crs {crs!r}: wgs84, gcj02 or bd09") from exc
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise Invalid("文件过大（上限 30 MB）", "file over 30 MB")
    settings: Settings = request.app.state.settings
    report = await run_import(
        settings=settings,
        crs=file_crs,
        actor=actor,
        entity=_spec(entity).name,
        filename=file.filename or "upload",
        content=content,
        dry_run=dry_run,
    )
    return report.as_dict()


@router.get("/{entity}/export")
def export_download(
    entity: Entity,
    actor: CurrentActor,
    session: SessionDep,
    format: Format = Format.CSV,
    crs: Annotated[
        str, Query(max_length=20, description="wgs84 (default), gcj02 (Amap), bd09 (Baidu)")
    ] = "wgs84",
) -> Response:
    """Download every record in your jurisdiction, in the columns the importer reads."""
    try:
        file_crs = Crs.parse(crs)
    except ValueError as exc:
        raise Invalid(str(exc), f"unknown crs {crs!r}: wgs84, gcj02 or bd09") from exc
    content = export_file(session, actor=actor, spec=_spec(entity), fmt=format, crs=file_crs)
    filename = f"{entity.value}.{format.value}"
    return Response(
        content,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
