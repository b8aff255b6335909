"""The crew phone page organised by incident: one card, one map, one tap for the whole crew.

Three vehicles of the demo's special-service station are sent to one call. On a phone, the crew
sees one card for the incident (one map, the three vehicles), moves all three to 出动 and then to
到场 with one tap each, and the incident is 处置中 by the API and on the dispatcher's console,
without a reload. A single vehicle is still settable
on its own; the messages never cover a button; back in quarters the page says which station and
vehicles it serves. Screenshots in test-artifacts/e2e/crew-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import PHONE_VIEWPORT, LiveServer, shot
from tests.e2e.test_page_sizes import LAYOUT_PROBLEMS

VEHICLES = 3


@pytest.fixture
def incident(live_server: LiveServer) -> Iterator[dict[str, Any]]:
    """An incident near the special-service station with three of its vehicles sent to it;
    closed afterwards, so other browser tests find the city quiet."""
    with live_server.api("demo_station") as crew:
        units = crew.get("/api/forces/units", params={"limit": 100}).json()["items"]
    available = [u for u in units if u["status"] == "available"]
    assert len(available) >= VEHICLES, units
    sent = available[:VEHICLES]
    with live_server.api("demo_dispatcher") as client:
        station = client.get(f"/api/forces/organizations/{sent[0]['station_id']}").json()
        created = client.post(
            "/api/dispatch/incidents",
            json={
                "lon": station["lon"] + 0.004,
                "lat": station["lat"] + 0.003,
                "address_text": "车组整队测试地址",
                "type": "fire",
                "level": 1,
                "match_premises": False,
                "description": "整车组到场测试",
            },
        )
        assert created.status_code == 201, created.text
        incident = created.json()
        answer = client.post(
            f"/api/dispatch/incidents/{incident['id']}/assignments",
            json={"unit_ids": [u["id"] for u in sent]},
        )
        assert answer.status_code == 201, answer.text
        yield answer.json()
        current = client.get(f"/api/dispatch/incidents/{incident['id']}").json()
        for assignment in current["assignments"]:
            if assignment["status"] != "in_quarters":
                for status in ("returning", "in_quarters"):
                    client.post(
                        f"/api/dispatch/assignments/{assignment['id']}/status",
                        json={"status": status},
                    )
        if current["status"] != "closed":
            client.post(
                f"/api/dispatch/incidents/{incident['id']}/status",
                json={"status": "extinguished", "override_reason": "测试结束"},
            )
            closed = client.post(f"/api/dispatch/incidents/{incident['id']}/close", json={})
            assert closed.status_code == 200, closed.text


def _no_layout_problems(page: Any) -> None:
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, "\n".join(problems)


def test_one_tap_moves_the_whole_crew_to_on_scene(
    new_page: Any, live_server: LiveServer, incident: dict[str, Any]
) -> None:
    # the dispatcher's console is open on the incident list meanwhile
    console = new_page("demo_dispatcher")
    listed = f'#incident-list [data-incident-id="{incident["id"]}"] .incident-state'
    console.wait_for_selector(f'{listed}[data-status="dispatched"]')

    crew = new_page("demo_station", viewport=PHONE_VIEWPORT)
    assert crew.url.endswith("/crew")
    card_selector = f'.crew-incident[data-incident-id="{incident["id"]}"]'
    card = crew.locator(card_selector)

    def card_in(status: str) -> str:
        return f'{card_selector}[data-status="{status}"]'

    card.wait_for()
    crew.wait_for_selector("#live-state.ok")  # live events connected: the page is settled
    assert card.locator(".order").count() == VEHICLES
    assert card.locator(".mini-map").count() == 1
    assert card.locator(".mini-map.leaflet-container").count() == 1
    heading = card.locator("h2").inner_text()
    assert "一级" in heading and "1级" not in heading, heading
    assert card.get_attribute("data-status") == "assigned"
    shot(crew, "crew-01-incident-card")

    # one tap: every vehicle of the incident 出动, then one more: every vehicle 到场
    card.locator('button[data-crew-status="en_route"]').click()
    crew.wait_for_selector(card_in("en_route"))
    card.locator('button[data-crew-status="on_scene"]').click()
    crew.wait_for_selector(card_in("on_scene"))
    assert card.locator('.order[data-status="on_scene"]').count() == VEHICLES
    # the message about it is on screen and covers no button
    crew.wait_for_selector(".crew-messages .toast-ok:last-child")
    _no_layout_problems(crew)
    shot(crew, "crew-02-all-on-scene")

    with live_server.api("demo_dispatcher") as client:
        now = client.get(f"/api/dispatch/incidents/{incident['id']}").json()
    assert now["status"] == "on_scene", now["status"]
    assert now["status_zh"] == "处置中"
    assert {a["status"] for a in now["assignments"]} == {"on_scene"}
    assert all(a["on_scene_at"] for a in now["assignments"])
    # and the console's incident list says so without a reload
    console.wait_for_selector(f'{listed}[data-status="on_scene"]')
    assert "处置中" in console.locator(listed).inner_text()
    shot(console, "crew-02b-console-on-scene")

    # each vehicle is still settable on its own
    first = card.locator(".order").first
    first_id = first.get_attribute("data-assignment-id")
    first.locator('button[data-status="water_on"]').click()
    crew.wait_for_selector(f'.order[data-assignment-id="{first_id}"][data-status="water_on"]')
    crew.wait_for_selector(card_in("mixed"))
    water = card.locator('button[data-crew-status="water_on"]')
    assert water.get_attribute("data-count") == str(VEHICLES - 1)
    _no_layout_problems(crew)
    shot(crew, "crew-03-one-vehicle-water-on")

    # the whole crew returns and is back in quarters: the card goes, the page says who it is
    card.locator('button[data-crew-status="returning"]').click()
    crew.wait_for_selector(card_in("returning"))
    card.locator('button[data-crew-status="in_quarters"]').click()
    crew.wait_for_selector("#no-orders")
    assert crew.locator(f'.crew-incident[data-incident-id="{incident["id"]}"]').count() == 0
    station = crew.locator("#crew-station").inner_text()
    assert "特勤站" in station, station
    assert crew.locator("#crew-fleet li").count() >= VEHICLES
    _no_layout_problems(crew)
    shot(crew, "crew-04-back-in-quarters")
    assert not crew.errors, crew.errors
