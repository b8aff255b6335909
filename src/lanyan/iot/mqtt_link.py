"""The intake's own MQTT 3.1.1 connection: a subscriber of QoS 1 messages, nothing more.

Why not paho (which the rest of Lanyan uses for the live-event bus): the intake takes thousands of
messages a second, and paho reads each packet with several ``recv`` calls, builds a message
object and runs its callback machinery per message, and writes every acknowledgement as its own
packet from its network thread. Measured on the 2-core machine (docs/benchmarks.md, bench/iot.py),
that path was most of the worker's time. This connection reads what the socket holds (up to
``READ_BYTES`` at once), cuts it into packets in one loop, and sends the acknowledgements of a
whole committed batch in one write — the packets on the wire are the same MQTT 3.1.1 packets.

What it does: CONNECT (client id, optional user/password, ``clean_session`` as asked), SUBSCRIBE
one filter at QoS 1, receive PUBLISH (QoS 0 or 1), send PUBACKs, PINGREQ when idle, DISCONNECT.
No TLS, no QoS 2 (a subscription at QoS 1 never receives QoS 2: the broker downgrades), no
publishing. A protocol violation or a closed socket raises :class:`LinkClosed`; the caller
connects again and the broker redelivers what was not acknowledged.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass

READ_BYTES = 256 * 1024
MAX_PACKET = 16 * 1024 * 1024
"""A packet longer than this ends the connection (the broker's ``message_size_limit`` should be
far lower; the intake refuses payloads over ``LANYAN_IOT_MAX_PAYLOAD_BYTES`` anyway)."""

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 12, 13, 14
PINGREQ_PACKET = b"\xc0\x00"
DISCONNECT_PACKET = b"\xe0\x00"
SUBSCRIBE_ID = 1

CONNACK_REFUSED = {
    1: "unacceptable protocol version",
    2: "client identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
}


class LinkClosed(ConnectionError):
    """The connection is gone (closed, refused, timed out or a protocol error)."""


@dataclass(frozen=True, slots=True)
class Publish:
    """One received PUBLISH: ``packet_id`` 0 for QoS 0 (nothing to acknowledge)."""

    topic: str
    payload: bytes
    packet_id: int


def _length(n: int) -> bytes:
    """MQTT's variable-length integer (the remaining length of a packet)."""
    out = bytearray()
    while True:
        digit, n = n & 0x7F, n >> 7
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return len(raw).to_bytes(2, "big") + raw


def connect_packet(
    client_id: str,
    *,
    keepalive_s: int,
    clean_session: bool,
    username: str | None = None,
    password: str | None = None,
) -> bytes:
    """CONNECT, protocol level 4 (MQTT 3.1.1)."""
    flags = 0x02 if clean_session else 0
    payload = _string(client_id)
    if username is not None:
        flags |= 0x80
        payload += _string(username)
        if password is not None:
            flags |= 0x40
            payload += _string(password)
    body = _string(b"MQTT") + bytes([4, flags]) + keepalive_s.to_bytes(2, "big") + payload
    return bytes([CONNECT << 4]) + _length(len(body)) + body


def subscribe_packet(topic_filter: str, qos: int = 1, packet_id: int = SUBSCRIBE_ID) -> bytes:
    """SUBSCRIBE of one filter."""
    body = packet_id.to_bytes(2, "big") + _string(topic_filter) + bytes([qos])
    return bytes([(SUBSCRIBE << 4) | 0x02]) + _length(len(body)) + body


def puback_packets(packet_ids: list[int]) -> bytes:
    """The PUBACKs of many messages, back to back (one write)."""
    return b"".join(b"\x40\x02" + pid.to_bytes(2, "big") for pid in packet_ids if pid)


