"""Pages of public education and of the functions that had only an API (issue 17).

- ``/outreach/phone``: a station's crew or a grid worker records an education activity on the
  phone (390×844, one column, big buttons) and sees what they recorded;
- ``/outreach``: the officer's desk — activities (filter, correct, remove), education bases,
  volunteer teams and volunteers, the year's figures;
- ``/governance``: grids and their workers, patrol plans and task generation, premises editing;
- ``/resources``: organizations, units, water sources and the graded-dispatch rules.

Each page is gated by its :class:`~lanyan.core.permissions.Screen` (the same table the menu and
the API read); the data are guarded by the API as always.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanyan.core.permissions import Action, Screen, allowed
from lanyan.core.standards import standards
from lanyan.outreach.choices import ActivityKind, BaseLevel, OutreachTarget, VolunteerStatus
from lanyan.web.pages import PageSession, _refused, render_page

router = APIRouter(include_in_schema=False)


PATROL_PLAN: tuple[tuple[str, str], ...] = (
    ("一级管控单位", "patrol_interval_level1_days"),
    ("二级管控单位、重点单位", "patrol_interval_level2_days"),
    ("三级管控单位、一般单位", "patrol_interval_level3_days"),
    ("九小场所（未定管控等级）", "patrol_interval_small_venue_days"),
)
"""The patrol plan as :func:`lanyan.prevention.patrols.patrol_interval_days` applies it."""


def _patrol_plan() -> list[dict[str, object]]:
    table = standards()
    return [
        {"zh": zh, "days": int(table[key]), "source": table.get(key).source}
        for zh, key in PATROL_PLAN
    ]


def _outreach_choices() -> dict[str, object]:
    return {
        "activity_kind": ActivityKind.describe(),
        "outreach_target": OutreachTarget.describe(),
        "base_level": BaseLevel.describe(),
        "volunteer_status": VolunteerStatus.describe(),
    }


@router.get("/outreach/phone", response_model=None)
def outreach_phone_page(request: Request, auth: PageSession) -> Response:
    """Record an education activity from the phone (宣传登记)."""
    refused = _refused(request, auth, Screen.OUTREACH_PHONE)
    if refused is not None:
        return refused
    return render_page("outreach_phone", auth=auth, outreach={"choices": _outreach_choices()})


@router.get("/outreach", response_model=None)
def outreach_page(request: Request, auth: PageSession) -> Response:
    """The public-education desk (宣传教育): activities, bases, volunteers, figures."""
    refused = _refused(request, auth, Screen.OUTREACH)
    if refused is not None:
        return refused
    assert auth is not None
    role = auth.user.role
    return render_page(
        "outreach",
        auth=auth,
        outreach={
            "choices": _outreach_choices(),
            "canRecord": allowed(role, Action.OUTREACH_RECORD),
            "canManage": allowed(role, Action.OUTREACH_MANAGE),
        },
    )


@router.get("/governance", response_model=None)
def governance_page(request: Request, auth: PageSession) -> Response:
    """Grids and their workers, patrol plans and task generation, premises (网格与巡查)."""
    refused = _refused(request, auth, Screen.GOVERNANCE)
    if refused is not None:
        return refused
    assert auth is not None
    role = auth.user.role
    return render_page(
        "governance",
        auth=auth,
        records={
            "canGrid": allowed(role, Action.GRID_WRITE),
            "canPremises": allowed(role, Action.PREMISES_WRITE),
            "patrolPlan": _patrol_plan(),
        },
    )


@router.get("/resources", response_model=None)
def resources_page(request: Request, auth: PageSession) -> Response:
    """Organizations, units, water sources and graded-dispatch rules (力量与预案)."""
    refused = _refused(request, auth, Screen.RESOURCES)
    if refused is not None:
        return refused
    assert auth is not None
    role = auth.user.role
    return render_page(
        "resources",
        auth=auth,
        records={
            "canOrg": allowed(role, Action.ORG_WRITE),
            "canUnit": allowed(role, Action.UNIT_WRITE),
            "canWater": allowed(role, Action.WATER_WRITE),
            "canPlan": allowed(role, Action.PLAN_WRITE),
        },
    )
