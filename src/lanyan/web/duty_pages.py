"""Pages of duty strength, training and unit management (issue 20).

- ``/duty``: a station crew's phone page (390×844): today's duty — duty officer, who sits on
  which vehicle, vehicles out of service with the reason — prefilled from the last declaration
  (one tap carries it over), roll calls and handovers, the station's daily routine;
- ``/strength``: the detachment's desk — every station's declared strength today (late ones
  flagged), drills and their times, training plans and sessions, 督察 findings and their
  rectification, the 四级安全网格, the roster and its spreadsheet import;
- ``/assessments``: the monthly published rankings (网上公示) of assessments and competitions.

Each page is gated by its :class:`~lanyan.core.permissions.Screen`; the data are guarded by the
API as always.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanyan.core.permissions import Action, Screen, allowed
from lanyan.duty.choices import (
    AssessmentKind,
    Employment,
    FindingState,
    GridLevel,
    LogKind,
    Measure,
    Order,
    Post,
    Seat,
    Subject,
)
from lanyan.duty.declarations import declare_by_text
from lanyan.web.pages import PageSession, _refused, render_page

router = APIRouter(include_in_schema=False)


def _choices() -> dict[str, object]:
    return {
        "post": Post.describe(),
        "employment": Employment.describe(),
        "seat": Seat.describe(),
        "subject": Subject.describe(),
        "assessment_kind": AssessmentKind.describe(),
        "measure": Measure.describe(),
        "order": Order.describe(),
        "finding_state": FindingState.describe(),
        "grid_level": GridLevel.describe(),
        "log_kind": LogKind.describe(),
    }


@router.get("/duty", response_model=None)
def duty_phone_page(request: Request, auth: PageSession) -> Response:
    """Declare today's duty from the station's phone (执勤申报)."""
    refused = _refused(request, auth, Screen.DUTY)
    if refused is not None:
        return refused
    return render_page(
        "duty_phone", auth=auth, duty={"choices": _choices(), "declareBy": declare_by_text()}
    )


@router.get("/strength", response_model=None)
def strength_page(request: Request, auth: PageSession) -> Response:
    """The detachment's desk of duty strength, drills, training and unit management."""
    refused = _refused(request, auth, Screen.DUTY_DESK)
    if refused is not None:
        return refused
    assert auth is not None
    role = auth.user.role
    can = {
        name: allowed(role, action)
        for name, action in (
            ("roster", Action.DUTY_ROSTER),
            ("drill", Action.DUTY_DRILL),
            ("train", Action.DUTY_TRAIN),
            ("assess", Action.DUTY_ASSESS),
            ("supervise", Action.DUTY_SUPERVISE),
            ("rectify", Action.DUTY_RECTIFY),
            ("manage", Action.DUTY_MANAGE),
        )
    }
    return render_page(
        "duty_desk",
        auth=auth,
        duty={"choices": _choices(), "declareBy": declare_by_text(), "can": can},
    )


@router.get("/assessments", response_model=None)
def assessments_page(request: Request, auth: PageSession) -> Response:
    """The monthly published rankings of assessments and competitions (网上公示)."""
    refused = _refused(request, auth, Screen.ASSESSMENTS)
    if refused is not None:
        return refused
    return render_page("duty_assessments", auth=auth, duty={"choices": _choices()})
