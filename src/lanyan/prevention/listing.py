"""Supervised listing (挂牌督办): proposed → listed → rectifying → delisted (or withdrawn).

Three kinds are listed (:class:`ListingKind`): a major hazard (重大火灾隐患, determined by GB
35181), a prominent hazard (突出火灾隐患, any verified hazard the government or the fire-rescue
agency singles out), and an area (区域性火灾隐患: a polygon, or a list of premises, with the
number of units 家 and hazards 处 it holds). Each is listed by a level (省/市/县) and by the
people's government or the fire-rescue agency of it (:class:`ListingLister`). A hazard listing
is delisted only once its hazard is closed; an area is delisted on the officer's word. Listed and
rectifying ones appear on the public list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible, visible_condition
from lanyan.core.permissions import Action
from lanyan.core.workdays import calendar
from lanyan.forces.service import get_organization
from lanyan.prevention.campaign_choices import ListingKind, ListingLister
from lanyan.prevention.campaign_models import ListingPremises
from lanyan.prevention.choices import (
    LISTING_TRANSITIONS,
    HazardSeverity,
    HazardStatus,
    ListingLevel,
    ListingStatus,
)
from lanyan.prevention.hazards import get_hazard
from lanyan.prevention.listing_schemas import ListingCreate
from lanyan.prevention.models import Hazard, Premises, SupervisedListing
from lanyan.prevention.schemas import ListingAdvance, ListingPropose

PUBLIC_STATUSES = (ListingStatus.LISTED, ListingStatus.RECTIFYING)
OPEN_STATUSES = (ListingStatus.PROPOSED, ListingStatus.LISTED, ListingStatus.RECTIFYING)
LEVEL_SHORT = {
    ListingLevel.PROVINCE: "省级",
    ListingLevel.CITY: "市级",
    ListingLevel.COUNTY: "县级",
}


def listed_by_zh(level: ListingLevel, lister: ListingLister) -> str:
    """Who lists it, in words: 市级人民政府挂牌, 县级消防救援机构挂牌 …"""
    return f"{LEVEL_SHORT[level]}{lister.zh}挂牌"


def get_listing(session: Session, actor: Actor, listing_id: int) -> SupervisedListing:
    """A listing of an organization inside the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, SupervisedListing, listing_id)


def _hazard_listing(
    session: Session, actor: Actor, data: ListingCreate
) -> tuple[Hazard, dict[str, Any]]:
    if data.hazard_id is None:
        raise Invalid("须指定挂牌督办的隐患", "hazard_id is required")
    if data.area_name or data.area_polygon or data.premises_ids:
        raise Invalid("隐患挂牌不填写区域信息", "area fields belong to area listings")
    if data.unit_count not in (None, 1) or data.hazard_count not in (None, 1):
        raise Invalid("隐患挂牌为1家单位、1处隐患", "a hazard listing covers one unit and hazard")
    hazard = get_hazard(session, actor, data.hazard_id)
    if data.kind == ListingKind.MAJOR and hazard.severity != HazardSeverity.MAJOR:
        raise Conflict(
            "只有重大火灾隐患才能按重大火灾隐患挂牌（其他隐患可按突出火灾隐患挂牌）",
            "only a major hazard can be listed as major",
        )
    if hazard.status in (HazardStatus.REPORTED, HazardStatus.REJECTED, HazardStatus.CLOSED):
        raise Conflict(
            f"隐患处于“{hazard.status.zh}”状态，不能挂牌",
            f"a {hazard.status.en} hazard cannot be listed",
        )
    active = session.scalar(
        select(SupervisedListing.id).where(
            SupervisedListing.hazard_id == hazard.id,
            SupervisedListing.status.in_(OPEN_STATUSES),
        )
    )
    if active is not None:
        raise Conflict("该隐患已在挂牌督办中", "the hazard is already listed")
    return hazard, {"hazard_id": hazard.id, "org_id": hazard.org_id}


def _area_listing(
    session: Session, actor: Actor, data: ListingCreate
) -> tuple[list[Premises], dict[str, Any]]:
    if data.hazard_id is not None:
        raise Invalid("区域性火灾隐患挂牌不指定单个隐患", "an area listing names no hazard")
    if not data.area_name:
        raise Invalid("须填写区域名称", "area_name is required")
    if data.area_polygon is None and not data.premises_ids:
        raise Invalid("须划定区域范围或列出区域内单位", "give the area's polygon or premises")
    org_id = data.org_id if data.org_id is not None else actor.org_id
    if org_id is None:
        raise Invalid("须指定负责的组织机构", "org_id is required")
    org = get_organization(session, actor, org_id)
    ids = list(dict.fromkeys(data.premises_ids))
    premises = [get_visible(session, actor, Premises, pid) for pid in ids]
    for p in premises:
        if not p.org.path.startswith(org.path):
            raise Invalid(f"“{p.name}”不在“{org.name}”辖区内", "premises outside the org")
    units = data.unit_count if data.unit_count is not None else len(premises)
    if units < max(len(premises), 1):
        raise Invalid(
            f"单位数（{units}家）少于列出的单位（{len(premises)}家）",
            "unit_count is below the premises listed",
        )
    hazards = data.hazard_count
    if hazards is None:
        if not premises:
            raise Invalid("按范围划定的区域须填写隐患处数", "hazard_count is required")
        hazards = session.scalar(
            select(func.count()).where(
                Hazard.premises_id.in_(ids),
                Hazard.status.in_(
                    [HazardStatus.VERIFIED, HazardStatus.ORDERED, HazardStatus.RECTIFIED]
                ),
            )
        )
        if not hazards:
            raise Invalid("区域内单位没有在办隐患，须填写隐患处数", "hazard_count is required")
    return premises, {
        "org_id": org.id,
        "area_name": data.area_name,
        "area_polygon": data.area_polygon,
        "unit_count": units,
        "hazard_count": int(hazards),
    }


