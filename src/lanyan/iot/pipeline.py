"""The one intake pipeline: every device message, from any path, is stored once and acted on.

MQTT (:mod:`lanyan.iot.mqtt_intake`), the HTTP push (:mod:`lanyan.iot.http_push`) and the
GB/T 26875.3 listener (:mod:`lanyan.iot.gbt26875`) turn what they receive into
:class:`~lanyan.iot.schemas.Inbound` and call :func:`ingest` with a batch:

1. the devices are looked up by (vendor, vendor device id) in one query; a message of an unknown
   device is refused and counted;
2. the messages are inserted in one statement that skips any (device, message id) already stored
   (``ON CONFLICT DO NOTHING ... RETURNING``): a message redelivered after a crash, a broker
   restart or a retrying vendor is a duplicate, counted and not acted on twice;
3. the new messages are applied in arrival order (per device, the order they were sent on one
   connection): device state (last heartbeat, online, fault), fire alarms opened or folded into
   the open one within the de-duplication window;
4. one commit for the batch, with the audit rows of every state change; live events (a new alarm
   for the console) are published after it.

A caller acknowledges its messages (MQTT PUBACK, the HTTP answer, the GB/T 26875.3 confirmation)
only after :func:`ingest` returned: nothing accepted is ever lost.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, lazyload

from lanyan.core import audit, events
from lanyan.core.actor import SYSTEM
from lanyan.core.audit import AuditLog
from lanyan.core.clock import utcnow
from lanyan.forces.models import Organization
from lanyan.iot.choices import AlarmStatus, MessageKind
from lanyan.iot.config import IotSettings, iot_settings
from lanyan.iot.models import Device, DeviceAlarm, DeviceMessage
from lanyan.iot.schemas import Inbound
from lanyan.iot.service import alarm_event

log = logging.getLogger(__name__)

INTAKE_ACTOR = SYSTEM
"""The intake writes as the system (the audit rows say ``system``)."""


@dataclass
class IntakeStats:
    """Counters of one process's intake (thread-safe): what was stored, skipped, refused."""

    accepted: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    alarms_opened: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def refuse(self, reason: str, count: int = 1) -> None:
        """Count a refused message (unknown device, bad signature, bad frame, ...)."""
        with self._lock:
            self.rejected[reason] += count

    def add(self, result: BatchResult) -> None:
        """Count one batch's outcome."""
        with self._lock:
            self.accepted += result.accepted
            self.duplicates += result.duplicates
            self.rejected.update(result.rejected)
            self.batches += 1
            self.alarms_opened += len(result.alarms_opened)

    def snapshot(self) -> dict[str, Any]:
        """The counters as plain data."""
        with self._lock:
            return {
                "accepted": self.accepted,
                "duplicates": self.duplicates,
                "rejected": dict(self.rejected),
                "batches": self.batches,
                "alarms_opened": self.alarms_opened,
            }


STATS = IntakeStats()
"""This process's intake counters."""


@dataclass
class BatchResult:
    """What one batch did."""

    accepted: int = 0
    duplicates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    alarms_opened: list[int] = field(default_factory=list)
    stored_ids: list[int] = field(default_factory=list)


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def ingest(
    session: Session,
    batch: list[Inbound],
    *,
    now: datetime | None = None,
    settings: IotSettings | None = None,
    stats: IntakeStats | None = STATS,
) -> BatchResult:
    """Store and apply a batch of messages in one transaction and commit it (see the module)."""
    cfg = settings or iot_settings()
    now = now or utcnow()
    result = BatchResult()
    if not batch:
        return result
    keys = {(m.vendor, m.device) for m in batch}
    devices: dict[tuple[str, str], Device] = {}
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        chunk = key_list[start : start + 500]
        stmt = (
            select(Device)
            .where(tuple_(Device.vendor, Device.vendor_device_id).in_(chunk))
            .options(lazyload(Device.premises))
        )
        for device in session.scalars(stmt):
            devices[(device.vendor, device.vendor_device_id)] = device
    rows: list[dict[str, Any]] = []
    order: list[tuple[Inbound, Device]] = []
    seen: set[tuple[int, str]] = set()
    for message in batch:
        found = devices.get((message.vendor, message.device))
        if found is None:
            result.rejected["unknown_device"] += 1
            continue
        device = found
        key = (device.id, message.message_id)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        rows.append(
            {
                "device_id": device.id,
                "message_id": message.message_id,
                "kind": message.kind.value,
                "channel": message.channel.value,
                "sent_at": message.sent_at,
                "received_at": now,
                "data": message.data,
            }
        )
        order.append((message, device))
    stored: dict[tuple[int, str], int] = {}
    if rows:
        stmt = (
            _insert(session)(DeviceMessage)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["device_id", "message_id"])
            .returning(DeviceMessage.id, DeviceMessage.device_id, DeviceMessage.message_id)
        )
        for mid, device_id, message_id in session.execute(stmt):
            stored[(device_id, message_id)] = mid
    audits: list[dict[str, Any]] = []
    paths: dict[int, str] = {}
    open_alarms: dict[int, DeviceAlarm | None] = {}
    for message, device in order:
        mid = stored.get((device.id, message.message_id))
        if mid is None:
            result.duplicates += 1
            continue
        result.accepted += 1
        result.stored_ids.append(mid)
        _apply(session, message, device, mid, now, cfg, audits, paths, open_alarms, result)
    if audits:
        session.execute(insert(AuditLog), audits)
    session.commit()
    if stats is not None:
        stats.add(result)
    return result


