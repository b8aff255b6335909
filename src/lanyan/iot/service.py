"""The only way to change IoT state that people drive: the device registry, alarm decisions,
escalation, offline and fault sweeps. The intake pipeline (:mod:`lanyan.iot.pipeline`) writes
messages and opens alarms.

Every write checks role and jurisdiction, writes the audit row in the caller's transaction and
queues live events published after commit.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from lanyan.core import audit, crud, events
from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.clock import utcnow
from lanyan.core.errors import Conflict, Forbidden, Invalid, NotFound
from lanyan.core.jurisdiction import get_visible, visible, visible_condition
from lanyan.core.permissions import Action, Role
from lanyan.forces.models import Organization
from lanyan.iot.choices import VERDICT_STATUS, AlarmStatus, DeviceKind, Verdict
from lanyan.iot.config import IotSettings, iot_settings
from lanyan.iot.models import Device, DeviceAlarm, DeviceMessage, PushNonce
from lanyan.iot.schemas import (
    AlarmPublic,
    DeviceCreate,
    DeviceUpdate,
    MonitoringOverview,
    RateRow,
)
from lanyan.prevention.models import Premises

ENTITY = "iot_device"
ENTITY_ZH = "物联设备"
FAULT_HAZARD_CATEGORY = "消防设施故障"


# --- the device registry -------------------------------------------------------------------------


def get_device(session: Session, actor: Actor, device_id: int) -> Device:
    """One device in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, Device, device_id)


def query_devices(
    *,
    actor: Actor,
    premises_id: int | None = None,
    kind: DeviceKind | None = None,
    online: bool | None = None,
    faulty: bool | None = None,
    q: str | None = None,
) -> Select[Device]:
    """Devices in the actor's jurisdiction, filtered."""
    actor.require(Action.READ)
    stmt = visible(actor, Device).order_by(Device.id)
    if premises_id is not None:
        stmt = stmt.where(Device.premises_id == premises_id)
    if kind is not None:
        stmt = stmt.where(Device.kind == kind)
    if online is not None:
        stmt = stmt.where(Device.online.is_(online))
    if faulty is not None:
        stmt = stmt.where(
            Device.fault_since.is_not(None) if faulty else Device.fault_since.is_(None)
        )
    if q:
        stmt = stmt.where(Device.name.contains(q, autoescape=True))
    return stmt


def _premises(
    session: Session, actor: Actor, premises_id: int | None, premises_external_id: str | None
) -> Premises:
    label = ("设备所在单位", "premises of the device")
    if premises_id is not None:
        return get_visible(session, actor, Premises, premises_id, label=label)
    found = session.scalars(
        visible(actor, Premises).where(Premises.external_id == premises_external_id)
    ).one_or_none()
    if found is None:
        raise NotFound(
            f"设备所在单位不存在或不在您的管辖范围内：{premises_external_id}",
            f"premises {premises_external_id} not found",
            errors=[{"field": "premises_external_id", "reason": "not found"}],
        )
    return found


def create_device(session: Session, *, actor: Actor, data: DeviceCreate) -> Device:
    """Register a device at a premises in the actor's jurisdiction."""
    actor.require(Action.DEVICE_WRITE)
    premises = _premises(session, actor, data.premises_id, data.premises_external_id)
    values = data.model_dump(exclude_none=True, exclude={"premises_external_id"})
    values["premises_id"] = premises.id
    device = Device(**values, org_id=premises.org_id, online=False)
    return crud.create(session, actor=actor, obj=device, entity=ENTITY, entity_zh=ENTITY_ZH)


