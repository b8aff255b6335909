"""Tables of IoT monitoring: devices, every message they sent (once), fire alarms, push nonces.

A device belongs to a premises and, for jurisdiction, to the premises' supervising organization
(``org_id`` is copied from the premises when the device is registered or moved, so the intake and
the lists filter devices without a join). Messages and alarms reach the tree through their device
and their organization.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import lanyan.dispatch.models  # noqa: F401  (an alarm links to an incident; a worker needs it)
from lanyan.core import jurisdiction
from lanyan.core.columns import Timestamps, enum_column
from lanyan.core.db import Base, UTCDateTime
from lanyan.forces.models import Organization
from lanyan.iot.choices import AlarmStatus, Channel, DeviceKind, MessageKind
from lanyan.prevention.models import Premises

BigId = BigInteger().with_variant(Integer, "sqlite")


class Device(Timestamps, Base):
    """A monitored device at a premises (panel behind a 用户信息传输装置, smoke alarm, ...).

    ``vendor`` + ``vendor_device_id`` is how messages name it (the MQTT topic, the HTTP push, the
    GB/T 26875.3 source address with vendor ``gbt26875``); ``external_id`` is the registry's id.
    """

    __tablename__ = "iot_device"
    __table_args__ = (UniqueConstraint("vendor", "vendor_device_id", name="uq_iot_device_vendor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[DeviceKind] = mapped_column(enum_column(DeviceKind, name="iot_device_kind"))
    vendor: Mapped[str] = mapped_column(String(40))
    vendor_device_id: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(80))
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    location: Mapped[str | None] = mapped_column(String(120))
    """Where in the building (楼层/房间)."""
    heartbeat_interval_s: Mapped[int] = mapped_column(Integer, default=300)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fault_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fault_detail: Mapped[str | None] = mapped_column(String(200))
    hazard_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazard.id", ondelete="SET NULL"), index=True
    )
    """The open 消防设施故障 hazard raised for a long fault or outage, closed when it clears."""

    premises: Mapped[Premises] = relationship(lazy="joined")

    @property
    def premises_external_id(self) -> str:
        """The premises' registry id (the import/export column)."""
        return self.premises.external_id


class DeviceMessage(Base):
    """One message of one device, stored once: ``(device_id, message_id)`` is unique."""

    __tablename__ = "iot_message"
    __table_args__ = (
        UniqueConstraint("device_id", "message_id", name="uq_iot_message_device_msg"),
        Index("ix_iot_message_device_order", "device_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("iot_device.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind, name="iot_message_kind"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, name="iot_channel"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DeviceAlarm(Timestamps, Base):
    """A fire alarm of a device: 待核实 until confirmed (→ incident) or dismissed with a reason.

    Repeated fire messages of the device inside the de-duplication window raise ``repeats``
    instead of opening another alarm.
    """

    __tablename__ = "iot_alarm"
    __table_args__ = (Index("ix_iot_alarm_device_status", "device_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("iot_device.id", ondelete="RESTRICT"), index=True
    )
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id", ondelete="RESTRICT"), index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[AlarmStatus] = mapped_column(
        enum_column(AlarmStatus, name="iot_alarm_status"), index=True
    )
    first_message_id: Mapped[int | None] = mapped_column(BigId)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(200))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_via: Mapped[str | None] = mapped_column(String(20))
    """``operator`` (monitoring centre, logged in) or ``duty`` (the premises' phone link)."""
    reason: Mapped[str | None] = mapped_column(Text)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )

    device: Mapped[Device] = relationship(lazy="joined")
    premises: Mapped[Premises] = relationship(lazy="joined")


class PushNonce(Base):
    """A nonce an HTTP push used: the same vendor and nonce again is a replay.

    Kept in the database (not in a process) so that a replay to another server worker is refused
    too; rows older than the timestamp tolerance may be purged.
    """

    __tablename__ = "iot_push_nonce"
    __table_args__ = (UniqueConstraint("vendor", "nonce", name="uq_iot_push_nonce"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    vendor: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


jurisdiction.register(Device, via=Device.org_id, label=("物联设备", "device"), parent=Organization)
jurisdiction.register(
    DeviceMessage, via=DeviceMessage.device_id, parent=Device, label=("设备消息", "device message")
)
jurisdiction.register(
    DeviceAlarm, via=DeviceAlarm.org_id, label=("设备火警", "device alarm"), parent=Organization
)
