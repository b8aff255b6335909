"""Every status change reaches every open console within a second, and only the consoles it should.

DESIGN.md, "Lessons": boards that do not update live are the top complaint of open-source CADs.
Here the real app runs under uvicorn (in a thread) on the module's database with the demo city
loaded. Four consoles hold Server-Sent-Event streams (``GET /api/events``): the detachment's
dispatcher and duty commander, the crew of the special-service station whose unit is sent, and an
account of the *other* brigade. Through the HTTP API a call is taken, the unit assigned and moved
en route; each console in whose jurisdiction the change lies must receive the event within 1.0 s
of the HTTP call returning (the latencies are printed), the other brigade's console nothing of it.

A write that is refused and rolled back must announce nothing. That is checked without sleeping:
after the refused request a valid one (a *sentinel*) is made, and since each console's stream is
first-in first-out, the events received between the refused request and the sentinel's must be
the sentinel's own.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DemoCity

from lanyan.accounts.models import User
from lanyan.app import create_app
from lanyan.core.actor import SYSTEM
from lanyan.core.config import Settings
from lanyan.core.events import BUS
from lanyan.forces.choices import OrgKind, UnitStatus, UnitType
from lanyan.forces.models import Organization, Unit
from lanyan.forces.schemas import UnitCreate
from lanyan.forces.service import create_unit

WITHIN_S = 1.0  # DESIGN.md: every open console within a second
WAIT_S = 10.0  # bound of waits that are not the measured ones (start-up, stream opening)
# a built-up point of each demo brigade: Vaduz (Städtle) in 上区, Eschen in 下区
POINT_IN = {
    "demo:brigade:oberland": {"lon": 9.5215, "lat": 47.1395},
    "demo:brigade:unterland": {"lon": 9.5224, "lat": 47.2107},
}
CONSOLES = ("dispatcher", "commander", "station", "other_brigade")
IN_JURISDICTION = ("dispatcher", "commander", "station")

Data = dict[str, Any]
Match = Callable[[str, Data], bool]


@dataclass
class Received:
    kind: str
    data: Data
    at: float  # time.monotonic() when the reader thread parsed it


@dataclass
class Console:
    """One open event stream, read by a daemon thread, and everything it received."""

    name: str
    token: str
    received: list[Received] = field(default_factory=list)
    opened: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)
    failure: BaseException | None = None
    sock: socket.socket | None = None

    def read(self, base: str, stop: threading.Event) -> None:
        """Read the stream until the server ends it (or ``stop`` is set); parse SSE frames."""
        try:
            timeout = httpx.Timeout(WAIT_S, read=30.0)  # the server sends a heartbeat every 15 s
            with (
                httpx.Client(timeout=timeout) as client,
                client.stream(
                    "GET", f"{base}/api/events", headers={"Authorization": f"Bearer {self.token}"}
                ) as response,
            ):
                assert response.status_code == 200, response.status_code
                self.sock = response.extensions["network_stream"].get_extra_info("socket")
                kind, data = "message", ""
                for line in response.iter_lines():
                    if stop.is_set():
                        return
                    if line == ": connected":
                        self.opened.set()
                    elif line.startswith("event: "):
                        kind = line[len("event: ") :]
                    elif line.startswith("data: "):
                        data += line[len("data: ") :]
                    elif line == "" and data:
                        item = Received(kind, json.loads(data), time.monotonic())
                        with self.changed:
                            self.received.append(item)
                            self.changed.notify_all()
                        kind, data = "message", ""
        except BaseException as exc:  # the server going away at teardown ends the stream too
            if not stop.is_set():
                self.failure = exc
        finally:
            self.opened.set()  # never leave the fixture waiting on a stream that failed

    def hang_up(self) -> None:
        """Close the stream from another thread, as a browser tab closing would."""
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)  # wakes the reader blocked in recv

    def mark(self) -> int:
        """Position after everything received so far."""
        with self.changed:
            return len(self.received)

    def wait_for(self, match: Match, *, since: int, deadline: float) -> Received | None:
        """The first event after position ``since`` that matches, or None at ``deadline``."""
        with self.changed:
            while True:
                for item in self.received[since:]:
                    if match(item.kind, item.data):
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.failure is not None:
                    return None
                self.changed.wait(timeout=remaining)

    def since(self, position: int) -> list[Received]:
        with self.changed:
            return list(self.received[position:])


@dataclass
class Live:
    """The served app, its consoles, the demo accounts' tokens and the units sent in the tests."""

    base: str
    consoles: dict[str, Console]
    tokens: dict[str, str]
    units: list[int]
    station_path: str
    home_point: dict[str, float]
    other_point: dict[str, float]
    latencies: list[tuple[str, str, float, float]] = field(default_factory=list)

    def call(self, user: str, path: str, body: Data, expect: int) -> tuple[Data, float, float]:
        """POST as a demo account; the JSON answer, when the request was sent and answered."""
        with httpx.Client(timeout=WAIT_S) as client:
            sent = time.monotonic()
            r = client.post(
                f"{self.base}{path}",
                json=body,
                headers={"Authorization": f"Bearer {self.tokens[user]}"},
            )
            returned = time.monotonic()
        assert r.status_code == expect, (path, r.status_code, r.text)
        return r.json(), sent, returned

    def expect(
        self,
        label: str,
        match: Match,
        *,
        consoles: tuple[str, ...],
        marks: dict[str, int],
        sent: float,
        returned: float,
    ) -> None:
        """Each console gets a matching event within WITHIN_S of the call returning."""
        deadline = returned + WITHIN_S
        for name in consoles:
            console = self.consoles[name]
            item = console.wait_for(match, since=marks[name], deadline=deadline)
            assert console.failure is None, (name, console.failure)
            assert item is not None, (
                f"{name} did not receive {label} within {WITHIN_S} s of the call returning; "
                f"it got {[(e.kind, e.data) for e in console.since(marks[name])]}"
            )
            assert item.at - returned <= WITHIN_S
            self.latencies.append((label, name, item.at - returned, item.at - sent))

    def marks(self) -> dict[str, int]:
        return {name: c.mark() for name, c in self.consoles.items()}

    def report(self, title: str) -> None:
        print(f"\n{title}: event arrival after the HTTP call returned / since it was sent")
        for label, name, after, since_sent in self.latencies:
            print(f"  {label:<32} {name:<13} {after * 1000:7.1f} ms  {since_sent * 1000:7.1f} ms")
        if self.latencies:
            worst = max(a for _, _, a, _ in self.latencies)
            print(f"  worst {worst * 1000:.1f} ms after the response (limit {WITHIN_S * 1000:.0f})")
        self.latencies.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _users_and_units(
    factory: sessionmaker[Session],
) -> tuple[dict[str, str], list[int], str, tuple[str, str]]:
    """Who sits where (console → demo account); the crew's station gets five units to send.

    Also the station's path and the external ids of its brigade and of the other brigade.
    """
    with factory() as session:
        crew = session.scalars(select(User).where(User.username == "demo_station")).one()
        station = crew.organization
        assert station.kind == OrgKind.SPECIAL_STATION
        brigades = {
            o.external_id: o
            for o in session.scalars(
                select(Organization).where(Organization.external_id.in_(list(POINT_IN)))
            )
        }
        home = next(ext for ext, b in brigades.items() if station.path.startswith(b.path))
        other = next(ext for ext in brigades if ext != home)
        other_user = next(
            u
            for u in session.scalars(select(User).order_by(User.username))
            if u.username.startswith("demo_")
            and u.organization.path.startswith(brigades[other].path)
            and not station.path.startswith(u.organization.path)
        )
        units = [
            create_unit(
                session,
                actor=SYSTEM,
                data=UnitCreate(
                    external_id=f"live:unit:{i}",
                    call_sign=f"实时{i}",
                    type=UnitType.WATER_TENDER,
                    station_id=station.id,
                ),
            )
            for i in range(5)
        ]
        session.commit()
        accounts = {
            "dispatcher": "demo_dispatcher",
            "commander": "demo_commander",
            "station": "demo_station",
            "other_brigade": other_user.username,
        }
        return accounts, [u.id for u in units], station.path, (home, other)


