"""The scene (现场): the commander's view of one incident, reports from crews, sector postings.

Who reaches an incident: whoever sees it by jurisdiction (its brigade and everything above), and
the crews of the units sent to it (their assignment is visible to them: a station crew on another
brigade's call reads that call's scene and pre-plan, and reports from it). Commanding — posting
units to sectors, acknowledging reports — needs the incident in one's own jurisdiction.

ETAs of units still on the way are read from the road network the dispatcher's recommendation
uses: one bounded search on the reversed graph from the incident gives every node's time to the
scene, read at the unit's reported position (AVL) or at its station.

Every report and every acknowledgement is published on the live bus after commit (``scene.report``)
to the incident's brigade and to the stations of its units, so the commander's view and the crews'
phones see it without a reload.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.command import preplans
from lanyan.command.scene_models import (
    SCENE_REPORT_TRANSITIONS,
    ScenePosting,
    SceneReport,
    SceneReportStatus,
)
from lanyan.command.scene_schemas import (
    PostingSet,
    SceneReportCreate,
    SceneReportMove,
    SceneReportPublic,
    SceneUnit,
    SceneView,
    SceneWater,
)
from lanyan.core import audit, events
from lanyan.core.actor import Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Invalid
from lanyan.core.jurisdiction import get_visible, not_found_error, visible
from lanyan.core.permissions import Action, allowed
from lanyan.dispatch.choices import AssignmentStatus
from lanyan.dispatch.models import Assignment, Incident
from lanyan.dispatch.nearby import nearest_water_sources
from lanyan.forces.models import WaterSource
from lanyan.planning.network import NetworkState, RoadNetwork
from lanyan.prevention.uploads import check_visible
from lanyan.routing import shortest_path_tree

ETA_LIMIT_S = 3600.0
"""How far the reverse search looks; a unit farther than an hour shows its dispatch ETA."""

WATER_LIMIT_S = 240.0
"""Water sources within this driving time of the scene are listed (a hose lay or a short move)."""


def _own_assignments(session: Session, actor: Actor, incident_id: int) -> list[Assignment]:
    return list(
        session.scalars(visible(actor, Assignment).where(Assignment.incident_id == incident_id))
    )


def incident_in_reach(session: Session, actor: Actor, incident_id: int) -> Incident:
    """The incident if the actor sees it or one of its own units is on it, else 404."""
    actor.require(Action.READ)
    incident = session.scalars(
        visible(actor, Incident).where(Incident.id == incident_id)
    ).one_or_none()
    if incident is not None:
        return incident
    if _own_assignments(session, actor, incident_id):
        found = session.get(Incident, incident_id)
        if found is not None:
            return found
    raise not_found_error(Incident, incident_id)


def commanded_incident(session: Session, actor: Actor, incident_id: int) -> Incident:
    """The incident in the actor's own jurisdiction (commanding needs that), locked."""
    actor.require(Action.SCENE_COMMAND)
    return get_visible(session, actor, Incident, incident_id, lock=True)


def report_public(report: SceneReport) -> SceneReportPublic:
    """A report for the API and the live event."""
    return SceneReportPublic(
        id=report.id,
        incident_id=report.incident_id,
        unit_id=report.unit_id,
        call_sign=report.call_sign,
        sender_name=report.sender_name,
        sent_at=report.sent_at,
        text=report.text,
        photo_ids=list(report.photo_ids or []),
        needs_reinforcement=report.needs_reinforcement,
        needs=report.needs,
        status=report.status,
        status_zh=report.status.zh,
        acknowledged_at=report.acknowledged_at,
        acknowledged_by=report.acknowledged_by,
        resolved_at=report.resolved_at,
        reply=report.reply,
    )


def _publish(session: Session, kind: str, incident: Incident, data: dict[str, Any]) -> None:
    paths = {a.unit.station.path for a in incident.assignments}
    extra = data.get("sender_org_path")
    if extra:
        paths.add(extra)
    brigade = incident.brigade.path if incident.brigade is not None else "/"
    events.queue(session, events.Event(kind, data, brigade, tuple(sorted(paths))))


def _report_event(session: Session, incident: Incident, report: SceneReport) -> None:
    data = report_public(report).model_dump(mode="json")
    data["number"] = incident.number
    data["sender_org_path"] = report.sender_org_path
    _publish(session, "scene.report", incident, data)