class PacketReader:
    """Cuts a byte stream into MQTT packets; keeps an incomplete tail for the next chunk."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.subacks: list[bytes] = []
        self.connack: tuple[bool, int] | None = None

    def feed(self, chunk: bytes) -> list[Publish]:
        """The PUBLISH packets completed by ``chunk`` (SUBACK, CONNACK, PINGRESP noted)."""
        buf = self._buf
        buf += chunk
        size = len(buf)
        pos = 0
        out: list[Publish] = []
        while pos + 2 <= size:
            header = buf[pos]
            remaining = 0
            shift = 0
            i = pos + 1
            while True:
                if i >= size:
                    remaining = -1
                    break
                byte = buf[i]
                i += 1
                remaining |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    break
                shift += 7
                if shift > 21:
                    raise LinkClosed("malformed remaining length")
            if remaining < 0:
                break
            if remaining > MAX_PACKET:
                raise LinkClosed(f"packet of {remaining} bytes")
            end = i + remaining
            if end > size:
                break
            kind = header >> 4
            if kind == PUBLISH:
                qos = (header >> 1) & 0x03
                if qos > 1 or remaining < 2:
                    raise LinkClosed(f"unexpected PUBLISH (QoS {qos})")
                start = i + 2 + ((buf[i] << 8) | buf[i + 1])
                topic = buf[i + 2 : start].decode("utf-8", "replace")
                packet_id = 0
                if qos:
                    packet_id = (buf[start] << 8) | buf[start + 1]
                    start += 2
                if start > end:
                    raise LinkClosed("PUBLISH shorter than its topic")
                out.append(Publish(topic, bytes(buf[start:end]), packet_id))
            elif kind == SUBACK:
                self.subacks.append(bytes(buf[i + 2 : end]))
            elif kind == CONNACK:
                if remaining != 2:
                    raise LinkClosed("malformed CONNACK")
                self.connack = (bool(buf[i] & 0x01), buf[i + 1])
            elif kind not in (PINGRESP, PUBACK):
                raise LinkClosed(f"unexpected packet type {kind}")
            pos = end
        if pos:
            del buf[:pos]
        return out


class MqttLink:
    """One connection: :meth:`open`, then :meth:`read` in one thread, :meth:`ack` from any."""

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        *,
        keepalive_s: int = 20,
        clean_session: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.host, self.port, self.client_id = host, port, client_id
        self.keepalive_s = keepalive_s
        self.clean_session = clean_session
        self.username, self.password = username, password
        self.timeout_s = timeout_s
        self.subscribed = threading.Event()
        self.topic_filter = ""
        self.closed = False
        self.session_present = False
        self._sock: socket.socket | None = None
        self._reader = PacketReader()
        self._send_lock = threading.Lock()
        # acknowledgements go out in the order the messages came (MQTT 3.1.1, 4.6), whichever
        # writer committed first: a message is acknowledged once it and all before it are done
        self._order_lock = threading.Lock()
        self._unacked: deque[int] = deque()
        self._done: set[int] = set()
        self._last_sent = 0.0
        self._last_heard = 0.0
        self._ping_sent_at: float | None = None

    def open(self, topic_filter: str) -> list[Publish]:
        """Connect, check the CONNACK, subscribe; what arrived with the CONNACK (a resumed session
        may start delivering at once). :class:`LinkClosed` if refused."""
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except OSError as exc:
            raise LinkClosed(f"cannot reach {self.host}:{self.port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._send(
            connect_packet(
                self.client_id,
                keepalive_s=self.keepalive_s,
                clean_session=self.clean_session,
                username=self.username,
                password=self.password,
            )
        )
        early: list[Publish] = []
        deadline = time.monotonic() + self.timeout_s
        while self._reader.connack is None:
            if time.monotonic() > deadline:
                self.close(graceful=False)
                raise LinkClosed("no CONNACK")
            early += self._receive(0.2)
        self.session_present, code = self._reader.connack
        if code:
            self.close(graceful=False)
            raise LinkClosed(f"refused: {CONNACK_REFUSED.get(code, code)}")
        self.topic_filter = topic_filter
        self._send(subscribe_packet(topic_filter))
        return early

    def read(self, timeout_s: float) -> list[Publish]:
        """What arrived within ``timeout_s`` (maybe nothing); pings the broker when idle."""
        now = time.monotonic()
        if self._ping_sent_at is not None and now - self._ping_sent_at > self.keepalive_s:
            self.close(graceful=False)
            raise LinkClosed("the broker does not answer")
        if now - self._last_sent > self.keepalive_s / 2:
            self._send(PINGREQ_PACKET)
            if self._ping_sent_at is None:
                self._ping_sent_at = now
        return self._receive(timeout_s)

    def ack(self, packet_ids: list[int]) -> bool:
        """Mark received messages done and acknowledge, in one write, every message up to the
        first one not done yet; False if the connection is gone (the broker then redelivers
        what was not acknowledged to the next connection of the session)."""
        with self._order_lock:
            self._done.update(pid for pid in packet_ids if pid)
            unacked, done = self._unacked, self._done
            ready: list[int] = []
            while unacked and unacked[0] in done:
                pid = unacked.popleft()
                done.discard(pid)
                ready.append(pid)
            if not ready:
                return not self.closed
            try:
                self._send(puback_packets(ready))
            except LinkClosed:
                return False
        return True

    def close(self, *, graceful: bool = True) -> None:
        """Disconnect (``graceful``: say so, so the broker keeps the session without a will)."""
        if self.closed:
            return
        self.closed = True
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if graceful:
            try:
                with self._send_lock:
                    sock.sendall(DISCONNECT_PACKET)
            except OSError:
                pass
        sock.close()

    # --- the socket ------------------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        sock = self._sock
        if sock is None or self.closed:
            raise LinkClosed("closed")
        try:
            with self._send_lock:
                sock.sendall(data)
        except OSError as exc:
            self.close(graceful=False)
            raise LinkClosed(f"send failed: {exc}") from exc
        self._last_sent = time.monotonic()

    def _receive(self, timeout_s: float) -> list[Publish]:
        sock = self._sock
        if sock is None or self.closed:
            raise LinkClosed("closed")
        try:
            readable, _, _ = select.select([sock], [], [], timeout_s)
            if not readable:
                return []
            chunk = sock.recv(READ_BYTES)
        except (OSError, ValueError) as exc:
            self.close(graceful=False)
            raise LinkClosed(f"receive failed: {exc}") from exc
        if not chunk:
            self.close(graceful=False)
            raise LinkClosed("closed by the broker")
        self._last_heard = time.monotonic()
        self._ping_sent_at = None
        try:
            received = self._reader.feed(chunk)
        except LinkClosed:
            self.close(graceful=False)
            raise
        with self._order_lock:
            self._unacked.extend(p.packet_id for p in received if p.packet_id)
        if self._reader.subacks:
            codes = self._reader.subacks.pop()
            if any(code & 0x80 for code in codes):
                self.close(graceful=False)
                raise LinkClosed("the broker refused the subscription")
            self.subscribed.set()
        return received
