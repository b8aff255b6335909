"""Pages of campaigns (专项整治), the phone page recording campaign measures, supervised listing
(挂牌督办) and the GB 35181 determination desk. Same helpers as :mod:`lanyan.web.pages`: a login
redirect or 403 page from the permission table, then the static template with its configuration
block."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from lanyan.core.permissions import Action, Screen, allowed
from lanyan.web.pages import PageSession, _refused, render_page

router = APIRouter(include_in_schema=False)


@router.get("/campaigns", response_model=None)
def campaigns_page(request: Request, auth: PageSession) -> Response:
    """Campaign desk: progress per brigade, drill-down to measures and inspections, 交办单."""
    refused = _refused(request, auth, Screen.CAMPAIGNS)
    if refused is not None:
        return refused
    assert auth is not None
    can_manage = allowed(auth.user.role, Action.CAMPAIGN_MANAGE)
    return render_page("campaigns", auth=auth, campaigns={"canManage": can_manage})


@router.get("/campaign_phone", response_model=None)
def campaign_phone_page(request: Request, auth: PageSession) -> Response:
    """Phone page (390×844): record what a campaign inspection did, in physical units."""
    refused = _refused(request, auth, Screen.CAMPAIGN_PHONE)
    if refused is not None:
        return refused
    return render_page("campaign_phone", auth=auth)


@router.get("/gb35181", response_model=None)
def gb35181_page(request: Request, auth: PageSession) -> Response:
    """GB 35181 determination desk: tick the criteria of a hazard and see the answer."""
    refused = _refused(request, auth, Screen.GB35181)
    if refused is not None:
        return refused
    assert auth is not None
    can_manage = allowed(auth.user.role, Action.HAZARD_MANAGE)
    return render_page("gb35181", auth=auth, gb35181={"canManage": can_manage})


@router.get("/listings", response_model=None)
def listings_page(request: Request, auth: PageSession) -> Response:
    """挂牌督办 desk: hazards (major, 突出) and areas by level and lister, with 家 and 处."""
    refused = _refused(request, auth, Screen.LISTINGS)
    if refused is not None:
        return refused
    assert auth is not None
    can_manage = allowed(auth.user.role, Action.LISTING_MANAGE)
    return render_page("listings", auth=auth, listings={"canManage": can_manage})
