"""The first response of an incident (首车出动), kept on the incident row.

The 5-minute standard and every response-time figure measure the incident's FIRST assignment:
the one with the earliest ``assigned_at``, the lowest id among equal times (units sent together in
one order). The statistics of a year read a million incidents; finding each one's first assignment
by a join and a sort took most of their time (bench/stats.py), so the incident row carries the
first assignment's id and its three milestones: call → assigned → en route → on scene.

:func:`refresh_first_response` is the one definition, called by the dispatch service whenever an
assignment is created; a milestone never changes which assignment is first, so
:func:`copy_first_milestones` copies the first one's milestones without a query. Migration 0005
fills the same columns for incidents recorded before it with the same rule in SQL.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.dispatch.models import Assignment, Incident


def refresh_first_response(session: Session, incident: Incident) -> None:
    """Copy the milestones of ``incident``'s first assignment onto it (all NULL without one)."""
    session.flush()
    first = session.execute(
        select(
            Assignment.id, Assignment.assigned_at, Assignment.en_route_at, Assignment.on_scene_at
        )
        .where(Assignment.incident_id == incident.id)
        .order_by(Assignment.assigned_at, Assignment.id)
        .limit(1)
    ).first()
    (
        incident.first_assignment_id,
        incident.first_assigned_at,
        incident.first_en_route_at,
        incident.first_on_scene_at,
    ) = first if first is not None else (None, None, None, None)


def is_first(incident: Incident, assignment: Assignment) -> bool:
    """Whether ``assignment`` is the one the incident's first-response milestones come from."""
    return incident.first_assignment_id == assignment.id


def copy_first_milestones(incident: Incident, assignment: Assignment) -> None:
    """After a milestone of ``assignment``: copy it onto the incident if this is the first one."""
    if is_first(incident, assignment):
        incident.first_en_route_at = assignment.en_route_at
        incident.first_on_scene_at = assignment.on_scene_at
