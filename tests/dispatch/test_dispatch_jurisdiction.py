"""A dispatcher of brigade B sees nothing of brigade A through any dispatch read.

Brigade B answers for the whole city here (its jurisdiction polygon covers the demo extract), so
every call taken through the API lands in B; brigade A's incident and its assignment are written
straight into the database at the same place, from the same caller. B's dispatcher must not see
A's call as a probable duplicate, in the caller's history, in the list, by id, through the
recommendation, the assignment or the status routes; B's crew not in its orders. The detachment's
commander, who covers both, does see it in each place: the same requests could have leaked it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.core.clock import utcnow
from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentType
from lanyan.dispatch.models import Assignment, Incident
from lanyan.forces.choices import UnitStatus
from lanyan.forces.models import Organization, Unit

VADUZ = {"lon": 9.5215, "lat": 47.1395}
CALLER = "13700000077"
CITY = {
    "type": "Polygon",
    "coordinates": [[[9.3, 46.9], [9.8, 46.9], [9.8, 47.4], [9.3, 47.4], [9.3, 46.9]]],
}


@pytest.fixture(scope="module")
def a_call(app_client: TestClient, world: World) -> dict[str, int]:
    """Brigade A's open incident at Vaduz with A's unit on it; B answers for the city."""
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    now = utcnow()
    with factory() as session:
        brigade_b = session.get(Organization, world.b.brigade_id)
        assert brigade_b is not None
        brigade_b.jurisdiction = CITY
        incident = Incident(
            number="A-0001",
            status=IncidentStatus.DISPATCHED,
            type=IncidentType.FIRE,
            level=1,
            caller_number=CALLER,
            address_text="A大队辖区的警情",
            lon=VADUZ["lon"],
            lat=VADUZ["lat"],
            brigade_id=world.a.brigade_id,
            received_at=now - timedelta(minutes=2),
        )
        session.add(incident)
        session.flush()
        assignment = Assignment(
            incident_id=incident.id,
            unit_id=world.a.unit_id,
            status=AssignmentStatus.ASSIGNED,
            assigned_at=now - timedelta(minutes=1),
        )
        session.add(assignment)
        unit = session.get(Unit, world.a.unit_id)
        assert unit is not None
        unit.status = UnitStatus.DISPATCHED
        session.commit()
        return {"incident": incident.id, "assignment": assignment.id}


def _take_call(client: TestClient, world: World, user: str) -> dict[str, object]:
    response = client.post(
        "/api/dispatch/incidents",
        headers=world.headers(user),
        json={**VADUZ, "lon": VADUZ["lon"] + 0.0005, "type": "fire", "caller_number": CALLER},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _ids(items: object) -> set[int]:
    assert isinstance(items, list)
    return {int(x["id"]) for x in items}


def test_duplicates_and_caller_history_stay_in_the_brigade(
    app_client: TestClient, world: World, a_call: dict[str, int]
) -> None:
    theirs = a_call["incident"]
    mine = _take_call(app_client, world, "dispatcher_b")
    assert mine["brigade_id"] == world.b.brigade_id
    assert theirs not in _ids(mine["probable_duplicates"])
    assert theirs not in _ids(mine["caller_history"])
    again = app_client.get(
        f"/api/dispatch/incidents/{mine['id']}", headers=world.headers("dispatcher_b")
    ).json()
    assert theirs not in _ids(again["probable_duplicates"])
    assert theirs not in _ids(again["caller_history"])
    assert mine["id"] in _ids(
        _take_call(app_client, world, "dispatcher_b")["probable_duplicates"]
    ), "B's own earlier call is a duplicate: the check itself works"

    # the detachment's commander covers both brigades and sees A's call in the same places
    above = _take_call(app_client, world, "commander")
    assert theirs in _ids(above["probable_duplicates"])
    assert theirs in _ids(above["caller_history"])


def test_no_dispatch_route_shows_or_touches_another_brigades_call(
    app_client: TestClient, world: World, a_call: dict[str, int]
) -> None:
    theirs, their_assignment = a_call["incident"], a_call["assignment"]
    b = world.headers("dispatcher_b")
    listed = app_client.get("/api/dispatch/incidents", params={"limit": 1000}, headers=b).json()
    assert theirs not in _ids(listed["items"])
    assert listed["total"] == len(listed["items"])
    for path in (f"/incidents/{theirs}", f"/incidents/{theirs}/recommendation"):
        assert app_client.get(f"/api/dispatch{path}", headers=b).status_code == 404, path
    refused = {
        f"/incidents/{theirs}/assignments": {"unit_ids": [world.b.unit_id]},
        f"/incidents/{theirs}/escalate": {"level": 2},
        f"/incidents/{theirs}/status": {"status": "controlled"},
        f"/incidents/{theirs}/close": {},
        f"/assignments/{their_assignment}/status": {"status": "en_route"},
    }
    for path, body in refused.items():
        response = app_client.post(f"/api/dispatch{path}", json=body, headers=b)
        assert response.status_code == 404, (path, response.text)
    orders = app_client.get("/api/dispatch/my-orders", headers=world.headers("crew_b")).json()
    assert their_assignment not in {o["assignment"]["id"] for o in orders["items"]}

    # the same requests reach A's call for the commander above both brigades and for A's crew
    c = world.headers("commander")
    listed = app_client.get("/api/dispatch/incidents", params={"limit": 1000}, headers=c).json()
    assert theirs in _ids(listed["items"])
    assert app_client.get(f"/api/dispatch/incidents/{theirs}", headers=c).status_code == 200
    orders = app_client.get("/api/dispatch/my-orders", headers=world.headers("crew_a")).json()
    assert their_assignment in {o["assignment"]["id"] for o in orders["items"]}


def test_a_unit_of_another_brigade_cannot_be_sent(
    app_client: TestClient, world: World, a_call: dict[str, int]
) -> None:
    mine = _take_call(app_client, world, "dispatcher_b")
    response = app_client.post(
        f"/api/dispatch/incidents/{mine['id']}/assignments",
        json={"unit_ids": [world.a.unit_id]},
        headers=world.headers("dispatcher_b"),
    )
    assert response.status_code == 404, response.text
    recommended = app_client.get(
        f"/api/dispatch/incidents/{mine['id']}/recommendation",
        params={"routes": False},
        headers=world.headers("dispatcher_b"),
    ).json()
    seen = {u["unit_id"] for u in recommended["units"]} | {
        u["unit_id"] for u in recommended["alternatives"]
    }
    assert world.a.unit_id not in seen
    assert world.b.unit_id in seen
