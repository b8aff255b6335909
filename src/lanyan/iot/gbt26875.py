"""GB/T 26875.3-2011 (城市消防远程监控系统 第3部分：报警传输网络通信协议): the frame codec and
the TCP listener that takes a 用户信息传输装置 (user information transmission device, UITD)
into the intake pipeline.

Frame (all multi-byte numbers low byte first)::

    '@@' serial(2) version(2) time(6) source(6) destination(6) length(2) command(1) data sum(1) '##'
    start ------------------------ control unit, 25 bytes -------------------- 0..1024

- time: second, minute, hour, day, month, year-2000 — the device's local time (Asia/Shanghai);
- command: 1 control, 2 send data, 3 confirm, 4 request, 5 response, 6 deny;
- sum: the sum of every byte of the control unit and the application data, modulo 256;
- application data: type flag (1), number of information objects (1), the objects.

Data units read here (上行, device → centre):

====  ===========================================  ===============================================
type  unit                                         object (bytes)
====  ===========================================  ===============================================
1     建筑消防设施系统状态 system status             system type 1, address 1, status 2, time 6
2     建筑消防设施部件运行状态 component status      system type 1, address 1, component type 1,
                                                   component address 4, status 2, description 31
                                                   (GB 18030), time 6
3     部件模拟量值 component analog value            system type 1, address 1, component type 1,
                                                   component address 4, value type 1, value 2,
                                                   time 6
4     建筑消防设施操作信息 system operation          system type 1, address 1, flags 1, operator 1,
                                                   time 6
21    用户信息传输装置运行状态 UITD status           status 1, time 6
24    用户信息传输装置操作信息 UITD operation        flags 1, operator 1, time 6
====  ===========================================  ===============================================

Status bits of a system or component: 0 normal (1) / test (0), 1 fire alarm, 2 fault, 3 disabled,
4 supervisory, 5 started, 6 feedback, 7 delay, 8 main power fault, 9 backup power fault,
10 bus fault, 11 manual, 12 configuration changed, 13 reset. UITD status: 0 normal, 1 fire alarm,
2 fault, 3 main power fault, 4 backup power fault, 5 channel to the centre failed, 6 line fault.
Operation flags: 0 reset, 1 silence, 2 manual alarm, 3 alarm cleared, 4 self-test, 5 confirm,
6 test.

The centre confirms every valid frame carrying data with a frame of command 3, the same serial
number, the addresses swapped and no application data — after the batch holding its messages
committed. A frame whose data cannot be read is denied (command 6). A frame with a bad checksum,
a length that does not fit, or garbage is dropped without an answer (the device sends it again)
and counted; so is a connection that ends inside a frame. A frame of command 2 with no data is the
device's heartbeat (巡检), confirmed like the others.

Each information object becomes one message of the UITD's device (vendor ``gbt26875``, vendor
device id the decimal source address); its message id is the frame's serial number, time and the
object's position, so a frame sent again because the confirmation was lost is stored once.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.clock import LOCAL_TZ
from lanyan.iot.choices import Channel, MessageKind
from lanyan.iot.config import IotSettings, iot_settings
from lanyan.iot.pipeline import STATS, IntakeStats, ingest
from lanyan.iot.schemas import Inbound

log = logging.getLogger(__name__)

START = b"@@"
END = b"##"
CONTROL_LEN = 25
OVERHEAD = len(START) + CONTROL_LEN + 1 + len(END)  # 30 bytes around the data
MAX_DATA = 1024
VENDOR = "gbt26875"
VERSION = (1, 0)

CONTROL, SEND, CONFIRM, REQUEST, RESPONSE, DENY = 1, 2, 3, 4, 5, 6

SYSTEM_STATUS, COMPONENT_STATUS, COMPONENT_ANALOG, SYSTEM_OPERATION = 1, 2, 3, 4
UITD_STATUS, UITD_OPERATION = 21, 24
OBJECT_SIZE = {
    SYSTEM_STATUS: 10,
    COMPONENT_STATUS: 46,
    COMPONENT_ANALOG: 16,
    SYSTEM_OPERATION: 10,
    UITD_STATUS: 7,
    UITD_OPERATION: 8,
}

STATUS_BITS = (
    "normal",
    "fire",
    "fault",
    "disabled",
    "supervisory",
    "started",
    "feedback",
    "delay",
    "main_power_fault",
    "backup_power_fault",
    "bus_fault",
    "manual",
    "config_changed",
    "reset",
)
UITD_STATUS_BITS = (
    "normal",
    "fire",
    "fault",
    "main_power_fault",
    "backup_power_fault",
    "channel_fault",
    "line_fault",
)
OPERATION_BITS = (
    "reset",
    "silence",
    "manual_alarm",
    "alarm_cleared",
    "self_test",
    "confirm",
    "test",
)
FAULT_BITS = frozenset(
    {"fault", "main_power_fault", "backup_power_fault", "bus_fault", "channel_fault", "line_fault"}
)


class FrameError(ValueError):
    """A frame that cannot be taken; ``reason`` is the counter it is refused under."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Frame:
    """One frame of the protocol."""

    serial: int
    command: int
    source: int
    destination: int
    sent_at: datetime
    data: bytes = b""
    version: tuple[int, int] = VERSION


