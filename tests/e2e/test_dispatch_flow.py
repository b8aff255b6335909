"""The whole dispatch flow in two browsers: dispatcher console and the station crew's phone.

Log in as dispatcher, enter an address, pick a candidate, accept the recommendation, see the
units change status on the map, set statuses from the crew page in a second browser context, and
close the incident. Each step leaves a screenshot in test-artifacts/e2e/.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import PHONE_VIEWPORT, LiveServer, shot

ADDRESS = "Landstrasse 12 Schaan"
"""In the district of the demo's special-service station, whose crew account drives the phone."""


def unit_on_map(page: Any, unit_id: int, status: str) -> None:
    page.wait_for_selector(f'path.unit-{unit_id}[data-status="{status}"]', state="attached")
    page.wait_for_selector(
        f'#status-table .unit-chip[data-unit-id="{unit_id}"][data-status="{status}"]'
    )


def crew_press(crew: Any, assignment_id: int, status: str) -> None:
    card = f'.order[data-assignment-id="{assignment_id}"]'
    crew.click(f'{card} button[data-status="{status}"]')
    if status == "in_quarters":  # back in quarters: the order is done and leaves the page
        crew.wait_for_selector(card, state="detached")
    else:
        crew.wait_for_selector(f'{card}[data-status="{status}"]')


def test_dispatch_flow(new_page: Any, live_server: LiveServer) -> None:
    with live_server.api("demo_dispatcher") as client:
        choices = client.get("/api/meta/choices").json()
    missing = {"incident_type", "incident_subtype", "assignment_status"} - set(choices)
    assert not missing, f"/api/meta/choices lacks {sorted(missing)} (docs/dispatch-api.md)"
    console = new_page("demo_dispatcher")
    console.wait_for_selector("body[data-map-ready]", state="attached")
    shot(console, "01-console")

    # intake: caller, address → candidates → pick, type
    console.fill("#caller-number", "13912345678")
    console.fill("#caller-name", "王先生")
    console.fill("#address", ADDRESS)
    console.click("#geocode-btn")
    console.wait_for_selector("#candidates li.candidate")
    shot(console, "02-address-candidates")
    console.click("#candidates li.candidate >> nth=0")
    assert "地址候选" in console.locator("#place-text").inner_text()
    console.select_option("#incident-type", "fire")
    console.fill("#description", "三楼窗口冒烟，有人员被困可能")
    console.click("#submit-intake")

    # recommendation with ETAs and routes drawn
    console.wait_for_selector("#recommend-table tbody tr.rec-row")
    rows = console.locator("#recommend-table tbody tr.rec-row")
    assert rows.count() >= 1
    eta = console.locator("#recommend-table td.eta").first.inner_text()
    assert ":" in eta, eta
    assert console.locator("path.route-line").count() >= 1
    unit_ids = [int(rows.nth(i).get_attribute("data-unit-id")) for i in range(rows.count())]
    incident_number = console.locator("#incident-number").inner_text()
    shot(console, "03-recommendation")

    # one click dispatches the recommended units; the map shows them dispatched
    console.click("#dispatch-all")
    console.wait_for_selector("#assignment-table tr.assignment-row")
    for unit_id in unit_ids:
        unit_on_map(console, unit_id, "dispatched")
    shot(console, "04-dispatched")

    # the station crew, on a phone, in a second browser context
    crew = new_page("demo_station", viewport=PHONE_VIEWPORT)
    assert crew.url.endswith("/crew")
    crew.wait_for_selector(".order")
    cards = crew.locator(".order")
    assignment_ids = [
        int(cards.nth(i).get_attribute("data-assignment-id")) for i in range(cards.count())
    ]
    with live_server.api("demo_dispatcher") as client:
        incident = client.get("/api/dispatch/incidents", params={"open": True}).json()["items"][0]
        assert incident["number"] == incident_number
        ours = {a["id"]: a for a in incident["assignments"]}
    assert set(assignment_ids) <= set(ours)
    shot(crew, "05-crew-order")

    first = assignment_ids[0]
    first_unit = ours[first]["unit_id"]
    crew_press(crew, first, "en_route")
    unit_on_map(console, first_unit, "en_route")
    crew_press(crew, first, "on_scene")
    unit_on_map(console, first_unit, "on_scene")
    crew_press(crew, first, "water_on")
    unit_on_map(console, first_unit, "water_on")
    shot(crew, "06-crew-water-on")
    shot(console, "07-console-live-status")

    # the other units: the crew reports what it can, the dispatcher records the rest by radio
    for assignment_id in assignment_ids[1:]:
        crew_press(crew, assignment_id, "en_route")
    crew_press(crew, first, "returning")
    for assignment_id in assignment_ids[1:]:
        crew_press(crew, assignment_id, "returning")
    for assignment_id in ours:
        if assignment_id in assignment_ids:
            continue
        row = console.locator(f'#assignment-table tr[data-assignment-id="{assignment_id}"]')
        row.locator("select.assignment-status").select_option("returning")
        console.wait_for_selector(
            f'#assignment-table tr[data-assignment-id="{assignment_id}"][data-status="returning"]'
        )

    # close with the closing report
    console.click("#status-extinguished")
    console.wait_for_selector('#incident-status[data-status="extinguished"]')
    form = console.locator("#close-form")
    form.locator("input[name=rescued]").fill("2")
    form.locator("input[name=evacuated]").fill("15")
    form.locator("input[name=direct_loss_cny]").fill("30000")
    # a live event redraws the panel while the dispatcher types: the focus stays in the field
    # and the keystroke lands in it (a redraw used to blur it and the figure was lost)
    households = form.locator("input[name=households_affected]")
    households.click()
    crew_press(crew, first, "in_quarters")
    console.wait_for_selector(
        f'#assignment-table tr[data-assignment-id="{first}"][data-status="in_quarters"]'
    )
    console.keyboard.press("End")
    console.keyboard.press("Backspace")
    console.keyboard.type("1")
    assert households.evaluate("el => el === document.activeElement")
    assert households.input_value() == "1"
    form.locator("textarea[name=summary]").fill("三楼厨房起火，10分钟内扑灭，救出2人，疏散15人。")
    console.click("#close-incident")
    console.wait_for_selector('#incident-status[data-status="closed"]', state="attached")
    report = console.locator("#closing-report").inner_text()
    assert "结案" in report
    # the grade with the rules it was decided by (a fire today: 消防〔2025〕17号)
    assert "受灾 1 户" in report
    assert "一般火灾" in report and "消防〔2025〕17号" in report
    shot(console, "08-closed")

    for assignment_id in assignment_ids[1:]:
        crew_press(crew, assignment_id, "in_quarters")
    crew.wait_for_selector("#no-orders")
    for unit_id in unit_ids:
        unit_on_map(console, unit_id, "available")
    shot(crew, "09-crew-back-in-quarters")
    assert not console.errors, console.errors
    assert not crew.errors, crew.errors


