"""Stored HTML in record text renders as text on every page (issue 11, item 5).

An outside probe saved ``<img onerror>`` and ``<svg onload>`` in an incident's address, an
organization's name and a unit's call sign; the console's tooltips made live elements of them and
only the Content-Security-Policy kept their handlers from running. Here records whose text fields
carry such payloads are created through the API, the pages that show them are opened (the map's
tooltips and popups, the incident list and panel, the prevention desk, the dashboard's records
dialog), and each page must show the payload as literal text and contain no element made from it.
The CSP would block the handlers anyway, so the test looks at the DOM, not only at execution.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer, shot

IMG = '<img src=x onerror="window.__xss=1">'
SVG = '<svg onload="window.__xss=1">'
SCRIPT = '"><script>window.__xss=1</script>'

ADDRESS = f"XSS路{IMG}{SVG}{SCRIPT}"
ORG_NAME = f"XSS志愿队{IMG}"
CALL_SIGN = f"XSS{SVG}"
PREMISES_NAME = f"XSS商场{SCRIPT}"
PREMISES_ADDRESS = f"XSS街{IMG}"
HAZARD_TITLE = f"XSS隐患{SVG}"
HAZARD_DESCRIPTION = f"XSS描述{IMG}{SCRIPT}"

CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective));
"""
"""Installed before every page script: a blocked inline handler would show up here."""

INJECTED = """() => ({
  img: document.querySelectorAll('img[src="x"]').length,
  handlers: [...document.querySelectorAll("*")]
    .filter((el) => el.hasAttribute("onerror") || el.hasAttribute("onload")).length,
  scripts: [...document.scripts].filter((s) => s.textContent.includes("__xss")).length,
  xss: typeof window.__xss,
  csp: window.__csp,
})"""

DLAT, DLON = 0.0015, 0.0022
"""The corners of a small rectangle (about 170 m) where the test's map records sit."""


def assert_inert(page: Any) -> None:
    """No element was made from a payload, nothing ran, nothing had to be blocked."""
    found = page.evaluate(INJECTED)
    assert found == {"img": 0, "handlers": 0, "scripts": 0, "xss": "undefined", "csp": []}, found
    assert not page.errors, page.errors


def _quiet_corner(client: Any) -> tuple[float, float]:
    """A point inside the demo city with no organization, premises or water source near it."""
    points: list[tuple[float, float]] = []
    for path in ("/api/forces/organizations", "/api/premises", "/api/forces/water-sources"):
        items = client.get(path, params={"limit": 1000}).json()["items"]
        points += [(p["lat"], p["lon"]) for p in items if p.get("lat") is not None]
    stations = [
        (o["lat"], o["lon"])
        for o in client.get("/api/forces/organizations", params={"limit": 1000}).json()["items"]
        if o["kind"] in ("station", "special_station") and o.get("lat") is not None
    ]
    lat0, lat1 = min(p[0] for p in stations), max(p[0] for p in stations)
    lon0, lon1 = min(p[1] for p in stations), max(p[1] for p in stations)

    def clearance(lat: float, lon: float) -> float:
        corners = [(lat + a, lon + b) for a in (0, DLAT) for b in (0, DLON)]
        return min(math.hypot(c[0] - p[0], (c[1] - p[1]) * 0.68) for c in corners for p in points)

    grid = [
        (lat0 + (lat1 - lat0) * i / 24, lon0 + (lon1 - lon0) * j / 24)
        for i in range(25)
        for j in range(25)
    ]
    return max(grid, key=lambda p: clearance(*p))


@pytest.fixture(scope="module")
def records(live_server: LiveServer) -> dict[str, Any]:
    """One record of each kind whose text fields carry the payloads, created through the API."""
    with live_server.api("demo_admin") as admin:
        orgs = admin.get("/api/forces/organizations", params={"limit": 1000}).json()["items"]
        oberland = next(o for o in orgs if o["external_id"] == "demo:brigade:oberland")
        station = next(
            o for o in orgs if o["kind"] == "station" and o["path"].startswith(oberland["path"])
        )
        lat, lon = _quiet_corner(admin)
        org = admin.post(
            "/api/forces/organizations",
            json={
                "external_id": "xss:team",
                "name": ORG_NAME,
                "kind": "volunteer_team",
                "parent_id": oberland["id"],
                "lon": lon + DLON,
                "lat": lat,
                "address": IMG,
            },
        )
        assert org.status_code == 201, org.text
        unit = admin.post(
            "/api/forces/units",
            json={
                "external_id": "xss:unit",
                "call_sign": CALL_SIGN,
                "type": "water_tender",
                "station_id": station["id"],
            },
        )
        assert unit.status_code == 201, unit.text
        # out of service: never recommended to the other browser tests sharing this server
        r = admin.post(
            f"/api/forces/units/{unit.json()['id']}/status", json={"status": "out_of_service"}
        )
        assert r.status_code == 200, r.text
        premises = admin.post(
            "/api/premises",
            json={
                "external_id": "xss:premises",
                "name": PREMISES_NAME,
                "category": "key_unit",
                "venue_type": "shopping",
                "org_id": oberland["id"],
                "address": PREMISES_ADDRESS,
                "lon": lon,
                "lat": lat + DLAT,
            },
        )
        assert premises.status_code == 201, premises.text
    with live_server.api("demo_dispatcher") as dispatcher:
        incidents = []
        for at_lat, at_lon in ((lat, lon), (lat + DLAT, lon + DLON)):
            r = dispatcher.post(
                "/api/dispatch/incidents",
                json={
                    "caller_number": "13800000000",
                    "caller_name": IMG,
                    "address_text": ADDRESS,
                    "lon": at_lon,
                    "lat": at_lat,
                    "type": "fire",
                    "description": SCRIPT,
                },
            )
            assert r.status_code == 201, r.text
            incidents.append(r.json())
    with live_server.api("demo_prevention") as officer:
        hazard = officer.post(
            "/api/hazards",
            json={
                "premises_id": premises.json()["id"],
                "title": HAZARD_TITLE,
                "description": HAZARD_DESCRIPTION,
                "category": SVG[:60],
            },
        )
        assert hazard.status_code == 201, hazard.text
    return {
        "org": org.json(),
        "unit": unit.json(),
        "premises": premises.json(),
        "incidents": incidents,
        "hazard": hazard.json(),
    }


