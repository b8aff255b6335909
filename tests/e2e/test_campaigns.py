"""Acceptance (issue 17, campaigns): a campaign page shows progress — targets against what was
done, per brigade — and an officer records a campaign measure on the phone page.

Set-up through the API as the demo administrator: a detachment campaign on small venues, targets
of removed window bars for two brigades, and an inspection of a premises of 上区大队 by the demo
prevention officer. The officer records 2 处 on /campaign_phone (390×844); the desk /campaigns
then shows 10 / 2 for the brigade and 5 / 0 for the other, drills down to the inspection, and the
administrator issues a 交办单 to the other brigade from the page. Screenshots: campaigns-*.png.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.e2e.conftest import PHONE_VIEWPORT, LiveServer, shot

BARS = "window_bars_removed"


def _setup(live_server: LiveServer) -> dict[str, Any]:
    today = date.today()
    with live_server.api("demo_prevention") as officer:
        me = officer.get("/api/auth/me").json()
        org_id = me.get("organization_id") or me["user"]["organization_id"]
        premises = officer.get("/api/premises", params={"limit": 1}).json()["items"][0]
    with live_server.api("demo_admin") as admin:
        detachment = admin.get("/api/forces/organizations", params={"kind": "detachment"}).json()[
            "items"
        ][0]
        brigades = admin.get("/api/forces/organizations", params={"kind": "brigade"}).json()[
            "items"
        ]
        campaign = admin.post(
            "/api/prevention/campaigns",
            json={
                "name": "九小场所防盗网专项整治（端到端）",
                "topic": "small_venues",
                "org_id": detachment["id"],
                "starts_on": (today - timedelta(days=10)).isoformat(),
                "ends_on": (today + timedelta(days=30)).isoformat(),
            },
        )
        assert campaign.status_code == 201, campaign.text
        cid = campaign.json()["id"]
        other = next(b for b in brigades if b["id"] != org_id)
        for brigade, quantity in ((org_id, 10), (other["id"], 5)):
            r = admin.put(
                f"/api/prevention/campaigns/{cid}/targets",
                json={"org_id": brigade, "measure": BARS, "quantity": quantity},
            )
            assert r.status_code == 200, r.text
    with live_server.api("demo_prevention") as officer:
        inspection = officer.post(
            "/api/prevention/inspections",
            json={
                "premises_id": premises["id"],
                "inspected_on": today.isoformat(),
                "checklist": {},
                "outcome": "passed",
                "campaign_id": cid,
            },
        )
        assert inspection.status_code == 201, inspection.text
    return {
        "campaign": cid,
        "brigade": org_id,
        "other": other["id"],
        "inspection": inspection.json()["id"],
    }


def test_officer_records_bars_on_the_phone_and_the_desk_shows_progress(
    live_server: LiveServer, new_page: Any
) -> None:
    ids = _setup(live_server)
    phone = new_page("demo_prevention", viewport=PHONE_VIEWPORT)
    phone.goto("/campaign_phone")
    phone.select_option("#phone-campaign", str(ids["campaign"]))
    phone.click(f"#phone-inspections button[data-id='{ids['inspection']}']")
    field = phone.locator(f"#phone-measures input[data-measure='{BARS}']")
    plus = phone.locator(f".measure:has(input[data-measure='{BARS}']) button[aria-label='增加']")
    plus.click()
    plus.click()
    assert field.input_value() == "2"
    phone.click("#phone-save")
    phone.wait_for_selector(".toast:has-text('已保存')")
    shot(phone, "campaigns-phone")
    assert phone.errors == []

    desk = new_page("demo_prevention")
    desk.goto(f"/campaigns?id={ids['campaign']}")
    own = desk.locator(
        f"#progress-table tbody tr[data-org='{ids['brigade']}'] td[data-key='{BARS}']"
    )
    own.wait_for()
    assert own.inner_text().startswith("10 / 2")
    assert "20%" in own.inner_text()
    desk_admin = new_page("demo_admin")
    desk_admin.goto(f"/campaigns?id={ids['campaign']}")
    other = desk_admin.locator(
        f"#progress-table tbody tr[data-org='{ids['other']}'] td[data-key='{BARS}']"
    )
    other.wait_for()
    assert other.inner_text().startswith("5 / 0")
    # drill down: brigade → measure → the inspection
    desk_admin.click(f"#progress-table tbody tr[data-org='{ids['brigade']}'] button")
    desk_admin.get_by_role("button", name="拆除铁栅栏（防盗网）").click()
    desk_admin.wait_for_selector(f"#drill-table td:has-text('#{ids['inspection']}')")
    # the issuer sends a 交办单 to the other brigade from the same page
    desk_admin.fill("#directive-subject", "督促拆除沿街商铺防盗网（端到端）")
    desk_admin.select_option("#directive-to", str(ids["other"]))
    desk_admin.fill("#directive-due", (date.today() + timedelta(days=7)).isoformat())
    desk_admin.click("#directive-issue")
    desk_admin.wait_for_selector("#directive-table td:has-text('督促拆除沿街商铺防盗网（端到端）')")
    shot(desk_admin, "campaigns-desk")
    assert desk.errors == [] and desk_admin.errors == []


def test_gb35181_desk_determines_and_names_what_is_unconfirmed(
    live_server: LiveServer, new_page: Any
) -> None:
    with live_server.api("demo_prevention") as officer:
        premises = officer.get("/api/premises", params={"limit": 1}).json()["items"][0]
        hazard = officer.post(
            "/api/hazards",
            json={"premises_id": premises["id"], "title": "歌舞厅安全出口数量不足（端到端）"},
        ).json()
        assert officer.post(f"/api/hazards/{hazard['id']}/verify", json={}).status_code == 200
    page = new_page("demo_prevention")
    page.goto(f"/gb35181?hazard={hazard['id']}")
    page.select_option("#gb-category", "crowded")
    page.check("#gb-direct input[value='6.5']")
    page.click("#gb-submit")
    page.wait_for_selector("#gb-result .verdict.major")
    unconfirmed = page.locator("#gb-unconfirmed li").all_inner_texts()
    assert unconfirmed and "GB 35181-2017" in unconfirmed[0]
    shot(page, "campaigns-gb35181")
    assert page.errors == []


def test_listing_desk_proposes_and_lists_an_area(live_server: LiveServer, new_page: Any) -> None:
    with live_server.api("demo_prevention") as officer:
        premises = officer.get("/api/premises", params={"limit": 2}).json()["items"]
    page = new_page("demo_prevention")
    page.goto("/listings")
    page.select_option("#lf-kind", "area")
    page.fill("#lf-area", "老街沿街商铺区域（端到端）")
    page.fill("#lf-premises", ",".join(str(p["id"]) for p in premises))
    page.fill("#lf-units", "40")
    page.fill("#lf-hazards", "65")
    page.click("#lf-submit")
    row = page.locator("#listing-list tr:has-text('老街沿街商铺区域（端到端）')")
    row.wait_for()
    row.get_by_role("button", name="挂牌").click()
    page.wait_for_selector(
        "#listing-list tr:has-text('老街沿街商铺区域（端到端）'):has-text('已挂牌')"
    )
    area = page.locator("#listing-figures tr[data-kind='area'] td")
    assert int(area.nth(2).inner_text()) >= 40 and int(area.nth(3).inner_text()) >= 65
    shot(page, "campaigns-listings")
    assert page.errors == []
