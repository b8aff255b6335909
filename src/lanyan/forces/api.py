"""Forces API (力量体系): organizations, units and water sources within your jurisdiction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import defer, joinedload, lazyload

from lanyan.api.cache import cached_json
from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, page_json, paginate
from lanyan.forces import service
from lanyan.forces.choices import OrgKind, UnitStatus, UnitType, WaterSourceKind, WaterSourceState
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.forces.schemas import (
    OrganizationCreate,
    OrganizationPublic,
    OrganizationUpdate,
    UnitCreate,
    UnitPublic,
    UnitStatusChange,
    UnitUpdate,
    WaterSourceCreate,
    WaterSourcePublic,
    WaterSourceUpdate,
)

router = APIRouter(prefix="/api/forces", tags=["forces 力量"])
OrgId = Annotated[int, id_path("organization id")]
UnitId = Annotated[int, id_path("unit id")]
WaterSourceId = Annotated[int, id_path("water source id")]
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/organizations", response_model=Page[OrganizationPublic])
def list_organizations(
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    kind: OrgKind | None = None,
    parent_id: OptionalId = None,
    q: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Organizations in your jurisdiction, in tree order."""

    def build() -> bytes:
        stmt = service.query_organizations(actor=actor, kind=kind, parent_id=parent_id, q=q)
        # the answer names the parent by id: no join of every row's parent (and its polygon)
        stmt = stmt.options(lazyload(Organization.parent))
        return page_json(paginate(session, stmt, limit, offset, OrganizationPublic.model_validate))

    return cached_json(request, actor, ("organization",), build)


@router.get("/organizations/{org_id}", response_model=OrganizationPublic)
def get_organization(org_id: OrgId, actor: CurrentActor, session: SessionDep) -> OrganizationPublic:
    """One organization."""
    return OrganizationPublic.model_validate(service.get_organization(session, actor, org_id))


@router.post("/organizations", response_model=OrganizationPublic, status_code=201)
def create_organization(
    body: OrganizationCreate, actor: CurrentActor, session: SessionDep
) -> OrganizationPublic:
    """Add an organization under a parent in your jurisdiction."""
    org = service.create_organization(session, actor=actor, data=body)
    session.commit()
    return OrganizationPublic.model_validate(org)


@router.patch("/organizations/{org_id}", response_model=OrganizationPublic)
def update_organization(
    org_id: OrgId, body: OrganizationUpdate, actor: CurrentActor, session: SessionDep
) -> OrganizationPublic:
    """Change an organization (moving it moves its subtree)."""
    org = service.update_organization(session, actor=actor, org_id=org_id, data=body)
    session.commit()
    session.refresh(org)
    return OrganizationPublic.model_validate(org)


@router.delete("/organizations/{org_id}", status_code=204)
def delete_organization(org_id: OrgId, actor: CurrentActor, session: SessionDep) -> Response:
    """Remove an empty organization."""
    service.delete_organization(session, actor=actor, org_id=org_id)
    session.commit()
    return Response(status_code=204)