@pytest.fixture(scope="module")
def live(settings: Settings, app_client: TestClient, demo_city: DemoCity) -> Iterator[Live]:
    """A second app instance served by uvicorn on the demo database, with four open consoles."""
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    accounts, units, station_path, (home, other) = _users_and_units(factory)
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
        )
    )
    server_thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    server_thread.start()
    stop = threading.Event()
    readers: list[threading.Thread] = []
    consoles: dict[str, Console] = {}
    subscribers_before = BUS.subscriber_count
    try:
        deadline = time.monotonic() + 30
        while not server.started and server_thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        base = f"http://127.0.0.1:{port}"
        tokens = {name: demo_city.tokens[user] for name, user in accounts.items()}
        tokens |= {user: demo_city.tokens[user] for user in accounts.values()}
        consoles = {name: Console(name, tokens[name]) for name in CONSOLES}
        for console in consoles.values():
            reader = threading.Thread(
                target=console.read, args=(base, stop), name=f"sse-{console.name}", daemon=True
            )
            reader.start()
            readers.append(reader)
        for console in consoles.values():
            assert console.opened.wait(WAIT_S), f"{console.name}'s stream did not open"
            assert console.failure is None, (console.name, console.failure)
        yield Live(base, consoles, tokens, units, station_path, POINT_IN[home], POINT_IN[other])
    finally:
        stop.set()
        for console in consoles.values():
            console.hang_up()
        for reader in readers:
            reader.join(timeout=5)
        # the server forgets closed consoles (it notices the hang-up while waiting for events)
        deadline = time.monotonic() + 5
        while BUS.subscriber_count > subscribers_before and time.monotonic() < deadline:
            time.sleep(0.02)
        left_open = BUS.subscriber_count - subscribers_before
        server.should_exit = True  # (streams still open would be cut after the graceful timeout)
        server_thread.join(timeout=15)
        app.state.engine.dispose()
    assert not any(r.is_alive() for r in readers), "a console's reader did not stop"
    assert left_open == 0, f"{left_open} closed consoles are still subscribed"
    assert not server_thread.is_alive(), "uvicorn did not stop"


