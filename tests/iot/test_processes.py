"""Acceptance 4 of issue 16: two server processes and one intake process on the real broker.

An alarm stored by the intake worker (``lanyan iot run``) reaches consoles connected to either
server (``lanyan serve``): the worker publishes its events on the broker and every server relays
them to its own live streams.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from lanyan.accounts.models import AuthSession, User
from lanyan.core.actor import SYSTEM
from lanyan.core.clock import utcnow
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import upgrade
from lanyan.core.permissions import Role
from lanyan.core.security import new_token, token_digest
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.forces.schemas import OrganizationCreate
from lanyan.iot.choices import MessageKind
from lanyan.iot.mqtt_intake import forget_session, uplink_topic
from lanyan.iot.wire import encode
from lanyan.prevention import service as prevention
from lanyan.prevention.choices import PremisesCategory, VenueType
from lanyan.prevention.schemas import PremisesCreate
from tests.iot.helpers import make_device, publisher, wait_for


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _world(url: str) -> tuple[int, str]:
    """A detachment with one small venue and a dispatcher logged in: (premises id, token)."""
    factory = make_sessionmaker(make_engine(url))
    with factory() as session:
        root = forces.create_root_organization(
            session, actor=SYSTEM, external_id="p:corps", name="进程总队", kind=OrgKind.CORPS
        )
        det = forces.create_organization(
            session,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="p:det", name="进程支队", kind=OrgKind.DETACHMENT, parent_id=root.id
            ),
        )
        venue = prevention.create_premises(
            session,
            actor=SYSTEM,
            data=PremisesCreate(
                external_id="p:venue",
                name="进程小饭店",
                category=PremisesCategory.SMALL_VENUE,
                venue_type=VenueType.RESTAURANT,
                org_id=det.id,
                lon=9.52,
                lat=47.14,
            ),
        )
        user = User(
            username="p_dispatcher",
            display_name="调度",
            role=Role.DISPATCHER,
            organization_id=det.id,
            password_hash="x",
            is_active=True,
        )
        session.add(user)
        session.flush()
        token = new_token()
        session.add(
            AuthSession(
                token_sha256=token_digest(token),
                user_id=user.id,
                created_at=utcnow(),
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        session.commit()
        return venue.id, token


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[dict[str, object]]:
    """Two servers and one intake worker as separate processes on one SQLite database."""
    url = f"sqlite:///{tmp_path / 'procs.db'}"
    upgrade(url)
    venue_id, token = _world(url)
    client_id = f"lanyan-proc-intake-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "LANYAN_DATABASE_URL": url,
        "LANYAN_EVENT_BUS": "mqtt",
        "LANYAN_MQTT_URL": "mqtt://127.0.0.1:1883",
        "LANYAN_MQTT_TOPIC_PREFIX": f"lanyan-test-{uuid.uuid4().hex[:8]}",
    }
    ports = [_port(), _port()]
    lanyan = [sys.executable, "-m", "lanyan"]
    processes = [
        subprocess.Popen(
            [*lanyan, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    processes.append(
        subprocess.Popen(
            [*lanyan, "iot", "run", "--tcp-port", "0", "--client-id", client_id],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    try:
        for port in ports:

            def up(port: int = port) -> bool:
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200
                except httpx.HTTPError:
                    return False

            assert wait_for(up, deadline_s=60), f"server on {port} did not start"
        yield {"url": url, "ports": ports, "token": token, "venue_id": venue_id}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        forget_session("mqtt://127.0.0.1:1883", client_id)


def test_an_alarm_of_the_intake_process_reaches_consoles_of_both_servers(
    deployment: dict[str, object],
) -> None:
    url = str(deployment["url"])
    token = str(deployment["token"])
    factory = make_sessionmaker(make_engine(url))
    device_id, name = make_device(factory, int(deployment["venue_id"]))  # type: ignore[call-overload]
    seen: dict[int, list[dict[str, object]]] = {}
    connected = [threading.Event(), threading.Event()]

    def console(n: int, port: int) -> None:
        seen[port] = []
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.stream(
            "GET", f"http://127.0.0.1:{port}/api/events", headers=headers, timeout=60
        ) as stream:
            kind = None
            for line in stream.iter_lines():
                if line.startswith(": connected"):
                    connected[n].set()
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "iot.alarm":
                    seen[port].append(json.loads(line[6:]))
                    return

    ports: list[int] = deployment["ports"]  # type: ignore[assignment]
    threads = [
        threading.Thread(target=console, args=(n, port), daemon=True)
        for n, port in enumerate(ports)
    ]
    for thread in threads:
        thread.start()
    assert all(event.wait(30) for event in connected)
    time.sleep(1.0)  # the worker subscribed and its relay connected (it started with the servers)
    device = publisher()
    try:
        device.publish(
            uplink_topic("acme", name), encode("p-1", MessageKind.FIRE_ALARM), qos=1
        ).wait_for_publish(5)
        for thread in threads:
            thread.join(timeout=60)
    finally:
        device.loop_stop()
        device.disconnect()
    for port in ports:
        assert seen[port], f"no alarm on the console of the server on {port}"
        assert seen[port][0]["device_id"] == device_id
        assert seen[port][0]["premises_name"] == "进程小饭店"