# --- bytes ---------------------------------------------------------------------------------------


def _time_bytes(moment: datetime) -> bytes:
    local = moment.astimezone(LOCAL_TZ)
    return bytes(
        [local.second, local.minute, local.hour, local.day, local.month, local.year - 2000]
    )


def _time_of(raw: bytes) -> datetime:
    second, minute, hour, day, month, year = raw
    try:
        local = datetime(2000 + year, month, day, hour, minute, second, tzinfo=LOCAL_TZ)
    except ValueError as exc:
        raise FrameError("invalid", f"bad time tag {raw.hex()}") from exc
    return local.astimezone(UTC)


def checksum(body: bytes) -> int:
    """The frame checksum: sum of the control unit and data bytes, modulo 256."""
    return sum(body) & 0xFF


def encode(frame: Frame) -> bytes:
    """The bytes of ``frame``."""
    if len(frame.data) > MAX_DATA:
        raise ValueError(f"application data over {MAX_DATA} bytes")
    control = (
        struct.pack("<H", frame.serial & 0xFFFF)
        + bytes(frame.version)
        + _time_bytes(frame.sent_at)
        + frame.source.to_bytes(6, "little")
        + frame.destination.to_bytes(6, "little")
        + struct.pack("<H", len(frame.data))
        + bytes([frame.command])
    )
    body = control + frame.data
    return START + body + bytes([checksum(body)]) + END


def decode(raw: bytes) -> Frame:
    """One complete frame; :class:`FrameError` (truncated, garbage, length, checksum) else."""
    if len(raw) < OVERHEAD:
        raise FrameError("truncated", f"{len(raw)} bytes is shorter than any frame")
    if raw[:2] != START:
        raise FrameError("garbage", "no start bytes @@")
    (length,) = struct.unpack_from("<H", raw, 2 + 22)
    if length > MAX_DATA or len(raw) != OVERHEAD + length or raw[-2:] != END:
        raise FrameError("length", f"data length {length} does not fit the frame")
    body = raw[2 : 2 + CONTROL_LEN + length]
    if checksum(body) != raw[2 + CONTROL_LEN + length]:
        raise FrameError("checksum", "checksum does not match")
    serial, major, minor = struct.unpack_from("<HBB", body, 0)
    return Frame(
        serial=serial,
        version=(major, minor),
        sent_at=_time_of(body[4:10]),
        source=int.from_bytes(body[10:16], "little"),
        destination=int.from_bytes(body[16:22], "little"),
        command=body[24],
        data=bytes(body[CONTROL_LEN:]),
    )