def _path(session: Session, paths: dict[int, str], org_id: int) -> str:
    if org_id not in paths:
        paths[org_id] = session.scalars(
            select(Organization.path).where(Organization.id == org_id)
        ).one()
    return paths[org_id]


def _apply(
    session: Session,
    message: Inbound,
    device: Device,
    mid: int,
    now: datetime,
    cfg: IotSettings,
    audits: list[dict[str, Any]],
    paths: dict[int, str],
    open_alarms: dict[int, DeviceAlarm | None],
    result: BatchResult,
) -> None:
    """One new message's effect on its device and the alarms."""
    at = message.sent_at or now
    # any message proves the link: it counts as a heartbeat
    device.last_message_at = now
    if device.last_heartbeat_at is None or at > device.last_heartbeat_at:
        device.last_heartbeat_at = min(at, now)
    changed: str | None = None
    before = None
    if not device.online:
        before = audit.snapshot(device)
        device.online = True
        device.offline_since = None
        changed = "online"
    kind = message.kind
    detail = str((message.data or {}).get("detail", ""))[:200] or None
    if kind is MessageKind.FAULT and device.fault_since is None:
        before = before or audit.snapshot(device)
        device.fault_since = at
        device.fault_detail = detail
        changed = "fault"
    elif (
        kind is MessageKind.FAULT_CLEARED
        or (kind is MessageKind.STATUS and (message.data or {}).get("fault") is False)
    ) and device.fault_since is not None:
        before = before or audit.snapshot(device)
        device.fault_since = None
        device.fault_detail = None
        changed = "fault_cleared"
    if changed is not None:
        audits.append(
            audit.row_values(
                actor=INTAKE_ACTOR,
                action=changed,
                entity="iot_device",
                entity_id=device.id,
                before=before,
                after=audit.snapshot(device),
                at=now,
            )
        )
        events.queue(
            session,
            events.Event(
                f"iot.device.{changed}",
                {
                    "device_id": device.id,
                    "name": device.name,
                    "premises_id": device.premises_id,
                    "detail": device.fault_detail,
                },
                _path(session, paths, device.org_id),
            ),
        )
    if kind is MessageKind.FIRE_ALARM:
        _fire(session, device, mid, at, now, detail, cfg, audits, paths, open_alarms, result)


def _fire(
    session: Session,
    device: Device,
    mid: int,
    at: datetime,
    now: datetime,
    detail: str | None,
    cfg: IotSettings,
    audits: list[dict[str, Any]],
    paths: dict[int, str],
    open_alarms: dict[int, DeviceAlarm | None],
    result: BatchResult,
) -> None:
    """Open an alarm 待核实, or fold a repeat into the device's alarm of the window."""
    if device.id not in open_alarms:
        open_alarms[device.id] = session.scalars(
            select(DeviceAlarm)
            .where(DeviceAlarm.device_id == device.id, DeviceAlarm.status == AlarmStatus.PENDING)
            .order_by(DeviceAlarm.id.desc())
            .limit(1)
        ).first()
    current = open_alarms[device.id]
    window = timedelta(seconds=cfg.dedupe_window_s)
    if current is not None and at - current.last_at <= window:
        current.repeats += 1
        current.last_at = max(current.last_at, at)
        return
    alarm = DeviceAlarm(
        device=device,
        premises_id=device.premises_id,
        org_id=device.org_id,
        status=AlarmStatus.PENDING,
        first_message_id=mid,
        opened_at=at,
        last_at=at,
        repeats=0,
        detail=detail,
        created_at=now,
        updated_at=now,
    )
    session.add(alarm)
    session.flush()
    open_alarms[device.id] = alarm
    result.alarms_opened.append(alarm.id)
    audits.append(
        audit.row_values(
            actor=INTAKE_ACTOR,
            action="create",
            entity="iot_alarm",
            entity_id=alarm.id,
            after=audit.snapshot(alarm),
            at=now,
        )
    )
    events.queue(session, alarm_event("iot.alarm", alarm, _path(session, paths, device.org_id)))
