"""Digital pre-plans on both databases: versions, the review machine pair by pair, the overdue
flag, imports (JSON and XLSX, errors listed, nothing written), jurisdiction and permissions."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.command.preplan_models import (
    PREPLAN_TRANSITIONS,
    PrePlan,
    PreplanAction,
    PreplanStatus,
    PrePlanVersion,
)
from lanyan.command.preplans import local_today
from lanyan.core.audit import AuditLog
from lanyan.forces.models import Organization
from tests.factories import World

BODY: dict[str, Any] = {
    "content": {
        "building": {"floors_above": 18, "floors_below": 2, "height_m": 62.5, "use": "商场"},
        "systems": {"control_room": "一层东侧 0551-1234", "pump_connectors": ["北门西侧"]},
        "water_supply": [
            {"name": "北门市政消火栓", "kind": "市政消火栓", "lon": 9.52, "lat": 47.14}
        ],
        "access": {"fire_lanes": "环形消防车道", "aerial_sites": "南侧广场 15×10 m"},
        "hazards": ["地下车库电动车集中充电"],
        "attack_plan": "内攻从东侧楼梯间进入",
    },
    "note": "首次编制",
}


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


def _count(client: TestClient, model: Any) -> int:
    with _factory(client)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _save(client: TestClient, world: World, user: str, premises_id: int, body: Any) -> Any:
    return client.post(
        f"/api/premises/{premises_id}/preplan", json=body, headers=world.headers(user)
    )


@pytest.fixture(scope="module")
def plan(app_client: TestClient, world: World) -> dict[str, Any]:
    """The first brigade's premises with a pre-plan saved twice."""
    first = _save(app_client, world, "officer_a", world.a.premises_id, BODY)
    assert first.status_code == 201, first.text
    second_body = json.loads(json.dumps(BODY))
    second_body["content"]["building"]["floors_above"] = 20
    second_body["note"] = "加建两层"
    second = _save(app_client, world, "officer_a", world.a.premises_id, second_body)
    assert second.status_code == 201, second.text
    return dict(second.json())


def test_each_save_is_a_new_version_and_old_ones_stay_readable(
    app_client: TestClient, world: World, plan: dict[str, Any]
) -> None:
    assert plan["preplan"]["version"] == 2
    assert plan["preplan"]["status"] == "draft"
    assert plan["preplan"]["content"]["building"]["floors_above"] == 20
    old = app_client.get(
        f"/api/premises/{world.a.premises_id}/preplan",
        params={"version": 1},
        headers=world.headers("officer_a"),
    ).json()
    assert old["preplan"]["shown_version"] == 1
    assert old["preplan"]["content"]["building"]["floors_above"] == 18
    versions = app_client.get(
        f"/api/premises/{world.a.premises_id}/preplan/versions", headers=world.headers("admin_a")
    ).json()
    assert [(v["version"], v["note"]) for v in versions] == [(2, "加建两层"), (1, "首次编制")]
    missing = app_client.get(
        f"/api/premises/{world.a.premises_id}/preplan",
        params={"version": 9},
        headers=world.headers("officer_a"),
    )
    assert missing.status_code == 422


def _set_status(client: TestClient, premises_id: int, status: PreplanStatus) -> None:
    with _factory(client)() as session:
        row = session.scalars(select(PrePlan).where(PrePlan.premises_id == premises_id)).one()
        row.status = status
        session.commit()


def _status(client: TestClient, premises_id: int) -> PreplanStatus:
    with _factory(client)() as session:
        return session.scalars(
            select(PrePlan.status).where(PrePlan.premises_id == premises_id)
        ).one()


