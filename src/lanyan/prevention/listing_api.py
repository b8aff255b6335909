"""Supervised listing API (挂牌督办): hazards (major, 突出) and areas, by level and lister.

``GET /api/listings`` keeps its shape (a plain list, read by the prevention desk) and gains the
new fields; ``GET /api/prevention/listings`` is the paged, filtered list; the figures say how many
listings, units (家) and hazards (处) are under supervision by kind and by who listed them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from sqlalchemy.orm import Session

from lanyan.api.deps import CurrentActor, Limit, Offset, SessionDep, id_path
from lanyan.api.paging import Page
from lanyan.api.paging import count as count_rows
from lanyan.prevention import listing
from lanyan.prevention.campaign_choices import ListingKind, ListingLister
from lanyan.prevention.choices import ListingLevel, ListingStatus
from lanyan.prevention.listing_schemas import ListingCreate, ListingFigures, ListingOut
from lanyan.prevention.models import SupervisedListing
from lanyan.prevention.schemas import ListingAdvance

router = APIRouter(tags=["prevention listing 挂牌督办"])

ListingId = Annotated[int, id_path("listing id")]


def listing_out(item: SupervisedListing, premises_ids: list[int] | None = None) -> ListingOut:
    """A listing for the API."""
    shown = listing.describe(item)
    return ListingOut(
        id=item.id,
        kind=item.kind,
        kind_zh=item.kind.zh,
        hazard_id=item.hazard_id,
        hazard_title=shown["title"],
        premises_name=shown["premises"],
        address=shown["address"],
        org_id=item.org_id,
        org_name=shown["org"],
        level=item.level,
        lister=item.lister,
        listed_by_zh=shown["listed_by"],
        status=item.status,
        basis=item.basis,
        area_name=item.area_name,
        area_polygon=item.area_polygon,
        premises_ids=premises_ids or [],
        unit_count=item.unit_count,
        hazard_count=item.hazard_count,
        proposed_at=item.proposed_at,
        listed_at=item.listed_at,
        deadline_at=item.deadline_at,
        delisted_at=item.delisted_at,
    )


def _out_all(session: Session, items: list[SupervisedListing]) -> list[ListingOut]:
    premises = listing.premises_of(session, [i.id for i in items if i.kind == ListingKind.AREA])
    return [listing_out(i, premises.get(i.id)) for i in items]


@router.get("/api/listings", response_model=list[ListingOut])
def list_listings(actor: CurrentActor, session: SessionDep) -> list[ListingOut]:
    """Supervised listings in your jurisdiction."""
    return _out_all(session, listing.list_listings(session, actor=actor))


@router.get("/api/public/listings", response_model=list[ListingOut])
def public_listings(session: SessionDep) -> list[ListingOut]:
    """The public list of hazards and areas under supervised listing (no login: 公开曝光)."""
    return _out_all(session, listing.list_listings(session, actor=None, public=True))


@router.post("/api/listings", response_model=ListingOut, status_code=201)
def propose(body: ListingCreate, actor: CurrentActor, session: SessionDep) -> ListingOut:
    """Propose a hazard (major or 突出) or an area (polygon or premises) for listing."""
    item = listing.propose_listing(session, actor=actor, data=body)
    session.commit()
    return _out_all(session, [item])[0]


@router.post("/api/listings/{listing_id}/advance", response_model=ListingOut)
def advance(
    listing_id: ListingId, body: ListingAdvance, actor: CurrentActor, session: SessionDep
) -> ListingOut:
    """List, start rectifying, delist or withdraw."""
    item = listing.advance_listing(session, actor=actor, listing_id=listing_id, data=body)
    session.commit()
    return _out_all(session, [item])[0]


@router.get("/api/prevention/listings", response_model=Page[ListingOut])
def page_listings(
    actor: CurrentActor,
    session: SessionDep,
    kind: ListingKind | None = None,
    level: ListingLevel | None = None,
    lister: ListingLister | None = None,
    status: ListingStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ListingOut]:
    """Listings in your jurisdiction, one page, latest proposal first; filter by kind and level."""
    stmt = listing.query_listings(actor=actor, kind=kind, level=level, lister=lister, status=status)
    items = list(session.scalars(stmt.limit(limit).offset(offset)).unique())
    return Page[ListingOut](
        items=_out_all(session, items),
        total=count_rows(session, stmt),
        limit=limit,
        offset=offset,
    )


@router.get("/api/prevention/listings/figures", response_model=ListingFigures)
def listing_figures(actor: CurrentActor, session: SessionDep) -> ListingFigures:
    """Under supervision now: listings, units (家) and hazards (处), by kind and by lister."""
    return ListingFigures(**listing.listing_figures(session, actor=actor))


@router.get("/api/listings/{listing_id}", response_model=ListingOut)
def get_listing(listing_id: ListingId, actor: CurrentActor, session: SessionDep) -> ListingOut:
    """One listing, with the premises of an area."""
    return _out_all(session, [listing.get_listing(session, actor, listing_id)])[0]
