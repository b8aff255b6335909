"""The first response of an incident (首车出动) and what was sent (队次/辆次/人次), kept on the
incident row.

The 5-minute standard and every response-time figure measure the incident's FIRST assignment:
the one with the earliest ``assigned_at``, the lowest id among equal times (units sent together in
one order). The statistics of a year read a million incidents; finding each one's first assignment
by a join and a sort took most of their time (bench/stats.py), so the incident row carries the
first assignment's id and its three milestones: call → assigned → en route → on scene.

The turnout is kept beside it for the same reason: 队次 (distinct stations whose units were sent),
辆次 (assignments) and 人次 (their ``crew_sent``), over every assignment of the incident. Grouping
1.33 million assignments by incident and station cost a year's figures 1–2 s; kept on the row they
are three sums in the pass over the incidents. A station counts by the unit's station when the
assignments were made, so moving a unit to another station later changes no past figure.

:func:`refresh_response` is the one definition of both, called by the dispatch service (and the
reinforcement that sends units) whenever an assignment is created; assignments are never deleted
and their unit and crew never change, so no other write moves these columns. A milestone never
changes which assignment is first, so :func:`copy_first_milestones` copies the first one's
milestones without a query. Migrations 0005 and 0021 fill the same columns for incidents recorded
before them with the same rules in SQL.
"""

from __future__ import annotations

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from lanyan.dispatch.models import Assignment, Incident
from lanyan.forces.models import Unit


def refresh_response(session: Session, incident: Incident) -> None:
    """Copy the milestones of ``incident``'s first assignment onto it (all NULL without one) and
    count its turnout, in one statement over its assignments."""
    session.flush()
    mine = Assignment.incident_id == incident.id
    sent = (
        select(
            func.count(func.distinct(Unit.station_id)).label("stations"),
            func.count().label("units"),
            func.coalesce(func.sum(Assignment.crew_sent), 0).label("people"),
        )
        .join(Unit, Unit.id == Assignment.unit_id)
        .where(mine)
        .subquery("sent")
    )
    first = (
        select(
            Assignment.id, Assignment.assigned_at, Assignment.en_route_at, Assignment.on_scene_at
        )
        .where(mine)
        .order_by(Assignment.assigned_at, Assignment.id)
        .limit(1)
        .subquery("first")
    )
    row = session.execute(
        select(*first.c, *sent.c).select_from(sent.outerjoin(first, true()))
    ).one()
    (
        incident.first_assignment_id,
        incident.first_assigned_at,
        incident.first_en_route_at,
        incident.first_on_scene_at,
        incident.turnout_stations,
        incident.turnout_units,
        incident.turnout_people,
    ) = (row[0], row[1], row[2], row[3], int(row[4]), int(row[5]), int(row[6]))


def is_first(incident: Incident, assignment: Assignment) -> bool:
    """Whether ``assignment`` is the one the incident's first-response milestones come from."""
    return incident.first_assignment_id == assignment.id


def copy_first_milestones(incident: Incident, assignment: Assignment) -> None:
    """After a milestone of ``assignment``: copy it onto the incident if this is the first one."""
    if is_first(incident, assignment):
        incident.first_en_route_at = assignment.en_route_at
        incident.first_on_scene_at = assignment.on_scene_at