@pytest.mark.parametrize("start", list(PreplanStatus))
def test_review_machine_pair_by_pair(
    app_client: TestClient, world: World, plan: dict[str, Any], start: PreplanStatus
) -> None:
    premises_id = world.a.premises_id
    for action in PreplanAction:
        _set_status(app_client, premises_id, start)
        audits, versions = _count(app_client, AuditLog), _count(app_client, PrePlanVersion)
        if action is PreplanAction.EDIT:
            r = _save(app_client, world, "admin_det", premises_id, BODY)
        else:
            r = app_client.post(
                f"/api/premises/{premises_id}/preplan/review",
                json={"action": action.value, "note": "审核意见"},
                headers=world.headers("admin_det"),
            )
        target = PREPLAN_TRANSITIONS.get((start, action))
        if target is None:
            assert r.status_code == 409, (start, action, r.text)
            assert _status(app_client, premises_id) is start
            assert _count(app_client, AuditLog) == audits
            assert _count(app_client, PrePlanVersion) == versions
        else:
            assert r.status_code < 300, (start, action, r.text)
            assert _status(app_client, premises_id) is target
            assert _count(app_client, AuditLog) == audits + 1
            expected_versions = versions + (1 if action is PreplanAction.EDIT else 0)
            assert _count(app_client, PrePlanVersion) == expected_versions


def test_approval_publishes_the_version_and_sets_the_review_date(
    app_client: TestClient, world: World, plan: dict[str, Any]
) -> None:
    premises_id = world.a.premises_id
    _set_status(app_client, premises_id, PreplanStatus.PENDING)
    r = app_client.post(
        f"/api/premises/{premises_id}/preplan/review",
        json={"action": "approve"},
        headers=world.headers("commander"),
    )
    assert r.status_code == 200, r.text
    shown = r.json()["preplan"]
    assert shown["published_version"] == shown["version"]
    assert shown["reviewed_on"] == local_today().isoformat()
    assert shown["review_due_on"] == (local_today() + timedelta(days=365)).isoformat()
    assert shown["overdue"] is False
    # an author may not approve, a grid worker may not write
    for user, action in (("officer_a", "flag"), ("crew_a", "approve")):
        refused = app_client.post(
            f"/api/premises/{premises_id}/preplan/review",
            json={"action": action},
            headers=world.headers(user),
        )
        assert refused.status_code == 403, refused.text
    assert _save(app_client, world, "grid_a", premises_id, BODY).status_code == 403


def _overdue_figure(client: TestClient, org_id: int) -> int:
    """The figure scene.preplans.overdue of this year for one brigade, checked against its trace."""
    from lanyan.command.preplan_figures import SECTION
    from lanyan.core.clock import utcnow
    from lanyan.stats.periods import Period
    from lanyan.stats.queries import Scope

    with _factory(client)() as session:
        org = session.get(Organization, org_id)
        assert org is not None
        scope = Scope(org.id, org.name, org.path)
        period = Period.year(local_today().year)
        values = SECTION.compute(session, scope, period, utcnow())
        key = "scene.preplans.overdue"
        rows = session.execute(SECTION.trace(session, scope, period, utcnow(), key)).all()
        assert len(rows) == values[key]
        return int(values[key] or 0)


def test_a_plan_past_its_review_interval_is_flagged(
    app_client: TestClient, world: World, plan: dict[str, Any]
) -> None:
    premises_id = world.a.premises_id
    with _factory(app_client)() as session:
        row = session.scalars(select(PrePlan).where(PrePlan.premises_id == premises_id)).one()
        row.status = PreplanStatus.PUBLISHED
        row.review_interval_days = 90
        row.reviewed_on = local_today() - timedelta(days=91)
        row.review_due_on = local_today() - timedelta(days=1)
        session.commit()
    listed = app_client.get(
        "/api/preplans", params={"overdue": True}, headers=world.headers("officer_a")
    ).json()
    assert [r["premises_id"] for r in listed["items"]] == [premises_id]
    assert listed["items"][0]["overdue"] is True
    assert _overdue_figure(app_client, world.a.brigade_id) == 1
    assert _overdue_figure(app_client, world.b.brigade_id) == 0
    # the boundary: due today is not yet overdue
    with _factory(app_client)() as session:
        row = session.scalars(select(PrePlan).where(PrePlan.premises_id == premises_id)).one()
        row.review_due_on = local_today()
        session.commit()
    listed = app_client.get(
        "/api/preplans", params={"overdue": True}, headers=world.headers("officer_a")
    ).json()
    assert listed["total"] == 0
    assert _overdue_figure(app_client, world.a.brigade_id) == 0
    # the other brigade sees none of it
    other = app_client.get("/api/preplans", headers=world.headers("officer_b")).json()
    assert other["total"] == 0
    hidden = app_client.get(
        f"/api/premises/{premises_id}/preplan", headers=world.headers("officer_b")
    )
    assert hidden.status_code == 404


