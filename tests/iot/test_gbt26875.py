"""GB/T 26875.3 frames: the codec, each supported data unit, refused frames, the TCP listener."""

from __future__ import annotations

import asyncio
import struct
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.iot import gbt26875 as g
from lanyan.iot.choices import AlarmStatus, DeviceKind, MessageKind
from lanyan.iot.models import Device, DeviceAlarm
from lanyan.iot.pipeline import IntakeStats
from tests.factories import World, run_async
from tests.iot.helpers import factory_of, make_device, stored

AT = datetime(2026, 12, 6, 4, 35, 12, tzinfo=UTC)  # 12:35:12 in Asia/Shanghai
CENTRE = 0x010203040506
UITD = 123456789012


def _frame(data: bytes = b"", *, serial: int = 7, command: int = g.SEND) -> g.Frame:
    return g.Frame(
        serial=serial, command=command, source=UITD, destination=CENTRE, sent_at=AT, data=data
    )


def test_the_frame_layout_is_the_standards() -> None:
    raw = g.encode(_frame(g.uitd_status_data(g.status_bits(table=g.UITD_STATUS_BITS), AT)))
    assert raw[:2] == b"@@" and raw[-2:] == b"##"
    assert struct.unpack_from("<H", raw, 2)[0] == 7, "serial, low byte first"
    assert raw[4:6] == bytes([1, 0]), "protocol version 1.0"
    assert list(raw[6:12]) == [12, 35, 12, 6, 12, 26], "s m h d M y, local time"
    assert int.from_bytes(raw[12:18], "little") == UITD
    assert int.from_bytes(raw[18:24], "little") == CENTRE
    assert struct.unpack_from("<H", raw, 24)[0] == 9 and raw[26] == g.SEND
    assert raw[-3] == sum(raw[2:-3]) % 256, "checksum over control unit and data"
    assert len(raw) == 30 + 9
    back = g.decode(raw)
    assert (back.serial, back.source, back.destination, back.sent_at) == (7, UITD, CENTRE, AT)


def test_each_supported_data_unit_decodes_to_its_record() -> None:
    fire = g.system_status_data(1, 1, g.status_bits("fire"), AT)
    (record,) = g.records(_frame(fire))
    assert record.kind is MessageKind.FIRE_ALARM and record.at == AT
    assert record.data["system_type"] == 1 and "fire" in record.data["status"]

    fault = g.component_status_data(1, 1, 42, 30105, g.status_bits("fault"), "3F东侧感烟", AT)
    (record,) = g.records(_frame(fault))
    assert record.kind is MessageKind.FAULT
    assert record.data["component_address"] == 30105 and record.data["component_type"] == 42
    assert record.data["detail"] == "3F东侧感烟"

    supervisory = g.system_status_data(1, 1, g.status_bits("supervisory"), AT)
    assert g.records(_frame(supervisory))[0].kind is MessageKind.SUPERVISORY

    normal = g.uitd_status_data(g.status_bits(table=g.UITD_STATUS_BITS), AT)
    (record,) = g.records(_frame(normal))
    assert record.kind is MessageKind.STATUS and record.data["fault"] is False

    power = g.uitd_status_data(g.status_bits("main_power_fault", table=g.UITD_STATUS_BITS), AT)
    assert g.records(_frame(power))[0].kind is MessageKind.FAULT

    cleared = bytes([g.UITD_OPERATION, 1, 1 << 3, 9]) + g._time_bytes(AT)
    (record,) = g.records(_frame(cleared))
    assert record.kind is MessageKind.ALARM_CLEARED and record.data["operator"] == 9

    (beat,) = g.records(_frame(b""))
    assert beat.kind is MessageKind.HEARTBEAT

    two = bytes([g.SYSTEM_STATUS, 2]) + fire[2:] + supervisory[2:]
    kinds = [m.kind for m in g.inbound_of(_frame(two))]
    assert kinds == [MessageKind.FIRE_ALARM, MessageKind.SUPERVISORY]
    ids = [m.message_id for m in g.inbound_of(_frame(two))]
    assert ids == [m.message_id for m in g.inbound_of(_frame(two))], "a resent frame: same ids"