@router.get("/units", response_model=Page[UnitPublic])
def list_units(
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    station_id: OptionalId = None,
    status: UnitStatus | None = None,
    type: UnitType | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Units based in your jurisdiction."""

    def build() -> bytes:
        stmt = service.query_units(actor=actor, station_id=station_id, status=status, type_=type)
        # the answer shows the station's name: join the station, not its parent, nor either
        # one's jurisdiction polygon (parsed for every row of a 1,000-row map page otherwise)
        stmt = stmt.options(
            joinedload(Unit.station).options(
                lazyload(Organization.parent), defer(Organization.jurisdiction)
            )
        )
        return page_json(paginate(session, stmt, limit, offset, UnitPublic.model_validate))

    return cached_json(request, actor, ("unit", "organization", "assignment"), build)


@router.get("/units/{unit_id}", response_model=UnitPublic)
def get_unit(unit_id: UnitId, actor: CurrentActor, session: SessionDep) -> UnitPublic:
    """One unit."""
    return UnitPublic.model_validate(service.get_unit(session, actor, unit_id))


@router.post("/units", response_model=UnitPublic, status_code=201)
def create_unit(body: UnitCreate, actor: CurrentActor, session: SessionDep) -> UnitPublic:
    """Add a unit to a station in your jurisdiction."""
    unit = service.create_unit(session, actor=actor, data=body)
    session.commit()
    return UnitPublic.model_validate(unit)


@router.patch("/units/{unit_id}", response_model=UnitPublic)
def update_unit(
    unit_id: UnitId, body: UnitUpdate, actor: CurrentActor, session: SessionDep
) -> UnitPublic:
    """Change a unit's master data."""
    unit = service.update_unit(session, actor=actor, unit_id=unit_id, data=body)
    session.commit()
    return UnitPublic.model_validate(unit)


@router.post("/units/{unit_id}/status", response_model=UnitPublic)
def change_unit_status(
    unit_id: UnitId, body: UnitStatusChange, actor: CurrentActor, session: SessionDep
) -> UnitPublic:
    """Move a unit through its duty cycle (illegal transitions get 409)."""
    unit = service.change_unit_status(session, actor=actor, unit_id=unit_id, data=body)
    session.commit()
    return UnitPublic.model_validate(unit)


@router.delete("/units/{unit_id}", status_code=204)
def delete_unit(unit_id: UnitId, actor: CurrentActor, session: SessionDep) -> Response:
    """Remove a unit that is in quarters or out of service."""
    service.delete_unit(session, actor=actor, unit_id=unit_id)
    session.commit()
    return Response(status_code=204)


@router.get("/water-sources", response_model=Page[WaterSourcePublic])
def list_water_sources(
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    org_id: OptionalId = None,
    kind: WaterSourceKind | None = None,
    state: WaterSourceState | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Water sources kept in your jurisdiction."""

    def build() -> bytes:
        stmt = service.query_water_sources(actor=actor, org_id=org_id, kind=kind, state=state)
        # the answer names the keeper by id: no join of its organization (and polygon) per row
        stmt = stmt.options(lazyload(WaterSource.org))
        return page_json(paginate(session, stmt, limit, offset, WaterSourcePublic.model_validate))

    return cached_json(request, actor, ("water_source",), build)


@router.get("/water-sources/{ws_id}", response_model=WaterSourcePublic)
def get_water_source(
    ws_id: WaterSourceId, actor: CurrentActor, session: SessionDep
) -> WaterSourcePublic:
    """One water source."""
    return WaterSourcePublic.model_validate(service.get_water_source(session, actor, ws_id))


@router.post("/water-sources", response_model=WaterSourcePublic, status_code=201)
def create_water_source(
    body: WaterSourceCreate, actor: CurrentActor, session: SessionDep
) -> WaterSourcePublic:
    """Add a water source."""
    ws = service.create_water_source(session, actor=actor, data=body)
    session.commit()
    return WaterSourcePublic.model_validate(ws)


@router.patch("/water-sources/{ws_id}", response_model=WaterSourcePublic)
def update_water_source(
    ws_id: WaterSourceId, body: WaterSourceUpdate, actor: CurrentActor, session: SessionDep
) -> WaterSourcePublic:
    """Change a water source (state after inspection, position, ...)."""
    ws = service.update_water_source(session, actor=actor, ws_id=ws_id, data=body)
    session.commit()
    return WaterSourcePublic.model_validate(ws)


@router.delete("/water-sources/{ws_id}", status_code=204)
def delete_water_source(ws_id: WaterSourceId, actor: CurrentActor, session: SessionDep) -> Response:
    """Remove a water source."""
    service.delete_water_source(session, actor=actor, ws_id=ws_id)
    session.commit()
    return Response(status_code=204)
