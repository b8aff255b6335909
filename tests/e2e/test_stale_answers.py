"""A console given a busy server's kept answer asks for it again (issue 11, item 12).

Under load a reader may be given the answer the server kept up to a second before, marked with an
``Age`` header (:mod:`lanyan.api.cache`). The console refreshes its lists when a live event says
something changed, so the change may be missing from such an answer, and no later event may come
to prompt another refresh. Here a dispatcher takes calls through the API while a commander's
console is open; Playwright adds the header to one answer of the open-incident list on its way to
the page. After a plain answer the console asks once per call; after the marked one it asks again.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import LiveServer

LIST = "/api/dispatch/incidents?open=true"
SETTLE_MS = 3000
"""Longer than the console's debounce (200 ms) and its second ask (1.2 s) together."""


def _take_call(live_server: LiveServer, caller: str) -> None:
    with live_server.api("demo_dispatcher") as client:
        orgs = client.get("/api/forces/organizations", params={"limit": 1000}).json()["items"]
        station = next(o for o in orgs if o["kind"] == "station" and o.get("lon") is not None)
        created = client.post(
            "/api/dispatch/incidents",
            json={
                "caller_number": caller,
                "address_text": f"{station['name']}附近",
                "lon": station["lon"],
                "lat": station["lat"],
                "type": "rescue",
            },
        )
        assert created.status_code == 201, created.text


def test_console_asks_again_for_a_list_it_was_given_kept(
    new_page: Any, live_server: LiveServer
) -> None:
    console = new_page("demo_commander")
    console.wait_for_selector("body[data-map-ready]", state="attached")
    asked: list[str] = []
    mark_next = {"on": False}

    def incidents(route: Any) -> None:
        asked.append(route.request.url)
        response = route.fetch()
        headers = dict(response.headers)
        if mark_next["on"]:
            headers["age"] = "1"
            mark_next["on"] = False
        route.fulfill(response=response, headers=headers)

    console.route(f"**{LIST}*", incidents)
    console.wait_for_timeout(SETTLE_MS)  # the start's own refreshes are over
    asked.clear()

    _take_call(live_server, "13700000011")
    console.wait_for_timeout(SETTLE_MS)
    assert len(asked) == 1, asked  # the call's event: one refresh, a fresh answer, done

    asked.clear()
    mark_next["on"] = True
    _take_call(live_server, "13700000012")
    console.wait_for_timeout(SETTLE_MS)
    assert len(asked) == 2, asked  # the kept answer is followed by one more ask
    assert not console.errors, console.errors
