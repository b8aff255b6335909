"""The risk page (风险感知与预警): the risk layers on the map and the early-warning workflow.

Same helpers as :mod:`lanyan.web.pages`: a login redirect or the 403 page from the permission
table, then the static template with its configuration block (what this user may do on it).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from lanyan.core.permissions import Action, Screen, allowed
from lanyan.web.pages import PageSession, _refused, render_page

router = APIRouter(include_in_schema=False)


@router.get("/risk", response_model=None)
def risk_page(request: Request, auth: PageSession) -> Response:
    """Risk desk: premises by level, cell choropleth, open hazards and listings, risk-weighted
    coverage, the warnings routed to the user with 签收 / 处置 / 办结, and why a premises is red."""
    refused = _refused(request, auth, Screen.RISK)
    if refused is not None:
        return refused
    assert auth is not None
    role = auth.user.role
    return render_page(
        "risk",
        auth=auth,
        risk={
            "canScore": allowed(role, Action.RISK_SCORE),
            "canHandle": allowed(role, Action.RISK_WARNING_HANDLE),
            "canExport": allowed(role, Action.EXPORT),
        },
    )
