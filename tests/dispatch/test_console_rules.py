"""The dispatch rules behind the console (issue 15), on the demo city's real roads.

Micro fire stations are first responders beside a graded plan, never its main force unless the
plan says so; 已控制/已扑灭 wait for the first unit on scene unless a commander overrides with a
reason (recorded); the timeline names people, not logins; the closing line carries every figure;
address candidates speak Chinese and say when a house number was not found.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DemoCity

from lanyan.core.audit import AuditLog
from lanyan.core.clock import utcnow
from lanyan.dispatch import recommend as rec
from lanyan.dispatch.service import CLOSING_FIGURES
from lanyan.forces.choices import OrgKind, UnitStatus, UnitType
from lanyan.forces.models import Organization, Unit
from lanyan.planning.coverage import Zone

VADUZ = {"lon": 9.5215, "lat": 47.1395}


def _post(
    client: TestClient, demo: DemoCity, user: str, path: str, body: dict[str, Any], status: int
) -> Any:
    r = client.post(path, json=body, headers=demo.headers(user))
    assert r.status_code == status, (path, r.status_code, r.text)
    return r.json()


def _get(client: TestClient, demo: DemoCity, user: str, path: str, **params: Any) -> Any:
    r = client.get(path, params=params, headers=demo.headers(user))
    assert r.status_code == 200, (path, r.text)
    return r.json()


def _orgs(client: TestClient, demo: DemoCity) -> dict[int, dict[str, Any]]:
    page = _get(client, demo, "demo_admin", "/api/forces/organizations", limit=1000)
    return {o["id"]: o for o in page["items"]}


def _call(client: TestClient, demo: DemoCity, **fields: Any) -> dict[str, Any]:
    body = {**VADUZ, "type": "fire", "caller_number": "13900000000", **fields}
    return dict(_post(client, demo, "demo_dispatcher", "/api/dispatch/incidents", body, 201))


# --- micro stations: first responders, not the main force ---------------------------------------


def _candidate(unit_id: int, kind: OrgKind, eta_s: float) -> rec.Candidate:
    station = Organization(id=100 + unit_id, kind=kind, name=f"org{unit_id}", path="/1/")
    unit = Unit(
        id=unit_id,
        call_sign=f"unit{unit_id}",
        type=UnitType.WATER_TENDER,
        status=UnitStatus.AVAILABLE,
        station_id=station.id,
        station=station,
    )
    return rec.Candidate(unit, eta_s, eta_s * 10, 1, False)


def test_micro_stations_never_fill_a_main_force_slot_unless_the_plan_allows_it() -> None:
    ranked = [
        _candidate(1, OrgKind.MICRO_STATION, 20.0),  # a hospital's, next door
        _candidate(2, OrgKind.MICRO_STATION, 40.0),  # a school's
        _candidate(3, OrgKind.STATION, 200.0),
        _candidate(4, OrgKind.GOV_TEAM, 230.0),
        _candidate(5, OrgKind.SPECIAL_STATION, 260.0),
    ]
    plan = [{"label": "水罐/泡沫车", "unit_types": ["water_tender", "foam"], "count": 3}]
    fills = rec.fill_plan(plan, ranked, own_brigade_id=1, zone=Zone.URBAN, building_height_m=None)
    assert [p.candidate.unit.id for p in fills[0].picks] == [3, 4, 5]
    first = rec.first_responders(fills, ranked)
    assert [p.candidate.unit.id for p in first] == [1]
    assert first[0].first_responder and first[0].requirement == "微型消防站（先期处置）"
    assert "先期处置" in first[0].reason

    allowed = [{**plan[0], "allow_micro_station": True}]
    fills = rec.fill_plan(
        allowed, ranked, own_brigade_id=1, zone=Zone.URBAN, building_height_m=None
    )
    assert [p.candidate.unit.id for p in fills[0].picks] == [1, 2, 3]
    assert rec.first_responders(fills, ranked) == [], "the plan took them: nothing beside it"

    # a micro station beyond its 3-minute arrival standard is no first responder
    far = [_candidate(1, OrgKind.MICRO_STATION, 400.0), *ranked[2:]]
    fills = rec.fill_plan(plan, far, own_brigade_id=1, zone=Zone.URBAN, building_height_m=None)
    assert rec.first_responders(fills, far, micro_arrival_s=180.0) == []


def test_a_high_rise_fire_at_a_hospital_gets_station_appliances_and_its_micro_station_beside(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    orgs = _orgs(app_client, demo_city)
    hospital = next(
        o for o in orgs.values() if o["kind"] == "micro_station" and "Landesspital" in o["name"]
    )
    incident = _call(
        app_client,
        demo_city,
        lon=hospital["lon"],
        lat=hospital["lat"],
        subtype="high_rise_fire",
        match_premises=False,
    )
    path = f"/api/dispatch/incidents/{incident['id']}/recommendation"
    found = _get(app_client, demo_city, "demo_dispatcher", path, routes=False)
    main = [u for u in found["units"] if not u["first_responder"]]
    beside = [u for u in found["units"] if u["first_responder"]]
    assert main and all(orgs[u["station_id"]]["kind"] != "micro_station" for u in main)
    assert len(beside) == 1 and orgs[beside[0]["station_id"]]["kind"] == "micro_station"
    assert beside[0]["requirement"] == "微型消防站（先期处置）"
    assert [u["eta_s"] for u in found["units"]] == sorted(u["eta_s"] for u in found["units"])
    water = next(r for r in found["requirements"] if r["label"] == "水罐/泡沫车")
    assert water["filled"] == water["count"] == 3

    # a plan that lets micro stations fill its water line takes the hospital's tender first
    rules = _get(app_client, demo_city, "demo_admin", "/api/dispatch/plans")
    rule = next(r for r in rules if r["name"] == "高层建筑火灾")
    lines = [
        {**line, "allow_micro_station": line["label"] == "水罐/泡沫车"}
        for line in rule["requirements"]
    ]
    r = app_client.patch(
        f"/api/dispatch/plans/{rule['id']}",
        json={"requirements": lines},
        headers=demo_city.headers("demo_admin"),
    )
    assert r.status_code == 200, r.text
    try:
        found = _get(app_client, demo_city, "demo_dispatcher", path, routes=False)
        water_units = [u for u in found["units"] if u["requirement"] == "水罐/泡沫车"]
        assert any(orgs[u["station_id"]]["kind"] == "micro_station" for u in water_units)
        assert not any(u["first_responder"] for u in found["units"])
    finally:
        app_client.patch(
            f"/api/dispatch/plans/{rule['id']}",
            json={"requirements": rule["requirements"]},
            headers=demo_city.headers("demo_admin"),
        )


# --- 控制/扑灭 wait for the first unit on scene -------------------------------------------------


def _dispatched(client: TestClient, demo: DemoCity) -> tuple[dict[str, Any], list[int]]:
    incident = _call(client, demo)
    path = f"/api/dispatch/incidents/{incident['id']}/recommendation"
    units = [
        u["unit_id"] for u in _get(client, demo, "demo_dispatcher", path, routes=False)["units"]
    ]
    sent = _post(
        client,
        demo,
        "demo_dispatcher",
        f"/api/dispatch/incidents/{incident['id']}/assignments",
        {"unit_ids": units[:2]},
        201,
    )
    return sent, [a["id"] for a in sent["assignments"]]


def test_controlled_and_extinguished_are_refused_before_anyone_is_on_scene(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    incident, assignments = _dispatched(app_client, demo_city)
    path = f"/api/dispatch/incidents/{incident['id']}/status"
    for status in ("controlled", "extinguished"):
        refused = app_client.post(
            path, json={"status": status}, headers=demo_city.headers("demo_dispatcher")
        )
        assert refused.status_code == 409, refused.text
        assert "尚无力量到场" in refused.json()["detail"]
    # en route is not on scene
    _post(
        app_client,
        demo_city,
        "demo_dispatcher",
        f"/api/dispatch/assignments/{assignments[0]}/status",
        {"status": "en_route"},
        200,
    )
    _post(app_client, demo_city, "demo_commander", path, {"status": "controlled"}, 409)
    # the first 到场 of any unit opens the way
    _post(
        app_client,
        demo_city,
        "demo_dispatcher",
        f"/api/dispatch/assignments/{assignments[0]}/status",
        {"status": "on_scene"},
        200,
    )
    done = _post(app_client, demo_city, "demo_dispatcher", path, {"status": "controlled"}, 200)
    assert done["status"] == "controlled"
    entry = next(e for e in done["timeline"] if e["kind"] == "controlled")
    assert entry["detail"] is None, "no override when someone is on scene"


def test_a_commander_overrides_with_a_reason_recorded_in_the_timeline_and_the_audit(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    incident, _ = _dispatched(app_client, demo_city)
    path = f"/api/dispatch/incidents/{incident['id']}/status"
    reason = "单位微型消防站到场前已扑灭，电话核实"
    body = {"status": "extinguished", "override_reason": reason}
    refused = app_client.post(path, json=body, headers=demo_city.headers("demo_dispatcher"))
    assert refused.status_code == 403, refused.text
    assert "指挥员" in refused.json()["detail"]
    done = _post(app_client, demo_city, "demo_commander", path, body, 200)
    assert done["status"] == "extinguished"
    entry = next(e for e in done["timeline"] if e["kind"] == "extinguished")
    assert entry["detail"] == {"override": True, "reason": reason}
    assert entry["actor_name"] == "演示值班指挥员"
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as session:
        row = session.scalars(
            select(AuditLog)
            .where(AuditLog.entity == "incident", AuditLog.entity_id == str(incident["id"]))
            .order_by(AuditLog.id.desc())
        ).first()
    assert row is not None and row.action == "override_status"
    assert row.after == {"status": "extinguished", "override": True, "override_reason": reason}


# --- people's names, every figure, the list without timelines -----------------------------------


def test_timeline_names_people_and_the_closing_line_lists_every_figure(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    incident, assignments = _dispatched(app_client, demo_city)
    iid = incident["id"]
    for aid in assignments:
        for step in ("en_route", "on_scene", "returning", "in_quarters"):
            _post(
                app_client,
                demo_city,
                "demo_dispatcher",
                f"/api/dispatch/assignments/{aid}/status",
                {"status": step},
                200,
            )
    figures = {
        "rescued": 3,
        "evacuated": 40,
        "deaths": 0,
        "serious_injuries": 1,
        "minor_injuries": 2,
        "property_protected_cny": 1_500_000,
        "direct_loss_cny": 86_000,
        "households_affected": 4,
    }
    closed = _post(
        app_client,
        demo_city,
        "demo_dispatcher",
        f"/api/dispatch/incidents/{iid}/close",
        {**figures, "summary": "扑救及时"},
        200,
    )
    timeline = closed["timeline"]
    assert {e["actor_name"] for e in timeline} == {"演示调度员"}, "display names, not logins"
    closing = next(e for e in timeline if e["kind"] == "closed")
    assert {k: closing["detail"][k] for k in figures} == figures
    assert [key for key, _, _ in CLOSING_FIGURES] == list(figures)
    assert {k: closed["report"][k] for k in figures} == figures
    registered = next(e for e in timeline if e["kind"] == "registered")
    assert registered["detail"]["level"] == 1  # the console shows it as 等级：一级

    listed = _get(app_client, demo_city, "demo_dispatcher", "/api/dispatch/incidents", open=True)
    assert listed["items"], "calls of the other tests are still open"
    assert all(item["timeline"] == [] for item in listed["items"]), "lists carry no timelines"
    assert all("assignments" in item for item in listed["items"])


def test_escalation_refusal_names_the_level_in_chinese(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    incident = _call(app_client, demo_city, level=3)
    refused = app_client.post(
        f"/api/dispatch/incidents/{incident['id']}/escalate",
        json={"level": 2, "reason": "测试"},
        headers=demo_city.headers("demo_dispatcher"),
    )
    assert refused.status_code == 409, refused.text
    assert "当前为三级" in refused.json()["detail"]


# --- the intake screen: water by distance, street picks, address candidates ---------------------


def test_water_sources_nearest_first_and_a_street_pick_attaches_no_premises(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    premises = _get(app_client, demo_city, "demo_admin", "/api/premises", limit=1000)["items"]
    shop = next(p for p in premises if p["lon"] is not None)
    at_shop = {"lon": shop["lon"], "lat": shop["lat"]}
    on_street = _call(app_client, demo_city, **at_shop, match_premises=False)
    assert on_street["premises"] is None, "a street pick is not a call at the premises beside it"
    at_it = _call(app_client, demo_city, **at_shop)
    assert at_it["premises"]["id"] == shop["id"]
    chosen = _call(app_client, demo_city, **VADUZ, premises_id=shop["id"], match_premises=False)
    assert chosen["premises"]["id"] == shop["id"], "a premises candidate picked is attached"

    water = _call(app_client, demo_city)["water_sources"]
    assert water, "hydrants near Vaduz town centre"
    assert [w["metres"] for w in water] == sorted(w["metres"] for w in water)


def test_address_candidates_speak_chinese_and_find_stations_by_what_dispatchers_type(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    def search(q: str) -> list[dict[str, Any]]:
        found = _get(app_client, demo_city, "demo_dispatcher", "/api/dispatch/geocode", q=q)
        return list(found["candidates"])

    # the intake form's own placeholder example: Vaduz has a 政府专职消防队, found by 消防救援站
    station = search("瓦杜兹消防救援站")
    assert station and station[0]["label"] == "瓦杜兹政府专职消防队"
    assert station[0]["kind_zh"] == "消防站/队"
    assert search("沙恩特勤站")[0]["label"] == "沙恩特勤站"

    street = search("Landstrasse 999 Schaan")
    assert street, street
    first = street[0]
    assert first["kind"] == "street" and first["kind_zh"] == "街道/道路"
    assert first["housenumber_found"] is False
    assert first["note"] and "未找到门牌号 999" in first["note"]
    assert all(c["kind_zh"] and not c["kind_zh"].isascii() for c in street)


def test_person_names_reach_the_timeline_from_the_login() -> None:
    """The actor built from a user carries the person's name (what timelines show)."""
    from lanyan.accounts.models import User
    from lanyan.accounts.service import actor_for
    from lanyan.core.permissions import Role

    org = Organization(id=1, kind=OrgKind.DETACHMENT, name="支队", path="/1/")
    user = User(
        id=7,
        username="wang.jg",
        display_name="王建国",
        role=Role.DISPATCHER,
        organization_id=1,
        organization=org,
        created_at=utcnow(),
    )
    actor = actor_for(user)
    assert actor.display_name == "王建国" and actor.username == "wang.jg"


def test_every_geocoder_note_reads_in_chinese() -> None:
    from lanyan.dispatch.geocode import note_zh

    road = "Landstrasse"
    zh_road = "兰德大街12号"
    notes = {
        f"house number 12 not found on {road}; placed at number 8": (
            f"未找到门牌号 12（{road}），已定位到最近的 8 号"
        ),
        f"house number 12 not found on {road}; placed on the street": (
            f"未找到门牌号 12（{road}），已定位到该道路"
        ),
        "house number 3 not part of Coop（超市）": "门牌号 3 不属于“Coop（超市）”，已定位到该处",
        f"{zh_road} not found; placed on the road": f"未找到门牌 {zh_road}，已定位到该道路",
        f"{zh_road} not found; placed between 10号 and 14号": (
            f"未找到门牌 {zh_road}，已定位到 10号 与 14号 之间"
        ),
        f"{zh_road} not found; placed at 10号": f"未找到门牌 {zh_road}，已定位到 10号",
        "A and B are 420 m apart": "A 与 B 相距 420 米，路口位置仅供参考",
    }
    for note, zh in notes.items():
        assert note_zh(note) == zh
    assert note_zh(None) is None
