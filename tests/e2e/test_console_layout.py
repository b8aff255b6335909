"""The one-map console at the screen sizes dispatch rooms have, as every role that may open it.

At 1920×1080 (command-centre screens), 1366×768 (laptops) and 390×844 (a phone) the console
fails on: an error in the browser console, a failed request, an element sticking out of the
viewport sideways, controls on top of each other or covered (the layer list, the 【新警情】
banner), a toast over the dispatch controls (代报状态, the status buttons), or a header that wraps.
The page is checked in use: an open incident with units selected, a new call's banner up and
toasts showing. Screenshots are kept in ``test-artifacts/e2e/console/`` (gitignored).

The layout checks are the page-size test's own (tests/e2e/test_page_sizes.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from lanyan.core.permissions import Screen
from tests.e2e.conftest import ARTIFACTS, PAGE_TIMEOUT_MS, PHONE_VIEWPORT, LiveServer, shot
from tests.e2e.test_page_sizes import (
    LAYOUT_PROBLEMS,
    SIZES,
    Visitor,
    _settle,
    _watch,
    may_reach,
)

SHOTS = ARTIFACTS / "console"
VADUZ = {"lon": 9.5215, "lat": 47.1395}
"""Vaduz town centre: inside the Oberland brigade, so every role's console sees its calls."""
LAYERS_OPEN_MIN_WIDTH = 1600

TOASTS_OVER_CONTROLS = """
() => {
  const rect = (el) => el.getBoundingClientRect();
  const controls = [...document.querySelectorAll(
    ".side button, .side select, .side input, .side a[href], " +
    ".leaflet-control a, .leaflet-control button"
  )].filter((el) => { const r = rect(el); return r.width > 0 && r.height > 0; });
  const problems = [];
  for (const toast of document.querySelectorAll(".toast")) {
    const t = rect(toast);
    for (const el of controls) {
      const r = rect(el);
      const w = Math.min(t.right, r.right) - Math.max(t.left, r.left);
      const h = Math.min(t.bottom, r.bottom) - Math.max(t.top, r.top);
      if (w > 1 && h > 1) {
        const name = el.id ? "#" + el.id : "." + String(el.className).split(" ")[0];
        const text = (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 20);
        problems.push(`toast "${toast.textContent}" covers <${el.tagName}${name}> "${text}"`);
      }
    }
  }
  return problems;
}
"""

HEADER_PROBLEMS = """
() => {
  const bar = document.querySelector("header.topbar");
  const problems = [];
  const high = bar.getBoundingClientRect().height;
  if (high > 56) problems.push(`the header is ${high}px high (wrapped)`);
  for (const el of bar.querySelectorAll("a, button, .title, .flame")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 40) {
      problems.push(`header item "${el.textContent}" wraps (${Math.round(r.height)}px high)`);
    }
  }
  return problems;
}
"""


CALLS: list[int] = []
"""Calls these tests made: closed at the end, so other browser tests find the city quiet."""


def _call(live: LiveServer, **fields: Any) -> dict[str, Any]:
    with live.api("demo_dispatcher") as client:
        r = client.post(
            "/api/dispatch/incidents",
            json={**VADUZ, "type": "fire", "caller_number": "13700000000", **fields},
        )
        assert r.status_code == 201, r.text
        CALLS.append(r.json()["id"])
        return dict(r.json())


@pytest.fixture(scope="module", autouse=True)
def close_calls(live_server: LiveServer) -> Iterator[None]:
    """Back in quarters and closed: every call made here, after the module's tests."""
    yield
    with live_server.api("demo_dispatcher") as client:
        for incident_id in CALLS:
            current = client.get(f"/api/dispatch/incidents/{incident_id}").json()
            for assignment in current["assignments"]:
                left = {"returning": ["in_quarters"], "in_quarters": []}.get(
                    assignment["status"], ["returning", "in_quarters"]
                )
                for status in left:
                    client.post(
                        f"/api/dispatch/assignments/{assignment['id']}/status",
                        json={"status": status},
                    )
            client.post(f"/api/dispatch/incidents/{incident_id}/close", json={"summary": "测试"})
    CALLS.clear()


@pytest.fixture(scope="module")
def busy_incident(live_server: LiveServer) -> dict[str, Any]:
    """An open call in Vaduz with the recommended units sent: what a console shows in use."""
    incident = _call(live_server, address_text="Städtle 5, Vaduz")
    with live_server.api("demo_dispatcher") as client:
        rec = client.get(
            f"/api/dispatch/incidents/{incident['id']}/recommendation", params={"routes": False}
        ).json()
        units = [u["unit_id"] for u in rec["units"]][:3]
        sent = client.post(
            f"/api/dispatch/incidents/{incident['id']}/assignments", json={"unit_ids": units}
        )
        assert sent.status_code == 201, sent.text
        return dict(sent.json())


