"""Issue 17, acceptance 3 (enforcement): an officer runs an inspection on a phone to a sealed
outcome and opens the 临时查封决定书 it issued.

The prevention officer (demo_prevention) opens /inspect on a 390×844 phone, finds a premises of
the brigade by name, marks an item 不合格, chooses 临时查封 with the sealed part and period,
submits, and opens the numbered decision from the result screen; the document page shows the
number, the sealed part and the Word download answers; the desk lists the decision and the seal.
Screenshots: test-artifacts/e2e/
enforcement-*.png.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE_VIEWPORT, LiveServer, shot


def test_officer_seals_on_the_phone_and_opens_the_decision(
    new_page: Any, live_server: LiveServer
) -> None:
    with live_server.api("demo_prevention") as officer_api:
        premises = officer_api.get("/api/premises", params={"limit": 1}).json()["items"][0]
    phone = new_page("demo_prevention", viewport=PHONE_VIEWPORT)
    phone.goto("/inspect")
    phone.fill("#premises-q", premises["name"])
    phone.click("#premises-search")
    phone.click(f"#premises-results button:text-is('{premises['name']}')")
    phone.wait_for_selector("#checklist li")
    phone.click("#all-ok")
    phone.click("#checklist li >> nth=0 >> button[data-answer=bad]")
    assert phone.get_attribute("#checklist li >> nth=0 >> button.bad", "aria-pressed") == "true"
    phone.click("button[data-outcome=sealed]")
    phone.fill("#seal-scope", "地下一层仓库")
    phone.fill("#seal-days", "15")
    phone.fill("#note", "仓库内违规储存易燃液体，安全出口锁闭")
    shot(phone, "enforcement-01-phone-inspection")
    phone.click("#submit-inspection")
    link = phone.wait_for_selector("#done-documents a[data-document=seal]")
    summary = phone.locator("#done-summary").inner_text()
    assert "临时查封" in summary and "地下一层仓库" in summary
    shot(phone, "enforcement-02-phone-result")
    link.click()
    phone.wait_for_url(re.compile(r"/enforcement/documents/\d+$"))
    expect(phone.locator("#doc-number")).not_to_have_text("")
    assert phone.locator("#doc-title").inner_text() == "临时查封决定书"
    assert re.fullmatch(r"消封字〔\d{4}〕第\d{4}号", phone.locator("#doc-number").inner_text())
    assert "地下一层仓库" in phone.locator("#doc-body").inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_VIEWPORT["width"], f"the document page is {width} px wide on a phone"
    shot(phone, "enforcement-03-document")
    docx = phone.request.get(phone.get_attribute("#doc-docx", "href"))
    assert docx.status == 200 and docx.body()[:2] == b"PK"
    assert not phone.errors, phone.errors
    number = phone.locator("#doc-number").inner_text()

    # The desk lists the decision, and the seal ready to be lifted.
    desk = new_page("demo_prevention")
    desk.goto("/enforcement#documents")
    desk.wait_for_selector(f"#documents-body a:text-is('{number}')")
    desk.click("#en-tabs button[data-tab=seals]")
    row = desk.locator("#seals-body tr", has_text="地下一层仓库").first
    assert "查封中" in row.inner_text()
    desk.click("#en-tabs button[data-tab=evaluation]")
    desk.wait_for_selector("#eval-officers tr td")
    shot(desk, "enforcement-04-desk")
    # A complaint (投诉举报) opens a plan of the premises it names.
    desk.click("#en-tabs button[data-tab=plans]")
    desk.fill("#complaint-form input[name=complaint]", "群众举报：安全出口上锁")
    desk.fill("#complaint-form input[name=q]", premises["name"])
    desk.click("#complaint-search")
    # (no wait_for_function: a string predicate is evaluated, which the pages' CSP refuses)
    expect(desk.locator("#complaint-form select[name=premises_id]")).not_to_have_value("")
    desk.click("#complaint-form button[type=submit]")
    desk.wait_for_selector("#plans-body tr:has-text('投诉举报核查')")
    assert not desk.errors, desk.errors
