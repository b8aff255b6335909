"""What the intake screen shows around a call: duplicates, caller history, water, open hazards.

Read for one incident right after intake and on its detail page, each with one query of plain
columns (no incident rows with their timelines), each inside the actor's jurisdiction: a
dispatcher of one brigade does not see another brigade's calls as duplicates or in a caller's
history, nor its hydrants and hazards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.actor import Actor
from lanyan.core.jurisdiction import visible_condition
from lanyan.core.standards import standards
from lanyan.dispatch.choices import IncidentStatus, IncidentType
from lanyan.dispatch.models import Incident
from lanyan.forces.choices import WaterSourceKind, WaterSourceState
from lanyan.forces.models import WaterSource
from lanyan.planning.network import NetworkState
from lanyan.prevention.choices import HazardSeverity, HazardStatus
from lanyan.prevention.models import Hazard
from lanyan.routing import haversine_m, shortest_path_tree


@dataclass(frozen=True, slots=True)
class ProbableDuplicate:
    """An open incident close by, received shortly before or after (重复警情)."""

    id: int
    number: str
    distance_m: float
    received_at: datetime
    type: IncidentType


@dataclass(frozen=True, slots=True)
class EarlierCall:
    """An earlier call from the same number."""

    id: int
    number: str
    type: IncidentType
    received_at: datetime
    address: str | None


@dataclass(frozen=True, slots=True)
class NearWaterSource:
    """A water source by driving time from the scene."""

    id: int
    name: str
    kind: WaterSourceKind
    state: WaterSourceState
    seconds: float
    metres: float


@dataclass(frozen=True, slots=True)
class OpenHazard:
    """An open hazard of the premises the call comes from: what crews should know on arrival."""

    id: int
    title: str
    severity: HazardSeverity
    status: HazardStatus
    found_at: datetime


@dataclass(frozen=True, slots=True)
class Nearby:
    """Everything the intake screen shows around one incident."""

    duplicates: list[ProbableDuplicate]
    caller_history: list[EarlierCall]
    water_sources: list[NearWaterSource]
    open_hazards: list[OpenHazard]


def around(session: Session, actor: Actor, state: NetworkState, incident: Incident) -> Nearby:
    """The intake extras of ``incident`` as ``actor`` may see them."""
    return Nearby(
        duplicates=probable_duplicates(session, actor, incident),
        caller_history=caller_history(session, actor, incident),
        water_sources=nearest_water_sources(session, actor, state, incident),
        open_hazards=(
            open_hazards_of(session, actor, incident.premises_id)
            if incident.premises_id is not None
            else []
        ),
    )


def probable_duplicates(
    session: Session, actor: Actor, incident: Incident
) -> list[ProbableDuplicate]:
    """Open incidents in the jurisdiction close by, received within the duplicate window."""
    table = standards()
    window = timedelta(seconds=table["duplicate_window_s"])
    radius_m = table["duplicate_radius_m"]
    pad = radius_m / 111_000 * 2
    rows = session.execute(
        select(Incident.id, Incident.number, Incident.lon, Incident.lat)
        .add_columns(Incident.received_at, Incident.type)
        .where(
            visible_condition(actor, Incident),
            Incident.id != incident.id,
            Incident.status != IncidentStatus.CLOSED,
            Incident.received_at.between(
                incident.received_at - window, incident.received_at + window
            ),
            Incident.lon.between(incident.lon - pad, incident.lon + pad),
            Incident.lat.between(incident.lat - pad, incident.lat + pad),
        )
        .order_by(Incident.received_at, Incident.id)
    ).all()
    out = []
    for row in rows:
        d = float(haversine_m(row.lon, row.lat, incident.lon, incident.lat))
        if d <= radius_m:
            out.append(
                ProbableDuplicate(row.id, row.number, round(d, 1), row.received_at, row.type)
            )
    return out


def caller_history(
    session: Session, actor: Actor, incident: Incident, limit: int = 10
) -> list[EarlierCall]:
    """Earlier calls in the jurisdiction from the same number, newest first."""
    if not incident.caller_number:
        return []
    rows = session.execute(
        select(
            Incident.id,
            Incident.number,
            Incident.type,
            Incident.received_at,
            Incident.address_text,
        )
        .where(
            visible_condition(actor, Incident),
            Incident.caller_number == incident.caller_number,
            Incident.id != incident.id,
            Incident.received_at <= incident.received_at,
        )
        .order_by(Incident.received_at.desc(), Incident.id.desc())
        .limit(limit)
    ).all()
    return [EarlierCall(r.id, r.number, r.type, r.received_at, r.address_text) for r in rows]


def nearest_water_sources(
    session: Session,
    actor: Actor,
    state: NetworkState,
    incident: Incident,
    limit: int = 5,
    limit_s: float = 180.0,
) -> list[NearWaterSource]:
    """Water sources in the jurisdiction reachable by road from the incident, nearest first.

    Only sources within about a kilometre are considered (a hose lay is hundreds of metres), read
    as plain columns, so this stays a few milliseconds on the intake screen.
    """
    pad = 0.012
    sources = session.execute(
        select(
            WaterSource.id,
            WaterSource.name,
            WaterSource.kind,
            WaterSource.state,
            WaterSource.lon,
            WaterSource.lat,
        ).where(
            visible_condition(actor, WaterSource),
            WaterSource.lon.between(incident.lon - pad, incident.lon + pad),
            WaterSource.lat.between(incident.lat - pad * 0.7, incident.lat + pad * 0.7),
        )
    ).all()
    if not sources:
        return []
    node = state.snapper.snap(incident.lon, incident.lat).node
    tree = shortest_path_tree(state.graph, node, limit_s=limit_s)
    snapped = state.snapper.snap_many(
        np.array([s.lon for s in sources]), np.array([s.lat for s in sources])
    )
    seconds = tree[snapped.nodes]
    metres = haversine_m(
        np.array([s.lon for s in sources]),
        np.array([s.lat for s in sources]),
        incident.lon,
        incident.lat,
    )
    # Reachable by road (not across the river), then nearest first: the hose is laid over metres,
    # and the list shows metres. Many hydrants share a road node (equal seconds), so seconds
    # cannot order them.
    reachable = np.flatnonzero(np.isfinite(seconds))
    order = reachable[np.argsort(metres[reachable], kind="stable")][:limit]
    return [
        NearWaterSource(
            sources[i].id,
            sources[i].name,
            sources[i].kind,
            sources[i].state,
            round(float(seconds[i]), 1),
            round(float(metres[i]), 1),
        )
        for i in order.tolist()
    ]


def open_hazards_of(
    session: Session, actor: Actor, premises_id: int, limit: int = 20
) -> list[OpenHazard]:
    """Open hazards of the premises, recorded by organizations in the jurisdiction."""
    rows = session.execute(
        select(Hazard.id, Hazard.title, Hazard.severity, Hazard.status, Hazard.found_at)
        .where(
            visible_condition(actor, Hazard),
            Hazard.premises_id == premises_id,
            Hazard.status.not_in([HazardStatus.CLOSED, HazardStatus.REJECTED]),
        )
        .order_by(Hazard.severity.desc(), Hazard.found_at.desc())
        .limit(limit)
    ).all()
    return [OpenHazard(h.id, h.title, h.severity, h.status, h.found_at) for h in rows]
