"""Issue 17, acceptance 3 (public education): a grid worker records an education activity on a
390×844 phone — 七进宣传 进社区, 35 people, 20 leaflets, a photo — it shows in their own list,
and the prevention officer of the same brigade finds it on the /outreach desk with the year's
figures counting it. Screenshots: test-artifacts/e2e/outreach-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from lanyan.prevention.models import PatrolTask
from tests.e2e.conftest import PHONE_VIEWPORT, LiveServer, shot
from tests.e2e.test_prevention_flow import full_shot, small_png

TITLE = "幸福里社区消防安全进社区宣传（端到端测试）"


def _audience(live_server: LiveServer) -> int:
    with live_server.api("demo_prevention") as client:
        figures = client.get("/api/outreach/figures").json()["figures"]
    return int(next(f["value"] for f in figures if f["key"] == "outreach.audience"))


def test_grid_worker_records_an_activity_on_the_phone(
    new_page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    before = _audience(live_server)
    phone = new_page("demo_grid", viewport=PHONE_VIEWPORT)
    phone.goto("/outreach/phone")
    phone.click('#kind-buttons button[data-value="outreach"]')
    phone.click('#target-buttons button[data-value="community"]')
    assert (
        phone.get_attribute('#target-buttons button[data-value="community"]', "aria-checked")
        == "true"
    )
    phone.fill("#activity-title", TITLE)
    phone.fill("#activity-place", "幸福里社区广场")
    phone.fill("#activity-audience", "35")
    phone.fill("#activity-materials", "20")
    phone.set_input_files("#activity-file", str(small_png(tmp_path / "宣传现场.png")))
    phone.wait_for_selector("#activity-thumbs .gw-thumb img")
    full_shot(phone, "outreach-phone-form")
    phone.click("#submit-activity")
    phone.wait_for_selector("#view-done:not([hidden])")
    assert "已登记" in phone.inner_text("#done-box")
    phone.click("#tab-mine")
    item = phone.locator("#mine-list li", has_text=TITLE)
    item.wait_for()
    assert "受众 35 人" in item.inner_text() and "照片 1 张" in item.inner_text()
    shot(phone, "outreach-phone-mine")
    assert phone.errors == []

    assert _audience(live_server) == before + 35
    desk = new_page("demo_prevention")
    desk.goto("/outreach")
    row = desk.locator("#activity-table tbody tr", has_text=TITLE)
    row.wait_for()
    assert "进社区" in row.inner_text() and "（手机）" in row.inner_text()
    kpi = desk.locator('#figures .rec-kpi[data-key="outreach.audience"] b')
    kpi.wait_for()
    assert int(kpi.inner_text().replace(",", "")) == before + 35
    shot(desk, "outreach-desk")
    assert desk.errors == []


def test_pages_of_the_functions_that_had_only_an_api(
    new_page: Any, live_server: LiveServer
) -> None:
    """网格与巡查 (officer): the patrol plan, generating today's tasks, grids, premises; 力量与预案
    (administrator): organizations, units, water sources, graded-dispatch rules — no page error."""
    with live_server.session_factory() as session:
        last_task = session.scalar(select(func.max(PatrolTask.id))) or 0
    try:
        _governance_and_resources(new_page)
    finally:
        # the tasks generated here would fill the grid worker's list for the browser tests that
        # follow (their layouts are checked on the demo as loaded): take them out again
        with live_server.session_factory() as session:
            session.execute(delete(PatrolTask).where(PatrolTask.id > last_task))
            session.commit()


def _governance_and_resources(new_page: Any) -> None:
    desk = new_page("demo_prevention")
    desk.goto("/governance")
    desk.wait_for_selector("body[data-ready]")
    desk.click('#tabs [data-tab="patrols"]')
    assert desk.locator("#plan-table tbody tr").count() == 4
    desk.click("#generate-btn")
    desk.wait_for_function(
        "() => document.getElementById('generate-result').textContent.includes('新生成')"
    )
    desk.locator("#task-table tbody tr").first.wait_for()
    desk.click('#tabs [data-tab="premises"]')
    desk.locator("#premises-table tbody tr td").first.wait_for()
    assert desk.locator("#premises-table tbody tr").count() > 1
    shot(desk, "governance-premises")
    assert desk.errors == []

    admin = new_page("demo_admin")
    admin.goto("/resources")
    admin.wait_for_selector("body[data-ready]")
    for tab, table in (("orgs", "org"), ("units", "unit"), ("water", "water"), ("plans", "plan")):
        admin.click(f'#tabs [data-tab="{tab}"]')
        admin.locator(f"#{table}-table tbody tr td").first.wait_for()
        assert admin.locator(f"#{table}-table tbody tr").count() > 1, tab
    admin.locator("#plan-table tbody tr").first.locator("button", has_text="修改").click()
    admin.wait_for_selector("#plan-form:not([hidden])")
    shot(admin, "resources-plans")
    assert admin.errors == []
