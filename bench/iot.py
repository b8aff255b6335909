"""Benchmark of IoT intake (issue 16, acceptance 3): broker and database real, ≥ 10,000 devices.

For each backend (SQLite file, PostgreSQL database) in one run:

1. **Capacity.** ``--backlog`` messages (heartbeats of every device, a fire alarm now and then)
   are published on a private Mosquitto while the intake worker is stopped; the broker keeps them
   in the worker's persistent session. The worker — ``python -m lanyan iot run`` in its own
   process, as a deployment runs it (MQTT intake, sweeps, the live-event relay; no TCP listener)
   — is started, and the time from its connecting to the broker until every message is stored
   gives ``ingest_msgs_per_s`` (goal ≥ 5,000): broker delivery, parsing, the batched pipeline and
   the commit before each acknowledgement, end to end. The worker's start (interpreter, imports,
   database) is reported apart (``worker_start_s``) and with it
   (``ingest_msgs_per_s_with_worker_start``).
2. **Alarm to console.** At a steady ``--rate`` with fire alarms of distinct devices among the
   heartbeats, each alarm carries its publish time; a console's view of the live events (an MQTT
   subscriber of the events topic, as every server process relays them to its browsers) takes the
   time the alarm event arrives: ``alarm_to_console_p99_ms`` (goal ≤ 1,000).
3. **Chaos.** At the same rate, the worker is killed with SIGKILL a third of the way through and
   started again; two thirds of the way the broker is stopped and started again. Every message
   the broker acknowledged to the publisher must be stored once: ``lost`` and ``duplicated`` (stored
   more than once, or an alarm opened twice by a redelivered message) must both be 0.

The baseline, measured in the same run on the same database: the same pipeline fed **one message
per transaction** (no batching), in-process and without the broker — what a straightforward intake
(one commit per message) would reach.

The broker is a private ``mosquitto`` on a free port with its own persistence directory and
``max_queued_messages 0``, ``max_inflight_messages 1000`` (a deployment needs the same two
settings: Mosquitto's defaults queue only 1,000 messages per offline session and let 20 through
unacknowledged). The last line of output is one JSON object.

Usage::

    .venv/bin/python bench/iot.py                          # both backends, 10,000 devices
    .venv/bin/python bench/iot.py --quick                  # smaller numbers
    .venv/bin/python bench/iot.py --backends sqlite
    .venv/bin/python bench/iot.py --writers 1             # LANYAN_IOT_WRITERS of the worker
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import upgrade
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.forces.schemas import OrganizationCreate
from lanyan.iot.choices import Channel, DeviceKind, MessageKind
from lanyan.iot.models import Device, DeviceAlarm, DeviceMessage
from lanyan.iot.mqtt_intake import uplink_topic
from lanyan.iot.pipeline import ingest
from lanyan.iot.schemas import Inbound
from lanyan.iot.wire import encode
from lanyan.prevention import service as prevention
from lanyan.prevention.choices import PremisesCategory, VenueType
from lanyan.prevention.schemas import PremisesCreate

PG_ADMIN_DSN = os.environ.get(
    "LANYAN_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
PG_URL_BASE = os.environ.get(
    "LANYAN_TEST_PG_URL_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)
VENDOR = "bench"
EVENTS_TOPIC = "lanyan/events"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the private broker --------------------------------------------------------------------------


class Broker:
    """A mosquitto of this run, which it may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        store = workdir / "mosquitto"
        store.mkdir()
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\nuser root\n"
            f"persistence true\npersistence_location {store}/\n"
            "max_queued_messages 0\nmax_inflight_messages 1000\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        """Stop as a service manager does (SIGTERM: the broker saves its sessions)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
            self.process = None


# --- the database --------------------------------------------------------------------------------