def test_bad_input_is_refused_and_nothing_written(
    app_client: TestClient, world: World, plan: dict[str, Any]
) -> None:
    _set_status(app_client, world.a.premises_id, PreplanStatus.DRAFT)
    other_side_source = {"name": "乙栓", "water_source_id": world.b.water_source_id}
    cases: list[tuple[Any, int]] = [
        ({"content": {"building": {"floors_above": -1}}}, 422),
        ({"content": {"unknown": 1}}, 422),
        ({"content": {"water_supply": [{"name": "无位置"}]}}, 422),
        ({"content": {"water_supply": [other_side_source]}}, 404),
        ({"content": {"floor_plans": [{"upload_id": 999_999}]}}, 404),
        ({"content": {}, "review_interval_days": 5}, 422),
    ]
    for body, status in cases:
        versions, audits = _count(app_client, PrePlanVersion), _count(app_client, AuditLog)
        r = _save(app_client, world, "officer_a", world.a.premises_id, body)
        assert r.status_code == status, (body, r.text)
        assert _count(app_client, PrePlanVersion) == versions
        assert _count(app_client, AuditLog) == audits
    assert _save(app_client, world, "officer_b", world.a.premises_id, BODY).status_code == 404


def _import(
    client: TestClient, world: World, filename: str, raw: bytes, user: str = "officer_a"
) -> Any:
    return client.post(
        f"/api/premises/{world.a.premises_id}/preplan/import",
        json={"filename": filename, "content_base64": base64.b64encode(raw).decode()},
        headers=world.headers(user),
    )


