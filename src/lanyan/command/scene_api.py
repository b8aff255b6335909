"""Scene API (现场指挥): the commander's view, reports from the crews, sector postings, photos."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from lanyan.api.deps import CurrentActor, SessionDep, id_path
from lanyan.command import scene
from lanyan.command.scene_schemas import (
    PostingSet,
    SceneReportCreate,
    SceneReportMove,
    SceneReportPublic,
    SceneView,
)
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import not_found_error
from lanyan.prevention import uploads
from lanyan.prevention.models import Upload

router = APIRouter(prefix="/api/scene", tags=["command 指挥"])
IncidentId = Annotated[int, id_path("incident id")]


@router.get("/incidents/{incident_id}", response_model=SceneView)
def get_scene(
    request: Request, incident_id: IncidentId, actor: CurrentActor, session: SessionDep
) -> SceneView:
    """One incident as its commander sees it: units and ETAs, sectors, water, pre-plan, reports."""
    return scene.scene_view(
        session, actor=actor, network=request.app.state.network, incident_id=incident_id
    )


@router.post("/incidents/{incident_id}/reports", status_code=201)
def send_report(
    incident_id: IncidentId, body: SceneReportCreate, actor: CurrentActor, session: SessionDep
) -> SceneReportPublic:
    """A report from the scene (text, photos, 需要增援 with what); the commander sees it live."""
    report = scene.send_report(session, actor=actor, incident_id=incident_id, data=body)
    session.commit()
    return scene.report_public(report)


@router.post("/incidents/{incident_id}/reports/status")
def move_report(
    incident_id: IncidentId, body: SceneReportMove, actor: CurrentActor, session: SessionDep
) -> SceneReportPublic:
    """Acknowledge a report (已确认), then mark what it asked for dealt with (已处理)."""
    report = scene.move_report(session, actor=actor, incident_id=incident_id, data=body)
    session.commit()
    return scene.report_public(report)


@router.post("/incidents/{incident_id}/postings")
def set_posting(
    request: Request,
    incident_id: IncidentId,
    body: PostingSet,
    actor: CurrentActor,
    session: SessionDep,
) -> SceneView:
    """Post a unit to a sector (战斗段) with its task and water source; empty sector: off."""
    scene.set_posting(session, actor=actor, incident_id=incident_id, data=body)
    session.commit()
    return scene.scene_view(
        session, actor=actor, network=request.app.state.network, incident_id=incident_id
    )


@router.get("/photo")
def scene_photo(
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    incident_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
    upload_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> FileResponse:
    """A floor plan or photo of the incident's pre-plan, or a photo of one of its reports.

    A crew reads the pictures of the call it is on although the brigade's officer stored them;
    any other picture answers 404. Served inert, like ``/api/uploads/{id}``."""
    if not scene.photo_allowed(session, actor=actor, incident_id=incident_id, upload_id=upload_id):
        raise not_found_error(Upload, upload_id)
    stored = session.get(Upload, upload_id)
    if stored is None:
        raise not_found_error(Upload, upload_id)
    path = uploads.upload_path(request.app.state.settings.data_dir / "uploads", stored)
    if not path.is_file():
        raise Invalid("文件已丢失，请联系管理员", "the stored file is missing")
    extension = stored.media_type.removeprefix("image/").replace("jpeg", "jpg")
    return FileResponse(
        path,
        media_type=stored.media_type,
        filename=f"photo-{stored.id}.{extension}",
        content_disposition_type="inline",
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