def create_database(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'iot-{uuid.uuid4().hex[:6]}.db'}"
    else:
        name = f"lanyan_bench_iot_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_URL_BASE + name
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(factory: sessionmaker[Session], devices: int, premises_count: int = 100) -> None:
    """A brigade with ``premises_count`` small venues and ``devices`` smoke alarms among them."""
    with factory() as session:
        root = forces.create_root_organization(
            session, actor=SYSTEM, external_id="b:corps", name="基准总队", kind=OrgKind.CORPS
        )
        det = forces.create_organization(
            session,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="b:det", name="基准支队", kind=OrgKind.DETACHMENT, parent_id=root.id
            ),
        )
        brigade = forces.create_organization(
            session,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="b:brigade", name="基准大队", kind=OrgKind.BRIGADE, parent_id=det.id
            ),
        )
        premises_ids = []
        for n in range(premises_count):
            place = prevention.create_premises(
                session,
                actor=SYSTEM,
                data=PremisesCreate(
                    external_id=f"b:venue:{n}",
                    name=f"基准场所{n}",
                    category=PremisesCategory.SMALL_VENUE,
                    venue_type=VenueType.RESTAURANT,
                    org_id=brigade.id,
                    lon=9.52 + n * 1e-4,
                    lat=47.14,
                ),
            )
            premises_ids.append(place.id)
        now = utcnow()
        rows = [
            {
                "external_id": f"b:dev:{i}",
                "name": f"基准烟感{i}",
                "kind": DeviceKind.SMOKE_ALARM.value,
                "vendor": VENDOR,
                "vendor_device_id": f"D{i:06d}",
                "premises_id": premises_ids[i % premises_count],
                "org_id": brigade.id,
                "heartbeat_interval_s": 300,
                "online": True,  # a deployment in its steady state: the devices are known
                "last_heartbeat_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(devices)
        ]
        for start in range(0, len(rows), 2000):
            session.execute(insert(Device), rows[start : start + 2000])
        session.commit()


def stored_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(DeviceMessage)) or 0)


# --- the worker (a separate process) -------------------------------------------------------------


class Worker:
    """``lanyan iot run`` in its own process, as a deployment runs it: MQTT intake (its writers),
    the sweeps every 5 s, the live-event relay on the broker (``LANYAN_EVENT_BUS=mqtt``); no
    GB/T 26875.3 listener (``--tcp-port 0``). Alarms are not folded (``LANYAN_IOT_DEDUPE_WINDOW_S
    0``) so that a redelivered alarm opened twice would show as a duplicate."""

    def __init__(self, db: str, mqtt_url: str, workdir: Path, writers: int | None = None) -> None:
        self.client_id = f"bench-intake-{uuid.uuid4().hex[:6]}"
        self.args = [
            sys.executable,
            "-m",
            "lanyan",
            "iot",
            "run",
            "--tcp-port",
            "0",
            "--client-id",
            self.client_id,
        ]
        self.env = os.environ | {
            "LANYAN_DATABASE_URL": db,
            "LANYAN_MQTT_URL": mqtt_url,
            "LANYAN_EVENT_BUS": "mqtt",
            "LANYAN_IOT_DEDUPE_WINDOW_S": "0",
        }
        if writers is not None:
            self.env["LANYAN_IOT_WRITERS"] = str(writers)
        self.log_path = workdir / f"{self.client_id}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.connecting_at = 0.0
        self.started_at = 0.0

    def start(self) -> None:
        """Start and wait until it has subscribed; ``connecting_at`` is when the worker (its
        interpreter and imports up, the database open) began to connect to the broker."""
        self.started_at = time.perf_counter()
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as sink:
            self.process = subprocess.Popen(
                self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=sink
            )
        self.connecting_at = 0.0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[offset:].decode(errors="replace")
            if not self.connecting_at and "connecting to" in text:
                self.connecting_at = time.perf_counter()
            if "subscribed to" in text:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError(f"the worker did not start: {text[-2000:]}")

    def kill(self) -> None:
        """kill -9."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def errors(self) -> list[str]:
        """Tracebacks in its log (a failed batch would show here)."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if "Traceback" in line or " ERROR " in line]


