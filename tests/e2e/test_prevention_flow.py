"""Acceptance 4 of grassroots governance: the grid worker's phone and the officer's desk.

The grid worker (demo_grid, 上区大队) opens /grid on a 390×844 phone whose position is a few
metres from a premises, checks in there for a patrol task (checklist, photo), and reports a hazard
with a photo. The prevention officer (demo_prevention, same brigade) sees it under 待核实 on
/prevention, verifies it, orders rectification (the deadline shows), and the figures panel counts
the hazard (found +1) and the check-in (patrols done +1), read before and after. Screenshots go to
test-artifacts/e2e/prevention-*.png.
"""

from __future__ import annotations

import struct
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lanyan.prevention.models import PatrolTask
from tests.e2e.conftest import ARTIFACTS, PHONE_VIEWPORT, LiveServer, shot

HAZARD_TITLE = "安全出口被杂物堵塞（端到端测试）"
FIGURE_KEYS = ("patrols_planned", "patrols_done", "hazards_found", "hazards_overdue")


def small_png(path: Path, size: int = 16) -> Path:
    """A real PNG (an orange square) for the phone to "photograph"."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes((239, 108, 0)) * size
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return path


def full_shot(page: Any, name: str) -> None:
    """The whole scrolled phone page as one screenshot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def brigade_figures(page: Any, org_id: int) -> dict[str, int]:
    """The numbers in the officer's brigade row of the figures table."""
    row = page.locator(f'#figures-table tr.figure-row[data-org-id="{org_id}"]')
    return {key: int(row.locator(f'td[data-key="{key}"]').inner_text()) for key in FIGURE_KEYS}


def refresh_figures(page: Any) -> None:
    stamp = page.get_attribute("body", "data-figures-ready")
    page.click("#figures-refresh")
    page.wait_for_function(
        "stamp => document.body.dataset.figuresReady !== stamp", arg=stamp, timeout=10_000
    )


