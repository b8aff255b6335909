"""Duty strength in the browser (issue 20, acceptance 2).

A station crew declares today's duty on the phone (390×844): the people on the first vehicle,
seat by seat; the dispatcher's console, open meanwhile, shows the station's declared strength on
its status board without a reload. The monthly assessment page lists the published ranking.
Screenshots in test-artifacts/e2e/duty-*.png.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import PHONE_VIEWPORT, LiveServer, shot
from tests.e2e.test_page_sizes import LAYOUT_PROBLEMS

CREW = 3


def _people(live_server: LiveServer, station_id: int, count: int) -> list[dict[str, Any]]:
    """At least ``count`` people on the station's roster (added through the API)."""
    with live_server.api("demo_station") as crew:
        found = crew.get("/api/duty/people", params={"org_id": station_id}).json()["items"]
        for i in range(len(found), count):
            r = crew.post(
                "/api/duty/people",
                json={
                    "external_id": f"e2e:duty:{station_id}:{i}",
                    "name": ["王建国", "李强", "张伟", "刘洋", "陈磊"][i % 5] + str(i),
                    "org_id": station_id,
                    "post": "driver" if i == 0 else "firefighter",
                    "employment": "professional",
                },
            )
            assert r.status_code == 201, r.text
            found.append(r.json())
    return found[:count]


def test_a_crew_declares_on_the_phone_and_the_board_shows_it(
    new_page: Any, live_server: LiveServer
) -> None:
    with live_server.api("demo_station") as crew:
        me = crew.get("/api/auth/me").json()
    station_id = me["organization_id"]
    people = _people(live_server, station_id, CREW)
    with live_server.api("demo_station") as crew:
        station = crew.get(f"/api/forces/organizations/{station_id}").json()

    console = new_page("demo_dispatcher")
    console.goto("/console")
    row = console.locator(
        ".station-row", has=console.locator(f".station-name:text-is('{station['name']}')")
    )
    row.wait_for()
    console.locator("#duty-board-summary").wait_for()

    phone = new_page("demo_station", viewport=PHONE_VIEWPORT)
    phone.goto("/duty")
    card = phone.locator(".dt-vehicle").first
    card.wait_for()
    selects = card.locator("select.dt-person")
    for i, person in enumerate(people):
        selects.nth(i).select_option(str(person["id"]))
    assert f"{CREW}/" in card.locator(".dt-count").inner_text()
    phone.click("#submit-declaration")
    phone.locator(".toast-ok", has_text="已提交").wait_for()
    phone.locator("#declare-status", has_text="今日已申报").wait_for()
    shot(phone, "duty-phone-declared")
    assert not phone.evaluate(LAYOUT_PROBLEMS)

    badge = row.locator(".duty-strength")
    badge.filter(has_text="在岗").wait_for(timeout=10_000)
    assert f"在岗{CREW}人" in badge.inner_text()
    shot(console, "duty-console-board")
    assert not phone.errors and not console.errors


def test_the_monthly_assessment_page_lists_the_published_ranking(
    new_page: Any, live_server: LiveServer
) -> None:
    with live_server.api("demo_station") as crew:
        station_id = crew.get("/api/auth/me").json()["organization_id"]
    people = _people(live_server, station_id, CREW)
    with live_server.api("demo_commander") as commander:
        month = commander.get("/api/duty/board").json()["day"][:7]
        item = commander.post(
            "/api/duty/assessments",
            json={
                "org_id": station_id,
                "held_on": f"{month}-01",
                "subject": "drill",
                "item": "两盘水带连接操",
                "measure": "time",
                "pass_value": 30,
                "min_value": 10,
                "max_value": 120,
            },
        ).json()
        values = [24.5, 28.0, 33.2]
        r = commander.post(
            f"/api/duty/assessments/{item['id']}/results",
            json={
                "results": [
                    {"person_id": p["id"], "value": v} for p, v in zip(people, values, strict=True)
                ]
            },
        )
        assert r.status_code == 200, r.text
        assert commander.post(f"/api/duty/assessments/{item['id']}/publish").status_code == 200

    page = new_page("demo_dispatcher")
    page.goto("/assessments")
    ranking = page.locator(f".dt-ranking[data-assessment-id='{item['id']}']")
    ranking.wait_for()
    rows = ranking.locator("tbody tr")
    assert rows.count() == CREW
    assert people[0]["name"] in rows.nth(0).inner_text()
    assert "不合格" in rows.nth(2).inner_text()
    assert "合格率66.67%" in ranking.inner_text()
    shot(page, "duty-assessments")
    assert not page.evaluate(LAYOUT_PROBLEMS)
    assert not page.errors