# --- devices and a console on the broker ---------------------------------------------------------


class Devices:
    """The publishing side: QoS 1, a persistent session, counting what the broker acknowledged."""

    def __init__(self, mqtt_url: str) -> None:
        port = int(mqtt_url.rsplit(":", 1)[1])
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"bench-devices-{uuid.uuid4().hex[:6]}",
            protocol=MQTTProtocolVersion.MQTTv311,
            clean_session=False,
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.lock = threading.Lock()
        self.pending: dict[int, tuple[str, str]] = {}
        self.acked: set[tuple[str, str]] = set()
        self.early: set[int] = set()
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        with self.lock:
            key = self.pending.pop(mid, None)
            if key is None:
                self.early.add(mid)  # acknowledged before send() recorded it
            else:
                self.acked.add(key)

    def send(self, device: str, message_id: str, kind: MessageKind, **data: Any) -> None:
        payload = encode(message_id, kind, None, **data)
        info = self.client.publish(uplink_topic(VENDOR, device), payload, qos=1)
        with self.lock:
            if info.mid in self.early:
                self.early.discard(info.mid)
                self.acked.add((device, message_id))
            else:
                self.pending[info.mid] = (device, message_id)

    def outstanding(self) -> int:
        with self.lock:
            return len(self.pending)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


class Console:
    """What a console sees of the live events: the arrival time of each alarm event.

    Each alarm gives (publish time, publish → the worker's batch began, publish → console): the
    alarm's ``opened_at`` is the time its batch went into the pipeline (the devices send no time),
    which splits the latency into the way to the worker (broker, reading, the batch filling) and
    the rest (database, commit, the relay through the broker)."""

    def __init__(self, mqtt_url: str) -> None:
        port = int(mqtt_url.rsplit(":", 1)[1])
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
        self.alarms: list[tuple[float, float, float]] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe(EVENTS_TOPIC, qos=1)
        self.client.on_subscribe = lambda c, u, m, r, p: self.ready.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.ready.wait(10)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        now = time.time()
        try:
            event = json.loads(message.payload)
            detail = event["data"].get("detail") or ""
            opened = datetime.fromisoformat(event["data"]["opened_at"]).timestamp()
        except (ValueError, KeyError, AttributeError, TypeError):
            return
        if event.get("type") == "iot.alarm" and detail.startswith("t="):
            published = float(detail[2:])
            with self.lock:
                self.alarms.append(
                    (published, (opened - published) * 1000, (now - published) * 1000)
                )

    def since(self, moment: float) -> list[tuple[float, float, float]]:
        """The alarms published from ``moment`` on."""
        with self.lock:
            return [alarm for alarm in self.alarms if alarm[0] >= moment]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


# --- the phases ----------------------------------------------------------------------------------


def paced(
    devices: Devices,
    *,
    start: int,
    count: int,
    n_devices: int,
    rate: float,
    alarm_every: int,
    alarm_devices: list[int],
    events: dict[int, Any] | None = None,
) -> int:
    """Publish ``count`` messages at ``rate``; every ``alarm_every``-th a fire alarm of the next
    device in ``alarm_devices``; ``events`` maps a message index to a callable run before it."""
    alarms = 0
    begin = time.monotonic()
    for n in range(count):
        if events and n in events:
            events[n]()
        i = start + n
        if alarm_every and n % alarm_every == alarm_every - 1 and alarm_devices:
            device = alarm_devices.pop()
            devices.send(
                f"D{device:06d}", f"m{i}", MessageKind.FIRE_ALARM, detail=f"t={time.time()}"
            )
            alarms += 1
        else:
            devices.send(f"D{i % n_devices:06d}", f"m{i}", MessageKind.HEARTBEAT)
        delay = begin + (n + 1) / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return alarms


def wait_stored(factory: sessionmaker[Session], target: int, deadline_s: float) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if stored_count(factory) >= target:
            return True
        time.sleep(0.2)
    return False