def test_corrupted_frames_are_refused_by_reason() -> None:
    good = g.encode(_frame(g.system_status_data(1, 1, g.status_bits("fire"), AT)))
    bad_sum = good[:-3] + bytes([(good[-3] + 1) % 256]) + good[-2:]
    long_length = good[:24] + struct.pack("<H", 40) + good[26:]
    huge_length = good[:24] + struct.pack("<H", 5000) + good[26:]
    reader = g.FrameReader()
    out = list(reader.feed(b"\x00\x17garbage" + bad_sum + long_length + huge_length + good))
    reasons = [o.reason for o in out if isinstance(o, g.FrameError)]
    frames = [o for o in out if isinstance(o, g.Frame)]
    assert reasons[:2] == ["garbage", "checksum"]
    assert "length" in reasons
    assert len(frames) == 1 and frames[0].serial == 7, "a good frame after bad ones is read"
    assert list(reader.feed(good[:20])) == []
    error = reader.close()
    assert error is not None and error.reason == "truncated"
    assert all(isinstance(x, g.FrameError) for x in g.FrameReader().feed(b"\xff" * 64))
    for raw in (good[:-1], bad_sum, long_length):
        with pytest.raises(g.FrameError):
            g.decode(raw)
    with pytest.raises(g.FrameError, match="not read here"):
        g.records(_frame(bytes([99, 1, 0])))
    with pytest.raises(g.FrameError, match="need"):
        g.records(_frame(bytes([g.SYSTEM_STATUS, 2, 1, 1])))


def test_the_listener_stores_frames_and_confirms_them_after_commit(
    app_client: TestClient, world: World
) -> None:
    factory = factory_of(app_client)
    device_id, _ = make_device(factory, world.b.premises_id, kind=DeviceKind.FIRE_PANEL)
    address = 200000000000 + device_id
    with factory() as session:
        device = session.get(Device, device_id)
        assert device is not None
        device.vendor, device.vendor_device_id = g.VENDOR, str(address)
        session.commit()
    stats = IntakeStats()

    def frame(data: bytes, serial: int) -> bytes:
        return g.encode(
            g.Frame(
                serial=serial,
                command=g.SEND,
                source=address,
                destination=CENTRE,
                sent_at=AT,
                data=data,
            )
        )

    async def run() -> list[g.Frame]:
        listener = g.Gbt26875Listener(factory, host="127.0.0.1", port=0, stats=stats)
        port = await listener.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answers: list[g.Frame] = []

        async def reply() -> g.Frame:
            head = await reader.readexactly(27)
            (length,) = struct.unpack_from("<H", head, 24)
            return g.decode(head + await reader.readexactly(length + 3))

        fire = frame(g.component_status_data(1, 1, 42, 7, g.status_bits("fire"), "2F烟感", AT), 1)
        corrupt = bytearray(frame(g.uitd_status_data(1, AT), 2))
        corrupt[-3] ^= 0xFF
        writer.write(b"noise" + bytes(corrupt) + fire)
        answers.append(await reply())
        writer.write(fire)  # the device did not get the confirmation and sends it again
        answers.append(await reply())
        writer.write(frame(bytes([99, 1, 0]), 3))
        answers.append(await reply())
        writer.write(frame(b"", 4))
        answers.append(await reply())
        writer.write(frame(b"", 5)[:10])
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        await asyncio.sleep(0.2)
        await listener.close()
        return answers

    confirm, again, deny, beat = run_async(run())
    for ans, serial in ((confirm, 1), (again, 1), (beat, 4)):
        assert (ans.command, ans.serial) == (g.CONFIRM, serial)
        assert (ans.source, ans.destination) == (CENTRE, address), "addresses swapped"
        assert ans.data == b""
    assert (deny.command, deny.serial) == (g.DENY, 3)
    assert len(stored(factory, device_id)) == 2, "the fire object once, the heartbeat once"
    with factory() as session:
        alarms = session.scalars(select(DeviceAlarm).where(DeviceAlarm.device_id == device_id))
        (alarm,) = alarms.all()
    assert alarm.status is AlarmStatus.PENDING and alarm.detail == "2F烟感"
    rejected = stats.snapshot()["rejected"]
    assert rejected == {
        "frame_garbage": 1,
        "frame_checksum": 1,
        "frame_unsupported": 1,
        "frame_truncated": 1,
    }
