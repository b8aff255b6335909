"""Supervised listing (挂牌督办) of major hazards: proposed → listed → rectifying → delisted.

Only a verified major hazard can be proposed (the GB 35181 helper proposes it); it can be delisted
only once the hazard itself is closed. Listed and rectifying hazards appear on the public list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.core.workdays import calendar
from lanyan.prevention.choices import (
    LISTING_TRANSITIONS,
    HazardSeverity,
    HazardStatus,
    ListingStatus,
)
from lanyan.prevention.hazards import get_hazard
from lanyan.prevention.models import SupervisedListing
from lanyan.prevention.schemas import ListingAdvance, ListingPropose

PUBLIC_STATUSES = (ListingStatus.LISTED, ListingStatus.RECTIFYING)


def get_listing(session: Session, actor: Actor, listing_id: int) -> SupervisedListing:
    """A listing whose hazard is inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, SupervisedListing, listing_id)


def propose_listing(
    session: Session, *, actor: Actor, data: ListingPropose, at: datetime | None = None
) -> SupervisedListing:
    """Propose a verified major hazard for supervised listing."""
    actor.require(Action.LISTING_MANAGE)
    hazard = get_hazard(session, actor, data.hazard_id)
    if hazard.severity != HazardSeverity.MAJOR:
        raise Conflict("只有重大火灾隐患才能挂牌督办", "only a major hazard can be listed")
    if hazard.status in (HazardStatus.REPORTED, HazardStatus.REJECTED, HazardStatus.CLOSED):
        raise Conflict(
            f"隐患处于“{hazard.status.zh}”状态，不能挂牌",
            f"a {hazard.status.en} hazard cannot be listed",
        )
    active = session.scalar(
        select(SupervisedListing.id).where(
            SupervisedListing.hazard_id == hazard.id,
            SupervisedListing.status.not_in([ListingStatus.DELISTED, ListingStatus.WITHDRAWN]),
        )
    )
    if active is not None:
        raise Conflict("该隐患已在挂牌督办中", "the hazard is already listed")
    now = at or utcnow()
    listing = SupervisedListing(
        hazard_id=hazard.id,
        level=data.level,
        status=ListingStatus.PROPOSED,
        basis=data.basis,
        proposed_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(listing)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="propose",
        entity="listing",
        entity_id=listing.id,
        after=audit.snapshot(listing),
    )
    return listing


def advance_listing(
    session: Session,
    *,
    actor: Actor,
    listing_id: int,
    data: ListingAdvance,
    at: datetime | None = None,
) -> SupervisedListing:
    """List (with a deadline), start rectifying, delist (hazard closed) or withdraw."""
    actor.require(Action.LISTING_MANAGE)
    listing = get_listing(session, actor, listing_id)
    if data.status not in LISTING_TRANSITIONS[listing.status]:
        raise Conflict(
            f"挂牌督办不能从“{listing.status.zh}”变为“{data.status.zh}”",
            f"a listing cannot go from {listing.status.en} to {data.status.en}",
        )
    now = at or utcnow()
    before = audit.snapshot(listing)
    changes: dict[str, Any] = {"status": data.status, "updated_at": now}
    if data.status == ListingStatus.LISTED:
        changes["listed_at"] = now
        changes["deadline_at"] = calendar().deadline_after(now, data.deadline_workdays or 60)
    if data.status == ListingStatus.DELISTED:
        if listing.hazard.status != HazardStatus.CLOSED:
            raise Conflict(
                "隐患尚未整改销案，不能摘牌",
                "the hazard must be rectified and closed before delisting",
            )
        changes["delisted_at"] = now
    for key, value in changes.items():
        setattr(listing, key, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=data.status.value,
        entity="listing",
        entity_id=listing.id,
        before=before,
        after=audit.snapshot(listing),
    )
    return listing


def list_listings(
    session: Session, *, actor: Actor | None, public: bool = False
) -> list[SupervisedListing]:
    """Listings in the jurisdiction; ``public`` gives the listed/rectifying ones to anyone."""
    if public:
        stmt = select(SupervisedListing).where(
            SupervisedListing.status.in_(PUBLIC_STATUSES), SupervisedListing.is_public
        )
    else:
        assert actor is not None
        actor.require(Action.READ)
        stmt = visible(actor, SupervisedListing)
    return list(session.scalars(stmt.order_by(SupervisedListing.proposed_at.desc())).unique())