def send_report(
    session: Session, *, actor: Actor, incident_id: int, data: SceneReportCreate
) -> SceneReport:
    """Record a crew's report from the scene and announce it to the commander's view."""
    actor.require(Action.SCENE_REPORT)
    incident = incident_in_reach(session, actor, incident_id)
    if not incident.status.is_open:
        raise Conflict("警情已结案，不能再发送现场报告", "the incident is closed")
    if not (data.text or data.photo_ids or data.needs_reinforcement):
        raise Invalid(
            "现场报告需要文字、照片或增援请求", "a report needs text, a photo or a request"
        )
    if data.needs_reinforcement and not data.needs:
        raise Invalid("请求增援时请写明需要什么", "say what is needed with a reinforcement request")
    if data.needs and not data.needs_reinforcement:
        raise Invalid("只有请求增援时才填写增援需求", "needs only go with a reinforcement request")
    check_visible(session, actor, list(data.photo_ids))
    call_sign = None
    if data.unit_id is not None:
        mine = {a.unit_id: a for a in _own_assignments(session, actor, incident.id)}
        if data.unit_id not in mine:
            raise Invalid("该车辆不在本警情的调派中", "that unit is not one of yours on this call")
        call_sign = mine[data.unit_id].unit.call_sign
    report = SceneReport(
        incident_id=incident.id,
        unit_id=data.unit_id,
        call_sign=call_sign,
        sender_id=actor.user_id,
        sender_name=actor.display_name or actor.username,
        sender_org_path=actor.org_path,
        sent_at=utcnow(),
        text=data.text,
        photo_ids=list(data.photo_ids),
        needs_reinforcement=data.needs_reinforcement,
        needs=data.needs,
        status=SceneReportStatus.SENT,
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="scene_report",
        entity_id=report.id,
        after=audit.snapshot(report),
    )
    _report_event(session, incident, report)
    return report


def move_report(
    session: Session, *, actor: Actor, incident_id: int, data: SceneReportMove
) -> SceneReport:
    """The commander acknowledges a report or marks it dealt with (illegal moves: 409)."""
    incident = commanded_incident(session, actor, incident_id)
    report = session.scalars(
        select(SceneReport)
        .where(SceneReport.id == data.report_id, SceneReport.incident_id == incident.id)
        .with_for_update()
    ).one_or_none()
    if report is None:
        raise not_found_error(SceneReport, data.report_id)
    if data.status not in SCENE_REPORT_TRANSITIONS[report.status]:
        raise Conflict(
            f"现场报告不能从“{report.status.zh}”变为“{data.status.zh}”",
            f"a scene report cannot go from {report.status.en} to {data.status.en}",
        )
    before = audit.snapshot(report)
    now = utcnow()
    report.status = data.status
    if data.status is SceneReportStatus.ACKNOWLEDGED:
        report.acknowledged_at = now
        report.acknowledged_by = actor.display_name or actor.username
    else:
        report.resolved_at = now
    if data.reply:
        report.reply = data.reply
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=data.status.value,
        entity="scene_report",
        entity_id=report.id,
        before=before,
        after=audit.snapshot(report),
    )
    _report_event(session, incident, report)
    return report


def set_posting(
    session: Session, *, actor: Actor, incident_id: int, data: PostingSet
) -> ScenePosting | None:
    """Post a unit of the incident to a sector, move it, or (empty sector) take it off."""
    incident = commanded_incident(session, actor, incident_id)
    assignment = next((a for a in incident.assignments if a.id == data.assignment_id), None)
    if assignment is None:
        raise Invalid("该调派记录不属于本警情", "that assignment is not on this incident")
    if assignment.status is AssignmentStatus.IN_QUARTERS:
        raise Conflict("车辆已归队，不能编入战斗段", "the unit is back in quarters")
    sector = data.sector.strip()
    if data.water_source_id is not None:
        get_visible(session, actor, WaterSource, data.water_source_id)
    posting = session.scalars(
        select(ScenePosting).where(ScenePosting.assignment_id == assignment.id)
    ).one_or_none()
    before = audit.snapshot(posting) if posting is not None else None
    if not sector:
        if posting is None:
            raise Invalid("该车辆尚未编入战斗段", "the unit is in no sector")
        session.delete(posting)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="delete",
            entity="scene_posting",
            entity_id=before["id"] if before else None,
            before=before,
        )
        _publish(session, "scene.posting", incident, {"incident_id": incident.id})
        return None
    if posting is None:
        posting = ScenePosting(incident_id=incident.id, assignment_id=assignment.id)
        session.add(posting)
    posting.sector = sector
    posting.task = data.task
    posting.water_source_id = data.water_source_id
    posting.set_by = actor.display_name or actor.username
    posting.set_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity="scene_posting",
        entity_id=posting.id,
        before=before,
        after=audit.snapshot(posting),
    )
    _publish(session, "scene.posting", incident, {"incident_id": incident.id})
    return posting


# --- the view ------------------------------------------------------------------------------------


def _etas(state: NetworkState, incident: Incident, moving: list[Assignment]) -> dict[int, float]:
    """Seconds left to the scene for each unit still on the way (assignment id → s)."""
    if not moving:
        return {}
    target = state.snapper.snap(incident.lon, incident.lat).node
    to_scene = shortest_path_tree(state.graph.transpose(), target, limit_s=ETA_LIMIT_S)
    now = utcnow()
    out: dict[int, float] = {}
    for a in moving:
        unit = a.unit
        if unit.lon is not None and unit.lat is not None:
            seconds = float(to_scene[state.snapper.snap(unit.lon, unit.lat).node])
        else:
            row = state.row_of_org.get(unit.station_id)
            node = int(state.table.station_nodes[row]) if row is not None else -1
            seconds = float(to_scene[node]) if node >= 0 else float("inf")
            if a.en_route_at is not None:  # driven part of the way since turning out
                seconds -= (now - a.en_route_at).total_seconds()
        if not np.isfinite(seconds) and a.eta_s is not None:
            started = a.en_route_at or a.assigned_at
            seconds = a.eta_s - (now - started).total_seconds()
        if np.isfinite(seconds):
            out[a.id] = max(0.0, round(seconds, 1))
    return out


