"""The command desk (指挥作战, issue 19): combat units, reinforcement requests in and out,
信息报送 items with their drafts, 战评 and the case library, 初战控火 figures; and one incident's
command page (its timeline linking to the 战评 record, facts for 信息报送, reinforcement).

Static shells filled by their JavaScript from the JSON API (lanyan.command.combat_api); who may
open them comes from the permission table (Screen.COMMAND).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanyan.core.permissions import Action, Role, Screen, allowed
from lanyan.web.pages import PageSession, _refused, render_page

router = APIRouter(include_in_schema=False)


CAN = {
    "canCombat": Action.COMBAT_UNIT_WRITE,
    "canReinforce": Action.REINFORCE,
    "canReport": Action.REPORT_WRITE,
    "canAck": Action.REPORT_ACK,
    "canReview": Action.REVIEW_WRITE,
}
"""What the page offers to whom: buttons shown by the permission table the API checks."""


def _can(role: Role) -> dict[str, bool]:
    return {name: allowed(role, action) for name, action in CAN.items()}


@router.get("/command", response_model=None)
def command_page(request: Request, auth: PageSession) -> Response:
    """The command desk (1920×1080): 作战编成 · 增援 · 信息报送 · 战评与案例库 · 初战控火."""
    refused = _refused(request, auth, Screen.COMMAND)
    if refused is not None:
        return refused
    assert auth is not None
    return render_page("command", auth=auth, command={"incidentId": None, **_can(auth.user.role)})


@router.get("/command/incidents/{incident_id}", response_model=None)
def command_incident_page(request: Request, incident_id: int, auth: PageSession) -> Response:
    """One incident: its timeline with the 战评 record, facts for 信息报送, reinforcement."""
    refused = _refused(request, auth, Screen.COMMAND)
    if refused is not None:
        return refused
    assert auth is not None
    return render_page(
        "command", auth=auth, command={"incidentId": incident_id, **_can(auth.user.role)}
    )
