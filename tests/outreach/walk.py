"""Public-education records of one side of the jurisdiction walk (test_jurisdiction_walk)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from lanyan.outreach.choices import ActivityKind, BaseLevel, VolunteerStatus
from lanyan.outreach.models import EducationActivity, EducationBase, Volunteer, VolunteerTeam


def outreach_walk_records(session: Session, *, org_id: int, tag: str) -> dict[str, int]:
    """A base with a visit, a team with a volunteer, every text field carrying ``tag``."""
    day = date(date.today().year, 1, 2)
    base = EducationBase(name=f"{tag}科普馆", level=BaseLevel.COUNTY, org_id=org_id, note=tag)
    team = VolunteerTeam(name=f"{tag}志愿队", org_id=org_id, leader=f"{tag}队长")
    session.add_all([base, team])
    session.flush()
    activity = EducationActivity(
        kind=ActivityKind.BASE_VISIT,
        title=f"{tag}参观",
        org_id=org_id,
        held_on=day,
        place=f"{tag}地点",
        audience=12,
        base_id=base.id,
        photo_ids=[],
        note=f"{tag}备注",
        recorded_by_name=f"{tag}登记人",
        recorded_via="desk",
    )
    volunteer = Volunteer(
        name=f"{tag}志愿者"[:40],
        team_id=team.id,
        org_id=org_id,
        joined_on=day,
        status=VolunteerStatus.ACTIVE,
    )
    session.add_all([activity, volunteer])
    session.flush()
    return {
        "activity_id": activity.id,
        "base_id": base.id,
        "team_id": team.id,
        "volunteer_id": volunteer.id,
    }