def _xlsx(rows: list[list[Any]], water: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "预案"
    sheet.append(["项目", "内容"])
    for row in rows:
        sheet.append(row)
    sources = book.create_sheet("水源")
    sources.append(["名称", "类型", "水源编号", "经度", "纬度", "流量(L/s)", "备注"])
    for row in water:
        sources.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_json_and_xlsx(app_client: TestClient, world: World, plan: dict[str, Any]) -> None:
    _set_status(app_client, world.a.premises_id, PreplanStatus.DRAFT)
    r = _import(app_client, world, "plan.json", json.dumps(BODY["content"]).encode())
    assert r.status_code == 201, r.text
    raw = _xlsx(
        [["地上层数", 24], ["特殊危险", "液化气储罐；锂电池仓库"], ["复核周期(天)", 180]],
        [["甲栓", "市政消火栓", "t:ws:a", None, None, 30, "北门"]],
    )
    r = _import(app_client, world, "plan.xlsx", raw)
    assert r.status_code == 201, r.text
    shown = r.json()["preplan"]
    assert shown["content"]["building"]["floors_above"] == 24
    assert shown["content"]["hazards"] == ["液化气储罐", "锂电池仓库"]
    assert shown["review_interval_days"] == 180
    water = shown["content"]["water_supply"][0]
    assert water["water_source_id"] == world.a.water_source_id
    assert water["lon"] == pytest.approx(9.521)  # filled from the registered water source
    with _factory(app_client)() as session:
        last = session.scalars(select(PrePlanVersion).order_by(PrePlanVersion.id.desc())).first()
        assert last is not None and last.source == "import"


def test_xlsx_round_trip_keeps_the_body_and_its_pictures(
    app_client: TestClient, world: World, plan: dict[str, Any]
) -> None:
    from lanyan.demo.preplans import floor_plan_png

    _set_status(app_client, world.a.premises_id, PreplanStatus.DRAFT)
    stored = app_client.post(
        "/api/uploads",
        files={"file": ("plan.png", floor_plan_png(3, seed=1), "image/png")},
        headers=world.headers("officer_a"),
    )
    assert stored.status_code == 201, stored.text
    body = json.loads(json.dumps(BODY))
    body["content"]["water_supply"] = [{"name": "甲栓", "water_source_id": world.a.water_source_id}]
    body["content"]["floor_plans"] = [{"upload_id": stored.json()["id"], "title": "一层"}]
    saved = _save(app_client, world, "officer_a", world.a.premises_id, body)
    assert saved.status_code == 201, saved.text
    exported = app_client.get(
        f"/api/premises/{world.a.premises_id}/preplan/xlsx", headers=world.headers("officer_a")
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    r = _import(app_client, world, "round.xlsx", exported.content)
    assert r.status_code == 201, r.text
    before = saved.json()["preplan"]["content"]
    after = r.json()["preplan"]["content"]
    for part in ("building", "systems", "access", "hazards", "attack_plan", "floor_plans"):
        assert after[part] == before[part], part
    assert after["water_supply"][0]["water_source_id"] == world.a.water_source_id
    assert r.json()["preplan"]["version"] == saved.json()["preplan"]["version"] + 1
    hidden = app_client.get(
        f"/api/premises/{world.a.premises_id}/preplan/xlsx", headers=world.headers("officer_b")
    )
    assert hidden.status_code == 404


def test_import_errors_are_listed_and_nothing_is_written(
    app_client: TestClient, world: World, plan: dict[str, Any]
) -> None:
    _set_status(app_client, world.a.premises_id, PreplanStatus.DRAFT)
    bad_xlsx = _xlsx(
        [["地上层数", "很多"], ["屋顶颜色", "红"]],
        [["乙栓", "市政消火栓", "t:ws:b", None, None, None, None]],
    )
    cases: list[tuple[str, bytes, int]] = [
        ("plan.xlsx", bad_xlsx, 3),
        ("plan.json", b"{not json", 0),
        ("plan.json", json.dumps({"building": {"height_m": "高"}}).encode(), 1),
        ("plan.csv", b"a,b", 0),
        ("plan.xlsx", b"PK-not-a-workbook", 0),
    ]
    for filename, raw, problems in cases:
        versions, audits = _count(app_client, PrePlanVersion), _count(app_client, AuditLog)
        r = _import(app_client, world, filename, raw)
        assert r.status_code == 422, (filename, r.text)
        assert len(r.json().get("errors", [])) == problems, r.json()
        assert _count(app_client, PrePlanVersion) == versions
        assert _count(app_client, AuditLog) == audits
    where = {e["where"] for e in _import(app_client, world, "plan.xlsx", bad_xlsx).json()["errors"]}
    assert where == {"预案!A3", "水源 第2行", "content.building.floors_above"}
    bad_base64 = app_client.post(
        f"/api/premises/{world.a.premises_id}/preplan/import",
        json={"filename": "plan.json", "content_base64": "***"},
        headers=world.headers("officer_a"),
    )
    assert bad_base64.status_code == 422
    assert _import(app_client, world, "plan.json", b"{}", user="officer_b").status_code == 404


# --- the scene ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def call(app_client: TestClient, world: World, plan: dict[str, Any]) -> dict[str, int]:
    """A fire at the first brigade's premises with its station's water tender en route."""
    from lanyan.core.clock import utcnow
    from lanyan.dispatch.choices import IncidentStatus, IncidentType
    from lanyan.dispatch.models import Incident

    with _factory(app_client)() as session:
        incident = Incident(
            number="SCENE-TEST-1",
            status=IncidentStatus.RECEIVED,
            type=IncidentType.FIRE,
            level=2,
            address_text="甲商场",
            lon=9.5221,
            lat=47.1419,
            brigade_id=world.a.brigade_id,
            premises_id=world.a.premises_id,
            received_at=utcnow(),
        )
        session.add(incident)
        session.commit()
        incident_id = incident.id
    sent = app_client.post(
        f"/api/dispatch/incidents/{incident_id}/assignments",
        json={"unit_ids": [world.a.unit_id]},
        headers=world.headers("admin_det"),
    )
    assert sent.status_code == 201, sent.text
    assignment_id = sent.json()["assignments"][0]["id"]
    moved = app_client.post(
        f"/api/dispatch/assignments/{assignment_id}/status",
        json={"status": "en_route"},
        headers=world.headers("crew_a"),
    )
    assert moved.status_code == 200, moved.text
    return {"incident_id": incident_id, "assignment_id": assignment_id}


def _report(client: TestClient, world: World, call: dict[str, int], body: Any, user: str) -> Any:
    return client.post(
        f"/api/scene/incidents/{call['incident_id']}/reports",
        json=body,
        headers=world.headers(user),
    )


def test_scene_view_shows_units_eta_water_and_preplan(
    app_client: TestClient, world: World, call: dict[str, int]
) -> None:
    view = app_client.get(
        f"/api/scene/incidents/{call['incident_id']}", headers=world.headers("commander")
    )
    assert view.status_code == 200, view.text
    scene = view.json()
    assert scene["can_command"] is True
    [unit] = scene["units"]
    assert unit["status"] == "en_route" and unit["eta_s"] is not None
    assert scene["preplan"]["premises_id"] == world.a.premises_id
    assert scene["preplan"]["content"]["water_supply"]
    assert world.a.water_source_id in [w["id"] for w in scene["water_sources"]]
    # the crew on the call reads the same scene (not commanding); the other brigade nothing
    crew = app_client.get(
        f"/api/scene/incidents/{call['incident_id']}", headers=world.headers("crew_a")
    ).json()
    assert crew["can_command"] is False and crew["preplan"] is not None
    for user in ("crew_b", "dispatcher_b", "officer_b"):
        hidden = app_client.get(
            f"/api/scene/incidents/{call['incident_id']}", headers=world.headers(user)
        )
        assert hidden.status_code == 404, user


def test_a_report_reaches_the_commander_live_and_is_acknowledged_pair_by_pair(
    app_client: TestClient, world: World, call: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from lanyan.command.scene_models import SCENE_REPORT_TRANSITIONS, SceneReport, SceneReportStatus
    from lanyan.core import events

    published: list[events.Event] = []
    monkeypatch.setattr(events.BUS, "publish", published.append)
    body = {"text": "三楼东侧浓烟", "needs_reinforcement": True, "needs": "举高车1辆"}
    sent = _report(app_client, world, call, {**body, "unit_id": world.a.unit_id}, "crew_a")
    assert sent.status_code == 201, sent.text
    report = sent.json()
    assert report["status"] == "sent" and report["call_sign"]
    [event] = [e for e in published if e.type == "scene.report"]
    assert event.data["id"] == report["id"]
    with _factory(app_client)() as session:
        brigade = session.get(Organization, world.a.brigade_id)
        assert brigade is not None
        brigade_path = brigade.path
    assert event.visible_to(brigade_path)  # the brigade's commanders hear it

    def set_status(status: SceneReportStatus) -> None:
        with _factory(app_client)() as session:
            row = session.get(SceneReport, report["id"])
            assert row is not None
            row.status = status
            session.commit()

    for start in SceneReportStatus:
        for target in SceneReportStatus:
            set_status(start)
            audits = _count(app_client, AuditLog)
            r = app_client.post(
                f"/api/scene/incidents/{call['incident_id']}/reports/status",
                json={"report_id": report["id"], "status": target.value, "reply": "已派举高车"},
                headers=world.headers("commander"),
            )
            if target in SCENE_REPORT_TRANSITIONS[start]:
                assert r.status_code == 200, (start, target, r.text)
                assert r.json()["status"] == target.value
                assert _count(app_client, AuditLog) == audits + 1
            else:
                assert r.status_code == 409, (start, target, r.text)
                assert _count(app_client, AuditLog) == audits
    # a crew cannot acknowledge, another brigade's commander cannot reach it
    set_status(SceneReportStatus.SENT)
    for user, status in (("crew_a", 403), ("dispatcher_b", 404)):
        r = app_client.post(
            f"/api/scene/incidents/{call['incident_id']}/reports/status",
            json={"report_id": report["id"], "status": "acknowledged"},
            headers=world.headers(user),
        )
        assert r.status_code == status, (user, r.text)


def test_bad_reports_are_refused_and_nothing_written(
    app_client: TestClient, world: World, call: dict[str, int]
) -> None:
    from lanyan.command.scene_models import SceneReport

    cases: list[tuple[str, Any, int]] = [
        ("crew_a", {}, 422),
        ("crew_a", {"needs_reinforcement": True}, 422),
        ("crew_a", {"text": "x", "needs": "水罐车"}, 422),
        ("crew_a", {"text": "x", "unit_id": world.b.unit_id}, 422),
        ("crew_a", {"text": "x", "photo_ids": [999_999]}, 404),
        ("crew_a", {"text": "x", "mood": "ok"}, 422),
        ("crew_b", {"text": "我不在这起警情"}, 404),
        ("grid_a", {"text": "网格员不能报"}, 403),
    ]
    for user, body, status in cases:
        reports, audits = _count(app_client, SceneReport), _count(app_client, AuditLog)
        r = _report(app_client, world, call, body, user)
        assert r.status_code == status, (user, body, r.text)
        assert _count(app_client, SceneReport) == reports
        assert _count(app_client, AuditLog) == audits


def test_sector_posting_with_water_source(
    app_client: TestClient, world: World, call: dict[str, int]
) -> None:
    url = f"/api/scene/incidents/{call['incident_id']}/postings"
    posting = {
        "assignment_id": call["assignment_id"],
        "sector": "第一战斗段",
        "task": "东侧内攻",
        "water_source_id": world.a.water_source_id,
    }
    r = app_client.post(url, json=posting, headers=world.headers("commander"))
    assert r.status_code == 200, r.text
    [unit] = r.json()["units"]
    assert (unit["sector"], unit["task"]) == ("第一战斗段", "东侧内攻")
    water = {w["id"]: w for w in r.json()["water_sources"]}
    assert water[world.a.water_source_id]["used_by"] == [unit["call_sign"]]
    refused = [
        ({**posting, "water_source_id": world.b.water_source_id}, "dispatcher_a", 404),
        ({**posting, "assignment_id": 999_999}, "commander", 422),
        (posting, "crew_a", 403),
        (posting, "dispatcher_b", 404),
    ]
    for body, user, status in refused:
        audits = _count(app_client, AuditLog)
        assert app_client.post(url, json=body, headers=world.headers(user)).status_code == status
        assert _count(app_client, AuditLog) == audits
    cleared = app_client.post(
        url,
        json={"assignment_id": call["assignment_id"], "sector": ""},
        headers=world.headers("commander"),
    )
    assert cleared.status_code == 200 and cleared.json()["units"][0]["sector"] is None


def test_cli_bulk_import_all_or_nothing_and_sweep(
    app_client: TestClient,
    world: World,
    plan: dict[str, Any],
    database_url: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from lanyan.cli import app
    from lanyan.core.config import get_settings

    monkeypatch.setenv("LANYAN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        _set_status(app_client, world.a.premises_id, PreplanStatus.DRAFT)
        runner = CliRunner()
        bad = tmp_path / "bad.json"
        bad.write_text(
            json.dumps(
                [
                    {"premises": "t:premises:b", "content": {"hazards": ["甲"]}},
                    {"premises": "t:premises:a", "content": {"building": {"floors_above": "高"}}},
                ]
            ),
            encoding="utf-8",
        )
        versions = _count(app_client, PrePlanVersion)
        result = runner.invoke(app, ["preplans", "import", str(bad)])
        assert result.exit_code == 2, result.output
        assert "第2项" in result.output
        assert _count(app_client, PrePlanVersion) == versions
        good = tmp_path / "good.json"
        good.write_text(
            json.dumps(
                [
                    {"premises": "t:premises:b", "content": {"hazards": ["乙"]}},
                    {"premises": "t:premises:a", "content": {"attack_plan": "批量"}},
                ]
            ),
            encoding="utf-8",
        )
        result = runner.invoke(app, ["preplans", "import", str(good)])
        assert result.exit_code == 0, result.output
        assert _count(app_client, PrePlanVersion) == versions + 2
        template = tmp_path / "template.xlsx"
        assert runner.invoke(app, ["preplans", "template", str(template)]).exit_code == 0
        result = runner.invoke(
            app, ["preplans", "import", str(template), "--premises", "t:premises:b"]
        )
        assert result.exit_code == 0, result.output  # the empty template is a valid empty draft
        # the nightly sweep moves a published plan past its review date to 需复核
        with _factory(app_client)() as session:
            row = session.scalars(
                select(PrePlan).where(PrePlan.premises_id == world.a.premises_id)
            ).one()
            row.status = PreplanStatus.PUBLISHED
            row.review_due_on = local_today() - timedelta(days=1)
            session.commit()
        result = runner.invoke(app, ["preplans", "sweep"])
        assert result.exit_code == 0, result.output
        assert _status(app_client, world.a.premises_id) is PreplanStatus.NEEDS_REVIEW
    finally:
        get_settings.cache_clear()