def _preplan_of(session: Session, incident: Incident) -> dict[str, Any] | None:
    if incident.premises_id is None:
        return None
    plan = preplans.plan_of(session, incident.premises_id)
    if plan is None:
        return None
    shown = preplans.shown_for_call(session, plan)
    content = dict(shown.content)
    content["water_supply"] = preplans.resolved_water(session, shown.content)
    return {
        "premises_id": plan.premises_id,
        "status": plan.status.value,
        "status_zh": plan.status.zh,
        "published": plan.published_version is not None,
        "version": shown.version,
        "reviewed_on": plan.reviewed_on.isoformat() if plan.reviewed_on else None,
        "overdue": preplans.is_overdue(plan, preplans.local_today()),
        "content": content,
    }


def scene_view(
    session: Session, *, actor: Actor, network: RoadNetwork, incident_id: int
) -> SceneView:
    """The commander's view of one incident (a crew on it sees the same, without commanding)."""
    incident = incident_in_reach(session, actor, incident_id)
    can_command = allowed(actor.role, Action.SCENE_COMMAND) and actor.covers(
        incident.brigade.path if incident.brigade is not None else None
    )
    active = [a for a in incident.assignments if a.status is not AssignmentStatus.IN_QUARTERS]
    postings = {
        p.assignment_id: p
        for p in session.scalars(
            select(ScenePosting).where(ScenePosting.incident_id == incident.id)
        )
    }
    state = network.current(session)
    moving = [
        a for a in active if a.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.EN_ROUTE)
    ]
    etas = _etas(state, incident, moving)
    water = nearest_water_sources(session, actor, state, incident, limit=8, limit_s=WATER_LIMIT_S)
    source_ids = {p.water_source_id for p in postings.values() if p.water_source_id}
    names = {
        w.id: w.name
        for w in session.scalars(select(WaterSource).where(WaterSource.id.in_(source_ids)))
    }
    units = []
    used_by: dict[int, list[str]] = {}
    for a in active:
        posting = postings.get(a.id)
        if posting is not None and posting.water_source_id:
            used_by.setdefault(posting.water_source_id, []).append(a.unit.call_sign)
        units.append(
            SceneUnit(
                assignment_id=a.id,
                unit_id=a.unit_id,
                call_sign=a.unit.call_sign,
                unit_type=a.unit.type.value,
                unit_type_zh=a.unit.type.zh,
                station_name=a.unit.station.name,
                status=a.status.value,
                status_zh=a.status.zh,
                eta_s=etas.get(a.id),
                on_scene_at=a.on_scene_at,
                water_on_at=a.water_on_at,
                sector=posting.sector if posting else None,
                task=posting.task if posting else None,
                water_source_id=posting.water_source_id if posting else None,
                water_source_name=names.get(posting.water_source_id or 0) if posting else None,
            )
        )
    reports = session.scalars(
        select(SceneReport)
        .where(SceneReport.incident_id == incident.id)
        .order_by(SceneReport.sent_at.desc(), SceneReport.id.desc())
    ).all()
    return SceneView(
        incident_id=incident.id,
        number=incident.number,
        status=incident.status.value,
        status_zh=incident.status.zh,
        type_zh=incident.type.zh,
        level=incident.level,
        address=incident.address_text,
        lon=incident.lon,
        lat=incident.lat,
        received_at=incident.received_at,
        premises_id=incident.premises_id,
        premises_name=incident.premises.name if incident.premises else None,
        can_command=can_command,
        units=units,
        water_sources=[
            SceneWater(
                id=w.id,
                name=w.name,
                kind_zh=w.kind.zh,
                state_zh=w.state.zh,
                seconds=w.seconds,
                metres=w.metres,
                used_by=used_by.get(w.id, []),
            )
            for w in water
        ],
        preplan=_preplan_of(session, incident),
        reports=[report_public(r) for r in reports],
    )


def photo_allowed(session: Session, *, actor: Actor, incident_id: int, upload_id: int) -> bool:
    """Whether ``upload_id`` is a picture of this incident's pre-plan or one of its reports
    (how a crew sees a floor plan stored by the brigade's prevention officer)."""
    incident = incident_in_reach(session, actor, incident_id)
    for report in session.scalars(
        select(SceneReport).where(SceneReport.incident_id == incident.id)
    ):
        if upload_id in (report.photo_ids or []):
            return True
    plan = _preplan_of(session, incident)
    if plan is None:
        return False
    content = plan["content"]
    return any(
        a.get("upload_id") == upload_id
        for a in (*content.get("floor_plans", []), *content.get("photos", []))
    )
