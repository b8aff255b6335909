"""Request and response shapes of IoT monitoring, and the one inbound-message form.

Every intake path (MQTT, HTTP push, GB/T 26875.3) turns what it received into :class:`Inbound`
and hands a batch of them to :func:`lanyan.iot.pipeline.ingest`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lanyan.core.schemas import DbId, ExternalId, Name120, Str120, Str2000, StrictInput
from lanyan.iot.choices import AlarmStatus, Channel, DeviceKind, MessageKind, Verdict

VendorName = str
VENDOR_PATTERN = r"^[A-Za-z0-9_.\-]{1,40}$"
DEVICE_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"


class DeviceFields(StrictInput):
    """Editable fields of a device."""

    name: Name120 | None = None
    kind: DeviceKind | None = None
    vendor: str | None = Field(default=None, pattern=VENDOR_PATTERN)
    vendor_device_id: str | None = Field(default=None, pattern=DEVICE_PATTERN)
    model: Str120 | None = None
    premises_id: DbId | None = None
    premises_external_id: ExternalId | None = None
    location: Str120 | None = None
    heartbeat_interval_s: int | None = Field(default=None, ge=10, le=7 * 86400)


class DeviceCreate(DeviceFields):
    """A new device at a premises in your jurisdiction (by id, or by the premises' 编号)."""

    external_id: ExternalId
    name: Name120
    kind: DeviceKind
    vendor: str = Field(pattern=VENDOR_PATTERN)
    vendor_device_id: str = Field(pattern=DEVICE_PATTERN)

    @model_validator(mode="after")
    def _premises_named(self) -> DeviceCreate:
        if self.premises_id is None and self.premises_external_id is None:
            raise ValueError("premises_id or premises_external_id is required")
        return self


class DeviceUpdate(DeviceFields):
    """Fields to change."""


class DevicePublic(BaseModel):
    """A device as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    name: str
    kind: DeviceKind
    vendor: str
    vendor_device_id: str
    model: str | None
    premises_id: int
    premises_external_id: str
    org_id: int
    location: str | None
    heartbeat_interval_s: int
    online: bool
    last_heartbeat_at: datetime | None
    last_message_at: datetime | None
    offline_since: datetime | None
    fault_since: datetime | None
    fault_detail: str | None
    hazard_id: int | None


class MessagePublic(BaseModel):
    """A stored device message."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: int
    message_id: str
    kind: MessageKind
    channel: Channel
    sent_at: datetime | None
    received_at: datetime
    data: dict[str, Any] | None


class AlarmPublic(BaseModel):
    """A device fire alarm with where it is."""

    id: int
    status: AlarmStatus
    status_zh: str
    device_id: int
    device_name: str
    device_kind: DeviceKind
    location: str | None
    premises_id: int
    premises_name: str
    address: str | None
    lon: float
    lat: float
    opened_at: datetime
    last_at: datetime
    repeats: int
    detail: str | None
    escalated_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    decided_via: str | None
    reason: str | None
    incident_id: int | None


class AlarmDecision(StrictInput):
    """真实火警, or 误报 / 测试 with the reason."""

    verdict: Verdict
    reason: Str2000 | None = None

    @model_validator(mode="after")
    def _reason_for_dismissal(self) -> AlarmDecision:
        if self.verdict is not Verdict.REAL and not (self.reason or "").strip():
            raise ValueError("a dismissal (误报/测试) needs a reason")
        return self


class DutyDecision(AlarmDecision):
    """The duty person's decision, carrying the signed link's token instead of a login."""

    token: str = Field(min_length=10, max_length=200, pattern=r"^[0-9]+\.[0-9]+\.[0-9a-f]+$")
    name: Str120 | None = None


class DecisionResult(BaseModel):
    """The alarm after the decision, and the incident a real fire opened."""

    alarm: AlarmPublic
    incident_id: int | None
    recommended_unit_ids: list[int] = Field(default_factory=list)


class DutyLink(BaseModel):
    """The duty person's phone link of an alarm."""

    url: str


class PushResult(BaseModel):
    """What an HTTP push did with its messages."""

    accepted: int
    duplicates: int
    rejected: int
    errors: list[str] = Field(default_factory=list)


class IntakeStatsPublic(BaseModel):
    """This process's intake counters."""

    accepted: int
    duplicates: int
    rejected: dict[str, int]
    batches: int


class MonitoringOverview(BaseModel):
    """The monitoring centre's figures in your jurisdiction."""

    devices: int
    online: int
    online_pct: float
    offline: int
    faults_open: int
    alarms_pending: int
    alarms_total: int
    true_fires: int
    false_alarms: int
    false_alarm_rate: float


class RateRow(BaseModel):
    """Alarms and the false-alarm rate of one premises or one device model."""

    key: str
    name: str
    alarms: int
    true_fires: int
    false_alarms: int
    false_alarm_rate: float


@dataclass(slots=True)
class Inbound:
    """One message as an intake path received it, before the device is looked up."""

    vendor: str
    device: str
    message_id: str
    kind: MessageKind
    channel: Channel
    sent_at: datetime | None = None
    data: dict[str, Any] | None = None
    ack: Any = None
    """What the intake path needs to acknowledge it after commit (an MQTT message id)."""
    extra: dict[str, Any] = field(default_factory=dict)