def update_device(session: Session, *, actor: Actor, device_id: int, data: DeviceUpdate) -> Device:
    """Change a device (moving it to another premises moves its jurisdiction too)."""
    actor.require(Action.DEVICE_WRITE)
    device = get_device(session, actor, device_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    external = changes.pop("premises_external_id", None)
    if "premises_id" in changes or external is not None:
        premises = _premises(session, actor, changes.get("premises_id"), external)
        changes["premises_id"] = premises.id
        changes["org_id"] = premises.org_id
    return crud.update(
        session, actor=actor, obj=device, changes=changes, entity=ENTITY, entity_zh=ENTITY_ZH
    )


def delete_device(session: Session, *, actor: Actor, device_id: int) -> None:
    """Remove a device that never raised an alarm (its messages go with it)."""
    actor.require(Action.DEVICE_WRITE)
    device = get_device(session, actor, device_id)
    crud.delete(session, actor=actor, obj=device, entity=ENTITY, entity_zh=ENTITY_ZH)


def query_messages(*, actor: Actor, device_id: int) -> Select[DeviceMessage]:
    """A device's messages, newest first (the caller checked the device is visible)."""
    actor.require(Action.READ)
    return (
        visible(actor, DeviceMessage)
        .where(DeviceMessage.device_id == device_id)
        .order_by(DeviceMessage.id.desc())
    )


# --- alarms --------------------------------------------------------------------------------------


def alarm_public(alarm: DeviceAlarm) -> AlarmPublic:
    """An alarm for the API and the live event (reads what was loaded with it)."""
    return AlarmPublic(
        id=alarm.id,
        status=alarm.status,
        status_zh=alarm.status.zh,
        device_id=alarm.device_id,
        device_name=alarm.device.name,
        device_kind=alarm.device.kind,
        location=alarm.device.location,
        premises_id=alarm.premises_id,
        premises_name=alarm.premises.name,
        address=alarm.premises.address,
        lon=alarm.premises.lon,
        lat=alarm.premises.lat,
        opened_at=alarm.opened_at,
        last_at=alarm.last_at,
        repeats=alarm.repeats,
        detail=alarm.detail,
        escalated_at=alarm.escalated_at,
        decided_at=alarm.decided_at,
        decided_by=alarm.decided_by,
        decided_via=alarm.decided_via,
        reason=alarm.reason,
        incident_id=alarm.incident_id,
    )


def alarm_event(kind: str, alarm: DeviceAlarm, org_path: str) -> events.Event:
    """The live event of an alarm (the console's banner and sound read it)."""
    return events.Event(kind, alarm_public(alarm).model_dump(mode="json"), org_path)


def get_alarm(session: Session, actor: Actor, alarm_id: int, *, lock: bool = False) -> DeviceAlarm:
    """One alarm in the actor's jurisdiction, else 404."""
    actor.require(Action.READ)
    return get_visible(session, actor, DeviceAlarm, alarm_id, lock=lock)


def query_alarms(
    *, actor: Actor, status: AlarmStatus | None = None, premises_id: int | None = None
) -> Select[DeviceAlarm]:
    """Alarms in the actor's jurisdiction, pending first, newest first."""
    actor.require(Action.READ)
    stmt = visible(actor, DeviceAlarm)
    if status is not None:
        stmt = stmt.where(DeviceAlarm.status == status)
    if premises_id is not None:
        stmt = stmt.where(DeviceAlarm.premises_id == premises_id)
    pending_first = (DeviceAlarm.status != AlarmStatus.PENDING).asc()
    return stmt.order_by(pending_first, DeviceAlarm.opened_at.desc(), DeviceAlarm.id.desc())


@dataclass(frozen=True, slots=True)
class Decided:
    """An alarm after its decision, the incident a real fire opened and the units recommended."""

    alarm: DeviceAlarm
    incident_id: int | None
    recommended_unit_ids: list[int]


def _org_path(session: Session, org_id: int) -> str:
    return session.scalars(select(Organization.path).where(Organization.id == org_id)).one()


def decide_alarm(
    session: Session,
    *,
    actor: Actor,
    alarm_id: int,
    verdict: Verdict,
    reason: str | None,
    via: str,
    network: Any,
    at: datetime | None = None,
) -> Decided:
    """真实火警 → an incident at the premises (the device as its source) and its recommendation;
    误报 / 测试 → closed with the reason, nothing created."""
    actor.require(Action.IOT_DECIDE)
    if verdict is not Verdict.REAL and not (reason or "").strip():
        raise Invalid(
            "误报或测试须填写原因",
            "a dismissal needs a reason",
            errors=[{"field": "reason", "reason": "required"}],
        )
    alarm = get_alarm(session, actor, alarm_id, lock=True)
    if alarm.status is not AlarmStatus.PENDING:
        raise Conflict(
            f"该火警已处理（{alarm.status.zh}）",
            f"the alarm was already decided ({alarm.status.en})",
        )
    now = at or utcnow()
    before = audit.snapshot(alarm)
    alarm.status = VERDICT_STATUS[verdict]
    alarm.decided_at = now
    alarm.decided_by = actor.username
    alarm.decided_via = via
    alarm.reason = reason
    recommended: list[int] = []
    if verdict is Verdict.REAL:
        recommended = _open_incident(session, actor=actor, alarm=alarm, network=network, at=now)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="decide",
        entity="iot_alarm",
        entity_id=alarm.id,
        before=before,
        after=audit.snapshot(alarm),
    )
    events.queue(session, alarm_event("iot.alarm.decided", alarm, _org_path(session, alarm.org_id)))
    return Decided(alarm, alarm.incident_id, recommended)


