"""Pre-plan API (灭火救援预案): a premises' plan and its versions, save, import, review, list."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, paginate
from lanyan.command import preplan_import, preplans
from lanyan.command.preplan_models import PrePlan, PreplanStatus
from lanyan.command.preplan_schemas import (
    PremisesPreplan,
    PreplanImport,
    PreplanPublic,
    PreplanReview,
    PreplanRow,
    PreplanSave,
    VersionPublic,
)
from lanyan.core.actor import Actor
from lanyan.core.errors import Invalid
from lanyan.core.jurisdiction import get_visible
from lanyan.core.permissions import Action
from lanyan.prevention.models import Premises

router = APIRouter(tags=["command 指挥"])
PremisesId = Annotated[int, id_path("premises id")]


def preplan_public(session: Session, plan: PrePlan, version: int | None = None) -> PreplanPublic:
    """The plan with one version's body (the newest when ``version`` is None)."""
    shown = preplans.version_of(session, plan, version or plan.version)
    content = dict(shown.content)
    content["water_supply"] = preplans.resolved_water(session, shown.content)
    return PreplanPublic(
        id=plan.id,
        premises_id=plan.premises_id,
        premises_name=plan.premises.name,
        status=plan.status,
        status_zh=plan.status.zh,
        version=plan.version,
        published_version=plan.published_version,
        review_interval_days=plan.review_interval_days,
        reviewed_on=plan.reviewed_on,
        review_due_on=plan.review_due_on,
        overdue=preplans.is_overdue(plan, preplans.local_today()),
        review_note=plan.review_note,
        shown_version=shown.version,
        content=content,
        saved_by_name=shown.saved_by_name,
        saved_at=shown.saved_at,
    )


def premises_preplan(
    session: Session, actor: Actor, premises_id: int, version: int | None = None
) -> PremisesPreplan:
    """A premises with its pre-plan (null when none was written yet)."""
    actor.require(Action.READ)
    premises = get_visible(session, actor, Premises, premises_id)
    plan = preplans.plan_of(session, premises.id)
    return PremisesPreplan(
        premises_id=premises.id,
        premises_name=premises.name,
        address=premises.address,
        preplan=None if plan is None else preplan_public(session, plan, version),
        legacy_notes=premises.preplan_notes,
    )


@router.get("/api/preplans", response_model=Page[PreplanRow])
def list_preplans(
    actor: CurrentActor,
    session: SessionDep,
    status: PreplanStatus | None = None,
    overdue: Annotated[bool, Query(description="only plans past their review date")] = False,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PreplanRow]:
    """Pre-plans in your jurisdiction, the most overdue review first."""
    today = preplans.local_today()
    stmt = preplans.query_plans(actor=actor, status=status, overdue=overdue, q=q, today=today)
    return paginate(session, stmt, limit, offset, lambda p: preplans.row_of(p, today))


@router.get("/api/premises/{premises_id}/preplan", response_model=PremisesPreplan)
def get_preplan(
    premises_id: PremisesId,
    actor: CurrentActor,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=1, le=100_000, description="an older version")] = None,
) -> PremisesPreplan:
    """The premises' pre-plan: the newest version, or ``version``."""
    return premises_preplan(session, actor, premises_id, version)


@router.get("/api/premises/{premises_id}/preplan/versions", response_model=list[VersionPublic])
def list_versions(
    premises_id: PremisesId, actor: CurrentActor, session: SessionDep
) -> list[VersionPublic]:
    """Every saved version, newest first (who saved it, when, what changed)."""
    return [
        VersionPublic(
            version=v.version,
            source=v.source,
            note=v.note,
            saved_by_name=v.saved_by_name,
            saved_at=v.saved_at,
        )
        for v in preplans.versions(session, actor=actor, premises_id=premises_id)
    ]


@router.get("/api/premises/{premises_id}/preplan/xlsx")
def export_preplan_xlsx(
    premises_id: PremisesId,
    actor: CurrentActor,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=1, le=100_000, description="an older version")] = None,
) -> Response:
    """The plan as the XLSX the importer reads (the empty template when there is none yet)."""
    actor.require(Action.READ)
    premises = get_visible(session, actor, Premises, premises_id)
    plan = preplans.plan_of(session, premises.id)
    if plan is None:
        raw = preplan_import.plan_xlsx()
    else:
        content = preplans.version_of(session, plan, version or plan.version).content
        raw = preplan_import.plan_xlsx(
            content,
            review_interval_days=plan.review_interval_days,
            water_external_ids=preplans.water_external_ids(session, content),
        )
    filename = quote(f"灭火救援预案-{premises.name}.xlsx")
    return Response(
        raw,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


@router.post("/api/premises/{premises_id}/preplan", status_code=201)
def save_preplan(
    premises_id: PremisesId, body: PreplanSave, actor: CurrentActor, session: SessionDep
) -> PremisesPreplan:
    """Save a new version (the plan goes back to 草稿 until it is approved again)."""
    preplans.save_version(session, actor=actor, premises_id=premises_id, data=body)
    session.commit()
    return premises_preplan(session, actor, premises_id)


@router.post("/api/premises/{premises_id}/preplan/import", status_code=201)
def import_preplan(
    premises_id: PremisesId, body: PreplanImport, actor: CurrentActor, session: SessionDep
) -> PremisesPreplan:
    """Import a JSON or XLSX pre-plan file as a new version; any problem: 422, nothing saved."""
    actor.require(Action.PREPLAN_WRITE)
    get_visible(session, actor, Premises, premises_id)
    try:
        raw = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("文件内容不是有效的 base64", "content_base64 is not valid base64") from exc
    data = preplan_import.read_file(session, actor=actor, filename=body.filename, raw=raw)
    if body.filename.lower().endswith(".xlsx"):
        data = preplans.keep_pictures(session, premises_id, data)
    if body.note:
        data = data.model_copy(update={"note": body.note})
    preplans.save_version(session, actor=actor, premises_id=premises_id, data=data, source="import")
    session.commit()
    return premises_preplan(session, actor, premises_id)


@router.post("/api/premises/{premises_id}/preplan/review")
def review_preplan(
    premises_id: PremisesId, body: PreplanReview, actor: CurrentActor, session: SessionDep
) -> PremisesPreplan:
    """Submit, approve, send back or flag the pre-plan (illegal moves: 409)."""
    preplans.review(
        session, actor=actor, premises_id=premises_id, action=body.action, note=body.note
    )
    session.commit()
    return premises_preplan(session, actor, premises_id)
