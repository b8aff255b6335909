"""IoT monitoring API (物联网监测): device registry, alarms and their decisions, figures, and the
duty person's phone link. The HTTP push of NB-IoT platforms is in :mod:`lanyan.iot.push_api`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from lanyan.api.deps import CurrentActor, Limit, Offset, SearchText, SessionDep, id_path
from lanyan.api.paging import Page, paginate
from lanyan.core.permissions import Action
from lanyan.iot import service
from lanyan.iot.choices import AlarmStatus, DeviceKind
from lanyan.iot.pipeline import STATS
from lanyan.iot.schemas import (
    AlarmDecision,
    AlarmPublic,
    DecisionResult,
    DeviceCreate,
    DevicePublic,
    DeviceUpdate,
    DutyDecision,
    DutyLink,
    IntakeStatsPublic,
    MessagePublic,
    MonitoringOverview,
    RateRow,
)
from lanyan.planning.api import NetworkDep

router = APIRouter(prefix="/api/iot", tags=["iot 物联网监测"])
DeviceId = Annotated[int, id_path("device id")]
AlarmId = Annotated[int, id_path("alarm id")]
DutyToken = Annotated[
    str, Query(min_length=10, max_length=200, pattern=r"^[0-9]+\.[0-9]+\.[0-9a-f]+$")
]


@router.get("/devices", response_model=Page[DevicePublic])
def list_devices(
    actor: CurrentActor,
    session: SessionDep,
    premises_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    kind: DeviceKind | None = None,
    online: bool | None = None,
    faulty: bool | None = None,
    q: SearchText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[DevicePublic]:
    """Devices in your jurisdiction (离线: ``online=false``, 故障: ``faulty=true``)."""
    stmt = service.query_devices(
        actor=actor, premises_id=premises_id, kind=kind, online=online, faulty=faulty, q=q
    )
    return paginate(session, stmt, limit, offset, DevicePublic.model_validate)


@router.get("/devices/{device_id}", response_model=DevicePublic)
def get_device(device_id: DeviceId, actor: CurrentActor, session: SessionDep) -> DevicePublic:
    """One device with its online state and last heartbeat."""
    return DevicePublic.model_validate(service.get_device(session, actor, device_id))


@router.post("/devices", response_model=DevicePublic, status_code=201)
def create_device(body: DeviceCreate, actor: CurrentActor, session: SessionDep) -> DevicePublic:
    """Register a device at a premises."""
    device = service.create_device(session, actor=actor, data=body)
    session.commit()
    return DevicePublic.model_validate(device)


@router.patch("/devices/{device_id}", response_model=DevicePublic)
def update_device(
    device_id: DeviceId, body: DeviceUpdate, actor: CurrentActor, session: SessionDep
) -> DevicePublic:
    """Change a device."""
    device = service.update_device(session, actor=actor, device_id=device_id, data=body)
    session.commit()
    return DevicePublic.model_validate(device)


@router.delete("/devices/{device_id}", status_code=204)
def delete_device(device_id: DeviceId, actor: CurrentActor, session: SessionDep) -> Response:
    """Remove a device."""
    service.delete_device(session, actor=actor, device_id=device_id)
    session.commit()
    return Response(status_code=204)


@router.get("/devices/{device_id}/messages", response_model=Page[MessagePublic])
def device_messages(
    device_id: DeviceId,
    actor: CurrentActor,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[MessagePublic]:
    """A device's last messages, newest first."""
    service.get_device(session, actor, device_id)
    stmt = service.query_messages(actor=actor, device_id=device_id)
    return paginate(session, stmt, limit, offset, MessagePublic.model_validate)


@router.get("/alarms", response_model=Page[AlarmPublic])
def list_alarms(
    actor: CurrentActor,
    session: SessionDep,
    status: AlarmStatus | None = None,
    premises_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AlarmPublic]:
    """The alarm queue: 待核实 first, newest first."""
    stmt = service.query_alarms(actor=actor, status=status, premises_id=premises_id)
    return paginate(session, stmt, limit, offset, service.alarm_public)


