"""Hazards and uploads API (火灾隐患 / 照片); supervised listing is in ``listing_api``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import FileResponse

from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, paginate
from lanyan.core.clock import utcnow
from lanyan.core.errors import Invalid
from lanyan.core.permissions import Action
from lanyan.prevention import hazards, uploads
from lanyan.prevention.choices import HazardSeverity, HazardStatus
from lanyan.prevention.definitions import is_overdue
from lanyan.prevention.models import Hazard
from lanyan.prevention.schemas import (
    Gb35181Request,
    HazardCheck,
    HazardOrder,
    HazardPublic,
    HazardRectified,
    HazardReport,
    HazardVerify,
)

router = APIRouter(tags=["prevention 防火监督"])
HazardId = Annotated[int, id_path("hazard id")]
UploadId = Annotated[int, id_path("upload id")]


def hazard_public(h: Hazard) -> HazardPublic:
    """A hazard for the API; ``overdue`` is computed now, so lists are right between ticks."""
    overdue = is_overdue(h, utcnow())
    return HazardPublic(
        id=h.id,
        premises_id=h.premises_id,
        premises_name=h.premises.name if h.premises else None,
        org_id=h.org_id,
        title=h.title,
        description=h.description,
        category=h.category,
        severity=h.severity,
        status=h.status,
        source=h.source,
        patrol_visit_id=h.patrol_visit_id,
        inspection_id=h.inspection_id,
        lon=h.lon,
        lat=h.lat,
        found_at=h.found_at,
        verified_at=h.verified_at,
        ordered_at=h.ordered_at,
        deadline_at=h.deadline_at,
        rectified_at=h.rectified_at,
        closed_at=h.closed_at,
        escalated_at=h.escalated_at,
        overdue=overdue,
        photo_ids=list(h.photo_ids or []),
        evidence_ids=list(h.evidence_ids or []),
        order_note=h.order_note,
        rectification_note=h.rectification_note,
    )


@router.post("/api/uploads", status_code=201)
def upload_photo(
    request: Request,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP")],
    actor: CurrentActor,
    session: SessionDep,
) -> dict[str, Any]:
    """Upload a photo (validated by its content, ≤ 10 MiB); returns its id to attach."""
    content = file.file.read((10 * 1024 * 1024) + 1)
    stored = uploads.store_upload(
        session,
        actor=actor,
        content=content,
        filename=file.filename,
        root=request.app.state.settings.data_dir / "uploads",
    )
    session.commit()
    return {
        "id": stored.id,
        "sha256": stored.sha256,
        "media_type": stored.media_type,
        "size_bytes": stored.size_bytes,
    }


@router.get("/api/uploads/{upload_id}")
def get_photo(
    request: Request, upload_id: UploadId, actor: CurrentActor, session: SessionDep
) -> FileResponse:
    """A stored photo, only within your jurisdiction.

    Served inert: the type is the one sniffed at upload and the browser may not guess another
    (nosniff); opened on its own it runs nothing (a sandbox CSP); it is shown inline under a
    name of ours, never the uploader's."""
    stored = uploads.get_upload(session, actor, upload_id)
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