def _centre(page: Any, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _only_layers(page: Any, keep: set[str]) -> None:
    """Turn every overlay of the layer control off except those named in ``keep``."""
    for label in page.locator(".leaflet-control-layers-overlays label").all():
        name = label.inner_text().strip()
        box = label.locator("input")
        if box.is_checked() != any(name.startswith(k) for k in keep):
            box.click()


def test_console_map_and_panels_show_payloads_as_text(
    new_page: Any, records: dict[str, Any]
) -> None:
    page = new_page("demo_dispatcher")
    page.add_init_script(CSP_WATCH)
    page.goto("/console")
    page.wait_for_selector("body[data-map-ready]", state="attached")
    first, second = records["incidents"]

    # the incident list
    item = page.locator(f'#incident-list li[data-incident-id="{first["id"]}"] .addr')
    assert item.inner_text() == ADDRESS

    # the incident's tooltip (SVG marker) and the unit's tooltip
    page.locator(f"path.incident-{first['id']}").dispatch_event("mouseover")
    tooltip = page.locator(".leaflet-tooltip").last  # the one opened last
    assert ADDRESS in tooltip.inner_text()
    page.locator(f"path.incident-{first['id']}").dispatch_event("mouseout")
    page.locator(f"path.unit-{records['unit']['id']}").dispatch_event("mouseover")
    assert tooltip.inner_text().startswith(f"{CALL_SIGN}：")
    page.locator(f"path.unit-{records['unit']['id']}").dispatch_event("mouseout")
    assert_inert(page)

    # the incident panel (address, caller, description)
    page.locator(f'#incident-list li[data-incident-id="{first["id"]}"]').click()
    panel = page.locator("#incident-panel")
    panel.get_by_text(ADDRESS).first.wait_for()
    assert IMG in panel.inner_text()
    page.wait_for_timeout(800)  # the map flies to the incident (0.4 s)

    # the organization's tooltip and popup, the premises' popup (canvas markers): the records sit
    # at the other two corners of the rectangle spanned by the two incidents
    ax, ay = _centre(page, f"path.incident-{first['id']}")
    bx, by = _centre(page, f"path.incident-{second['id']}")
    _only_layers(page, {"专职队"})
    page.mouse.move(bx, ay)
    expect(tooltip).to_have_text(ORG_NAME)
    page.mouse.click(bx, ay)
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("b")).to_have_text(ORG_NAME)
    expect(popup).to_contain_text(IMG)  # the address line
    page.locator(".leaflet-popup-close-button").click()
    expect(popup).to_have_count(0)
    _only_layers(page, {"重点单位"})
    page.mouse.click(ax, by)
    expect(popup.locator("b")).to_have_text(PREMISES_NAME)
    expect(popup).to_contain_text(PREMISES_ADDRESS)
    shot(page, "xss-console-premises-popup")
    assert_inert(page)


def test_prevention_desk_shows_payloads_as_text(new_page: Any, records: dict[str, Any]) -> None:
    page = new_page("demo_prevention")
    page.add_init_script(CSP_WATCH)
    page.goto("/prevention")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.fill("#hazard-q", "XSS")
    page.click("#hazard-search")
    row = page.locator(f'#hazard-table tr[data-hazard-id="{records["hazard"]["id"]}"]')
    assert row.locator("td.title").inner_text() == HAZARD_TITLE
    assert PREMISES_NAME in row.inner_text()
    row.click()
    detail = page.locator("#hazard-detail")
    detail.get_by_text(HAZARD_DESCRIPTION).wait_for()
    assert HAZARD_TITLE in detail.locator("h3.hazard-title").inner_text()
    assert PREMISES_NAME in detail.inner_text()
    shot(page, "xss-prevention-detail")
    assert_inert(page)


def test_dashboard_records_dialog_shows_payloads_as_text(
    new_page: Any, records: dict[str, Any]
) -> None:
    page = new_page("demo_dispatcher")
    page.add_init_script(CSP_WATCH)
    year = records["incidents"][0]["received_at"][:4]
    page.goto(f"/dashboard?year={year}&trace=incidents.total")
    page.wait_for_selector("body[data-ready]", state="attached")
    table = page.locator("#trace-table")
    assert table.get_by_text(ADDRESS, exact=True).count() == 2
    page.goto(f"/dashboard?year={year}&trace=hazards.found")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.locator("#trace-table").get_by_text(HAZARD_TITLE, exact=True).count() == 1
    shot(page, "xss-dashboard-trace")
    assert_inert(page)