@router.get("/alarms/{alarm_id}", response_model=AlarmPublic)
def get_alarm(alarm_id: AlarmId, actor: CurrentActor, session: SessionDep) -> AlarmPublic:
    """One alarm."""
    return service.alarm_public(service.get_alarm(session, actor, alarm_id))


@router.get("/alarms/{alarm_id}/duty-link", response_model=DutyLink)
def duty_link(alarm_id: AlarmId, actor: CurrentActor, session: SessionDep) -> DutyLink:
    """The phone link to send the premises' duty person (valid for a day, this alarm only)."""
    actor.require(Action.IOT_DECIDE)
    alarm = service.get_alarm(session, actor, alarm_id)
    return DutyLink(url=f"/iot/duty?token={service.duty_token(alarm.id)}")


def _result(decided: service.Decided) -> DecisionResult:
    return DecisionResult(
        alarm=service.alarm_public(decided.alarm),
        incident_id=decided.incident_id,
        recommended_unit_ids=decided.recommended_unit_ids,
    )


@router.post("/alarms/{alarm_id}/decision", response_model=DecisionResult)
def decide_alarm(
    alarm_id: AlarmId,
    body: AlarmDecision,
    actor: CurrentActor,
    session: SessionDep,
    network: NetworkDep,
) -> DecisionResult:
    """The monitoring operator's decision: 真实火警 opens an incident at the premises and
    recommends units; 误报 / 测试 need a reason and create nothing."""
    decided = service.decide_alarm(
        session,
        actor=actor,
        alarm_id=alarm_id,
        verdict=body.verdict,
        reason=body.reason,
        via="operator",
        network=network,
    )
    session.commit()
    return _result(decided)


@router.get("/duty", response_model=AlarmPublic)
def duty_alarm(token: DutyToken, session: SessionDep) -> AlarmPublic:
    """The alarm a duty person's phone link names (the signed token is the credential)."""
    alarm_id = service.alarm_of_token(token)
    actor = service.duty_actor(None)
    return service.alarm_public(service.get_alarm(session, actor, alarm_id))


@router.post("/duty/decision", response_model=DecisionResult)
def duty_decide(body: DutyDecision, session: SessionDep, network: NetworkDep) -> DecisionResult:
    """The premises' duty person confirms or dismisses the alarm of their link."""
    alarm_id = service.alarm_of_token(body.token)
    actor = service.duty_actor(body.name)
    decided = service.decide_alarm(
        session,
        actor=actor,
        alarm_id=alarm_id,
        verdict=body.verdict,
        reason=body.reason,
        via="duty",
        network=network,
    )
    session.commit()
    return _result(decided)


@router.get("/overview", response_model=MonitoringOverview)
def overview(actor: CurrentActor, session: SessionDep) -> MonitoringOverview:
    """The monitoring centre's figures: devices online, faults open, alarms, false-alarm rate."""
    return service.overview(session, actor=actor)


@router.get("/figures/false-alarms", response_model=list[RateRow])
def false_alarms(
    actor: CurrentActor,
    session: SessionDep,
    by: Annotated[str, Query(pattern=r"^(premises|model)$")] = "premises",
) -> list[RateRow]:
    """Alarms, true fires and the false-alarm rate per premises (``by=premises``) or per device
    model (``by=model``) in your jurisdiction."""
    return service.false_alarm_rates(session, actor=actor, by=by)


@router.get("/intake", response_model=IntakeStatsPublic)
def intake_stats(actor: CurrentActor) -> IntakeStatsPublic:
    """This server process's intake counters (accepted, duplicates, refused by reason)."""
    actor.require(Action.READ)
    snap = STATS.snapshot()
    return IntakeStatsPublic(
        accepted=snap["accepted"],
        duplicates=snap["duplicates"],
        rejected=snap["rejected"],
        batches=snap["batches"],
    )
