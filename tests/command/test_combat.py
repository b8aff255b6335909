"""Combat units (作战编成) filled whole by the recommendation, and reinforcement across
detachments (issue 19, acceptance 1 and 3), through the API on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.accounts.schemas import UserCreate
from lanyan.accounts.service import create_user
from lanyan.command.combat_models import (
    REQUEST_TRANSITIONS,
    CombatUnit,
    ReinforcementRequest,
    RequestStatus,
)
from lanyan.core.actor import SYSTEM
from lanyan.core.audit import AuditLog
from lanyan.core.permissions import Role
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind, UnitStatus, UnitType
from lanyan.forces.models import Unit
from lanyan.forces.schemas import OrganizationCreate, UnitCreate
from tests.factories import PASSWORD, World, login

VADUZ = {"lon": 9.5215, "lat": 47.1395}
ASSAULT = "灭火攻坚编成"


@dataclass
class Setup:
    world: World
    factory: sessionmaker[Session]
    a_units: dict[str, int]
    b_ladder: int
    b_rescue: int
    det2_units: list[int]
    det2_brigade: int
    det2_id: int


def _unit(session: Session, station_id: int, tag: str, unit_type: UnitType, **extra: Any) -> int:
    unit = forces.create_unit(
        session,
        actor=SYSTEM,
        data=UnitCreate(
            external_id=f"t:cmb:{tag.encode().hex()}",
            call_sign=tag,
            type=unit_type,
            station_id=station_id,
            crew_on_duty=5,
            **extra,
        ),
    )
    return unit.id


@pytest.fixture(scope="module")
def setup(app_client: TestClient, world: World) -> Setup:
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as s:
        a_units = {
            "water": world.a.unit_id,
            "rescue": _unit(s, world.a.station_id, "a抢险1", UnitType.RESCUE),
            "ladder": _unit(
                s, world.a.station_id, "a登高1", UnitType.AERIAL_PLATFORM, ladder_height_m=32
            ),
        }
        b_ladder = _unit(s, world.b.station_id, "b云梯1", UnitType.LADDER, ladder_height_m=53)
        b_rescue = _unit(s, world.b.station_id, "b抢险1", UnitType.RESCUE)
        det2 = forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="t:cmb:det2",
                name="邻市支队",
                kind=OrgKind.DETACHMENT,
                parent_id=world.root_id,
            ),
        )
        brigade = forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="t:cmb:det2-brigade",
                name="邻市大队",
                kind=OrgKind.BRIGADE,
                parent_id=det2.id,
                lon=9.53,
                lat=47.16,
            ),
        )
        station = forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="t:cmb:det2-station",
                name="邻市特勤站",
                kind=OrgKind.STATION,
                parent_id=brigade.id,
                lon=9.53,
                lat=47.16,
            ),
        )
        det2_units = [
            _unit(s, station.id, f"邻市水罐{i}", UnitType.WATER_TENDER, water_l=8000)
            for i in range(1, 5)
        ]
        for name, role, org_id in (
            ("commander2", Role.COMMANDER, det2.id),
            ("corps_admin", Role.ADMIN, world.root_id),
        ):
            create_user(
                s,
                actor=SYSTEM,
                data=UserCreate(
                    username=name,
                    display_name=name,
                    role=role,
                    organization_id=org_id,
                    password=PASSWORD,
                ),
            )
        s.commit()
    world.tokens["commander2"] = login(app_client, "commander2")
    world.tokens["corps_admin"] = login(app_client, "corps_admin")
    return Setup(world, factory, a_units, b_ladder, b_rescue, det2_units, brigade.id, det2.id)


def _h(setup: Setup, user: str) -> dict[str, str]:
    return setup.world.headers(user)


def _post(client: TestClient, path: str, headers: dict[str, str], body: Any) -> Any:
    r = client.post(path, json=body, headers=headers)
    assert r.status_code in (200, 201), (path, r.status_code, r.text)
    return r.json()


def _combat_units(setup: Setup) -> int:
    with setup.factory() as s:
        return int(s.scalar(select(func.count()).select_from(CombatUnit)) or 0)


def _incident(client: TestClient, setup: Setup, **extra: Any) -> int:
    body = {**VADUZ, "type": "fire", "subtype": "factory_warehouse_fire", **extra}
    return int(_post(client, "/api/dispatch/incidents", _h(setup, "admin_det"), body)["id"])


def test_a_plan_asking_for_a_combat_unit_gets_it_whole_and_says_so(
    app_client: TestClient, setup: Setup
) -> None:
    a = setup.a_units
    group = _post(
        app_client,
        "/api/command/combat-units",
        _h(setup, "commander"),
        {
            "station_id": setup.world.a.station_id,
            "kind": ASSAULT,
            "name": "a站灭火攻坚编成",
            "members": [
                {"unit_id": a["water"], "role": "主战车"},
                {"unit_id": a["rescue"], "role": "攻坚车"},
                {"unit_id": a["ladder"], "role": "举高车"},
            ],
        },
    )
    assert group["ready"] and group["crew_total"] == 15
    _post(
        app_client,
        "/api/dispatch/plans",
        _h(setup, "admin_det"),
        {
            "name": "厂房仓库火灾（作战编成）",
            "incident_type": "fire",
            "subtype": "factory_warehouse_fire",
            "level": 1,
            "source": "测试",
            "requirements": [
                {"label": ASSAULT, "combat_unit": ASSAULT, "count": 1},
                {"label": "举高车", "unit_types": ["ladder", "aerial_platform"], "count": 1},
            ],
        },
    )
    iid = _incident(app_client, setup)
    rec = app_client.get(
        f"/api/dispatch/incidents/{iid}/recommendation", headers=_h(setup, "admin_det")
    ).json()
    by_line: dict[str, list[dict[str, Any]]] = {}
    for unit in rec["units"]:
        by_line.setdefault(unit["requirement"], []).append(unit)
    assert {u["unit_id"] for u in by_line[ASSAULT]} == set(a.values())
    for unit in by_line[ASSAULT]:
        assert "a站灭火攻坚编成整建制出动" in unit["reason"], unit["reason"]
        assert "全部到场" in unit["reason"]
    assert [u["unit_id"] for u in by_line["举高车"]] == [setup.b_ladder]
    lines = {r["label"]: r for r in rec["requirements"]}
    assert lines[ASSAULT]["filled"] == 3 and lines[ASSAULT]["missing"] == 0
    assert lines["举高车"]["filled"] == 1

    # the group's rescue truck goes out of service: single vehicles of its types, explained
    with setup.factory() as s:
        unit = s.get(Unit, a["rescue"])
        assert unit is not None
        unit.status = UnitStatus.OUT_OF_SERVICE
        s.commit()
    try:
        rec = app_client.get(
            f"/api/dispatch/incidents/{iid}/recommendation", headers=_h(setup, "admin_det")
        ).json()
        assault = [u for u in rec["units"] if u["requirement"] == ASSAULT]
        assert len(assault) == 3
        assert setup.b_rescue in {u["unit_id"] for u in assault}
        assert all("无完整可用的灭火攻坚编成" in u["reason"] for u in assault)
    finally:
        with setup.factory() as s:
            unit = s.get(Unit, a["rescue"])
            assert unit is not None
            unit.status = UnitStatus.AVAILABLE
            s.commit()


def test_a_combat_unit_of_another_stations_vehicles_is_refused_and_nothing_written(
    app_client: TestClient, setup: Setup
) -> None:
    before = _combat_units(setup)
    for members, status in (
        ([setup.a_units["water"], setup.b_ladder], 422),  # another station's vehicle
        ([setup.a_units["water"], setup.a_units["water"]], 422),  # twice
        ([setup.a_units["water"]], 422),  # a group is at least two vehicles
    ):
        r = app_client.post(
            "/api/command/combat-units",
            json={
                "station_id": setup.world.a.station_id,
                "kind": ASSAULT,
                "name": "坏编成",
                "members": [{"unit_id": u, "role": "车"} for u in members],
            },
            headers=_h(setup, "commander"),
        )
        assert r.status_code == status, r.text
    r = app_client.post(
        "/api/command/combat-units",
        json={"station_id": setup.world.b.station_id, "kind": "x", "name": "y", "members": []},
        headers=_h(setup, "dispatcher_a"),
    )
    assert r.status_code in (403, 422)
    assert _combat_units(setup) == before
    r = app_client.post(
        "/api/dispatch/plans",
        json={
            "name": "空行",
            "incident_type": "fire",
            "level": 1,
            "source": "测试",
            "requirements": [{"label": "空", "count": 1}],
        },
        headers=_h(setup, "admin_det"),
    )
    assert r.status_code == 422, "a line names vehicle types or a combat unit"


def _request(client: TestClient, setup: Setup, iid: int, **extra: Any) -> dict[str, Any]:
    body = {
        "to_org_id": setup.det2_id,
        "needs": [{"label": "水罐车", "unit_types": ["water_tender"], "count": 2}],
        **extra,
    }
    return dict(
        _post(client, f"/api/command/incidents/{iid}/reinforcements", _h(setup, "commander"), body)
    )


def test_an_accepted_reinforcement_puts_the_neighbours_units_on_the_incident(
    app_client: TestClient, setup: Setup
) -> None:
    iid = _incident(app_client, setup, address_text="工业路8号")
    request = _request(app_client, setup, iid, note="火势蔓延，本支队力量不足")
    assert request["status"] == "requested" and request["direction"] == "outgoing"

    # the neighbour sees the request, not the incident nor anything else of the detachment
    n = _h(setup, "commander2")
    listed = app_client.get("/api/command/reinforcements", headers=n).json()["items"]
    assert [r["id"] for r in listed] == [request["id"]]
    assert listed[0]["direction"] == "incoming" and "工业路8号" in listed[0]["incident_summary"]
    assert app_client.get(f"/api/dispatch/incidents/{iid}", headers=n).status_code == 404
    incidents = app_client.get("/api/dispatch/incidents", headers=n).json()["items"]
    assert incidents == []
    assert app_client.get(f"/api/command/incidents/{iid}/review", headers=n).status_code == 404

    # the requester cannot answer its own request; the neighbour cannot send others' units
    r = app_client.post(
        f"/api/command/reinforcements/{request['id']}/accept",
        json={"unit_ids": [setup.world.b.unit_id]},
        headers=_h(setup, "commander"),
    )
    assert r.status_code == 403
    r = app_client.post(
        f"/api/command/reinforcements/{request['id']}/accept",
        json={"unit_ids": [setup.world.b.unit_id]},
        headers=n,
    )
    assert r.status_code == 422
    chosen = setup.det2_units[:2]
    accepted = _post(
        app_client,
        f"/api/command/reinforcements/{request['id']}/accept",
        n,
        {"unit_ids": chosen, "note": "派两车"},
    )
    assert accepted["status"] == "accepted"
    assert {u["unit_id"] for u in accepted["units"]} == set(chosen)
    # 队次/辆次/人次 on the incident row: one station of the neighbour, two units of five each
    assert _turnouts(setup)[iid] == (1, 2, 10)

    # the requesting side tracks them like its own, each with its own ETA from the road network
    incident = app_client.get(
        f"/api/dispatch/incidents/{iid}", headers=_h(setup, "commander")
    ).json()
    sent = {a["unit_id"]: a for a in incident["assignments"]}
    assert set(chosen) <= set(sent)
    for unit_id in chosen:
        eta = sent[unit_id]["eta_s"]
        assert eta is not None and eta > 0
        routed = app_client.get(
            "/api/planning/route",
            params={"unit_id": unit_id, "incident_id": iid},
            headers=_h(setup, "corps_admin"),
        ).json()
        # the route ends at the snapped node, the ETA at the road point beside the incident
        assert abs(routed["properties"]["seconds"] - eta) <= 5.0
    # the neighbour works its own units' orders (an assignment is seen where its unit is based)
    mine = app_client.post(
        f"/api/dispatch/assignments/{sent[chosen[0]]['id']}/status",
        json={"status": "en_route"},
        headers=n,
    )
    assert mine.status_code == 200, mine.text


def test_every_pair_of_the_request_machine(app_client: TestClient, setup: Setup) -> None:
    """Each status × each move: the legal ones answer 200 and leave an audit row, the others 409."""
    moves = {
        RequestStatus.ACCEPTED: ("accept", "commander2"),
        RequestStatus.REFUSED: ("refuse", "commander2"),
        RequestStatus.CANCELLED: ("cancel", "commander"),
        RequestStatus.RELEASED: ("release", "commander"),
    }
    spare = list(setup.det2_units[2:])

    def body(move: str) -> dict[str, Any]:
        return {"unit_ids": [spare[0]]} if move == "accept" else {"note": "测试"}

    def reach(status: RequestStatus) -> int:
        iid = _incident(app_client, setup)
        rid = int(_request(app_client, setup, iid)["id"])
        path = {
            RequestStatus.REQUESTED: [],
            RequestStatus.ACCEPTED: [RequestStatus.ACCEPTED],
            RequestStatus.REFUSED: [RequestStatus.REFUSED],
            RequestStatus.CANCELLED: [RequestStatus.CANCELLED],
            RequestStatus.RELEASED: [RequestStatus.ACCEPTED, RequestStatus.RELEASED],
        }[status]
        for step in path:
            move, user = moves[step]
            _post(
                app_client, f"/api/command/reinforcements/{rid}/{move}", _h(setup, user), body(move)
            )
            if move == "accept":
                _free(setup, spare[0])
        return rid

    for start in RequestStatus:
        for target, (move, user) in moves.items():
            rid = reach(start)
            audits = _audits(setup)
            r = app_client.post(
                f"/api/command/reinforcements/{rid}/{move}",
                json=body(move),
                headers=_h(setup, user),
            )
            if target in REQUEST_TRANSITIONS[start]:
                assert r.status_code == 200, (start, move, r.text)
                assert _audits(setup) > audits
                if move == "accept":
                    _free(setup, spare[0])
            else:
                assert r.status_code == 409, (start, move, r.status_code, r.text)
                assert _audits(setup) == audits
            with setup.factory() as s:
                row = s.get(ReinforcementRequest, rid)
                assert row is not None
                assert row.status == (target if r.status_code == 200 else start)
    # accepted, refused, cancelled or released: every incident's turnout equals its assignments
    assert _turnouts(setup) == _turnouts(setup, grouped=True)


def _turnouts(setup: Setup, *, grouped: bool = False) -> dict[int, tuple[int, int, int]]:
    """队次/辆次/人次 per incident: kept on the row, or (``grouped``) counted from the
    assignments and their units' stations."""
    from lanyan.dispatch.models import Assignment, Incident

    with setup.factory() as s:
        if not grouped:
            rows = s.execute(
                select(
                    Incident.id,
                    Incident.turnout_stations,
                    Incident.turnout_units,
                    Incident.turnout_people,
                )
            )
            return {int(i): (st, u, p) for i, st, u, p in rows}
        rows = s.execute(
            select(
                Incident.id,
                func.count(func.distinct(Unit.station_id)),
                func.count(Assignment.id),
                func.coalesce(func.sum(Assignment.crew_sent), 0),
            )
            .outerjoin(Assignment, Assignment.incident_id == Incident.id)
            .outerjoin(Unit, Unit.id == Assignment.unit_id)
            .group_by(Incident.id)
        )
        return {int(i): (int(st), int(u), int(p)) for i, st, u, p in rows}


