"""Pages of the scene and of the pre-plans: the commander's scene view (desk), the crew's scene
page (phone: the pre-plan of the call and the report form) and the pre-plan desk.

The pages are static shells filled by their JavaScript from the JSON API, like every Lanyan page;
who may open them comes from the permission table (the scene follows the console's and the crew
page's rules, the pre-plan desk has its own screen).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanyan.core.permissions import Action, Screen, allowed
from lanyan.web.pages import PageSession, _refused, render_page

router = APIRouter(include_in_schema=False)


@router.get("/scene/{incident_id}", response_model=None)
def scene_page(request: Request, incident_id: int, auth: PageSession) -> Response:
    """The commander's view of one incident (1920×1080): units, sectors, water, reports."""
    refused = _refused(request, auth, Screen.CONSOLE)
    if refused is not None:
        return refused
    assert auth is not None
    return render_page(
        "scene",
        auth=auth,
        scene={
            "incidentId": incident_id,
            "canCommand": allowed(auth.user.role, Action.SCENE_COMMAND),
        },
    )


@router.get("/crew/scene/{incident_id}", response_model=None)
def crew_scene_page(request: Request, incident_id: int, auth: PageSession) -> Response:
    """The crew's phone page of a call: its pre-plan, and the report form (390×844)."""
    refused = _refused(request, auth, Screen.CREW)
    if refused is not None:
        return refused
    assert auth is not None
    return render_page(
        "crew_scene",
        auth=auth,
        scene={
            "incidentId": incident_id,
            "canReport": allowed(auth.user.role, Action.SCENE_REPORT),
        },
    )


@router.get("/preplans", response_model=None)
def preplans_page(request: Request, auth: PageSession) -> Response:
    """The pre-plan desk: the list with overdue reviews flagged, a plan's versions and review."""
    refused = _refused(request, auth, Screen.PREPLANS)
    if refused is not None:
        return refused
    assert auth is not None
    return render_page(
        "preplans",
        auth=auth,
        preplans={"canReview": allowed(auth.user.role, Action.PREPLAN_REVIEW)},
    )