def baseline(factory: sessionmaker[Session], n_devices: int, count: int) -> dict[str, float]:
    """One message per transaction against the same pipeline batched (in-process, no broker)."""
    now = utcnow()

    def message(i: int) -> Inbound:
        return Inbound(
            VENDOR, f"D{i % n_devices:06d}", f"base{i}", MessageKind.HEARTBEAT, Channel.HTTP, now
        )

    start = time.perf_counter()
    for i in range(count):
        with factory() as session:
            ingest(session, [message(i)], stats=None)
    single = count / (time.perf_counter() - start)
    start = time.perf_counter()
    batch = [message(count + i) for i in range(count)]
    for b in range(0, count, 500):
        with factory() as session:
            ingest(session, batch[b : b + 500], stats=None)
    batched = count / (time.perf_counter() - start)
    return {
        "baseline_one_per_tx_msgs_per_s": round(single, 1),
        "in_process_batched_msgs_per_s": round(batched, 1),
    }


def run_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    log(f"[{backend}] database, {args.devices} devices")
    url = create_database(backend, workdir)
    (workdir / backend).mkdir(exist_ok=True)
    broker = Broker(workdir / backend)
    try:
        broker.start()
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        seed(factory, args.devices)
        worker = Worker(url, broker.url, workdir / backend, args.writers)
        worker.start()  # create the persistent session, then stop: the backlog queues for it
        worker.kill()
        devices = Devices(broker.url)
        console = Console(broker.url)
        out: dict[str, Any] = {}

        # 1. capacity: drain a backlog
        alarm_devices = list(range(args.devices))  # each alarm from a distinct device
        log(f"[{backend}] capacity: {args.backlog} messages queued while the worker is away")
        paced(
            devices,
            start=0,
            count=args.backlog,
            n_devices=args.devices,
            rate=1e9,
            alarm_every=500,
            alarm_devices=alarm_devices,
        )
        while devices.outstanding():
            time.sleep(0.05)
        worker.start()
        assert wait_stored(factory, args.backlog, 600), "backlog not drained"
        drained_at = time.perf_counter()
        drain_s = drained_at - worker.connecting_at
        out["ingest_msgs_per_s"] = round(args.backlog / drain_s, 1)
        out["ingest_msgs_per_s_with_worker_start"] = round(
            args.backlog / (drained_at - worker.started_at), 1
        )
        out["worker_start_s"] = round(worker.connecting_at - worker.started_at, 2)
        log(
            f"[{backend}] drained in {drain_s:.1f} s after the worker connected "
            f"({out['worker_start_s']} s to start) → {out['ingest_msgs_per_s']} msg/s"
        )

        # 2. alarm to console at a steady rate
        log(f"[{backend}] latency: {args.steady} messages at {args.rate}/s")
        phase_start = time.time()
        sent = paced(
            devices,
            start=args.backlog,
            count=args.steady,
            n_devices=args.devices,
            rate=args.rate,
            alarm_every=50,
            alarm_devices=alarm_devices,
        )
        done = args.backlog + args.steady
        assert wait_stored(factory, done, 120)
        deadline = time.monotonic() + 10
        while len(console.since(phase_start)) < sent and time.monotonic() < deadline:
            time.sleep(0.05)
        seen = np.array([alarm[1:] for alarm in console.since(phase_start)])
        lat, taken = seen[:, 1], seen[:, 0]
        out["alarm_to_console_p99_ms"] = round(float(np.percentile(lat, 99)), 1)
        out["alarm_to_console_p50_ms"] = round(float(np.percentile(lat, 50)), 1)
        out["alarm_to_worker_p50_ms"] = round(float(np.percentile(taken, 50)), 1)
        out["alarm_to_worker_p99_ms"] = round(float(np.percentile(taken, 99)), 1)
        out["alarm_worker_to_console_p50_ms"] = round(float(np.percentile(lat - taken, 50)), 1)
        out["alarm_worker_to_console_p99_ms"] = round(float(np.percentile(lat - taken, 99)), 1)
        out["alarms_seen"] = f"{len(lat)}/{sent}"

        # 3. chaos: kill -9 the worker at a third, restart the broker at two thirds
        third = args.chaos // 3

        def kill_worker() -> None:
            log(f"[{backend}] kill -9 the intake worker")
            worker.kill()
            time.sleep(1.0)
            worker.start()

        def restart_broker() -> None:
            log(f"[{backend}] restart the broker")
            broker.stop()
            time.sleep(0.5)
            broker.start()

        log(f"[{backend}] chaos: {args.chaos} messages at {args.rate}/s")
        paced(
            devices,
            start=done,
            count=args.chaos,
            n_devices=args.devices,
            rate=args.rate,
            alarm_every=100,
            alarm_devices=alarm_devices,
            events={third: kill_worker, 2 * third: restart_broker},
        )
        total = done + args.chaos
        end = time.monotonic() + 120
        while devices.outstanding() and time.monotonic() < end:
            time.sleep(0.1)
        wait_stored(factory, len(devices.acked), 300)
        time.sleep(1.0)
        with factory() as session:
            stored_rows = session.execute(
                select(Device.vendor_device_id, DeviceMessage.message_id).join(
                    Device, Device.id == DeviceMessage.device_id
                )
            ).all()
            alarm_rows = session.execute(
                select(DeviceAlarm.first_message_id, func.count()).group_by(
                    DeviceAlarm.first_message_id
                )
            ).all()
            alarms_total = session.scalar(select(func.count()).select_from(DeviceAlarm)) or 0
            alarm_devices_n = (
                session.scalar(select(func.count(func.distinct(DeviceAlarm.device_id)))) or 0
            )
        keys = {(d, m) for d, m in stored_rows}
        out["lost"] = len(devices.acked - keys)
        out["duplicated"] = (
            (len(stored_rows) - len(keys))
            + (alarms_total - alarm_devices_n)
            + sum(n - 1 for _, n in alarm_rows if n > 1)
        )
        out["published"] = total
        out["acknowledged_by_broker"] = len(devices.acked)
        out["stored"] = len(stored_rows)
        out["alarms_opened"] = int(alarms_total)
        worker.kill()
        out["worker_errors"] = len(worker.errors())
        devices.close()
        console.close()

        # the baseline on the same database
        out |= baseline(factory, args.devices, args.baseline)
        out["speedup_vs_one_per_tx"] = round(
            out["ingest_msgs_per_s"] / out["baseline_one_per_tx_msgs_per_s"], 1
        )
        engine.dispose()
        return out
    finally:
        broker.stop()
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--backlog", type=int, default=50_000)
    parser.add_argument("--steady", type=int, default=10_000)
    parser.add_argument("--chaos", type=int, default=30_000)
    parser.add_argument("--rate", type=float, default=2_000.0)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument(
        "--writers", type=int, default=None, help="LANYAN_IOT_WRITERS of the worker (default 2)"
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.backlog, args.steady, args.chaos, args.baseline = 10_000, 2_000, 6_000, 500
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="lanyan-bench-iot-") as tmp:
        for backend in args.backends.split(","):
            results[backend] = run_backend(backend, args, Path(tmp))
    summary: dict[str, Any] = {
        "ingest_msgs_per_s": min(r["ingest_msgs_per_s"] for r in results.values()),
        "alarm_to_console_p99_ms": max(r["alarm_to_console_p99_ms"] for r in results.values()),
        "lost": sum(r["lost"] for r in results.values()),
        "duplicated": sum(r["duplicated"] for r in results.values()),
        "baseline": "one message per transaction (no batching), same pipeline and database",
        "devices": args.devices,
        "rate_msgs_per_s": args.rate,
    }
    for backend, figures in results.items():
        for key, value in figures.items():
            summary[f"{key}_{backend}"] = value
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