@router.get("/api/hazards", response_model=Page[HazardPublic])
def list_hazards(
    actor: CurrentActor,
    session: SessionDep,
    status: HazardStatus | None = None,
    severity: HazardSeverity | None = None,
    open: bool = False,
    overdue: bool = False,
    premises_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    q: SearchText = None,
    sort: str = "deadline",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[HazardPublic]:
    """The officer's list: soonest deadline first; filter by status, severity, overdue."""
    if sort not in hazards.SORTABLE:
        raise Invalid(f"排序字段须为 {'/'.join(hazards.SORTABLE)}", "unknown sort field")
    stmt = hazards.query_hazards(
        actor=actor,
        status=status,
        severity=severity,
        open_only=open,
        overdue=overdue,
        premises_id=premises_id,
        q=q,
        sort=sort,
    )
    return paginate(session, stmt, limit, offset, hazard_public)


@router.get("/api/hazards/{hazard_id}", response_model=HazardPublic)
def get_hazard(hazard_id: HazardId, actor: CurrentActor, session: SessionDep) -> HazardPublic:
    """One hazard."""
    return hazard_public(hazards.get_hazard(session, actor, hazard_id))


@router.post("/api/hazards", response_model=HazardPublic, status_code=201)
def report_hazard(body: HazardReport, actor: CurrentActor, session: SessionDep) -> HazardPublic:
    """Report a hazard (grid workers, crews, officers)."""
    hazard = hazards.report_hazard(session, actor=actor, data=body)
    session.commit()
    return hazard_public(hazard)


@router.post("/api/hazards/{hazard_id}/verify", response_model=HazardPublic)
def verify(
    hazard_id: HazardId, body: HazardVerify, actor: CurrentActor, session: SessionDep
) -> HazardPublic:
    """Confirm (maybe re-grade) or reject a reported hazard."""
    hazard = hazards.verify_hazard(session, actor=actor, hazard_id=hazard_id, data=body)
    session.commit()
    return hazard_public(hazard)


@router.post("/api/hazards/{hazard_id}/order", response_model=HazardPublic)
def order(
    hazard_id: HazardId, body: HazardOrder, actor: CurrentActor, session: SessionDep
) -> HazardPublic:
    """Order rectification with a deadline in working days."""
    hazard = hazards.order_rectification(session, actor=actor, hazard_id=hazard_id, data=body)
    session.commit()
    return hazard_public(hazard)


@router.post("/api/hazards/{hazard_id}/rectified", response_model=HazardPublic)
def rectified(
    hazard_id: HazardId, body: HazardRectified, actor: CurrentActor, session: SessionDep
) -> HazardPublic:
    """Report the rectification done, with evidence photos."""
    hazard = hazards.mark_rectified(session, actor=actor, hazard_id=hazard_id, data=body)
    session.commit()
    return hazard_public(hazard)


@router.post("/api/hazards/{hazard_id}/check", response_model=HazardPublic)
def check(
    hazard_id: HazardId, body: HazardCheck, actor: CurrentActor, session: SessionDep
) -> HazardPublic:
    """Re-check: close, or order again."""
    hazard = hazards.check_hazard(session, actor=actor, hazard_id=hazard_id, data=body)
    session.commit()
    return hazard_public(hazard)


@router.get("/api/gb35181/criteria")
def gb35181_criteria(
    actor: CurrentActor,
    category: Annotated[str, Query(min_length=1, max_length=40)],
) -> dict[str, Any]:
    """The GB 35181 checklist for a site category (direct criteria and composite elements)."""
    from lanyan.prevention.gb35181 import SiteCategory, criteria_for

    actor.require(Action.READ)
    return {
        "categories": SiteCategory.describe(),
        "criteria": [
            {
                "id": c.id,
                "group": c.group.value,
                "section": c.section,
                "summary": c.summary_zh,
                "confirmed_from_source": c.source_seen,
            }
            for c in criteria_for(category)
        ],
    }


@router.post("/api/hazards/{hazard_id}/gb35181")
def gb35181_assess(
    hazard_id: HazardId, body: Gb35181Request, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """Determine by GB 35181 whether the hazard is major; proposes supervised listing if so."""
    hazard, verdict = hazards.assess_major(session, actor=actor, hazard_id=hazard_id, data=body)
    session.commit()
    return {"hazard": hazard_public(hazard).model_dump(mode="json"), "assessment": verdict}


@router.post("/api/hazards/deadlines")
def process_deadlines(actor: CurrentActor, session: SessionDep) -> dict[str, int]:
    """Escalate overdue hazards and stamp reminders now (also run by `lanyan prevention tick`)."""
    actor.require(Action.HAZARD_MANAGE)
    result = hazards.process_deadlines(session, actor=actor)
    session.commit()
    return result
