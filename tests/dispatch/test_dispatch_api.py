"""A 119 call from intake to closing report through the API, on the demo city's real roads."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import DemoCity

# Vaduz town centre (Städtle), a real built-up point of the demo extract
VADUZ = {"lon": 9.5215, "lat": 47.1395}


def _post(client: TestClient, demo: DemoCity, user: str, path: str, body: dict[str, Any]) -> Any:
    r = client.post(path, json=body, headers=demo.headers(user))
    assert r.status_code in (200, 201), (path, r.status_code, r.text)
    return r.json()


def test_call_from_intake_to_closing_report(app_client: TestClient, demo_city: DemoCity) -> None:
    d = "demo_dispatcher"
    incident = _post(
        app_client,
        demo_city,
        d,
        "/api/dispatch/incidents",
        {
            "caller_number": "13800138000",
            "caller_name": "王先生",
            "address_text": "Städtle 5, Vaduz",
            **VADUZ,
            "type": "fire",
            "subtype": "residential_fire",
            "level": 1,
            "description": "三楼冒烟，有人被困",
        },
    )
    assert incident["status"] == "received"
    assert incident["number"].isdigit()
    assert incident["brigade_name"]
    assert incident["water_sources"], "hydrants reachable by road near the scene are listed"
    assert incident["water_sources"] == sorted(incident["water_sources"], key=lambda w: w["metres"])
    iid = incident["id"]

    rec = app_client.get(
        f"/api/dispatch/incidents/{iid}/recommendation", headers=demo_city.headers(d)
    ).json()
    assert rec["plan"]["name"]
    assert rec["units"], rec
    first = rec["units"][0]
    assert first["eta_s"] > 0
    assert "预计" in first["reason"]
    assert first["route"]["geometry"]["type"] == "LineString"
    etas = [u["eta_s"] for u in rec["units"] if u["requirement"] == first["requirement"]]
    assert etas == sorted(etas)
    unit_ids = [u["unit_id"] for u in rec["units"]]
    routed = app_client.get(
        "/api/planning/route",
        params={"unit_id": unit_ids[0], "incident_id": iid},
        headers=demo_city.headers(d),
    ).json()
    assert abs(routed["properties"]["seconds"] - first["eta_s"]) <= 1.0

    assigned = _post(
        app_client,
        demo_city,
        d,
        f"/api/dispatch/incidents/{iid}/assignments",
        {"unit_ids": unit_ids},
    )
    assert assigned["status"] == "dispatched"
    assert {a["unit_id"] for a in assigned["assignments"]} == set(unit_ids)
    unit = app_client.get(f"/api/forces/units/{unit_ids[0]}", headers=demo_city.headers(d)).json()
    assert unit["status"] == "dispatched"
    # 队次 / 辆次 / 人次: each assignment holds the crew its unit had when sent
    crews = {
        uid: app_client.get(f"/api/forces/units/{uid}", headers=demo_city.headers(d)).json()[
            "crew_on_duty"
        ]
        for uid in unit_ids
    }
    assert {a["unit_id"]: a["crew_sent"] for a in assigned["assignments"]} == crews
    assert assigned["turnout"] == {
        "stations": len({u["station_id"] for u in rec["units"]}),
        "units": len(unit_ids),
        "people": sum(crews.values()),
    }

    steps = ["en_route", "on_scene", "water_on", "returning", "in_quarters"]
    for step in steps[:3]:
        for a in assigned["assignments"]:
            if step == "water_on" and a["unit_type"] not in ("water_tender", "foam"):
                continue
            _post(
                app_client,
                demo_city,
                d,
                f"/api/dispatch/assignments/{a['id']}/status",
                {"status": step},
            )
    _post(
        app_client,
        demo_city,
        d,
        f"/api/dispatch/incidents/{iid}/escalate",
        {"level": 2, "reason": "火势蔓延"},
    )
    busy_close = app_client.post(
        f"/api/dispatch/incidents/{iid}/close", json={}, headers=demo_city.headers(d)
    )
    assert busy_close.status_code == 409
    for status in ("controlled", "extinguished"):
        _post(app_client, demo_city, d, f"/api/dispatch/incidents/{iid}/status", {"status": status})
    for step in steps[3:]:
        for a in assigned["assignments"]:
            _post(
                app_client,
                demo_city,
                d,
                f"/api/dispatch/assignments/{a['id']}/status",
                {"status": step},
            )
    closed = _post(
        app_client,
        demo_city,
        d,
        f"/api/dispatch/incidents/{iid}/close",
        {
            "rescued": 2,
            "evacuated": 15,
            "deaths": 0,
            "serious_injuries": 0,
            "minor_injuries": 1,
            "property_protected_cny": 800_000,
            "direct_loss_cny": 120_000,
            "summary": "扑救及时",
        },
    )
    assert closed["status"] == "closed"
    assert closed["fire_grade"] == "一般火灾"
    # received today: graded by 消防〔2025〕17号; a minor injury keeps it out of 轻微火灾
    assert closed["fire_grade_value"] == "ordinary"
    assert closed["fire_grade_edition"] == "2025"
    assert "消防〔2025〕17号" in closed["fire_grade_rules"]
    assert closed["slight_fire"] is False
    assert closed["report"]["households_affected"] == 0
    kinds = [e["kind"] for e in closed["timeline"]]
    for kind in (
        "received",
        "registered",
        "dispatched",
        "en_route",
        "on_scene",
        "water_on",
        "escalated",
        "controlled",
        "extinguished",
        "returning",
        "in_quarters",
        "closed",
    ):
        assert kind in kinds, kind
    assert kinds[0] == "received"
    assert kinds[-1] == "closed"
    times = [e["at"] for e in closed["timeline"]]
    assert times == sorted(times)
    for a in closed["assignments"]:
        assert a["assigned_at"] and a["en_route_at"] and a["on_scene_at"]
        assert a["returning_at"] and a["in_quarters_at"]
    unit = app_client.get(f"/api/forces/units/{unit_ids[0]}", headers=demo_city.headers(d)).json()
    assert unit["status"] == "available"


def test_high_rise_plan_asks_for_a_ladder_tall_enough(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    h = demo_city.headers("demo_admin")
    premises = app_client.get(
        "/api/premises", params={"category": "key_unit", "limit": 1}, headers=h
    ).json()["items"][0]
    app_client.patch(f"/api/premises/{premises['id']}", json={"height_m": 40}, headers=h)
    hazard = app_client.post(
        "/api/hazards",
        headers=h,
        json={"premises_id": premises["id"], "title": "消防控制室无人值守", "severity": "major"},
    )
    assert hazard.status_code == 201
    incident = _post(
        app_client,
        demo_city,
        "demo_dispatcher",
        "/api/dispatch/incidents",
        {
            "lon": premises["lon"],
            "lat": premises["lat"],
            "type": "fire",
            "subtype": "high_rise_fire",
            "premises_id": premises["id"],
        },
    )
    assert incident["premises"]["height_m"] == 40
    assert hazard.json()["id"] in {x["id"] for x in incident["open_hazards"]}
    rec = app_client.get(
        f"/api/dispatch/incidents/{incident['id']}/recommendation",
        params={"routes": False},
        headers=h,
    ).json()
    aerial = [u for u in rec["units"] if "举高" in u["requirement"]]
    assert aerial, rec["requirements"]
    ladder = app_client.get(f"/api/forces/units/{aerial[0]['unit_id']}", headers=h).json()
    assert ladder["ladder_height_m"] >= 40
    assert "建筑40米" in aerial[0]["reason"]


def test_duplicates_and_caller_history(app_client: TestClient, demo_city: DemoCity) -> None:
    d = "demo_dispatcher"
    body = {
        "caller_number": "13900000001",
        **VADUZ,
        "type": "rescue",
        "subtype": "traffic_accident",
    }
    first = _post(app_client, demo_city, d, "/api/dispatch/incidents", body)
    second = _post(
        app_client, demo_city, d, "/api/dispatch/incidents", {**body, "lon": VADUZ["lon"] + 0.0005}
    )
    assert first["id"] in {x["id"] for x in second["probable_duplicates"]}
    assert first["id"] in {x["id"] for x in second["caller_history"]}


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    h = demo_city.headers("demo_dispatcher")
    before = app_client.get("/api/dispatch/incidents", headers=h).json()["total"]
    outside = app_client.post(
        "/api/dispatch/incidents", headers=h, json={"lon": 116.4, "lat": 39.9, "type": "fire"}
    )
    assert outside.status_code == 422
    assert "不在本市" in outside.json()["detail"]
    wrong_subtype = app_client.post(
        "/api/dispatch/incidents",
        headers=h,
        json={**VADUZ, "type": "social", "subtype": "chemical_fire"},
    )
    assert wrong_subtype.status_code == 422
    assert app_client.get("/api/dispatch/incidents", headers=h).json()["total"] == before

    incident = _post(
        app_client,
        demo_city,
        "demo_dispatcher",
        "/api/dispatch/incidents",
        {**VADUZ, "type": "social", "subtype": "door_opening"},
    )
    unknown = app_client.post(
        f"/api/dispatch/incidents/{incident['id']}/assignments",
        json={"unit_ids": [999999]},
        headers=h,
    )
    assert unknown.status_code == 404
    rec = app_client.get(
        f"/api/dispatch/incidents/{incident['id']}/recommendation",
        params={"routes": False},
        headers=h,
    ).json()
    uid = rec["units"][0]["unit_id"]
    detail = _post(
        app_client,
        demo_city,
        "demo_dispatcher",
        f"/api/dispatch/incidents/{incident['id']}/assignments",
        {"unit_ids": [uid]},
    )
    aid = detail["assignments"][0]["id"]
    illegal = app_client.post(
        f"/api/dispatch/assignments/{aid}/status", json={"status": "water_on"}, headers=h
    )
    assert illegal.status_code == 409
    other = _post(
        app_client,
        demo_city,
        "demo_dispatcher",
        "/api/dispatch/incidents",
        {**VADUZ, "type": "social", "subtype": "animal_rescue"},
    )
    taken = app_client.post(
        f"/api/dispatch/incidents/{other['id']}/assignments", json={"unit_ids": [uid]}, headers=h
    )
    assert taken.status_code == 409
    for step in ("returning", "in_quarters"):
        _post(
            app_client,
            demo_city,
            "demo_dispatcher",
            f"/api/dispatch/assignments/{aid}/status",
            {"status": step},
        )
    _post(
        app_client,
        demo_city,
        "demo_dispatcher",
        f"/api/dispatch/incidents/{incident['id']}/close",
        {},
    )
    closed_again = app_client.post(
        f"/api/dispatch/incidents/{incident['id']}/assignments", json={"unit_ids": [uid]}, headers=h
    )
    assert closed_again.status_code == 409
    lower = app_client.post(
        f"/api/dispatch/incidents/{other['id']}/escalate", json={"level": 1}, headers=h
    )
    assert lower.status_code == 422


def test_geocoder_finds_a_real_address(app_client: TestClient, demo_city: DemoCity) -> None:
    r = app_client.get(
        "/api/dispatch/geocode",
        params={"q": "Städtle Vaduz"},
        headers=demo_city.headers("demo_dispatcher"),
    )
    assert r.status_code == 200
    candidates = r.json()["candidates"]
    assert candidates
    assert abs(candidates[0]["lat"] - 47.14) < 0.02
    none = app_client.get(
        "/api/dispatch/geocode",
        params={"q": "qqqqzzzz xxyy"},
        headers=demo_city.headers("demo_dispatcher"),
    )
    assert none.json()["candidates"] == []


def test_response_plans_are_editable_by_detachment_admins(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    listed = app_client.get("/api/dispatch/plans", headers=demo_city.headers("demo_dispatcher"))
    assert listed.status_code == 200
    plans = listed.json()
    assert len(plans) >= 15
    assert all(p["source"] for p in plans)
    new = {
        "name": "加强方案",
        "incident_type": "rescue",
        "subtype": "water_rescue",
        "level": 2,
        "source": "支队2026年汛期预案",
        "requirements": [{"label": "水域救援车", "unit_types": ["water_rescue"], "count": 2}],
    }
    assert (
        app_client.post(
            "/api/dispatch/plans", json=new, headers=demo_city.headers("demo_dispatcher")
        ).status_code
        == 403
    )
    assert (
        app_client.post(
            "/api/dispatch/plans", json=new, headers=demo_city.headers("demo_admin_unterland")
        ).status_code
        == 403
    )
    bad = app_client.post(
        "/api/dispatch/plans",
        json={**new, "subtype": "chemical_fire"},
        headers=demo_city.headers("demo_admin"),
    )
    assert bad.status_code == 422
    created = app_client.post(
        "/api/dispatch/plans", json=new, headers=demo_city.headers("demo_admin")
    )
    assert created.status_code == 201, created.text
    off = app_client.patch(
        f"/api/dispatch/plans/{created.json()['id']}",
        json={"is_active": False},
        headers=demo_city.headers("demo_admin"),
    )
    assert off.json()["is_active"] is False


def test_every_dispatch_route_answers_a_typed_model(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    routes = 0
    for path, operations in paths.items():
        if not path.startswith("/api/dispatch"):
            continue
        for method, operation in operations.items():
            ok = [r for code, r in operation["responses"].items() if code.startswith("2")]
            schema = ok[0]["content"]["application/json"]["schema"]
            typed = "$ref" in schema or "$ref" in schema.get("items", {})
            assert typed, f"{method.upper()} {path} answers an untyped {schema}"
            routes += 1
    assert routes >= 10, "the walk found the dispatch routes"
