"""Public education API (宣传教育培训): activities, education bases, volunteer teams, volunteers,
and the year's figures for the pages.

Thin routes over :mod:`lanyan.outreach.activities` and :mod:`lanyan.outreach.people` (they check
role, jurisdiction and rules, and audit); every list is paged (``lanyan.api.paging``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, paginate
from lanyan.core.clock import utcnow
from lanyan.outreach import activities, people
from lanyan.outreach.choices import (
    ActivityKind,
    BaseLevel,
    OutreachTarget,
    VolunteerStatus,
)
from lanyan.outreach.figures import LABELS, SECTION
from lanyan.outreach.models import EducationActivity, EducationBase, Volunteer, VolunteerTeam
from lanyan.outreach.schemas import (
    ActivityCreate,
    ActivityPublic,
    ActivityUpdate,
    BaseCreate,
    BasePublic,
    BaseUpdate,
    TeamCreate,
    TeamPublic,
    TeamUpdate,
    VolunteerCreate,
    VolunteerLeave,
    VolunteerPublic,
    VolunteerUpdate,
)
from lanyan.stats.periods import Period
from lanyan.stats.queries import resolve_scope

router = APIRouter(prefix="/api/outreach", tags=["outreach 宣传教育培训"])

ActivityId = Annotated[int, id_path("activity id")]
BaseId = Annotated[int, id_path("education base id")]
TeamId = Annotated[int, id_path("volunteer team id")]
VolunteerId = Annotated[int, id_path("volunteer id")]
OptionalId = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
OptionalDay = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def activity_public(a: EducationActivity) -> ActivityPublic:
    """The API shape of an activity, with its labels."""
    return ActivityPublic(
        id=a.id,
        kind=a.kind,
        kind_zh=a.kind.zh,
        target=a.target,
        target_zh=a.target.zh if a.target else None,
        title=a.title,
        org_id=a.org_id,
        org_name=a.org.name,
        held_on=a.held_on,
        place=a.place,
        audience=a.audience,
        views=a.views,
        materials=a.materials,
        base_id=a.base_id,
        base_name=a.base.name if a.base else None,
        photo_ids=list(a.photo_ids or []),
        note=a.note,
        recorded_by_name=a.recorded_by_name,
        recorded_via=a.recorded_via,
        created_at=a.created_at,
    )


def _base(b: EducationBase, visits: tuple[int, int] = (0, 0)) -> BasePublic:
    return BasePublic(
        id=b.id,
        name=b.name,
        level=b.level,
        level_zh=b.level.zh,
        org_id=b.org_id,
        org_name=b.org.name,
        address=b.address,
        lon=b.lon,
        lat=b.lat,
        opened_on=b.opened_on,
        note=b.note,
        visits=visits[0],
        visitors=visits[1],
    )


def _team(t: VolunteerTeam, members: int = 0) -> TeamPublic:
    return TeamPublic(
        id=t.id,
        name=t.name,
        org_id=t.org_id,
        org_name=t.org.name,
        leader=t.leader,
        phone=t.phone,
        founded_on=t.founded_on,
        active_members=members,
    )


def _volunteer(v: Volunteer) -> VolunteerPublic:
    return VolunteerPublic(
        id=v.id,
        name=v.name,
        phone=v.phone,
        team_id=v.team_id,
        team_name=v.team.name,
        org_id=v.org_id,
        joined_on=v.joined_on,
        left_on=v.left_on,
        status=v.status,
        status_zh=v.status.zh,
    )


# --- choices and figures -------------------------------------------------------------------------


@router.get("/choices")
def choices() -> dict[str, list[dict[str, Any]]]:
    """The choice lists of this domain with Chinese labels (for the forms)."""
    return {
        "activity_kind": ActivityKind.describe(),
        "outreach_target": OutreachTarget.describe(),
        "base_level": BaseLevel.describe(),
        "volunteer_status": VolunteerStatus.describe(),
    }


@router.get("/figures")
def figures(
    actor: CurrentActor,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    org_id: OptionalId = None,
) -> dict[str, Any]:
    """The year's education figures of a subtree (the same as the yearly report's)."""
    scope = resolve_scope(session, actor, org_id)
    period = Period.year(year or activities.local_today().year)
    values = SECTION.compute(session, scope, period, utcnow())
    return {
        "year": period.start.year,
        "org_name": scope.org_name,
        "figures": [
            {"key": key, "label": LABELS.get(key) or SECTION.label(key) or key, "value": value}
            for key, value in values.items()
        ],
    }


# --- activities ----------------------------------------------------------------------------------


@router.get("/activities", response_model=Page[ActivityPublic])
def list_activities(
    actor: CurrentActor,
    session: SessionDep,
    kind: ActivityKind | None = None,
    target: OutreachTarget | None = None,
    org_id: OptionalId = None,
    base_id: OptionalId = None,
    held_from: OptionalDay = None,
    held_to: OptionalDay = None,
    mine: bool = False,
    q: SearchText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ActivityPublic]:
    """Education activities in your jurisdiction, newest first (``mine``: those you recorded)."""
    stmt = activities.query_activities(
        actor=actor,
        kind=kind,
        target=target,
        org_id=org_id,
        base_id=base_id,
        held_from=held_from,
        held_to=held_to,
        mine=mine,
        q=q,
    )
    return paginate(session, stmt, limit, offset, activity_public)


@router.post("/activities", response_model=ActivityPublic, status_code=201)
def record_activity(
    body: ActivityCreate, actor: CurrentActor, session: SessionDep
) -> ActivityPublic:
    """Record an activity held (from the phone: ``via_phone``)."""
    activity = activities.record_activity(session, actor=actor, data=body)
    session.commit()
    return activity_public(activity)


@router.get("/activities/{activity_id}", response_model=ActivityPublic)
def get_activity(
    activity_id: ActivityId, actor: CurrentActor, session: SessionDep
) -> ActivityPublic:
    """One activity."""
    return activity_public(activities.get_activity(session, actor, activity_id))


@router.patch("/activities/{activity_id}", response_model=ActivityPublic)
def update_activity(
    activity_id: ActivityId, body: ActivityUpdate, actor: CurrentActor, session: SessionDep
) -> ActivityPublic:
    """Correct an activity (officers; a recorder their own)."""
    activity = activities.update_activity(session, actor=actor, activity_id=activity_id, data=body)
    session.commit()
    return activity_public(activity)


@router.delete("/activities/{activity_id}", status_code=204)
def delete_activity(activity_id: ActivityId, actor: CurrentActor, session: SessionDep) -> Response:
    """Remove an activity recorded by mistake (officers)."""
    activities.delete_activity(session, actor=actor, activity_id=activity_id)
    session.commit()
    return Response(status_code=204)


# --- bases ---------------------------------------------------------------------------------------


@router.get("/bases", response_model=Page[BasePublic])
def list_bases(
    actor: CurrentActor,
    session: SessionDep,
    level: BaseLevel | None = None,
    q: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[BasePublic]:
    """Education bases in your jurisdiction with their visits and visitors so far."""
    page = paginate(
        session, people.query_bases(actor=actor, level=level, q=q), limit, offset, _base
    )
    visits = people.base_visits(session, [b.id for b in page.items])
    for item in page.items:
        item.visits, item.visitors = visits.get(item.id, (0, 0))
    return page


@router.post("/bases", response_model=BasePublic, status_code=201)
def create_base(body: BaseCreate, actor: CurrentActor, session: SessionDep) -> BasePublic:
    """Add an education base."""
    base = people.create_base(session, actor=actor, data=body)
    session.commit()
    return _base(base)


@router.get("/bases/{base_id}", response_model=BasePublic)
def get_base(base_id: BaseId, actor: CurrentActor, session: SessionDep) -> BasePublic:
    """One base with its visits."""
    base = people.get_base(session, actor, base_id)
    return _base(base, people.base_visits(session, [base.id]).get(base.id, (0, 0)))


@router.patch("/bases/{base_id}", response_model=BasePublic)
def update_base(
    base_id: BaseId, body: BaseUpdate, actor: CurrentActor, session: SessionDep
) -> BasePublic:
    """Change a base."""
    base = people.update_base(session, actor=actor, base_id=base_id, data=body)
    session.commit()
    return _base(base, people.base_visits(session, [base.id]).get(base.id, (0, 0)))


# --- teams and volunteers ------------------------------------------------------------------------


@router.get("/teams", response_model=Page[TeamPublic])
def list_teams(
    actor: CurrentActor,
    session: SessionDep,
    q: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[TeamPublic]:
    """Volunteer teams in your jurisdiction with how many serve in each."""
    page = paginate(session, people.query_teams(actor=actor, q=q), limit, offset, _team)
    members = people.active_members(session, [t.id for t in page.items])
    for item in page.items:
        item.active_members = members.get(item.id, 0)
    return page


@router.post("/teams", response_model=TeamPublic, status_code=201)
def create_team(body: TeamCreate, actor: CurrentActor, session: SessionDep) -> TeamPublic:
    """Add a volunteer team."""
    team = people.create_team(session, actor=actor, data=body)
    session.commit()
    return _team(team)


@router.patch("/teams/{team_id}", response_model=TeamPublic)
def update_team(
    team_id: TeamId, body: TeamUpdate, actor: CurrentActor, session: SessionDep
) -> TeamPublic:
    """Change a team."""
    team = people.update_team(session, actor=actor, team_id=team_id, data=body)
    session.commit()
    return _team(team, people.active_members(session, [team.id]).get(team.id, 0))


@router.get("/volunteers", response_model=Page[VolunteerPublic])
def list_volunteers(
    actor: CurrentActor,
    session: SessionDep,
    team_id: OptionalId = None,
    status: VolunteerStatus | None = None,
    q: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[VolunteerPublic]:
    """Volunteers in your jurisdiction."""
    stmt = people.query_volunteers(actor=actor, team_id=team_id, status=status, q=q)
    return paginate(session, stmt, limit, offset, _volunteer)


@router.post("/volunteers", response_model=VolunteerPublic, status_code=201)
def create_volunteer(
    body: VolunteerCreate, actor: CurrentActor, session: SessionDep
) -> VolunteerPublic:
    """Enrol a volunteer in a team."""
    volunteer = people.create_volunteer(session, actor=actor, data=body)
    session.commit()
    return _volunteer(volunteer)


@router.patch("/volunteers/{volunteer_id}", response_model=VolunteerPublic)
def update_volunteer(
    volunteer_id: VolunteerId, body: VolunteerUpdate, actor: CurrentActor, session: SessionDep
) -> VolunteerPublic:
    """Change a volunteer (or move them to another team)."""
    volunteer = people.update_volunteer(session, actor=actor, volunteer_id=volunteer_id, data=body)
    session.commit()
    return _volunteer(volunteer)


@router.post("/volunteers/{volunteer_id}/leave", response_model=VolunteerPublic)
def leave(
    volunteer_id: VolunteerId, body: VolunteerLeave, actor: CurrentActor, session: SessionDep
) -> VolunteerPublic:
    """A volunteer leaves (在册 → 已退出); 409 when they already left."""
    volunteer = people.move_volunteer(
        session, actor=actor, volunteer_id=volunteer_id, move="leave", on=body.left_on
    )
    session.commit()
    return _volunteer(volunteer)


@router.post("/volunteers/{volunteer_id}/rejoin", response_model=VolunteerPublic)
def rejoin(volunteer_id: VolunteerId, actor: CurrentActor, session: SessionDep) -> VolunteerPublic:
    """A volunteer who left serves again (已退出 → 在册); 409 when they serve."""
    volunteer = people.move_volunteer(
        session, actor=actor, volunteer_id=volunteer_id, move="rejoin"
    )
    session.commit()
    return _volunteer(volunteer)
