"""Duty strength through the API: declarations feed dispatch (minimum crew, 人次), drills stay out
of the incident figures, assessments give their pass rate; bad input is refused whole (4xx, no
row written). Runs on both databases, on the small two-brigade world."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.audit import AuditLog
from lanyan.duty.models import AssessmentResult, Declaration, DeclaredSeat, Person
from tests.duty.helpers import admin, crew, figures_today, person
from tests.factories import World

VADUZ = {"lon": 9.5215, "lat": 47.1395}


@pytest.fixture(scope="module")
def factory(app_client: TestClient) -> sessionmaker[Session]:
    return app_client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


@pytest.fixture(scope="module")
def roster(app_client: TestClient, world: World) -> dict[str, list[int]]:
    """Six people at station a, five at station b."""
    return {
        "a": [person(app_client, world, f"t:p:a{i}", world.a.station_id) for i in range(6)],
        "b": [person(app_client, world, f"t:p:b{i}", world.b.station_id) for i in range(5)],
    }


def _count(factory: sessionmaker[Session], model: Any) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _declare(client: TestClient, world: World, station_id: int, vehicles: list[Any]) -> Any:
    return client.post(
        "/api/duty/declarations",
        headers=admin(world),
        json={"station_id": station_id, "vehicles": vehicles},
    )


def test_bad_declarations_are_refused_and_write_nothing(
    app_client: TestClient, world: World, roster: dict[str, list[int]], factory: Any
) -> None:
    before = (
        _count(factory, Declaration),
        _count(factory, DeclaredSeat),
        _count(factory, AuditLog),
    )
    a = roster["a"]
    unknown = _declare(
        app_client,
        world,
        world.a.station_id,
        [{"unit_id": world.a.unit_id, "crew": crew([a[0], 999_999])}],
    )
    assert unknown.status_code == 422
    assert "人员不存在" in unknown.json()["detail"]
    second_unit = app_client.post(
        "/api/forces/units",
        headers=admin(world),
        json={
            "external_id": "t:duty:second",
            "call_sign": "甲2号抢险车",
            "type": "rescue",
            "station_id": world.a.station_id,
            "crew_on_duty": 3,
        },
    ).json()["id"]
    before = (
        _count(factory, Declaration),
        _count(factory, DeclaredSeat),
        _count(factory, AuditLog),
    )
    twice = _declare(
        app_client,
        world,
        world.a.station_id,
        [
            {"unit_id": world.a.unit_id, "crew": crew(a[:3])},
            {"unit_id": second_unit, "crew": crew([a[2], a[3]])},
        ],
    )
    assert twice.status_code == 422
    assert "两个车位" in twice.json()["detail"]
    other_station = _declare(
        app_client, world, world.a.station_id, [{"unit_id": world.b.unit_id, "crew": []}]
    )
    assert other_station.status_code == 422
    no_reason = _declare(
        app_client, world, world.a.station_id, [{"unit_id": second_unit, "in_service": False}]
    )
    assert no_reason.status_code == 422 and "原因" in no_reason.json()["detail"]
    too_many = _declare(
        app_client, world, world.a.station_id, [{"unit_id": world.a.unit_id, "crew": crew(a * 2)}]
    )
    assert too_many.status_code == 422
    after = (_count(factory, Declaration), _count(factory, DeclaredSeat), _count(factory, AuditLog))
    assert after == before
    # the second vehicle goes out of service with its reason: declared, off the board
    ok = _declare(
        app_client,
        world,
        world.a.station_id,
        [
            {"unit_id": world.a.unit_id, "crew": crew(a[:5])},
            {"unit_id": second_unit, "in_service": False, "out_reason": "维修保养"},
        ],
    )
    assert ok.status_code == 201, ok.text
    unit = app_client.get(f"/api/forces/units/{second_unit}", headers=admin(world)).json()
    assert unit["status"] == "out_of_service"


def _plan(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/dispatch/plans",
        headers=admin(world),
        json={
            "name": "满编测试：被困人员",
            "incident_type": "rescue",
            "subtype": "person_trapped",
            "level": 1,
            "source": "测试：本级调派要求满编",
            "requirements": [
                {"label": "水罐车", "unit_types": ["water_tender"], "count": 1, "full_crew": True}
            ],
        },
    )
    assert r.status_code == 201, r.text


def test_a_vehicle_short_of_crew_is_not_recommended_for_a_full_crew_plan(
    app_client: TestClient, world: World, roster: dict[str, list[int]]
) -> None:
    h = admin(world)
    _plan(app_client, world)
    # station b stands a little farther away, so a's vehicle is the nearer one
    moved = app_client.patch(
        f"/api/forces/organizations/{world.b.station_id}",
        headers=h,
        json={"lon": 9.512, "lat": 47.125},
    )
    assert moved.status_code == 200, moved.text
    seats = app_client.put(
        f"/api/duty/units/{world.a.unit_id}/crew-minimum",
        headers=h,
        json={"min_crew": 4, "seats": 4, "reason": "四座水罐车"},
    )
    assert seats.status_code == 200, seats.text
    a, b = roster["a"], roster["b"]
    declared = _declare(
        app_client, world, world.a.station_id, [{"unit_id": world.a.unit_id, "crew": crew(a[:2])}]
    )
    assert declared.status_code == 201, declared.text
    vehicle = declared.json()["vehicles"][0]
    assert (vehicle["crew"], vehicle["seats"], vehicle["short"]) == (2, 4, True)
    full = _declare(
        app_client, world, world.b.station_id, [{"unit_id": world.b.unit_id, "crew": crew(b[:4])}]
    )
    assert full.status_code == 201, full.text
    incident = app_client.post(
        "/api/dispatch/incidents",
        headers=h,
        json={**VADUZ, "type": "rescue", "subtype": "person_trapped"},
    ).json()
    rec = app_client.get(
        f"/api/dispatch/incidents/{incident['id']}/recommendation",
        params={"routes": False},
        headers=h,
    ).json()
    chosen = {u["unit_id"]: u for u in rec["units"] if u["requirement"] == "水罐车"}
    assert world.a.unit_id not in chosen
    assert world.b.unit_id in chosen
    reason = chosen[world.b.unit_id]["reason"]
    assert "执勤2人/最低4人" in reason and "执勤人数不足" in reason, reason
    # the board shows both stations' declared strength, a's vehicle short of crew
    board = app_client.get("/api/duty/board", headers=h).json()
    rows = {r["station_id"]: r for r in board["stations"]}
    assert rows[world.a.station_id]["people"] == 2
    assert rows[world.a.station_id]["short_vehicles"] == ["a1号水罐车"]
    assert rows[world.b.station_id]["summary"].startswith("在岗4人")


def test_two_stations_five_and_four_count_two_turnouts_and_nine_people(
    app_client: TestClient, world: World, roster: dict[str, list[int]], factory: Any
) -> None:
    h = admin(world)
    a, b = roster["a"], roster["b"]
    app_client.put(
        f"/api/duty/units/{world.a.unit_id}/crew-minimum",
        headers=h,
        json={"min_crew": 4, "seats": 6},
    )
    for station, unit, people in (
        (world.a.station_id, world.a.unit_id, a[:5]),
        (world.b.station_id, world.b.unit_id, b[:4]),
    ):
        r = _declare(app_client, world, station, [{"unit_id": unit, "crew": crew(people)}])
        assert r.status_code == 201, r.text
    before = figures_today(factory)
    incident = app_client.post(
        "/api/dispatch/incidents", headers=h, json={**VADUZ, "type": "fire"}
    ).json()
    sent = app_client.post(
        f"/api/dispatch/incidents/{incident['id']}/assignments",
        headers=h,
        json={"unit_ids": [world.a.unit_id, world.b.unit_id]},
    )
    assert sent.status_code == 201, sent.text
    assert sorted(x["crew_sent"] for x in sent.json()["assignments"]) == [4, 5]
    after = figures_today(factory)
    delta = {
        k: after[k] - before[k] for k in ("turnouts.stations", "turnouts.units", "turnouts.people")
    }
    assert delta == {"turnouts.stations": 2, "turnouts.units": 2, "turnouts.people": 9}
    # a vehicle on a call is not declared out of service (409), and nothing is written
    declared = _count(factory, Declaration)
    busy = _declare(
        app_client,
        world,
        world.a.station_id,
        [{"unit_id": world.a.unit_id, "in_service": False, "out_reason": "保养"}],
    )
    assert busy.status_code == 409 and "正在执行任务" in busy.json()["detail"]
    assert _count(factory, Declaration) == declared
    for assignment in sent.json()["assignments"]:
        for step in ("en_route", "on_scene", "returning", "in_quarters"):
            r = app_client.post(
                f"/api/dispatch/assignments/{assignment['id']}/status",
                headers=h,
                json={"status": step},
            )
            assert r.status_code == 200, r.text


def test_a_drill_changes_no_incident_figure_but_shows_in_drill_figures(
    app_client: TestClient, world: World, factory: Any
) -> None:
    h = world.headers("commander")
    before = figures_today(factory)
    drill = app_client.post(
        "/api/duty/drills",
        headers=h,
        json={"title": "甲站夜间拉动", **VADUZ, "unit_ids": [world.a.unit_id]},
    )
    assert drill.status_code == 201, drill.text
    iid = drill.json()["incident_id"]
    detail = app_client.get(f"/api/dispatch/incidents/{iid}", headers=admin(world)).json()
    for step in ("en_route", "on_scene", "returning", "in_quarters"):
        r = app_client.post(
            f"/api/dispatch/assignments/{detail['assignments'][0]['id']}/status",
            headers=admin(world),
            json={"status": step},
        )
        assert r.status_code == 200, r.text
    after = figures_today(factory)
    incident_keys = [
        k for k in before if k.split(".")[0] in ("incidents", "response", "turnouts", "people")
    ]
    assert incident_keys
    assert {k: after[k] for k in incident_keys} == {k: before[k] for k in incident_keys}
    assert after["drills.total"] == before["drills.total"] + 1
    assert after["drills.arrived"] == before["drills.arrived"] + 1
    assert after["drills.arrival_mean_s"] is not None
    listed = app_client.get("/api/duty/drills", headers=h).json()
    assert listed[0]["incident_id"] == iid and listed[0]["arrival_s"] is not None
    assert listed[0]["title"] == "甲站夜间拉动"


def test_an_assessment_of_ten_with_two_fails_passes_eighty_percent(
    app_client: TestClient, world: World, roster: dict[str, list[int]], factory: Any
) -> None:
    h = world.headers("commander")
    ten = roster["a"] + roster["b"][:4]
    item = app_client.post(
        "/api/duty/assessments",
        headers=h,
        json={
            "org_id": world.detachment_id,
            "held_on": "2025-03-12",
            "subject": "fitness",
            "item": "5000米跑",
            "measure": "time",
            "pass_value": 1380,
            "min_value": 600,
            "max_value": 3600,
            "standard_source": "消防救援队伍体能训练与考核标准（示例）",
        },
    )
    assert item.status_code == 201, item.text
    aid = item.json()["id"]
    results = [{"person_id": p, "value": 1200 + 10 * i} for i, p in enumerate(ten[:8])]
    results += [{"person_id": ten[8], "value": 1500}, {"person_id": ten[9], "value": 1381}]
    bad_rows = _count(factory, AssessmentResult)
    outside = app_client.post(
        f"/api/duty/assessments/{aid}/results",
        headers=h,
        json={"results": [*results[:9], {"person_id": ten[9], "value": 99_999}]},
    )
    assert outside.status_code == 422 and "超出可能范围" in outside.json()["detail"]
    unknown = app_client.post(
        f"/api/duty/assessments/{aid}/results",
        headers=h,
        json={"results": [{"person_id": 999_999, "value": 1300}]},
    )
    assert unknown.status_code == 422
    assert _count(factory, AssessmentResult) == bad_rows
    entered = app_client.post(
        f"/api/duty/assessments/{aid}/results", headers=h, json={"results": results}
    )
    assert entered.status_code == 200, entered.text
    assert (entered.json()["assessed"], entered.json()["passed"]) == (10, 8)
    assert entered.json()["pass_pct"] == 80.0
    published = app_client.post(f"/api/duty/assessments/{aid}/publish", headers=h)
    assert published.status_code == 200
    ranking = published.json()["ranking"]
    assert [r["rank"] for r in ranking] == list(range(1, 11))
    assert ranking[-1]["value"] == 1500 and not ranking[-1]["passed"]
    assert app_client.post(f"/api/duty/assessments/{aid}/publish", headers=h).status_code == 409
    late = app_client.post(
        f"/api/duty/assessments/{aid}/results", headers=h, json={"results": results}
    )
    assert late.status_code == 409
    from lanyan.core.actor import SYSTEM
    from lanyan.stats.periods import Period
    from lanyan.stats.queries import compute_figures

    with factory() as s:
        march = compute_figures(s, actor=SYSTEM, period=Period.month(2025, 3))
    assert march["training.pass_pct"] == 80.0
    assert march["training.pass_pct_by_subject.fitness"] == 80.0
    assert (march["training.assessed"], march["training.passed"]) == (10, 8)
    monthly = app_client.get(
        "/api/duty/assessments", params={"month": "2025-03", "published": True}, headers=h
    ).json()
    assert [m["id"] for m in monthly] == [aid]


def _sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "姓名", "单位编号", "岗位", "人员类别", "电话", "资质证书"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_roster_import_is_whole_or_nothing(
    app_client: TestClient, world: World, factory: Any
) -> None:
    h = admin(world)
    bad = _sheet(
        [
            [
                "x:1",
                "张三",
                "t:station:a",
                "驾驶员",
                "政府专职",
                "13800000000",
                "驾驶证:B2:2027-01-01",
            ],
            ["x:2", "李四", "no-such-org", "战斗员", "志愿消防员", None, None],
            ["x:3", "王五", "t:station:b", "厨师", "企业专职", None, None],
        ]
    )
    before = _count(factory, Person)
    refused = app_client.post(
        "/api/duty/people/import",
        headers=h,
        files={"file": ("roster.xlsx", bad, "application/octet-stream")},
    )
    assert refused.status_code == 422, refused.text
    rows = {e["row"] for e in refused.json()["errors"]}
    assert rows == {"3", "4"}
    assert _count(factory, Person) == before
    good = _sheet(
        [
            [
                "x:1",
                "张三",
                "t:station:a",
                "驾驶员",
                "政府专职",
                "13800000000",
                "驾驶证:B2:2027-01-01",
            ],
            ["x:2", "李四", "t:station:b", "通信员", "微型消防站队员", None, "绳索救援"],
        ]
    )
    done = app_client.post(
        "/api/duty/people/import",
        headers=h,
        files={"file": ("roster.xlsx", good, "application/octet-stream")},
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"rows": 2, "created": 2, "updated": 0}
    found = app_client.get("/api/duty/people", params={"q": "张三"}, headers=h).json()["items"]
    assert found[0]["qualifications"] == [
        {"name": "驾驶证", "number": "B2", "expires_on": "2027-01-01"}
    ]
    again = app_client.post(
        "/api/duty/people/import",
        headers=h,
        files={"file": ("roster.xlsx", good, "application/octet-stream")},
    )
    assert again.json()["updated"] == 2 and again.json()["created"] == 0
    # a crew of brigade b places nobody under brigade a's station, nor changes its people
    for sheet in (
        _sheet([["x:9", "赵六", "t:station:a", "战斗员", "政府专职", None, None]]),
        _sheet([["x:1", "张三", "t:station:b", "驾驶员", "政府专职", None, None]]),
    ):
        refused = app_client.post(
            "/api/duty/people/import",
            headers=world.headers("crew_b"),
            files={"file": ("roster.xlsx", sheet, "application/octet-stream")},
        )
        assert refused.status_code == 422, refused.text
    assert _count(factory, Person) == before + 2


def test_every_duty_figure_traces_to_as_many_records(
    app_client: TestClient, world: World, factory: Any
) -> None:
    from lanyan.core.actor import SYSTEM
    from lanyan.core.clock import utcnow
    from lanyan.duty.declarations import local_day
    from lanyan.stats.periods import Period
    from lanyan.stats.queries import compute_figures, kind
    from lanyan.stats.sections import section_of
    from lanyan.stats.trace import trace

    today = local_day(utcnow())
    with factory() as s:
        for period in (Period.month(2025, 3), Period.inclusive(today, today)):
            values = compute_figures(s, actor=SYSTEM, period=period).values
            mine = [
                k
                for k in values
                if (sec := section_of(k))
                and sec.report_chapter == "forces"
                and k.split(".")[0] in ("training", "drills", "duty", "supervision")
            ]
            assert {
                "training.sessions",
                "training.person_times",
                "training.pass_pct",
                "drills.total",
            } <= set(mine)
            for key in mine:
                records = trace(s, SYSTEM, key, period)
                if kind(key) == "count":
                    assert len(records) == values[key], key
    assert values["duty.declarations"] >= 2


FINDING_STATES = ("open", "rectifying", "closed")
LEGAL = {("open", "rectifying"), ("rectifying", "closed"), ("rectifying", "open")}


def _finding_in(client: TestClient, world: World, state: str) -> int:
    """A 督察 finding brought to ``state`` by legal moves."""
    h = world.headers("commander")
    made = client.post(
        "/api/duty/supervisions",
        headers=h,
        json={
            "org_id": world.a.station_id,
            "inspected_on": "2025-03-20",
            "inspector": "督察支队",
            "findings": [{"order": "readiness", "description": "器材未按规定摆放"}],
        },
    )
    assert made.status_code == 201, made.text
    fid = int(made.json()["findings"][0]["id"])
    path = {"open": [], "rectifying": ["rectifying"], "closed": ["rectifying", "closed"]}[state]
    for step in path:
        who = "crew_a" if step == "rectifying" else "commander"
        r = client.post(
            f"/api/duty/findings/{fid}/state",
            headers=world.headers(who),
            json={"state": step, "note": "已重新摆放并拍照"},
        )
        assert r.status_code == 200, r.text
    return fid


@pytest.mark.parametrize("source", FINDING_STATES)
def test_finding_moves_pair_by_pair(
    app_client: TestClient, world: World, factory: Any, source: str
) -> None:
    for target in FINDING_STATES:
        fid = _finding_in(app_client, world, source)
        who = "crew_a" if target == "rectifying" else "commander"
        audits = _count(factory, AuditLog)
        r = app_client.post(
            f"/api/duty/findings/{fid}/state",
            headers=world.headers(who),
            json={"state": target, "note": "整改完毕"},
        )
        if (source, target) in LEGAL:
            assert r.status_code == 200, (source, target, r.text)
            assert r.json()["state"] == target
            assert _count(factory, AuditLog) == audits + 1
        else:
            assert r.status_code == 409, (source, target, r.text)
            assert "不能改为" in r.json()["detail"]
            assert _count(factory, AuditLog) == audits


def test_who_moves_a_finding_and_what_a_fix_needs(app_client: TestClient, world: World) -> None:
    fid = _finding_in(app_client, world, "open")
    # the inspector does not report the station's fix, the station does not close its own finding
    refused = app_client.post(
        f"/api/duty/findings/{fid}/state",
        headers=world.headers("commander"),
        json={"state": "rectifying", "note": "x"},
    )
    assert refused.status_code == 403
    no_note = app_client.post(
        f"/api/duty/findings/{fid}/state",
        headers=world.headers("crew_a"),
        json={"state": "rectifying"},
    )
    assert no_note.status_code == 422
    # a crew of brigade b does not even see brigade a's finding
    hidden = app_client.post(
        f"/api/duty/findings/{fid}/state",
        headers=world.headers("crew_b"),
        json={"state": "rectifying", "note": "x"},
    )
    assert hidden.status_code == 404


def test_training_grid_routine_and_logs_refuse_bad_input(
    app_client: TestClient, world: World, roster: dict[str, list[int]], factory: Any
) -> None:
    from lanyan.duty.models import SafetyGridNode, TrainingSession

    h = world.headers("commander")
    sessions = _count(factory, TrainingSession)
    unknown = app_client.post(
        "/api/duty/sessions",
        headers=h,
        json={
            "org_id": world.a.station_id,
            "subject": "skill",
            "title": "绳索救援",
            "held_on": "2025-03-05",
            "attendee_ids": [roster["a"][0], 999_999],
        },
    )
    assert unknown.status_code == 422 and "人员不存在" in unknown.json()["detail"]
    assert _count(factory, TrainingSession) == sessions
    plan = app_client.post(
        "/api/duty/plans",
        headers=h,
        json={
            "org_id": world.a.station_id,
            "month": "2025-03-01",
            "subject": "skill",
            "title": "绳索",
        },
    ).json()
    held = app_client.post(
        "/api/duty/sessions",
        headers=h,
        json={
            "org_id": world.a.station_id,
            "plan_id": plan["id"],
            "subject": "skill",
            "title": "绳索救援",
            "held_on": "2025-03-05",
            "attendee_ids": roster["a"][:4],
        },
    )
    assert held.status_code == 201 and held.json()["attendees"] == 4
    plans = app_client.get("/api/duty/plans", params={"month": "2025-03"}, headers=h).json()
    assert [p["sessions_held"] for p in plans if p["id"] == plan["id"]] == [1]
    wrong_month = app_client.post(
        "/api/duty/sessions",
        headers=h,
        json={
            "org_id": world.a.station_id,
            "plan_id": plan["id"],
            "subject": "skill",
            "title": "绳索救援",
            "held_on": "2025-04-05",
            "attendee_ids": roster["a"][:1],
        },
    )
    assert wrong_month.status_code == 422
    bad_range = app_client.post(
        "/api/duty/assessments",
        headers=h,
        json={
            "org_id": world.a.station_id,
            "held_on": "2025-03-01",
            "subject": "fitness",
            "item": "引体向上",
            "measure": "score",
            "pass_value": 120,
            "max_value": 100,
        },
    )
    assert bad_range.status_code == 422
    # the safety grid goes down one level at a time and starts at the detachment
    nodes = _count(factory, SafetyGridNode)
    top_wrong = app_client.post(
        "/api/duty/grid",
        headers=h,
        json={"org_id": world.a.station_id, "level": "station", "name": "x", "responsible": "y"},
    )
    assert top_wrong.status_code == 422
    root = app_client.post(
        "/api/duty/grid",
        headers=h,
        json={
            "org_id": world.detachment_id,
            "level": "detachment",
            "name": "支队",
            "responsible": "支队长",
        },
    ).json()
    skipped = app_client.post(
        "/api/duty/grid",
        headers=h,
        json={
            "parent_id": root["id"],
            "org_id": world.a.station_id,
            "level": "station",
            "name": "甲站",
            "responsible": "站长",
        },
    )
    assert skipped.status_code == 422
    assert _count(factory, SafetyGridNode) == nodes + 1
    parent = root["id"]
    for level, org in (
        ("brigade", world.a.brigade_id),
        ("station", world.a.station_id),
        ("squad", world.a.station_id),
    ):
        made = app_client.post(
            "/api/duty/grid",
            headers=h,
            json={
                "parent_id": parent,
                "org_id": org,
                "level": level,
                "name": level,
                "responsible": "责任人",
            },
        )
        assert made.status_code == 201, made.text
        parent = made.json()["id"]
    tree = app_client.get("/api/duty/grid", headers=h).json()
    node, depth = next(t for t in tree if t["id"] == root["id"]), 0
    while node["children"]:
        node, depth = node["children"][0], depth + 1
    assert depth == 3 and node["level"] == "squad"
    # a routine out of time order, a handover without both people
    assert (
        app_client.put(
            f"/api/duty/routines/{world.a.station_id}",
            headers=h,
            json={
                "items": [{"at": "07:00", "activity": "早操"}, {"at": "06:30", "activity": "起床"}]
            },
        ).status_code
        == 422
    )
    assert (
        app_client.post(
            "/api/duty/logs",
            headers=world.headers("crew_a"),
            json={"org_id": world.a.station_id, "kind": "handover", "handed_over_by": "张三"},
        ).status_code
        == 422
    )


def test_yesterdays_declaration_carries_over(
    app_client: TestClient, world: World, roster: dict[str, list[int]], factory: Any
) -> None:
    from datetime import timedelta

    from lanyan.core.actor import SYSTEM
    from lanyan.core.clock import utcnow
    from lanyan.duty import declarations
    from lanyan.duty.schemas import DeclarationIn, SeatIn, VehicleIn

    with factory() as s:
        s.query(Declaration).filter(Declaration.station_id == world.b.station_id).delete()
        declarations.declare(
            s,
            actor=SYSTEM,
            data=DeclarationIn(
                station_id=world.b.station_id,
                officer_id=roster["b"][4],
                vehicles=[
                    VehicleIn(
                        unit_id=world.b.unit_id,
                        crew=[SeatIn(person_id=p, seat="firefighter") for p in roster["b"][:3]],
                    )
                ],
            ),
            now=utcnow() - timedelta(days=1),
        )
        s.commit()
    today = app_client.get(
        f"/api/duty/stations/{world.b.station_id}/today", headers=world.headers("crew_b")
    ).json()
    assert today["today"] is None and today["previous"]["people"] == 3
    carried = app_client.post(
        f"/api/duty/stations/{world.b.station_id}/carry-over", headers=world.headers("crew_b")
    )
    assert carried.status_code == 201, carried.text
    assert carried.json()["carried_over"] and carried.json()["people"] == 3
    board = app_client.get("/api/duty/board", headers=world.headers("crew_b")).json()
    assert [r["station_id"] for r in board["stations"]] == [world.b.station_id]
    assert board["stations"][0]["carried_over"]
    # nothing to carry over at a station that never declared
    fresh = app_client.post(
        "/api/forces/organizations",
        headers=admin(world),
        json={
            "external_id": "t:duty:fresh",
            "name": "新建站",
            "kind": "station",
            "parent_id": world.b.brigade_id,
        },
    ).json()["id"]
    nothing = app_client.post(f"/api/duty/stations/{fresh}/carry-over", headers=admin(world))
    assert nothing.status_code == 404 and "还没有申报" in nothing.json()["detail"]
    beside = app_client.post(
        f"/api/duty/stations/{fresh}/carry-over", headers=world.headers("crew_b")
    )
    assert beside.status_code == 404 and "还没有申报" not in beside.json()["detail"]
    # another brigade's station is not the crew's to declare
    other = app_client.post(
        f"/api/duty/stations/{world.a.station_id}/carry-over", headers=world.headers("crew_b")
    )
    assert other.status_code == 404