def propose_listing(
    session: Session,
    *,
    actor: Actor,
    data: ListingCreate | ListingPropose,
    at: datetime | None = None,
) -> SupervisedListing:
    """Propose a hazard (major or 突出) or an area for supervised listing."""
    actor.require(Action.LISTING_MANAGE)
    if isinstance(data, ListingPropose):
        data = ListingCreate(**data.model_dump())
    premises: list[Premises] = []
    if data.kind == ListingKind.AREA:
        premises, fields = _area_listing(session, actor, data)
    else:
        _hazard, fields = _hazard_listing(session, actor, data)
    now = at or utcnow()
    listing = SupervisedListing(
        kind=data.kind,
        level=data.level,
        lister=data.lister,
        status=ListingStatus.PROPOSED,
        basis=data.basis,
        is_public=data.is_public,
        proposed_at=now,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(listing)
    session.flush()
    for p in premises:
        session.add(ListingPremises(listing_id=listing.id, premises_id=p.id))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="propose",
        entity="listing",
        entity_id=listing.id,
        after=audit.snapshot(listing) | {"premises_ids": [p.id for p in premises]},
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
        if listing.hazard is not None and listing.hazard.status != HazardStatus.CLOSED:
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


def query_listings(
    *,
    actor: Actor,
    kind: ListingKind | None = None,
    level: ListingLevel | None = None,
    lister: ListingLister | None = None,
    status: ListingStatus | None = None,
) -> Select[SupervisedListing]:
    """Listings in the jurisdiction, latest proposal first (one page at a time)."""
    actor.require(Action.READ)
    stmt = visible(actor, SupervisedListing)
    if kind is not None:
        stmt = stmt.where(SupervisedListing.kind == kind)
    if level is not None:
        stmt = stmt.where(SupervisedListing.level == level)
    if lister is not None:
        stmt = stmt.where(SupervisedListing.lister == lister)
    if status is not None:
        stmt = stmt.where(SupervisedListing.status == status)
    return stmt.order_by(SupervisedListing.proposed_at.desc(), SupervisedListing.id.desc())


def premises_of(session: Session, listing_ids: list[int]) -> dict[int, list[int]]:
    """The premises ids of area listings given as lists, by listing id."""
    out: dict[int, list[int]] = {i: [] for i in listing_ids}
    if listing_ids:
        rows = session.execute(
            select(ListingPremises.listing_id, ListingPremises.premises_id)
            .where(ListingPremises.listing_id.in_(listing_ids))
            .order_by(ListingPremises.id)
        )
        for listing_id, premises_id in rows:
            out[listing_id].append(premises_id)
    return out


def describe(item: SupervisedListing) -> dict[str, Any]:
    """What a list shows of a listing, whatever its kind: title, premises, address, organization."""
    hazard = item.hazard
    premises = hazard.premises if hazard is not None else None
    return {
        "title": hazard.title if hazard is not None else (item.area_name or "区域性火灾隐患"),
        "premises": premises.name if premises else (item.area_name if hazard is None else None),
        "address": premises.address if premises else None,
        "org": item.org.name,
        "kind": item.kind.zh,
        "listed_by": listed_by_zh(item.level, item.lister),
    }


def listing_figures(session: Session, *, actor: Actor) -> dict[str, Any]:
    """Listings under supervision now (listed or rectifying): count, units 家, hazards 处.

    By kind (major / 突出 / area) and by who lists them (level and government or agency).
    """
    actor.require(Action.READ)
    rows = session.execute(
        select(
            SupervisedListing.kind,
            SupervisedListing.level,
            SupervisedListing.lister,
            func.count(),
            func.sum(SupervisedListing.unit_count),
            func.sum(SupervisedListing.hazard_count),
        )
        .where(
            visible_condition(actor, SupervisedListing),
            SupervisedListing.status.in_(PUBLIC_STATUSES),
        )
        .group_by(SupervisedListing.kind, SupervisedListing.level, SupervisedListing.lister)
    ).all()

    def zero() -> dict[str, int]:
        return {"listings": 0, "units": 0, "hazards": 0}

    by_kind = {k.value: zero() for k in ListingKind}
    by_level: dict[str, dict[str, int]] = {}
    total = zero()
    for kind, level, lister, n, units, hazards in rows:
        level_key = f"{level.value}.{lister.value}"
        for bucket in (by_kind[kind.value], by_level.setdefault(level_key, zero()), total):
            bucket["listings"] += int(n)
            bucket["units"] += int(units or 0)
            bucket["hazards"] += int(hazards or 0)
    return {"by_kind": by_kind, "by_level": by_level, "total": total}
