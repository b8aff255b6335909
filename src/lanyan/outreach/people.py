"""Education bases (消防科普教育基地) and volunteers (消防志愿者) with their teams.

Bases are places people visit; a visit is an activity of kind 科普教育基地参观 naming the base, so
visits and visitors are counted from the activities, never kept twice. Volunteers serve in a team
of an organization; one who leaves keeps the row, so "volunteers at the end of the year" is a
stock the figures can count for any past year. A volunteer's service is a small state machine:
在册 → 已退出 (leave) → 在册 (rejoin); anything else is a 409.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from lanyan.core import crud
from lanyan.core.actor import Actor
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, visible
from lanyan.core.permissions import Action
from lanyan.forces.models import Organization
from lanyan.outreach.activities import local_today
from lanyan.outreach.choices import ActivityKind, BaseLevel, VolunteerStatus
from lanyan.outreach.models import EducationActivity, EducationBase, Volunteer, VolunteerTeam
from lanyan.outreach.schemas import (
    BaseCreate,
    BaseUpdate,
    TeamCreate,
    TeamUpdate,
    VolunteerCreate,
    VolunteerUpdate,
)

# --- bases ---------------------------------------------------------------------------------------


def _check_position(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise Invalid("经度和纬度须同时填写", "longitude and latitude go together")


def _not_future(day: date | None, what_zh: str, what_en: str) -> None:
    if day is not None and day > local_today():
        raise Invalid(f"{what_zh}不能晚于今天", f"{what_en} must not be in the future")


def create_base(session: Session, *, actor: Actor, data: BaseCreate) -> EducationBase:
    """Add an education base run by an organization in the actor's jurisdiction."""
    actor.require(Action.OUTREACH_MANAGE)
    get_visible(session, actor, Organization, data.org_id)
    _check_position(data.lon, data.lat)
    _not_future(data.opened_on, "开放日期", "the opening day")
    base = EducationBase(**data.model_dump())
    return crud.create(session, actor=actor, obj=base, entity="edu_base", entity_zh="科普教育基地")


def get_base(session: Session, actor: Actor, base_id: int) -> EducationBase:
    """A base in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, EducationBase, base_id)


def update_base(session: Session, *, actor: Actor, base_id: int, data: BaseUpdate) -> EducationBase:
    """Change a base's facts."""
    actor.require(Action.OUTREACH_MANAGE)
    base = get_base(session, actor, base_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "level"):
        if required in changes and changes[required] is None:
            changes.pop(required)
    _check_position(changes.get("lon", base.lon), changes.get("lat", base.lat))
    _not_future(changes.get("opened_on"), "开放日期", "the opening day")
    return crud.update(
        session, actor=actor, obj=base, changes=changes, entity="edu_base", entity_zh="科普教育基地"
    )


def query_bases(
    *, actor: Actor, level: BaseLevel | None = None, q: str | None = None
) -> Select[EducationBase]:
    """Bases in the jurisdiction, by name."""
    actor.require(Action.READ)
    stmt = visible(actor, EducationBase)
    if level is not None:
        stmt = stmt.where(EducationBase.level == level)
    if q:
        stmt = stmt.where(EducationBase.name.contains(q, autoescape=True))
    return stmt.order_by(EducationBase.name, EducationBase.id)