def _is(kind: str, **fields: Any) -> Match:
    def match(k: str, data: Data) -> bool:
        return k == kind and all(data.get(key) == value for key, value in fields.items())

    return match


def _assigned(incident_id: int, unit_id: int) -> Match:
    def match(k: str, data: Data) -> bool:
        return (
            k == "assignment.created"
            and data.get("incident_id") == incident_id
            and unit_id in data.get("unit_ids", [])
        )

    return match


def _about(incident_ids: set[int], unit_ids: set[int]) -> Callable[[Received], bool]:
    def about(item: Received) -> bool:
        return (
            item.data.get("incident_id") in incident_ids
            or item.data.get("unit_id") in unit_ids
            or bool(unit_ids & set(item.data.get("unit_ids") or ()))
        )

    return about


def test_every_console_sees_each_change_within_a_second(live: Live) -> None:
    unit = live.units[0]
    marks = live.marks()
    incident, sent, returned = live.call(
        "dispatcher",
        "/api/dispatch/incidents",
        {**live.home_point, "type": "fire", "description": "实时推送测试"},
        201,
    )
    iid = incident["id"]
    live.expect(
        "incident.created",
        _is("incident.created", incident_id=iid),
        consoles=("dispatcher", "commander"),
        marks=marks,
        sent=sent,
        returned=returned,
    )

    marks = live.marks()
    assigned, sent, returned = live.call(
        "dispatcher", f"/api/dispatch/incidents/{iid}/assignments", {"unit_ids": [unit]}, 201
    )
    (assignment,) = assigned["assignments"]
    for label, match in (
        ("assignment.created", _assigned(iid, unit)),
        ("unit.status dispatched", _is("unit.status", unit_id=unit, status="dispatched")),
    ):
        live.expect(
            label, match, consoles=IN_JURISDICTION, marks=marks, sent=sent, returned=returned
        )

    marks = live.marks()
    _, sent, returned = live.call(
        "station",
        f"/api/dispatch/assignments/{assignment['id']}/status",
        {"status": "en_route"},
        200,
    )
    for label, match in (
        ("unit.status en_route", _is("unit.status", unit_id=unit, status="en_route")),
        (
            "assignment.updated en_route",
            _is("assignment.updated", incident_id=iid, assignment_status="en_route"),
        ),
    ):
        live.expect(
            label, match, consoles=IN_JURISDICTION, marks=marks, sent=sent, returned=returned
        )
    station_saw_call = any(
        e.kind == "incident.created" and e.data["incident_id"] == iid
        for e in live.consoles["station"].received
    )

    # the other brigade's console is alive (it gets a call in its own area within the second) ...
    marks = live.marks()
    control, sent, returned = live.call(
        "dispatcher", "/api/dispatch/incidents", {**live.other_point, "type": "rescue"}, 201
    )
    assert control["brigade_id"] != incident["brigade_id"]
    live.expect(
        "incident.created (other brigade)",
        _is("incident.created", incident_id=control["id"]),
        consoles=("other_brigade",),
        marks=marks,
        sent=sent,
        returned=returned,
    )
    # ... and, its stream being first-in first-out, it got nothing of the unit or the call before
    leaked = [e for e in live.consoles["other_brigade"].received if _about({iid}, {unit})(e)]
    assert leaked == [], f"a console of the other brigade saw {leaked}"
    live.report(
        "live events (the station crew "
        + ("also" if station_saw_call else "does not")
        + " receive incident.created of a call before its unit is sent)"
    )