@pytest.fixture(scope="module")
def visitors(browser: Any, live_server: LiveServer) -> Iterator[dict[str, Visitor]]:
    """A logged-in browser context per demo account, made when first needed."""

    def make(user: str) -> Visitor:
        context = browser.new_context(
            viewport=SIZES["1920x1080"],
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=live_server.url,
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        answer = context.request.post(
            "/api/auth/login",
            data={"username": user, "password": live_server.passwords[user]},
        )
        assert answer.ok, answer.text()
        page = context.new_page()
        return Visitor(context, page, _watch(page))

    class Lazy(dict[str, Visitor]):
        def __missing__(self, user: str) -> Visitor:
            self[user] = make(user)
            return self[user]

    made = Lazy()
    yield made
    for visitor in made.values():
        visitor.context.close()


def _toast(page: Any, text: str, kind: str = "ok") -> None:
    # the page's own toast function (the same module instance the console imported)
    page.evaluate(
        "([text, kind]) => import('/static/js/common.js').then((m) => m.toast(text, kind, 20000))",
        [text, kind],
    )


@pytest.mark.parametrize("user", may_reach(Screen.CONSOLE))
def test_console_holds_at_every_size_in_use(
    user: str,
    visitors: dict[str, Visitor],
    live_server: LiveServer,
    busy_incident: dict[str, Any],
) -> None:
    visitor = visitors[user]
    page, watch = visitor.page, visitor.watch
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for size_name, size in SIZES.items():
        where = f"/console as {user} at {size_name}"
        page.goto("about:blank")
        watch.clear()
        page.set_viewport_size(size)
        response = page.goto("/console")
        assert response is not None and response.status == 200, where
        page.wait_for_selector("body[data-map-ready], .toast-error", state="attached")
        _settle(page, watch)
        for message in page.locator(".toast-error").all_inner_texts():
            problems.append(f"{where}: the page says: {message}")

        # the layer list starts folded where it would cover the map, and opens on a tap
        folded = page.locator(".leaflet-control-layers-list").is_hidden()
        if folded != (size["width"] < LAYERS_OPEN_MIN_WIDTH):
            problems.append(f"{where}: layer list {'folded' if folded else 'open'}")
        if folded:
            page.click("#layers-toggle")
            if page.locator(".leaflet-control-layers-list").is_hidden():
                problems.append(f"{where}: the layer list does not open")
            problems += [f"{where} (layer list open): {p}" for p in page.evaluate(LAYOUT_PROBLEMS)]
            page.click("#layers-toggle")

        # in use: the busy call selected, a new call's banner up, toasts showing
        item = page.locator(f'#incident-list [data-incident-id="{busy_incident["id"]}"]')
        if item.count():
            item.click()
            page.wait_for_selector("#incident-panel:not([hidden]) #assignment-table")
        new = _call(live_server, address_text=f"{user} {size_name}")
        with live_server.api(user) as client:  # a station's crew hears only of its own calls
            sees = client.get(f"/api/dispatch/incidents/{new['id']}").status_code == 200
        if sees:
            page.wait_for_selector("#alert-banner:not([hidden])")
            page.wait_for_selector(f'#incident-list [data-incident-id="{new["id"]}"]')
        _toast(page, "已调派 3 车")
        _toast(page, "警情加载失败：测试提示", "error")
        table = page.locator("#assignment-table")
        if table.count():
            table.evaluate("(el) => el.scrollIntoView({ block: 'center' })")
        page.wait_for_timeout(300)  # the banner resizes the map; let it settle
        page.screenshot(path=str(SHOTS / f"{user}-{size_name}.png"))

        problems += [f"{where}: {e}" for e in watch.errors]
        problems += [f"{where}: request failed: {f}" for f in watch.failed]
        problems += [f"{where}: {p}" for p in page.evaluate(LAYOUT_PROBLEMS)]
        problems += [f"{where}: {p}" for p in page.evaluate(TOASTS_OVER_CONTROLS)]
        problems += [f"{where}: {p}" for p in page.evaluate(HEADER_PROBLEMS)]
        if page.locator(".toast").count() < 2:
            problems.append(f"{where}: the toasts did not show")
    assert not problems, "\n".join(problems)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[0] - b[0]) * 111_320
    dx = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def test_the_incident_list_follows_the_crew_to_the_scene_without_a_reload(
    new_page: Any, live_server: LiveServer
) -> None:
    """The crew moves every unit of a call to 到场 with one tap on its phone page; the console's
    open-incident list turns 已调派 into 处置中 and draws the units at the scene, no reload."""
    with live_server.api("demo_station") as crew:
        mine = [
            u for u in crew.get("/api/forces/units").json()["items"] if u["status"] == "available"
        ]
        stations = {o["id"]: o for o in crew.get("/api/forces/organizations").json()["items"]}
    assert len(mine) >= 2, mine
    station = stations[mine[0]["station_id"]]
    # a call a few hundred metres from the crew's station, sent to two of its units
    incident = _call(
        live_server,
        lon=station["lon"] + 0.004,
        lat=station["lat"] + 0.002,
        address_text="特勤站辖区 测试火警",
        match_premises=False,
    )
    units = [u["id"] for u in mine if u["station_id"] == station["id"]][:2]
    with live_server.api("demo_dispatcher") as client:
        sent = client.post(
            f"/api/dispatch/incidents/{incident['id']}/assignments", json={"unit_ids": units}
        )
        assert sent.status_code == 201, sent.text

    console = new_page("demo_dispatcher", viewport=SIZES["1366x768"])
    if not console.url.endswith("/console"):
        console.goto("/console")
    console.wait_for_selector("body[data-map-ready]")
    state = f'#incident-list [data-incident-id="{incident["id"]}"] .incident-state'
    console.wait_for_selector(f'{state}[data-status="dispatched"]')
    assert "已调派" in console.locator(state).inner_text()
    console.evaluate("() => { window.NOT_RELOADED = true; }")

    # the crew's phone: one tap moves the whole crew of the call (出动, then 到场)
    crew = new_page("demo_station", viewport=PHONE_VIEWPORT)
    if not crew.url.endswith("/crew"):
        crew.goto("/crew")
    card = f'.crew-incident[data-incident-id="{incident["id"]}"]'
    crew.wait_for_selector(card)
    crew.wait_for_selector("#live-state.ok")
    crew.locator(f'{card} button[data-crew-status="en_route"]').click()
    # the tap's answer redraws the card; on a loaded CI machine that took over 30 s
    crew.wait_for_selector(f'{card} .order[data-status="en_route"]', timeout=PAGE_TIMEOUT_MS)
    crew.locator(f'{card} button[data-crew-status="on_scene"]:not([disabled])').click()

    console.wait_for_selector(f'{state}[data-status="on_scene"]', timeout=PAGE_TIMEOUT_MS)
    assert "处置中" in console.locator(state).inner_text()
    assert console.evaluate("() => window.NOT_RELOADED === true"), "the page was reloaded"
    # the units on scene are drawn at the call, not at their station
    console.wait_for_function(
        """([ids, lat, lon]) => ids.every((id) => {
             const m = window.LANYAN_CONSOLE.unitLayer.markers.get(id);
             if (!m) return false;
             const at = m.getLatLng();
             return Math.abs(at.lat - lat) < 0.003 && Math.abs(at.lng - lon) < 0.004;
           })""",
        arg=[units, incident["lat"], incident["lon"]],
    )
    for unit_id in units:
        at = console.evaluate(
            "(id) => { const p = window.LANYAN_CONSOLE.unitLayer.markers.get(id).getLatLng();"
            " return [p.lat, p.lng]; }",
            unit_id,
        )
        assert _metres(tuple(at), (incident["lat"], incident["lon"])) < 250
        assert _metres(tuple(at), (station["lat"], station["lon"])) > 250
    shot(console, "console-live-on-scene")


def test_a_commander_marks_a_call_controlled_before_arrival_only_with_a_reason(
    new_page: Any, live_server: LiveServer, busy_incident: dict[str, Any]
) -> None:
    """已控制 before anyone is on scene: refused with the reason why; the commander's override
    form takes a reason, and the timeline shows it with the commander's name."""
    console = new_page("demo_commander", viewport=SIZES["1366x768"])
    if not console.url.endswith("/console"):
        console.goto("/console")
    console.wait_for_selector("body[data-map-ready]")
    console.click(f'#incident-list [data-incident-id="{busy_incident["id"]}"]')
    console.wait_for_selector("#override-form")
    console.click("#status-controlled")
    refused = console.wait_for_selector(".toast-error")
    assert "尚无力量到场" in refused.inner_text()
    console.fill("#override-reason", "单位微型消防站已扑灭，经电话核实")
    console.click("#override-controlled")
    console.wait_for_selector('#incident-status[data-status="controlled"]')
    entry = console.locator('#timeline li[data-kind="controlled"]').inner_text()
    assert "强制标记：是" in entry and "经电话核实" in entry and "演示值班指挥员" in entry, entry
    shot(console, "console-override")
