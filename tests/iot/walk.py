"""IoT records of one side of the jurisdiction walk (tests/test_jurisdiction_walk.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lanyan.core.clock import utcnow
from lanyan.iot.choices import AlarmStatus, Channel, DeviceKind, MessageKind
from lanyan.iot.models import Device, DeviceAlarm, DeviceMessage


def iot_walk_records(
    session: Session, *, org_id: int, premises_id: int, tag: str
) -> dict[str, int]:
    """A device, one of its messages and a pending alarm, every text field carrying ``tag``."""
    now = utcnow()
    device = Device(
        external_id=f"walk-dev-{tag.encode().hex()[:24]}",
        name=f"{tag}烟感",
        kind=DeviceKind.SMOKE_ALARM,
        vendor="walk",
        vendor_device_id=f"walk-{tag.encode().hex()[:24]}",
        model=f"{tag}型号",
        premises_id=premises_id,
        org_id=org_id,
        location=f"{tag}位置",
        heartbeat_interval_s=300,
        online=True,
        last_heartbeat_at=now,
    )
    session.add(device)
    session.flush()
    message = DeviceMessage(
        device_id=device.id,
        message_id="walk-1",
        kind=MessageKind.FIRE_ALARM,
        channel=Channel.MQTT,
        sent_at=now,
        received_at=now,
        data={"detail": f"{tag}报警"},
    )
    session.add(message)
    session.flush()
    alarm = DeviceAlarm(
        device_id=device.id,
        premises_id=premises_id,
        org_id=org_id,
        status=AlarmStatus.PENDING,
        first_message_id=message.id,
        opened_at=now,
        last_at=now,
        repeats=0,
        detail=f"{tag}报警",
    )
    session.add(alarm)
    session.flush()
    return {"device_id": device.id, "alarm_id": alarm.id}
