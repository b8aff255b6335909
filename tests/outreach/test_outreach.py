"""Public education: recording on the phone and at the desk, its rules, the volunteer state
machine, and the figures and yearly report text (issue 17, acceptance 1 and 2), on both
databases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.actor import SYSTEM
from lanyan.core.audit import AuditLog
from lanyan.outreach.activities import local_today
from lanyan.outreach.models import EducationActivity
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures, kind
from lanyan.stats.report import render_text, yearly_content
from lanyan.stats.trace import trace, trace_count
from tests.factories import World

API = "/api/outreach"


def _factory(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessionmaker  # type: ignore[attr-defined,no-any-return]


def _count(client: TestClient, model: Any = EducationActivity) -> int:
    with _factory(client)() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _activity(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "lecture",
        "title": "消防安全知识讲座",
        "held_on": local_today().isoformat(),
        "place": "社区活动中心",
        "audience": 30,
    }
    return body | over


@pytest.fixture(scope="module")
def recorded(app_client: TestClient, world: World) -> tuple[int, int]:
    """Two activities in brigade a: 30 people (grid worker, phone) and 50 (station, phone)."""
    r1 = app_client.post(
        f"{API}/activities",
        json=_activity(audience=30, via_phone=True, materials=40),
        headers=world.headers("grid_a"),
    )
    assert r1.status_code == 201, r1.text
    r2 = app_client.post(
        f"{API}/activities",
        json=_activity(kind="training", title="员工消防培训", audience=50, via_phone=True),
        headers=world.headers("crew_a"),
    )
    assert r2.status_code == 201, r2.text
    assert r1.json()["recorded_via"] == "phone" and r1.json()["org_id"] == world.a.brigade_id
    assert r2.json()["org_id"] == world.a.station_id
    return int(r1.json()["id"]), int(r2.json()["id"])


def test_audience_adds_up_to_80_and_the_report_says_so(
    app_client: TestClient, world: World, recorded: tuple[int, int]
) -> None:
    year = local_today().year
    figures = app_client.get(
        f"{API}/figures",
        params={"year": year, "org_id": world.a.brigade_id},
        headers=world.headers("leader"),
    ).json()
    values = {f["key"]: f["value"] for f in figures["figures"]}
    assert values["outreach.activities"] == 2 and values["outreach.audience"] == 80
    assert values["outreach.materials"] == 40 and values["outreach.trainings"] == 1
    with _factory(app_client)() as s:
        period = Period.year(year)
        f = compute_figures(s, actor=SYSTEM, period=period, org_id=world.a.brigade_id)
        assert f["outreach.audience"] == 80 and kind("outreach.audience") == "people"
        rows = trace(s, SYSTEM, "outreach.audience", period, world.a.brigade_id)
        assert sorted(r["value"] for r in rows) == [30, 50]
        for key, value in f.values.items():
            if key.startswith("outreach.") and kind(key) == "count":
                assert trace_count(s, SYSTEM, key, period, world.a.brigade_id) == value, key
        content = yearly_content(s, actor=SYSTEM, year=year, org_id=world.a.brigade_id)
        (section,) = [
            x for x in content.context["sections"]["prevention"] if x["title"] == "宣传教育培训"
        ]
        assert section["text"].startswith("全年开展宣传教育培训活动2次，受众80人次")
        assert "发放宣传资料40份" in section["text"]
        assert "受众80人次" in render_text(content)
        # brigade b held nothing: no paragraph for it
        other = yearly_content(s, actor=SYSTEM, year=year, org_id=world.b.brigade_id)
        assert all(x["title"] != "宣传教育培训" for x in other.context["sections"]["prevention"])


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"held_on": (date.today() + timedelta(days=2)).isoformat()}, "不能晚于今天"),
        ({"audience": 100_001}, "超出单次活动的合理范围"),
        ({"audience": -1}, "输入有误"),
        ({"audience": 0}, "须填写受众人数"),
        ({"views": 10}, "不填浏览/观看量"),
        ({"kind": "live_stream", "audience": 5}, "浏览/观看量"),
        ({"kind": "outreach"}, "七进宣传须选择对象"),
        ({"kind": "base_visit"}, "须选择基地"),
        ({"kind": "materials", "audience": 0}, "须填写发放数量"),
        ({"title": ""}, "输入有误"),
    ],
)
def test_bad_activity_is_refused_in_chinese_and_nothing_written(
    app_client: TestClient, world: World, over: dict[str, Any], words: str
) -> None:
    before = _count(app_client)
    r = app_client.post(
        f"{API}/activities", json=_activity(**over), headers=world.headers("officer_b")
    )
    assert r.status_code == 422, r.text
    assert words in r.json()["detail"]
    assert _count(app_client) == before


def test_who_may_record_change_and_remove(
    app_client: TestClient, world: World, recorded: tuple[int, int]
) -> None:
    mine, crews = recorded
    # leaders read, they do not record
    r = app_client.post(f"{API}/activities", json=_activity(), headers=world.headers("leader"))
    assert r.status_code == 403
    # another brigade's organization is not found
    r = app_client.post(
        f"{API}/activities",
        json=_activity(org_id=world.a.brigade_id),
        headers=world.headers("grid_b"),
    )
    assert r.status_code == 404
    assert app_client.get(f"{API}/activities/{mine}", headers=world.headers("grid_b")).status_code
    assert (
        app_client.get(f"{API}/activities/{mine}", headers=world.headers("grid_b")).status_code
        == 404
    )
    # a recorder corrects their own, not someone else's; only officers remove
    grid = world.headers("grid_a")
    r = app_client.patch(f"{API}/activities/{mine}", json={"place": "村委会"}, headers=grid)
    assert r.status_code == 200 and r.json()["place"] == "村委会"
    r = app_client.patch(f"{API}/activities/{crews}", json={"place": "x"}, headers=grid)
    assert r.status_code == 403
    r = app_client.patch(f"{API}/activities/{mine}", json={"audience": 0}, headers=grid)
    assert r.status_code == 422 and "须填写受众人数" in r.json()["detail"]
    assert app_client.delete(f"{API}/activities/{mine}", headers=grid).status_code == 403
    mine_only = app_client.get(f"{API}/activities", params={"mine": True}, headers=grid).json()
    assert [a["id"] for a in mine_only["items"]] == [mine]


def test_bases_visits_and_volunteers_figures(app_client: TestClient, world: World) -> None:
    officer = world.headers("officer_b")
    base = app_client.post(
        f"{API}/bases",
        json={"name": "乙区消防科普教育馆", "level": "municipal", "org_id": world.b.brigade_id},
        headers=officer,
    )
    assert base.status_code == 201, base.text
    base_id = base.json()["id"]
    last_year = date(local_today().year - 1, 6, 1).isoformat()
    r = app_client.post(
        f"{API}/activities",
        json=_activity(kind="base_visit", base_id=base_id, audience=45, held_on=last_year),
        headers=officer,
    )
    assert r.status_code == 201, r.text
    listed = app_client.get(f"{API}/bases", headers=officer).json()["items"]
    assert [(b["visits"], b["visitors"]) for b in listed if b["id"] == base_id] == [(1, 45)]
    team = app_client.post(
        f"{API}/teams",
        json={"name": "乙区志愿者服务队", "org_id": world.b.station_id, "founded_on": last_year},
        headers=officer,
    ).json()
    for name in ("张伟", "李娜"):
        r = app_client.post(
            f"{API}/volunteers",
            json={
                "name": name,
                "phone": "13800000000",
                "team_id": team["id"],
                "joined_on": last_year,
            },
            headers=officer,
        )
        assert r.status_code == 201, r.text
    with _factory(app_client)() as s:
        f = compute_figures(
            s, actor=SYSTEM, period=Period.year(local_today().year - 1), org_id=world.b.brigade_id
        )
        assert f["outreach.base_visits"] == 1 and f["outreach.base_visitors"] == 45
        assert f["outreach.volunteers"] == 2 and f["outreach.volunteer_teams"] == 1
        text = yearly_content(
            s, actor=SYSTEM, year=local_today().year - 1, org_id=world.b.brigade_id
        )
        (section,) = [
            x for x in text.context["sections"]["prevention"] if x["title"] == "宣传教育培训"
        ]
        assert "组织参观消防科普教育基地1批次、45人次" in section["text"]
        assert "年末在册消防志愿者2人（1支队伍）" in section["text"]


STATES = ("active", "left")
MOVES = ("leave", "rejoin")
LEGAL = {("active", "leave"): "left", ("left", "rejoin"): "active"}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("move", MOVES)
def test_volunteer_state_machine_pair_by_pair(
    app_client: TestClient, world: World, state: str, move: str
) -> None:
    officer = world.headers("officer_a")
    team = app_client.post(
        f"{API}/teams",
        json={"name": f"队{state}{move}", "org_id": world.a.brigade_id},
        headers=officer,
    ).json()
    volunteer = app_client.post(
        f"{API}/volunteers",
        json={"name": "王芳", "team_id": team["id"], "joined_on": "2025-03-01"},
        headers=officer,
    ).json()
    vid = volunteer["id"]
    if state == "left":
        r = app_client.post(f"{API}/volunteers/{vid}/leave", json={}, headers=officer)
        assert r.status_code == 200
    before = _audit_rows(app_client, vid)
    r = app_client.post(
        f"{API}/volunteers/{vid}/{move}", json={} if move == "leave" else None, headers=officer
    )
    if (state, move) in LEGAL:
        assert r.status_code == 200, r.text
        assert r.json()["status"] == LEGAL[(state, move)]
        assert (r.json()["left_on"] is None) == (LEGAL[(state, move)] == "active")
        assert _audit_rows(app_client, vid) == [*before, move]
    else:
        assert r.status_code == 409, r.text
        assert "志愿者当前为" in r.json()["detail"]
        assert _audit_rows(app_client, vid) == before


def _audit_rows(client: TestClient, volunteer_id: int) -> list[str]:
    with _factory(client)() as s:
        return list(
            s.scalars(
                select(AuditLog.action)
                .where(AuditLog.entity == "volunteer", AuditLog.entity_id == str(volunteer_id))
                .order_by(AuditLog.id)
            )
        )


def test_lists_are_paged(app_client: TestClient, world: World, recorded: tuple[int, int]) -> None:
    page = app_client.get(
        f"{API}/activities", params={"limit": 1}, headers=world.headers("officer_a")
    ).json()
    assert page["total"] >= 2 and len(page["items"]) == 1 and page["limit"] == 1
    for path in ("bases", "teams", "volunteers"):
        r = app_client.get(f"{API}/{path}", headers=world.headers("leader"))
        assert r.status_code == 200 and "total" in r.json()


# --- lanyan prevention tick ----------------------------------------------------------------------


def test_prevention_tick_generates_patrol_tasks_once(
    app_client: TestClient, world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from lanyan.cli import app
    from lanyan.core.config import get_settings
    from lanyan.core.standards import standards
    from lanyan.prevention.cli import tick
    from lanyan.prevention.models import PatrolTask

    monkeypatch.setenv("LANYAN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        first = CliRunner().invoke(app, ["prevention", "tick", "--days", "3"])
        assert first.exit_code == 0, first.output
        tasks = _count(app_client, PatrolTask)
        assert tasks == 2  # one premises per brigade, both due today, next visit beyond 3 days
        assert "新生成2个" in first.output and "今日待巡查2个" in first.output
        second = CliRunner().invoke(app, ["prevention", "tick", "--days", "3"])
        assert second.exit_code == 0, second.output
        assert "新生成0个" in second.output
        assert _count(app_client, PatrolTask) == tasks
    finally:
        get_settings.cache_clear()
    # the grid worker of brigade a has today's task on the phone
    page = app_client.get(
        "/api/prevention/patrol-tasks",
        params={"due_to": local_today().isoformat()},
        headers=world.headers("grid_a"),
    ).json()
    assert [t["premises_id"] for t in page["items"]] == [world.a.premises_id]
    # one interval later (key units: quarterly) the unvisited tasks are missed and the next
    # round is generated, once
    later = local_today() + timedelta(days=int(standards()["patrol_interval_level2_days"]))
    result = tick(_factory(app_client), days=3, today=later)
    assert result.missed == 2 and result.created == 2
    assert tick(_factory(app_client), days=3, today=later).created == 0


def test_the_daily_tick_runs_at_five_past_midnight_shanghai() -> None:
    from datetime import UTC, datetime

    from lanyan.prevention.cli import _seconds_until_next_run

    # 2026-03-01 23:00 Shanghai = 15:00 UTC: 1 h 5 min to go
    assert _seconds_until_next_run(datetime(2026, 3, 1, 15, 0, tzinfo=UTC)) == 65 * 60
    # just after the run (00:06 Shanghai): the next is tomorrow's
    assert _seconds_until_next_run(datetime(2026, 3, 1, 16, 6, tzinfo=UTC)) == 24 * 3600 - 60