def test_crew_sees_only_its_own_orders(new_page: Any, live_server: LiveServer) -> None:
    with live_server.api("demo_dispatcher") as client:
        orgs = client.get("/api/forces/organizations", params={"limit": 1000}).json()["items"]
    with live_server.api("demo_station") as crew_api:
        crew_org = crew_api.get("/api/auth/me").json()
    others = [
        o
        for o in orgs
        if o["kind"] in ("station", "special_station") and o["id"] != crew_org["organization_id"]
    ]
    far = others[0]
    with live_server.api("demo_dispatcher") as client:
        created = client.post(
            "/api/dispatch/incidents",
            json={
                "caller_number": "13700000001",
                "address_text": f"{far['name']}附近",
                "lon": far["lon"],
                "lat": far["lat"],
                "type": "rescue",
            },
        )
        assert created.status_code == 201, created.text
        incident = created.json()
        rec = client.get(f"/api/dispatch/incidents/{incident['id']}/recommendation").json()
        theirs = [
            u["unit_id"] for u in rec["units"] if u["station_id"] != crew_org["organization_id"]
        ]
        assert theirs, "the far incident should get units of another station"
        assigned = client.post(
            f"/api/dispatch/incidents/{incident['id']}/assignments", json={"unit_ids": theirs}
        )
        assert assigned.status_code == 201, assigned.text

    crew = new_page("demo_station", viewport=PHONE_VIEWPORT)
    crew.wait_for_selector(".order, #no-orders")
    assert crew.locator(f'.order[data-incident-id="{incident["id"]}"]').count() == 0
    for text in crew.locator(".order .meta").all_inner_texts():
        assert far["name"] not in text
    with live_server.api("demo_station") as crew_api:
        items = crew_api.get("/api/dispatch/my-orders").json()["items"]
    assert all(item["incident"]["id"] != incident["id"] for item in items)
    shot(crew, "13-crew-only-own-orders")