class FrameReader:
    """Cuts a TCP byte stream into frames: complete frames out, refused ones as errors.

    Bytes before a start sign are garbage; a frame whose length does not fit or whose checksum is
    wrong is dropped and reading goes on at the next start sign.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> Iterator[Frame | FrameError]:
        """Frames (and errors) completed by ``chunk``."""
        self._buffer += chunk
        buf = self._buffer
        while True:
            start = buf.find(START)
            if start < 0:
                keep = 1 if buf.endswith(b"@") else 0
                if len(buf) > keep:
                    yield FrameError("garbage", f"{len(buf) - keep} bytes without a frame")
                    del buf[: len(buf) - keep]
                return
            if start > 0:
                yield FrameError("garbage", f"{start} bytes before a frame")
                del buf[:start]
            if len(buf) < 2 + CONTROL_LEN:
                return
            (length,) = struct.unpack_from("<H", buf, 2 + 22)
            if length > MAX_DATA:
                yield FrameError("length", f"declared data length {length} > {MAX_DATA}")
                del buf[:2]
                continue
            total = OVERHEAD + length
            if len(buf) < total:
                return
            raw = bytes(buf[:total])
            if raw[-2:] != END:
                yield FrameError("length", "the declared length does not end at ##")
                del buf[:2]
                continue
            del buf[:total]
            try:
                yield decode(raw)
            except FrameError as exc:
                yield exc

    def close(self) -> FrameError | None:
        """The error of a connection that ended inside a frame, if it did."""
        if self._buffer:
            size = len(self._buffer)
            self._buffer.clear()
            return FrameError("truncated", f"connection closed inside a frame ({size} bytes)")
        return None


# --- application data ----------------------------------------------------------------------------


def _bits(value: int, names: tuple[str, ...]) -> dict[str, bool]:
    return {name: bool(value >> bit & 1) for bit, name in enumerate(names)}


def _kind_of(status: dict[str, bool]) -> MessageKind:
    if status.get("fire"):
        return MessageKind.FIRE_ALARM
    if any(status.get(name) for name in FAULT_BITS):
        return MessageKind.FAULT
    if status.get("supervisory"):
        return MessageKind.SUPERVISORY
    return MessageKind.STATUS


def _fault_text(status: dict[str, bool]) -> str | None:
    faults = [name for name in sorted(FAULT_BITS) if status.get(name)]
    return ",".join(faults) or None


@dataclass
class Record:
    """One decoded information object: the message kind and what it says."""

    type_flag: int
    kind: MessageKind
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


def _object(type_flag: int, obj: bytes) -> Record:
    if type_flag in (SYSTEM_STATUS, COMPONENT_STATUS, COMPONENT_ANALOG, SYSTEM_OPERATION):
        data: dict[str, Any] = {"system_type": obj[0], "system_address": obj[1]}
    else:
        data = {}
    if type_flag == SYSTEM_STATUS:
        status = _bits(struct.unpack_from("<H", obj, 2)[0], STATUS_BITS)
        return _status_record(type_flag, data, status, obj[4:10])
    if type_flag == COMPONENT_STATUS:
        data["component_type"] = obj[2]
        data["component_address"] = struct.unpack_from("<I", obj, 3)[0]
        status = _bits(struct.unpack_from("<H", obj, 7)[0], STATUS_BITS)
        text = obj[9:40].split(b"\x00", 1)[0].decode("gb18030", errors="replace").strip()
        data["description"] = text
        return _status_record(type_flag, data, status, obj[40:46])
    if type_flag == COMPONENT_ANALOG:
        data["component_type"] = obj[2]
        data["component_address"] = struct.unpack_from("<I", obj, 3)[0]
        data["value_type"] = obj[7]
        data["value"] = struct.unpack_from("<h", obj, 8)[0]
        return Record(type_flag, MessageKind.STATUS, data, _time_of(obj[10:16]))
    if type_flag == UITD_STATUS:
        status = _bits(obj[0], UITD_STATUS_BITS)
        return _status_record(type_flag, data, status, obj[1:7])
    # operation information (system or UITD): flags and operator
    offset = 2 if type_flag == SYSTEM_OPERATION else 0
    ops = _bits(obj[offset], OPERATION_BITS)
    data["operations"] = [name for name, on in ops.items() if on]
    data["operator"] = obj[offset + 1]
    kind = MessageKind.ALARM_CLEARED if ops["alarm_cleared"] else MessageKind.STATUS
    return Record(type_flag, kind, data, _time_of(obj[offset + 2 : offset + 8]))


def _status_record(
    type_flag: int, data: dict[str, Any], status: dict[str, bool], time_raw: bytes
) -> Record:
    data["status"] = [name for name, on in status.items() if on]
    kind = _kind_of(status)
    data["fault"] = _fault_text(status) is not None
    detail = data.get("description") or _fault_text(status)
    if detail:
        data["detail"] = str(detail)[:200]
    return Record(type_flag, kind, data, _time_of(time_raw))


def records(frame: Frame) -> list[Record]:
    """The information objects of a frame of command 2 (none: a heartbeat).

    :class:`FrameError` ``unsupported`` for a type this centre does not read, ``invalid`` for a
    count that does not match the data.
    """
    if not frame.data:
        return [Record(0, MessageKind.HEARTBEAT, {}, frame.sent_at)]
    if len(frame.data) < 2:
        raise FrameError("invalid", "application data shorter than its header")
    type_flag, count = frame.data[0], frame.data[1]
    size = OBJECT_SIZE.get(type_flag)
    if size is None:
        raise FrameError("unsupported", f"data unit type {type_flag} is not read here")
    body = frame.data[2:]
    if count == 0 or len(body) != count * size:
        raise FrameError(
            "invalid", f"{count} objects of type {type_flag} need {count * size} bytes"
        )
    return [_object(type_flag, body[i * size : (i + 1) * size]) for i in range(count)]


def inbound_of(frame: Frame) -> list[Inbound]:
    """The frame's information objects as pipeline messages of the UITD's device."""
    stamp = _time_bytes(frame.sent_at).hex()
    return [
        Inbound(
            vendor=VENDOR,
            device=str(frame.source),
            message_id=f"{frame.serial}-{stamp}-{n}",
            kind=record.kind,
            channel=Channel.GBT26875,
            sent_at=record.at or frame.sent_at,
            data={"type_flag": record.type_flag, **record.data},
        )
        for n, record in enumerate(records(frame))
    ]


def answer(frame: Frame, command: int, *, now: datetime | None = None) -> bytes:
    """The centre's confirmation (3) or denial (6) of ``frame``: same serial, addresses swapped."""
    return encode(
        Frame(
            serial=frame.serial,
            version=frame.version,
            command=command,
            source=frame.destination,
            destination=frame.source,
            sent_at=now or datetime.now(UTC),
        )
    )