def _open_incident(
    session: Session, *, actor: Actor, alarm: DeviceAlarm, network: Any, at: datetime
) -> list[int]:
    # imported here: dispatch needs the road network stack, the intake worker does not
    from lanyan.dispatch import service as dispatch
    from lanyan.dispatch.choices import IncidentType
    from lanyan.dispatch.schemas import IncidentCreate

    device, premises = alarm.device, alarm.premises
    where = f"{premises.name}{device.location or ''}"
    who = "单位值班人员" if alarm.decided_via == "duty" else "监控中心"
    data = IncidentCreate(
        caller_name="物联网监测",
        address_text=(premises.address or premises.name)[:200],
        lon=premises.lon,
        lat=premises.lat,
        type=IncidentType.FIRE,
        premises_id=premises.id,
        description=(
            f"物联网火警（设备 {device.external_id} {device.kind.zh}，{where}），"
            f"报警 {alarm.opened_at:%H:%M:%S} UTC，经{who}确认"
        )[:2000],
    )
    incident = dispatch.create_incident(session, actor=actor, network=network, data=data, at=at)
    alarm.incident_id = incident.id
    session.flush()
    recommendation = dispatch.recommend(
        session, actor=actor, network=network, incident_id=incident.id, with_routes=False
    )
    return [pick.candidate.unit.id for fill in recommendation.fills for pick in fill.picks]


# --- the duty person's signed link ---------------------------------------------------------------


