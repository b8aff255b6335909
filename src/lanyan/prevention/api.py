"""Premises API (重点单位 / 九小场所), within your jurisdiction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import lazyload

from lanyan.api.cache import cached_json
from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, page_json, paginate
from lanyan.prevention import service
from lanyan.prevention.choices import ControlLevel, PremisesCategory, VenueType
from lanyan.prevention.models import Premises
from lanyan.prevention.schemas import (
    PremisesCreate,
    PremisesPublic,
    PremisesUpdate,
)

router = APIRouter(prefix="/api/premises", tags=["premises 单位场所"])
PremisesId = Annotated[int, id_path("premises id")]


@router.get("", response_model=Page[PremisesPublic])
def list_premises(
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    category: PremisesCategory | None = None,
    venue_type: VenueType | None = None,
    control_level: ControlLevel | None = None,
    org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    q: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Premises supervised in your jurisdiction."""

    def build() -> bytes:
        stmt = service.query_premises(
            actor=actor,
            category=category,
            venue_type=venue_type,
            control_level=control_level,
            org_id=org_id,
            q=q,
        )
        # the answer names the supervising organization by id: no join of it (and its polygon)
        stmt = stmt.options(lazyload(Premises.org))
        return page_json(paginate(session, stmt, limit, offset, PremisesPublic.model_validate))

    return cached_json(request, actor, ("premises",), build)


@router.get("/{premises_id}", response_model=PremisesPublic)
def get_premises(
    premises_id: PremisesId, actor: CurrentActor, session: SessionDep
) -> PremisesPublic:
    """One premises with its building facts and pre-plan notes."""
    return PremisesPublic.model_validate(service.get_premises(session, actor, premises_id))


@router.post("", response_model=PremisesPublic, status_code=201)
def create_premises(
    body: PremisesCreate, actor: CurrentActor, session: SessionDep
) -> PremisesPublic:
    """Add a premises."""
    premises = service.create_premises(session, actor=actor, data=body)
    session.commit()
    return PremisesPublic.model_validate(premises)


@router.patch("/{premises_id}", response_model=PremisesPublic)
def update_premises(
    premises_id: PremisesId, body: PremisesUpdate, actor: CurrentActor, session: SessionDep
) -> PremisesPublic:
    """Change a premises."""
    premises = service.update_premises(session, actor=actor, premises_id=premises_id, data=body)
    session.commit()
    return PremisesPublic.model_validate(premises)


@router.delete("/{premises_id}", status_code=204)
def delete_premises(premises_id: PremisesId, actor: CurrentActor, session: SessionDep) -> Response:
    """Remove a premises."""
    service.delete_premises(session, actor=actor, premises_id=premises_id)
    session.commit()
    return Response(status_code=204)