def _audits(setup: Setup) -> int:
    with setup.factory() as s:
        return int(s.scalar(select(func.count()).select_from(AuditLog)) or 0)


def _free(setup: Setup, unit_id: int) -> None:
    """Put a unit sent on a request back in quarters (the walk of states reuses few units)."""
    from lanyan.dispatch.choices import AssignmentStatus
    from lanyan.dispatch.models import Assignment

    with setup.factory() as s:
        for assignment in s.scalars(
            select(Assignment).where(
                Assignment.unit_id == unit_id, Assignment.status != AssignmentStatus.IN_QUARTERS
            )
        ):
            assignment.status = AssignmentStatus.IN_QUARTERS
        unit = s.get(Unit, unit_id)
        assert unit is not None
        unit.status = UnitStatus.AVAILABLE
        s.commit()


def test_bad_requests_are_refused_and_nothing_written(app_client: TestClient, setup: Setup) -> None:
    iid = _incident(app_client, setup)
    with setup.factory() as s:
        before = int(s.scalar(select(func.count()).select_from(ReinforcementRequest)) or 0)
    for body, status in (
        ({"to_org_id": setup.det2_brigade, "needs": [{"label": "车", "count": 1}]}, 422),
        ({"to_org_id": setup.world.detachment_id, "needs": [{"label": "车", "count": 1}]}, 422),
        ({"to_org_id": setup.det2_id, "needs": []}, 422),
        ({"to_org_id": 999_999, "needs": [{"label": "车", "count": 1}]}, 422),
    ):
        r = app_client.post(
            f"/api/command/incidents/{iid}/reinforcements",
            json=body,
            headers=_h(setup, "commander"),
        )
        assert r.status_code == status, (body, r.text)
    r = app_client.post(
        f"/api/command/incidents/{iid}/reinforcements",
        json={"to_org_id": setup.det2_id, "needs": [{"label": "车", "count": 1}]},
        headers=_h(setup, "commander2"),
    )
    assert r.status_code == 404, "the neighbour cannot ask on an incident it does not see"
    with setup.factory() as s:
        after = int(s.scalar(select(func.count()).select_from(ReinforcementRequest)) or 0)
    assert after == before


def test_the_command_desk_opens_by_the_permission_table(
    app_client: TestClient, setup: Setup
) -> None:
    iid = _incident(app_client, setup)
    for user, status in (("commander", 200), ("leader", 200), ("crew_a", 403)):
        # pages read the session cookie the login sets
        app_client.post("/api/auth/login", json={"username": user, "password": PASSWORD})
        try:
            for path in ("/command", f"/command/incidents/{iid}"):
                r = app_client.get(path, follow_redirects=False)
                assert r.status_code == status, (user, path)
                if status == 200:
                    assert "指挥作战" in r.text and "command.js" in r.text
        finally:
            app_client.cookies.clear()
    targets = app_client.get(
        "/api/command/reinforcement-targets", headers=_h(setup, "commander")
    ).json()
    assert [t["name"] for t in targets] == ["测试总队", "邻市支队"]
