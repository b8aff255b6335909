"""拉动演练: a drill is an incident run through the real dispatch engine, flagged ``is_drill``.

The same intake, recommendation, assignment and crew buttons run, so the times a drill measures
(alert to turnout, alert to arrival) are the times of a real call; the flag keeps it out of every
incident figure (:func:`lanyan.stats.queries.incident_base` filters it) and the drill figures
(:mod:`lanyan.duty.figures`) read it instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lanyan.core import audit
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.jurisdiction import visible
from lanyan.core.permissions import Action
from lanyan.dispatch import service as dispatch
from lanyan.dispatch.choices import IncidentType
from lanyan.dispatch.models import Incident
from lanyan.dispatch.schemas import IncidentCreate
from lanyan.duty.schemas import DrillIn, DrillPublic
from lanyan.planning.network import RoadNetwork

DRILL_PREFIX = "【拉动演练】"


def start_drill(
    session: Session,
    *,
    actor: Actor,
    network: RoadNetwork,
    data: DrillIn,
    at: datetime | None = None,
) -> Incident:
    """Open a drill incident and, when units are named, pull them at once (all or none)."""
    actor.require(Action.DUTY_DRILL)
    now = at or utcnow()
    incident = dispatch.create_incident(
        session,
        actor=actor,
        network=network,
        data=IncidentCreate(
            lon=data.lon,
            lat=data.lat,
            type=IncidentType.FIRE,
            address_text=data.address_text,
            description=f"{DRILL_PREFIX}{data.title}",
            match_premises=False,
        ),
        at=now,
    )
    incident.is_drill = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="drill",
        entity="incident",
        entity_id=incident.id,
        after={"is_drill": True, "title": data.title, "unit_ids": data.unit_ids},
    )
    if data.unit_ids:
        dispatch.assign_units(
            session,
            actor=actor,
            network=network,
            incident_id=incident.id,
            unit_ids=list(data.unit_ids),
            at=now,
        )
    return incident


def seconds_between(later: datetime | None, earlier: datetime | None) -> float | None:
    """Seconds from ``earlier`` to ``later`` (``None`` when either is missing)."""
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds(), 1)


def drill_public(incident: Incident) -> DrillPublic:
    """A drill with its measured times (from the first assignment's milestones)."""
    title = incident.description or ""
    return DrillPublic(
        incident_id=incident.id,
        number=incident.number,
        title=title.removeprefix(DRILL_PREFIX) or None,
        received_at=incident.received_at,
        status=incident.status.value,
        units=len(incident.assignments),
        turnout_s=seconds_between(incident.first_en_route_at, incident.first_assigned_at),
        arrival_s=seconds_between(incident.first_on_scene_at, incident.first_assigned_at),
    )


def query_drills(*, actor: Actor) -> Select[Incident]:
    """Drills in the actor's jurisdiction, newest first."""
    return (
        visible(actor, Incident)
        .where(Incident.is_drill.is_(True))
        .order_by(Incident.received_at.desc(), Incident.id.desc())
    )


def list_drills(session: Session, *, actor: Actor, limit: int = 50) -> list[DrillPublic]:
    """The latest drills with their times."""
    actor.require(Action.READ)
    return [drill_public(i) for i in session.scalars(query_drills(actor=actor).limit(limit))]