def test_a_refused_write_publishes_nothing(live: Live) -> None:
    unit = live.units[1]
    incident, *_ = live.call(
        "dispatcher", "/api/dispatch/incidents", {**live.home_point, "type": "social"}, 201
    )
    other_call, *_ = live.call(
        "dispatcher", "/api/dispatch/incidents", {**live.home_point, "type": "rescue"}, 201
    )
    marks = live.marks()
    assigned, sent, returned = live.call(
        "dispatcher",
        f"/api/dispatch/incidents/{incident['id']}/assignments",
        {"unit_ids": [unit]},
        201,
    )
    live.expect(
        "unit.status dispatched",
        _is("unit.status", unit_id=unit, status="dispatched"),
        consoles=IN_JURISDICTION,
        marks=marks,
        sent=sent,
        returned=returned,
    )
    # the assignment's own event comes right after the unit's: wait for it too, so it is not
    # mistaken below for something the refused writes published
    live.expect(
        "assignment.created",
        _is("assignment.created", incident_id=incident["id"]),
        consoles=IN_JURISDICTION,
        marks=marks,
        sent=sent,
        returned=returned,
    )
    assignment_id = assigned["assignments"][0]["id"]

    marks = live.marks()
    # refused: an illegal milestone (assigned → on scene skips en route), and the busy unit
    # sent to another call; both answer 409 and roll back
    live.call(
        "station", f"/api/dispatch/assignments/{assignment_id}/status", {"status": "on_scene"}, 409
    )
    live.call(
        "dispatcher",
        f"/api/dispatch/incidents/{other_call['id']}/assignments",
        {"unit_ids": [unit]},
        409,
    )
    # the sentinel: a legal milestone
    _, sent, returned = live.call(
        "station", f"/api/dispatch/assignments/{assignment_id}/status", {"status": "en_route"}, 200
    )
    sentinel = _is("assignment.updated", assignment_id=assignment_id, assignment_status="en_route")
    live.expect(
        "sentinel", sentinel, consoles=IN_JURISDICTION, marks=marks, sent=sent, returned=returned
    )
    for name in IN_JURISDICTION:
        got = [(e.kind, e.data.get("status")) for e in live.consoles[name].since(marks[name])]
        assert got == [("unit.status", "en_route"), ("assignment.updated", "dispatched")], (
            f"{name} received more than the sentinel's events after refused writes: {got}"
        )
    live.report("refused writes")


def test_a_refused_multi_unit_assignment_publishes_nothing(
    live: Live, app_client: TestClient
) -> None:
    busy, first, second = live.units[2:5]
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    incident, *_ = live.call(
        "dispatcher", "/api/dispatch/incidents", {**live.home_point, "type": "fire"}, 201
    )
    iid = incident["id"]
    marks = live.marks()
    _, sent, returned = live.call(
        "dispatcher", f"/api/dispatch/incidents/{iid}/assignments", {"unit_ids": [busy]}, 201
    )
    live.expect(
        "assignment.created",
        _assigned(iid, busy),
        consoles=IN_JURISDICTION,
        marks=marks,
        sent=sent,
        returned=returned,
    )
    marks = live.marks()
    # all or none: two free units and a busy one → 409, nobody is sent
    live.call(
        "dispatcher",
        f"/api/dispatch/incidents/{iid}/assignments",
        {"unit_ids": [first, second, busy]},
        409,
    )
    with factory() as session:
        statuses = [session.get(Unit, u).status for u in (first, second)]
    assert statuses == [UnitStatus.AVAILABLE, UnitStatus.AVAILABLE]
    # the sentinel: the second free unit alone
    _, sent, returned = live.call(
        "dispatcher", f"/api/dispatch/incidents/{iid}/assignments", {"unit_ids": [second]}, 201
    )
    live.expect(
        "sentinel",
        _assigned(iid, second),
        consoles=IN_JURISDICTION,
        marks=marks,
        sent=sent,
        returned=returned,
    )
    for name in IN_JURISDICTION:
        got = [
            (e.kind, e.data.get("unit_id"), e.data.get("status"))
            for e in live.consoles[name].since(marks[name])
        ]
        assert got == [
            ("unit.status", second, "dispatched"),
            ("assignment.created", None, "dispatched"),
        ], f"{name} received events of a rolled-back assignment: {got}"
    live.report("refused multi-unit assignment")