# --- status frames a device (or the simulator) sends --------------------------------------------


def status_bits(*names: str, table: tuple[str, ...] = STATUS_BITS) -> int:
    """The status word with ``names`` set (and "normal")."""
    value = 1
    for name in names:
        value |= 1 << table.index(name)
    return value


def system_status_data(system_type: int, address: int, status: int, at: datetime) -> bytes:
    """Application data of one 建筑消防设施系统状态 object."""
    return (
        bytes([SYSTEM_STATUS, 1, system_type, address])
        + struct.pack("<H", status)
        + (_time_bytes(at))
    )


def component_status_data(
    system_type: int,
    system_address: int,
    component_type: int,
    component_address: int,
    status: int,
    description: str,
    at: datetime,
) -> bytes:
    """Application data of one 建筑消防设施部件运行状态 object."""
    text = description.encode("gb18030")[:31].ljust(31, b"\x00")
    return (
        bytes([COMPONENT_STATUS, 1, system_type, system_address, component_type])
        + struct.pack("<I", component_address)
        + struct.pack("<H", status)
        + text
        + _time_bytes(at)
    )


def uitd_status_data(status: int, at: datetime) -> bytes:
    """Application data of one 用户信息传输装置运行状态 object."""
    return bytes([UITD_STATUS, 1, status]) + _time_bytes(at)


# --- the TCP listener ----------------------------------------------------------------------------


@dataclass
class _Pending:
    messages: list[Inbound]
    done: asyncio.Future[None]


class Gbt26875Listener:
    """A TCP server for UITDs: frames in, confirmations out after their batch committed.

    Frames of every connection go through one batch writer (a thread runs :func:`ingest`), so a
    burst from many devices is written in a few transactions.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        host: str = "0.0.0.0",  # noqa: S104 - devices connect from the network
        port: int = 0,
        settings: IotSettings | None = None,
        stats: IntakeStats = STATS,
    ) -> None:
        self.factory = factory
        self.host, self.port = host, port
        self.settings = settings or iot_settings()
        self.stats = stats
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._server: asyncio.Server | None = None
        self._writer: asyncio.Task[None] | None = None
        self.frames_confirmed = 0

    async def start(self) -> int:
        """Listen; the port actually bound (``port=0`` picks a free one)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self._writer = asyncio.create_task(self._write_loop())
        sockets = self._server.sockets
        self.port = int(sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        """Stop listening and writing."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._writer is not None:
            self._writer.cancel()

    async def _write_loop(self) -> None:
        while True:
            pending = [await self._queue.get()]
            size = len(pending[0].messages)
            while not self._queue.empty() and size < self.settings.max_batch:
                item = self._queue.get_nowait()
                pending.append(item)
                size += len(item.messages)
            batch = [m for p in pending for m in p.messages]
            try:
                await asyncio.to_thread(self._ingest, batch)
            except Exception as exc:  # the frames stay unconfirmed: the devices send them again
                log.exception("GB/T 26875.3 batch failed")
                for item in pending:
                    item.done.set_exception(exc)
                continue
            for item in pending:
                item.done.set_result(None)

    def _ingest(self, batch: list[Inbound]) -> None:
        with self.factory() as session:
            ingest(session, batch, settings=self.settings, stats=self.stats)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        frames = FrameReader()
        try:
            while chunk := await reader.read(4096):
                for item in frames.feed(chunk):
                    if isinstance(item, FrameError):
                        self.stats.refuse(f"frame_{item.reason}")
                        log.info("refused a GB/T 26875.3 frame: %s", item)
                        continue
                    reply = await self._take(item)
                    if reply is not None:
                        writer.write(reply)
                        await writer.drain()
            error = frames.close()
            if error is not None:
                self.stats.refuse(f"frame_{error.reason}")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _take(self, frame: Frame) -> bytes | None:
        if frame.command != SEND:
            return None  # confirmations, responses and requests of a device need no answer here
        try:
            messages = inbound_of(frame)
        except FrameError as exc:
            self.stats.refuse(f"frame_{exc.reason}")
            return answer(frame, DENY)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(messages, done))
        try:
            await done
        except Exception:
            return None
        self.frames_confirmed += 1
        return answer(frame, CONFIRM)