def base_visits(session: Session, base_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Visits and visitors (人次) of each base, from the base-visit activities (one query)."""
    if not base_ids:
        return {}
    rows = session.execute(
        select(
            EducationActivity.base_id,
            func.count(),
            func.coalesce(func.sum(EducationActivity.audience), 0),
        )
        .where(
            EducationActivity.base_id.in_(base_ids),
            EducationActivity.kind == ActivityKind.BASE_VISIT,
        )
        .group_by(EducationActivity.base_id)
    ).all()
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows if r[0] is not None}


# --- teams ---------------------------------------------------------------------------------------


def create_team(session: Session, *, actor: Actor, data: TeamCreate) -> VolunteerTeam:
    """Add a volunteer team led by an organization in the actor's jurisdiction."""
    actor.require(Action.OUTREACH_MANAGE)
    get_visible(session, actor, Organization, data.org_id)
    _not_future(data.founded_on, "成立日期", "the founding day")
    team = VolunteerTeam(**data.model_dump())
    return crud.create(
        session, actor=actor, obj=team, entity="volunteer_team", entity_zh="志愿者队伍"
    )


def get_team(session: Session, actor: Actor, team_id: int) -> VolunteerTeam:
    """A team in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, VolunteerTeam, team_id)


def update_team(session: Session, *, actor: Actor, team_id: int, data: TeamUpdate) -> VolunteerTeam:
    """Change a team's facts."""
    actor.require(Action.OUTREACH_MANAGE)
    team = get_team(session, actor, team_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name", "") is None:
        changes.pop("name")
    _not_future(changes.get("founded_on"), "成立日期", "the founding day")
    return crud.update(
        session,
        actor=actor,
        obj=team,
        changes=changes,
        entity="volunteer_team",
        entity_zh="志愿者队伍",
    )


def query_teams(*, actor: Actor, q: str | None = None) -> Select[VolunteerTeam]:
    """Teams in the jurisdiction, by name."""
    actor.require(Action.READ)
    stmt = visible(actor, VolunteerTeam)
    if q:
        stmt = stmt.where(VolunteerTeam.name.contains(q, autoescape=True))
    return stmt.order_by(VolunteerTeam.name, VolunteerTeam.id)


def active_members(session: Session, team_ids: list[int]) -> dict[int, int]:
    """Volunteers serving in each team now (one query)."""
    if not team_ids:
        return {}
    rows = session.execute(
        select(Volunteer.team_id, func.count())
        .where(Volunteer.team_id.in_(team_ids), Volunteer.status == VolunteerStatus.ACTIVE)
        .group_by(Volunteer.team_id)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


# --- volunteers ----------------------------------------------------------------------------------


def create_volunteer(session: Session, *, actor: Actor, data: VolunteerCreate) -> Volunteer:
    """Enrol a volunteer in a team of the actor's jurisdiction."""
    actor.require(Action.OUTREACH_MANAGE)
    team = get_team(session, actor, data.team_id)
    _not_future(data.joined_on, "加入日期", "the joining day")
    volunteer = Volunteer(
        **data.model_dump(), org_id=team.org_id, status=VolunteerStatus.ACTIVE, left_on=None
    )
    return crud.create(
        session, actor=actor, obj=volunteer, entity="volunteer", entity_zh="消防志愿者"
    )


def get_volunteer(session: Session, actor: Actor, volunteer_id: int) -> Volunteer:
    """A volunteer in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Volunteer, volunteer_id)


def update_volunteer(
    session: Session, *, actor: Actor, volunteer_id: int, data: VolunteerUpdate
) -> Volunteer:
    """Change a volunteer's facts or move them to another team (their organization follows)."""
    actor.require(Action.OUTREACH_MANAGE)
    volunteer = get_volunteer(session, actor, volunteer_id)
    changes: dict[str, Any] = {
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None or k == "phone"
    }
    if "team_id" in changes:
        changes["org_id"] = get_team(session, actor, changes["team_id"]).org_id
    _not_future(changes.get("joined_on"), "加入日期", "the joining day")
    joined = changes.get("joined_on", volunteer.joined_on)
    if volunteer.left_on is not None and joined > volunteer.left_on:
        raise Invalid("加入日期不能晚于退出日期", "the joining day must not follow the leaving day")
    return crud.update(
        session,
        actor=actor,
        obj=volunteer,
        changes=changes,
        entity="volunteer",
        entity_zh="消防志愿者",
    )


MOVES: dict[str, tuple[VolunteerStatus, VolunteerStatus]] = {
    "leave": (VolunteerStatus.ACTIVE, VolunteerStatus.LEFT),
    "rejoin": (VolunteerStatus.LEFT, VolunteerStatus.ACTIVE),
}
"""The volunteer's state machine: move → (from, to). Every other pair is refused with 409."""


def move_volunteer(
    session: Session,
    *,
    actor: Actor,
    volunteer_id: int,
    move: str,
    on: date | None = None,
) -> Volunteer:
    """Leave (在册 → 已退出, on ``on`` or today) or rejoin (已退出 → 在册)."""
    actor.require(Action.OUTREACH_MANAGE)
    if move not in MOVES:
        raise Invalid(f"未知操作：{move}", f"unknown move {move}")
    volunteer = get_volunteer(session, actor, volunteer_id)
    source, target = MOVES[move]
    if volunteer.status != source:
        raise Conflict(
            f"志愿者当前为“{volunteer.status.zh}”，不能{'退出' if move == 'leave' else '重新加入'}",
            f"a volunteer who is {volunteer.status.en} cannot {move}",
        )
    changes: dict[str, Any] = {"status": target}
    if move == "leave":
        day = on or local_today()
        _not_future(day, "退出日期", "the leaving day")
        if day < volunteer.joined_on:
            raise Invalid("退出日期不能早于加入日期", "the leaving day precedes the joining day")
        changes["left_on"] = day
    else:
        changes["left_on"] = None
    return crud.update(
        session,
        actor=actor,
        obj=volunteer,
        changes=changes,
        entity="volunteer",
        entity_zh="消防志愿者",
        action=move,
    )


def query_volunteers(
    *,
    actor: Actor,
    team_id: int | None = None,
    status: VolunteerStatus | None = None,
    q: str | None = None,
) -> Select[Volunteer]:
    """Volunteers in the jurisdiction, by name."""
    actor.require(Action.READ)
    stmt = visible(actor, Volunteer)
    if team_id is not None:
        stmt = stmt.where(Volunteer.team_id == team_id)
    if status is not None:
        stmt = stmt.where(Volunteer.status == status)
    if q:
        stmt = stmt.where(Volunteer.name.contains(q, autoescape=True))
    return stmt.order_by(Volunteer.name, Volunteer.id)


def serving_on(day_end: date) -> Any:
    """Volunteers serving at the start of ``day_end`` (joined before it, not left before it)."""
    return and_(
        Volunteer.joined_on < day_end,
        (Volunteer.left_on.is_(None)) | (Volunteer.left_on >= day_end),
    )