def test_prevention_flow(new_page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    started = time.monotonic()
    photo = small_png(tmp_path / "现场照片.png")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    # Patrol tasks come from the plans: the officer generates today's, the grid worker takes one.
    with live_server.api("demo_prevention") as officer_api:
        generated = officer_api.post(
            "/api/prevention/patrol-tasks/generate", json={"until": today.isoformat()}
        )
        assert generated.status_code == 200, (
            f"POST /api/prevention/patrol-tasks/generate → {generated.status_code}: "
            f"{generated.text[:300]} (is the governance router mounted in lanyan.app?)"
        )
    with live_server.api("demo_grid") as grid_api:
        tasks = grid_api.get(
            "/api/prevention/patrol-tasks", params={"status": "pending", "limit": 1}
        ).json()
        assert tasks["total"] >= 1, "no patrol task for the grid worker after generating them"
        # The worker has fallen behind: this task was due two days ago (still pending, not yet
        # marked missed), so the phone must show it first and in red.
        with live_server.session_factory() as session:
            row = session.get(PatrolTask, tasks["items"][0]["id"])
            assert row is not None
            row.due_on = today - timedelta(days=2)
            session.commit()
        task = grid_api.get(f"/api/prevention/patrol-tasks/{tasks['items'][0]['id']}").json()

    # The officer's desk, before: the brigade's figures.
    officer = new_page("demo_prevention")
    assert officer.url.endswith("/prevention"), officer.url
    officer.wait_for_selector("body[data-ready]", state="attached")
    org_id = officer.evaluate(
        "JSON.parse(document.getElementById('lanyan-config').textContent).user.organization_id"
    )
    before = brigade_figures(officer, org_id)
    shot(officer, "prevention-01-desk-before")

    # The grid worker's phone, a few metres from the premises.
    grid = new_page("demo_grid", viewport=PHONE_VIEWPORT)
    assert grid.url.endswith("/grid"), grid.url
    grid.context.grant_permissions(["geolocation"], origin=live_server.url)
    grid.context.set_geolocation(
        {"latitude": task["lat"] + 0.0002, "longitude": task["lon"] + 0.0001, "accuracy": 8}
    )
    card = f'li.gw-task[data-task-id="{task["id"]}"]'
    grid.wait_for_selector(card)
    assert task["premises_name"] in grid.locator(card).inner_text()
    assert "overdue" in (grid.get_attribute(card, "class") or ""), "an overdue task is not red"
    assert "已逾期 2 天" in grid.locator(card).inner_text()
    assert grid.locator("li.gw-task").first.get_attribute("data-task-id") == str(task["id"])
    shot(grid, "prevention-02-grid-tasks")

    # Check-in: position, checklist (all yes, one no), a photo, a note.
    grid.click(f"{card} button.checkin-btn")
    grid.wait_for_selector("#checklist li.gw-item")
    grid.wait_for_selector("#position-status[data-distance]")
    distance = int(grid.get_attribute("#position-status", "data-distance") or "9999")
    assert distance < 50, f"the phone is {distance} m from the premises"
    grid.click("#all-yes")
    grid.click("#checklist li.gw-item >> nth=0 >> button.no")
    grid.wait_for_selector('#checklist li.gw-item[data-answer="false"]')
    grid.set_input_files("#checkin-file", str(photo))
    grid.wait_for_selector("#checkin-thumbs .gw-thumb[data-upload-id]")
    grid.fill("#checkin-note", "巡查发现消防通道有少量杂物，已当场提醒清理")
    full_shot(grid, "prevention-03-grid-checkin")
    grid.click("#submit-checkin")
    grid.wait_for_selector("#done-visit")
    assert "打卡成功" in grid.locator("#done-title").inner_text()
    shot(grid, "prevention-04-grid-checkin-done")

    # Report a hazard with a photo at the same premises (picked from a search).
    grid.click("#tab-report")
    grid.fill("#report-premises-q", task["premises_name"])
    grid.click("#report-premises-search")
    grid.click(f'#report-premises-results li.gw-result[data-premises-id="{task["premises_id"]}"]')
    grid.wait_for_selector(f'#report-premises-chosen[data-premises-id="{task["premises_id"]}"]')
    grid.fill("#report-title", HAZARD_TITLE)
    grid.select_option("#report-category", "安全出口")
    grid.fill("#report-description", "一楼东侧安全出口门后堆放纸箱，无法完全打开")
    grid.set_input_files("#report-file", str(photo))
    grid.wait_for_selector("#report-thumbs .gw-thumb[data-upload-id]")
    grid.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    shot(grid, "prevention-05-grid-report")
    grid.click("#submit-report")
    grid.wait_for_selector("#done-hazard")
    hazard_id = int(grid.get_attribute("#done-hazard", "data-hazard-id") or "0")
    shot(grid, "prevention-06-grid-report-done")

    # The officer: the hazard waits under 待核实, with its photo.
    refresh_figures(officer)
    officer.fill("#hazard-q", HAZARD_TITLE)
    officer.click("#hazard-search")
    row = f'#hazard-table tr.hazard-row[data-hazard-id="{hazard_id}"]'
    officer.wait_for_selector(f'{row}[data-status="reported"]')
    assert officer.locator("#hazard-tabs .tab.active").inner_text().startswith("待核实")
    officer.click(row)
    officer.wait_for_selector(f'#detail-head[data-hazard-id="{hazard_id}"]')
    officer.wait_for_function(
        "() => [...document.querySelectorAll('#hazard-detail img.photo')]"
        ".some(img => img.complete && img.naturalWidth > 0)"
    )
    shot(officer, "prevention-07-desk-to-verify")

    # Verify, then order rectification within 5 working days: the deadline shows.
    officer.click("#verify-accept")
    officer.wait_for_selector('#detail-head[data-status="verified"]')
    officer.fill("#order-workdays", "5")
    officer.fill("#order-note", "清除安全出口处堆放物品，保持疏散通道畅通")
    officer.click("#order-btn")
    officer.wait_for_selector('#detail-head[data-status="ordered"]')
    deadline_text = officer.locator("#detail-deadline").inner_text()
    with live_server.api("demo_prevention") as officer_api:
        hazard = officer_api.get(f"/api/hazards/{hazard_id}").json()
    assert hazard["status"] == "ordered" and hazard["deadline_at"], hazard
    deadline = datetime.fromisoformat(hazard["deadline_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert deadline.strftime("%Y/%m/%d") in deadline_text, (deadline, deadline_text)
    officer.click('#hazard-tabs .tab[data-tab="ordered"]')
    officer.wait_for_selector(f'{row}[data-status="ordered"] .deadline')

    # The figures count the check-in and the hazard.
    refresh_figures(officer)
    after = brigade_figures(officer, org_id)
    assert after["hazards_found"] == before["hazards_found"] + 1, (before, after)
    assert after["patrols_done"] == before["patrols_done"] + 1, (before, after)
    officer.locator("#figures-panel").scroll_into_view_if_needed()
    shot(officer, "prevention-08-desk-ordered-figures")

    assert not grid.errors and not officer.errors, (grid.errors, officer.errors)
    elapsed = time.monotonic() - started
    print(f"\nprevention flow: {elapsed:.1f} s; figures before {before}, after {after}")
    assert elapsed < 60, f"the prevention flow took {elapsed:.1f} s"