def duty_token(
    alarm_id: int, *, settings: IotSettings | None = None, now: float | None = None
) -> str:
    """The token of the duty person's phone link of an alarm: ``<alarm>.<expiry>.<hmac>``."""
    cfg = settings or iot_settings()
    expires = int((now if now is not None else time.time()) + cfg.duty_link_ttl_s)
    body = f"{alarm_id}.{expires}"
    mac = hmac.new(cfg.duty_link_secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def alarm_of_token(token: str, *, settings: IotSettings | None = None) -> int:
    """The alarm a duty link names; 403 for a forged or expired link."""
    cfg = settings or iot_settings()
    try:
        alarm_text, expires_text, mac = token.split(".")
        alarm_id, expires = int(alarm_text), int(expires_text)
    except ValueError:
        raise Forbidden("链接无效", "the link is not valid") from None
    body = f"{alarm_id}.{expires}"
    want = hmac.new(cfg.duty_link_secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, mac):
        raise Forbidden("链接无效", "the link is not valid")
    if expires < time.time():
        raise Forbidden("链接已过期", "the link has expired")
    return alarm_id


def duty_actor(name: str | None) -> Actor:
    """Who acts through a duty link: the premises' duty person, within the alarm's organization
    tree (the incident may fall to the brigade above, so the actor is the root of the tree)."""
    label = (name or "单位值班人员")[:60]
    return Actor(
        user_id=None,
        username=f"值班人员:{label}",
        role=Role.DISPATCHER,
        org_id=None,
        org_path=SYSTEM.org_path,
    )


# --- sweeps: escalation, offline, fault hazards --------------------------------------------------


@dataclass
class SweepResult:
    """What one sweep changed."""

    escalated: int = 0
    offline: int = 0
    hazards_opened: int = 0
    hazards_closed: int = 0


def sweep(
    session: Session, *, now: datetime | None = None, settings: IotSettings | None = None
) -> SweepResult:
    """Escalate alarms left 待核实, mark silent devices offline, raise and close fault hazards.

    Run by the intake worker every few seconds (``lanyan iot run``) and by ``lanyan iot sweep``;
    the caller commits.
    """
    cfg = settings or iot_settings()
    now = now or utcnow()
    result = SweepResult()
    overdue = session.scalars(
        select(DeviceAlarm).where(
            DeviceAlarm.status == AlarmStatus.PENDING,
            DeviceAlarm.escalated_at.is_(None),
            DeviceAlarm.opened_at <= now - timedelta(seconds=cfg.escalate_after_s),
        )
    ).all()
    for alarm in overdue:
        before = audit.snapshot(alarm)
        alarm.escalated_at = now
        audit.record(
            session,
            actor=SYSTEM,
            action="escalate",
            entity="iot_alarm",
            entity_id=alarm.id,
            before=before,
            after=audit.snapshot(alarm),
        )
        path = _org_path(session, alarm.org_id)
        events.queue(session, alarm_event("iot.alarm.escalated", alarm, path))
        result.escalated += 1
    # a nonce older than the timestamp tolerance can no longer be replayed: the push is stale
    session.execute(
        delete(PushNonce).where(
            PushNonce.seen_at < now - timedelta(seconds=2 * cfg.push_tolerance_s)
        )
    )
    result.offline = _mark_offline(session, now=now, cfg=cfg)
    opened, closed = _fault_hazards(session, now=now, cfg=cfg)
    result.hazards_opened, result.hazards_closed = opened, closed
    session.flush()
    return result


def _mark_offline(session: Session, *, now: datetime, cfg: IotSettings) -> int:
    # silent for offline_grace heartbeat intervals; compared per row in Python (the interval is
    # per device), on the candidates the cheapest bound finds
    shortest = session.scalar(select(func.min(Device.heartbeat_interval_s))) or 0
    bound = now - timedelta(seconds=shortest * cfg.offline_grace)
    silent = session.scalars(
        select(Device).where(
            Device.online.is_(True),
            or_(Device.last_heartbeat_at.is_(None), Device.last_heartbeat_at <= bound),
        )
    ).all()
    count = 0
    for device in silent:
        last = device.last_heartbeat_at
        if last is not None and now - last < timedelta(
            seconds=device.heartbeat_interval_s * cfg.offline_grace
        ):
            continue
        before = audit.snapshot(device)
        device.online = False
        device.offline_since = now
        audit.record(
            session,
            actor=SYSTEM,
            action="offline",
            entity=ENTITY,
            entity_id=device.id,
            before=before,
            after=audit.snapshot(device),
        )
        events.queue(
            session,
            events.Event(
                "iot.device.offline",
                {"device_id": device.id, "name": device.name, "premises_id": device.premises_id},
                _org_path(session, device.org_id),
            ),
        )
        count += 1
    return count


def _fault_hazards(session: Session, *, now: datetime, cfg: IotSettings) -> tuple[int, int]:
    from lanyan.prevention import hazards
    from lanyan.prevention.choices import HazardSeverity
    from lanyan.prevention.schemas import HazardCheck, HazardRectified, HazardReport

    fault_bound = now - timedelta(seconds=cfg.fault_hazard_after_s)
    offline_bound = now - timedelta(seconds=cfg.offline_hazard_after_s)
    lasting = session.scalars(
        select(Device).where(
            Device.hazard_id.is_(None),
            or_(
                Device.fault_since <= fault_bound,
                and_(Device.online.is_(False), Device.offline_since <= offline_bound),
            ),
        )
    ).all()
    opened = 0
    for device in lasting:
        faulty = device.fault_since is not None and device.fault_since <= fault_bound
        what = f"故障：{device.fault_detail or '未说明'}" if faulty else "离线"
        since = device.fault_since if faulty else device.offline_since
        hazard = hazards.report_hazard(
            session,
            actor=SYSTEM,
            data=HazardReport(
                premises_id=device.premises_id,
                title=f"{FAULT_HAZARD_CATEGORY}：{device.name}{what}"[:200],
                description=(
                    f"物联设备 {device.external_id}（{device.kind.zh}，"
                    f"{device.location or '位置未填'}）{what}，自 {since:%Y-%m-%d %H:%M} UTC 起"
                )[:2000],
                severity=HazardSeverity.GENERAL,
                category=FAULT_HAZARD_CATEGORY,
            ),
            at=now,
            verified=True,
            source="iot",
        )
        before = audit.snapshot(device)
        device.hazard_id = hazard.id
        audit.record(
            session,
            actor=SYSTEM,
            action="fault_hazard",
            entity=ENTITY,
            entity_id=device.id,
            before=before,
            after=audit.snapshot(device),
        )
        opened += 1
    cleared = session.scalars(
        select(Device).where(
            Device.hazard_id.is_not(None), Device.fault_since.is_(None), Device.online.is_(True)
        )
    ).all()
    closed = 0
    for device in cleared:
        assert device.hazard_id is not None
        hazard_id = device.hazard_id
        note = "物联设备故障已恢复、设备在线，自动销案"
        hazard = hazards.get_hazard(session, SYSTEM, hazard_id)
        if hazard.status.is_open:
            if hazard.status.value != "rectified":
                hazards.mark_rectified(
                    session,
                    actor=SYSTEM,
                    hazard_id=hazard_id,
                    data=HazardRectified(note=note),
                    at=now,
                )
            hazards.check_hazard(
                session,
                actor=SYSTEM,
                hazard_id=hazard_id,
                data=HazardCheck(passed=True, note=note),
                at=now,
            )
        before = audit.snapshot(device)
        device.hazard_id = None
        audit.record(
            session,
            actor=SYSTEM,
            action="fault_cleared",
            entity=ENTITY,
            entity_id=device.id,
            before=before,
            after=audit.snapshot(device),
        )
        closed += 1
    return opened, closed


# --- figures -------------------------------------------------------------------------------------


def overview(session: Session, *, actor: Actor) -> MonitoringOverview:
    """The monitoring centre's figures in the actor's jurisdiction (one definition each)."""
    actor.require(Action.READ)
    in_reach = visible_condition(actor, Device)
    devices, online, faults = session.execute(
        select(
            func.count(Device.id),
            func.count(Device.id).filter(Device.online.is_(True)),
            func.count(Device.id).filter(Device.fault_since.is_not(None)),
        ).where(in_reach)
    ).one()
    rows = session.execute(
        select(DeviceAlarm.status, func.count(DeviceAlarm.id))
        .where(visible_condition(actor, DeviceAlarm))
        .group_by(DeviceAlarm.status)
    ).all()
    by_status = {AlarmStatus(s): int(n) for s, n in rows}
    total = sum(by_status.values())
    true_fires = by_status.get(AlarmStatus.CONFIRMED, 0)
    false_alarms = by_status.get(AlarmStatus.FALSE_ALARM, 0)
    decided = true_fires + false_alarms
    return MonitoringOverview(
        devices=devices,
        online=online,
        online_pct=round(100.0 * online / devices, 1) if devices else 0.0,
        offline=devices - online,
        faults_open=faults,
        alarms_pending=by_status.get(AlarmStatus.PENDING, 0),
        alarms_total=total,
        true_fires=true_fires,
        false_alarms=false_alarms,
        false_alarm_rate=round(false_alarms / decided, 3) if decided else 0.0,
    )


def false_alarm_rates(session: Session, *, actor: Actor, by: str) -> list[RateRow]:
    """Alarms, true fires and the false-alarm rate per premises or per device model.

    The rate is 误报 / (真实火警 + 误报); tests and alarms still 待核实 are counted in ``alarms``
    only. Each row names the alarms behind it (``GET /api/iot/alarms?premises_id=``).
    """
    actor.require(Action.READ)
    if by == "premises":
        key: Any = DeviceAlarm.premises_id
        label: Any = Premises.name
        joined = select(DeviceAlarm).join(Premises, Premises.id == DeviceAlarm.premises_id)
    else:
        key = func.coalesce(Device.model, "")
        label = key
        joined = select(DeviceAlarm).join(Device, Device.id == DeviceAlarm.device_id)
    stmt = (
        joined.with_only_columns(
            key,
            label,
            func.count(DeviceAlarm.id),
            func.count(DeviceAlarm.id).filter(DeviceAlarm.status == AlarmStatus.CONFIRMED),
            func.count(DeviceAlarm.id).filter(DeviceAlarm.status == AlarmStatus.FALSE_ALARM),
        )
        .where(visible_condition(actor, DeviceAlarm))
        .group_by(key, label)
        .order_by(func.count(DeviceAlarm.id).desc())
    )
    rows = []
    for ident, name, total, real, false in session.execute(stmt):
        decided = real + false
        rows.append(
            RateRow(
                key=str(ident),
                name=str(name) or "（未填型号）",
                alarms=total,
                true_fires=real,
                false_alarms=false,
                false_alarm_rate=round(false / decided, 3) if decided else 0.0,
            )
        )
    return rows
