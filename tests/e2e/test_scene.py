"""The scene: the commander's view shows the pre-plan's floor plan and water supply, and a report
with a photo sent from the crew's phone arrives there without a reload.

Two pages: the duty commander at a desk (1920×1080) on /scene/<incident>, a crew member of the
special-service station on a phone (390×844) on /crew/scene/<incident>. The pre-plan (floor plan
image, a water supply point linked to a registered hydrant) is written and approved through the
API first; the incident is closed afterwards so other browser tests find the city quiet.
Screenshots in test-artifacts/e2e/scene-*.png.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PHONE_VIEWPORT, LiveServer, shot
from tests.e2e.test_page_sizes import LAYOUT_PROBLEMS

REPORT_TEXT = "三楼东侧浓烟，两人被困（端到端测试）"


def png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG: a square of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def call(live_server: LiveServer) -> Iterator[dict[str, Any]]:
    """A key premises with an approved pre-plan, a fire there, and the station's vehicle on it."""
    with live_server.api("demo_prevention") as officer:
        premises = officer.get("/api/premises", params={"category": "key_unit", "limit": 1}).json()[
            "items"
        ][0]
        water = officer.get("/api/forces/water-sources", params={"limit": 1}).json()["items"][0]
        stored = officer.post(
            "/api/uploads", files={"file": ("一层平面图.png", png(64, (30, 90, 200)), "image/png")}
        )
        assert stored.status_code == 201, stored.text
        content = {
            "building": {"floors_above": 12, "floors_below": 1, "height_m": 45, "use": "商场"},
            "water_supply": [
                {"name": "东门消火栓", "kind": "市政消火栓", "water_source_id": water["id"]}
            ],
            "floor_plans": [{"upload_id": stored.json()["id"], "title": "一层平面图"}],
            "hazards": ["地下车库"],
        }
        saved = officer.post(
            f"/api/premises/{premises['id']}/preplan", json={"content": content, "note": "端到端"}
        )
        assert saved.status_code == 201, saved.text
        if saved.json()["preplan"]["status"] == "draft":
            r = officer.post(
                f"/api/premises/{premises['id']}/preplan/review", json={"action": "submit"}
            )
            assert r.status_code == 200, r.text
    with live_server.api("demo_commander") as commander:
        r = commander.post(
            f"/api/premises/{premises['id']}/preplan/review", json={"action": "approve"}
        )
        assert r.status_code == 200, r.text
    with live_server.api("demo_station") as crew:
        units = crew.get("/api/forces/units", params={"limit": 100}).json()["items"]
    unit = next(u for u in units if u["status"] == "available")
    with live_server.api("demo_dispatcher") as client:
        created = client.post(
            "/api/dispatch/incidents",
            json={
                "lon": premises["lon"],
                "lat": premises["lat"],
                "address_text": premises["address"] or premises["name"],
                "type": "fire",
                "level": 2,
                "premises_id": premises["id"],
                "description": "现场视图测试",
            },
        )
        assert created.status_code == 201, created.text
        incident = created.json()
        sent = client.post(
            f"/api/dispatch/incidents/{incident['id']}/assignments", json={"unit_ids": [unit["id"]]}
        )
        assert sent.status_code == 201, sent.text
        yield {"incident": incident, "premises": premises, "water": water, "unit": unit}
        current = client.get(f"/api/dispatch/incidents/{incident['id']}").json()
        for assignment in current["assignments"]:
            if assignment["status"] != "in_quarters":
                for status in ("returning", "in_quarters"):
                    client.post(
                        f"/api/dispatch/assignments/{assignment['id']}/status",
                        json={"status": status},
                    )
        client.post(
            f"/api/dispatch/incidents/{incident['id']}/status",
            json={"status": "extinguished", "override_reason": "测试结束"},
        )
        closed = client.post(f"/api/dispatch/incidents/{incident['id']}/close", json={})
        assert closed.status_code == 200, closed.text


def _image_loaded(page: Any, selector: str) -> None:
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth; }",
        arg=selector,
    )


def test_commander_sees_preplan_and_receives_a_photo_report_live(
    new_page: Any, live_server: LiveServer, call: dict[str, Any], tmp_path: Path
) -> None:
    incident_id = call["incident"]["id"]
    commander = new_page("demo_commander")
    commander.goto(f"/scene/{incident_id}")
    commander.wait_for_selector("body[data-ready]")
    commander.wait_for_selector("#live-state.ok")
    # the pre-plan's floor plan and water supply
    _image_loaded(commander, "#preplan-body .pp-floor-plan img")
    water = commander.locator("#preplan-body .pp-water li").first.inner_text()
    assert "东门消火栓" in water and "市政消火栓" in water
    assert commander.locator("#scene-units tr[data-assignment-id]").count() == 1
    commander.evaluate("window.__sceneMarker = 'not reloaded'")
    shot(commander, "scene-01-commander-preplan")

    crew = new_page("demo_station", viewport=PHONE_VIEWPORT)
    crew.goto(f"/crew/scene/{incident_id}")
    crew.wait_for_selector("body[data-ready]")
    _image_loaded(crew, "#cs-preplan-body .pp-floor-plan img")  # the crew reads it too
    crew.fill("#report-text", REPORT_TEXT)
    photo = tmp_path / "现场.png"
    photo.write_bytes(png(48, (220, 60, 20)))
    crew.set_input_files("#report-file", str(photo))
    crew.wait_for_selector("#report-thumbs img[data-upload-id]")
    crew.check("#report-reinforce")
    crew.fill("#report-needs", "举高车1辆")
    problems = crew.evaluate(LAYOUT_PROBLEMS)
    assert not problems, "\n".join(problems)
    shot(crew, "scene-02-crew-report")
    crew.click("#report-send")
    crew.wait_for_selector('#cs-reports li[data-status="sent"]')

    # the commander's view shows it without a reload, photo and all
    item = commander.locator(".sc-report", has_text=REPORT_TEXT)
    item.wait_for()
    assert "需要增援：举高车1辆" in item.inner_text()
    _image_loaded(commander, ".sc-report .sc-photos img")
    assert commander.evaluate("window.__sceneMarker") == "not reloaded"
    shot(commander, "scene-03-report-arrived")

    # acknowledged there, and the crew's phone hears it
    item.locator("button[data-ack]").click()
    commander.wait_for_selector('.sc-report[data-status="acknowledged"]')
    crew.wait_for_selector('#cs-reports li[data-status="acknowledged"]')
    assert not commander.errors and not crew.errors, (commander.errors, crew.errors)
    with live_server.api("demo_commander") as client:
        view = client.get(f"/api/scene/incidents/{incident_id}").json()
    [report] = view["reports"]
    assert report["status"] == "acknowledged" and len(report["photo_ids"]) == 1

    # the pre-plan desk shows the plan, its version and the review state
    commander.goto(f"/preplans?premises={call['premises']['id']}")
    commander.wait_for_selector("body[data-ready]")
    commander.wait_for_selector("#pp-versions li")
    assert call["premises"]["name"] in commander.locator("#pp-detail h2").inner_text()
    assert "已发布" in commander.locator("#pp-detail h2").inner_text()
    _image_loaded(commander, "#pp-detail .pp-floor-plan img")
    shot(commander, "scene-04-preplan-desk")
    assert not commander.errors, commander.errors
