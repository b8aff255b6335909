"""The JSON form of a device message, shared by the MQTT topic and the HTTP push.

MQTT: topic ``lanyan/iot/<vendor>/<device>/up``, payload one object::

    {"id": "m-000123", "type": "fire_alarm", "at": "2026-12-06T04:35:00Z",
     "data": {"detail": "3F 东侧走廊 感烟", "zone": "3F"}}

HTTP push: the same objects with the device named, one or many::

    {"messages": [{"device": "NB-860123", "id": "m-1", "type": "heartbeat", "at": "..."}]}

``id`` is the device's own message id (a counter, a UUID): with the device it makes the message
unique, and a second delivery is stored once. ``type`` is a :class:`MessageKind` value; ``at`` an
ISO 8601 time with a zone (the time the device sent it; optional); ``data`` a small object.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from lanyan.iot.choices import Channel, MessageKind
from lanyan.iot.schemas import Inbound

ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
MAX_DATA_KEYS = 50


class BadMessage(ValueError):
    """A message that cannot be taken; ``reason`` is the counter it is refused under."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def parse_json(payload: bytes, *, max_bytes: int) -> Any:
    """The JSON value of ``payload``; :class:`BadMessage` if too large or not JSON."""
    if len(payload) > max_bytes:
        raise BadMessage("oversized", f"payload of {len(payload)} bytes > {max_bytes}")
    try:
        return json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadMessage("malformed_json", f"not JSON: {exc}") from exc


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise BadMessage("invalid", "at must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadMessage("invalid", f"at is not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise BadMessage("invalid", "at needs a time zone (Z or +08:00)")
    return moment.astimezone(UTC)


def message_of(obj: Any, *, vendor: str, device: str | None, channel: Channel) -> Inbound:
    """One message object as :class:`Inbound`; ``device`` from the topic, else from the object."""
    if not isinstance(obj, dict):
        raise BadMessage("invalid", "a message is a JSON object")
    name = device if device is not None else obj.get("device")
    if not isinstance(name, str) or not ID_RE.match(name):
        raise BadMessage("invalid", "device must be an id of 1-64 letters, digits, _.:-")
    message_id = obj.get("id")
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not ID_RE.match(message_id):
        raise BadMessage("invalid", "id must be 1-64 letters, digits, _.:-")
    try:
        kind = MessageKind(str(obj.get("type")))
    except ValueError:
        raise BadMessage("invalid", f"unknown type {obj.get('type')!r}") from None
    data = obj.get("data")
    if data is not None and (not isinstance(data, dict) or len(data) > MAX_DATA_KEYS):
        raise BadMessage("invalid", "data must be a small JSON object")
    return Inbound(
        vendor=vendor,
        device=name,
        message_id=message_id,
        kind=kind,
        channel=channel,
        sent_at=_time(obj.get("at")),
        data=data,
    )


def encode(message_id: str, kind: MessageKind, at: datetime | None = None, **data: Any) -> bytes:
    """A message as a device (or the simulator) sends it on MQTT."""
    obj: dict[str, Any] = {"id": message_id, "type": kind.value}
    if at is not None:
        obj["at"] = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if data:
        obj["data"] = data
    return json.dumps(obj, ensure_ascii=False).encode()
