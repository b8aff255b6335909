"""Every status change reaches every open console within a second, and only the right ones.

A real uvicorn server on the module's database; three consoles hold Server-Sent-Event streams
(the detachment's administrator, the crew of the unit's station, and brigade B's administrator).
A call is taken, a unit assigned and moved en route through the HTTP API; the first two
consoles must receive each event within 1 s of the request returning, brigade B nothing.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from tests.factories import World

from lanyan.app import create_app
from lanyan.core.config import Settings

VADUZ = {"lon": 9.5215, "lat": 47.1395}


@dataclass
class Console:
    """One open event stream and what it received (type, data, monotonic arrival time)."""

    name: str
    received: list[tuple[str, dict[str, object], float]] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, kind: str, since: float, timeout: float, **match: object) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for k, data, at in list(self.received):
                if k == kind and at >= since and all(data.get(a) == b for a, b in match.items()):
                    return at - since
            time.sleep(0.01)
        raise AssertionError(f"{self.name} did not get {kind} {match} within {timeout} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(settings: Settings, world: World) -> Iterator[str]:
    """The app served by uvicorn in a thread on the module's database."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _listen(base: str, token: str, console: Console, stop: threading.Event) -> None:
    with (
        httpx.Client(timeout=httpx.Timeout(5.0, read=30.0)) as client,
        client.stream(
            "GET", f"{base}/api/events", headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        kind = ""
        for line in response.iter_lines():
            if stop.is_set():
                return
            if line.startswith(": connected"):
                console.ready.set()
            elif line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                console.received.append((kind, json.loads(line[6:]), time.monotonic()))


def test_consoles_get_each_change_within_a_second(live_server: str, world: World) -> None:
    consoles = {name: Console(name) for name in ("admin_det", "crew_a", "admin_b")}
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_listen, args=(live_server, world.tokens[name], console, stop), daemon=True
        )
        for name, console in consoles.items()
    ]
    for thread in threads:
        thread.start()
    for console in consoles.values():
        assert console.ready.wait(10), f"{console.name} stream did not open"
    api = httpx.Client(base_url=live_server, headers=world.headers("admin_det"), timeout=10)
    latencies: dict[str, float] = {}
    try:
        # each latency is measured from the moment the request is sent (the commit happens
        # inside the request), so it bounds change-to-console time from above
        t0 = time.monotonic()
        r = api.post("/api/dispatch/incidents", json={**VADUZ, "type": "fire"})
        assert r.status_code == 201, r.text
        incident_id = r.json()["id"]
        latencies["incident.created"] = consoles["admin_det"].wait_for(
            "incident.created", t0, 1.0, incident_id=incident_id
        )

        t1 = time.monotonic()
        r = api.post(
            f"/api/dispatch/incidents/{incident_id}/assignments",
            json={"unit_ids": [world.a.unit_id]},
        )
        assert r.status_code == 201, r.text
        assignment_id = r.json()["assignments"][0]["id"]
        for name in ("admin_det", "crew_a"):
            latencies[f"unit.status dispatched → {name}"] = consoles[name].wait_for(
                "unit.status", t1, 1.0, unit_id=world.a.unit_id, status="dispatched"
            )
            consoles[name].wait_for("assignment.created", t1, 1.0, incident_id=incident_id)

        t2 = time.monotonic()
        r = api.post(
            f"/api/dispatch/assignments/{assignment_id}/status", json={"status": "en_route"}
        )
        assert r.status_code == 200, r.text
        for name in ("admin_det", "crew_a"):
            latencies[f"unit.status en_route → {name}"] = consoles[name].wait_for(
                "unit.status", t2, 1.0, unit_id=world.a.unit_id, status="en_route"
            )

        # a refused change (illegal transition) publishes nothing
        before = len(consoles["admin_det"].received)
        r = api.post(
            f"/api/dispatch/assignments/{assignment_id}/status", json={"status": "in_quarters"}
        )
        assert r.status_code == 409
        time.sleep(0.5)
        assert len(consoles["admin_det"].received) == before
        # brigade B's console saw nothing of brigade A's unit
        assert not [
            e for e in consoles["admin_b"].received if e[1].get("unit_id") == world.a.unit_id
        ]
        assert not [e for e in consoles["admin_b"].received if e[0] == "incident.created"]
    finally:
        stop.set()
        api.close()
    print(
        "\nlive update latencies (ms): "
        + ", ".join(f"{k} {v * 1000:.0f}" for k, v in latencies.items())
    )
    assert max(latencies.values()) < 1.0
