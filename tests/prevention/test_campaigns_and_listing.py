"""Campaigns, 交办单 and listing, with their figures, on both backends (one module: one setup).

Acceptance: two inspections recording 2 + 3 removed window bars → the campaign figure is 5 and
its trace lists both inspections; the 交办单 and listing state machines pair by pair (illegal 409,
legal audited).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.accounts.models import User
from lanyan.accounts.service import actor_for
from lanyan.core.audit import AuditLog
from lanyan.core.clock import utcnow
from lanyan.prevention import directives
from lanyan.prevention.campaign_choices import DIRECTIVE_TRANSITIONS, DirectiveStatus
from lanyan.prevention.choices import LISTING_TRANSITIONS, ListingStatus
from lanyan.prevention.patrols import local_today
from lanyan.stats.campaign_figures import SECTION
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures, kind, label
from lanyan.stats.trace import trace

API = "/api/prevention"
BARS = "window_bars_removed"


def _factory(client: TestClient) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = client.app.state.sessionmaker  # type: ignore[attr-defined]
    return factory


def _actor(client: TestClient, username: str) -> Any:
    with _factory(client)() as s:
        return actor_for(s.scalars(select(User).where(User.username == username)).one())


def _premises(client: TestClient, world: World, ext: str, org_id: int) -> int:
    r = client.post(
        "/api/premises",
        headers=world.headers("admin_det"),
        json={
            "external_id": ext,
            "name": f"小商铺{ext}",
            "category": "small_venue",
            "venue_type": "shopping",
            "org_id": org_id,
            "lon": 9.52,
            "lat": 47.14,
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture(scope="module")
def setup(app_client: TestClient, world: World) -> dict[str, Any]:
    """A detachment campaign on small venues and two inspections in brigade A."""
    today = local_today()
    c = app_client.post(
        f"{API}/campaigns",
        headers=world.headers("admin_det"),
        json={
            "name": "九小场所铁栅栏专项整治",
            "topic": "small_venues",
            "org_id": world.detachment_id,
            "starts_on": (today - timedelta(days=20)).isoformat(),
            "ends_on": (today + timedelta(days=20)).isoformat(),
        },
    )
    assert c.status_code == 201, c.text
    campaign_id = c.json()["id"]
    inspections = []
    for n, days in ((1, 5), (2, 3)):
        pid = _premises(app_client, world, f"cm:{n}", world.a.brigade_id)
        r = app_client.post(
            f"{API}/inspections",
            headers=world.headers("officer_a"),
            json={
                "premises_id": pid,
                "inspected_on": (today - timedelta(days=days)).isoformat(),
                "checklist": {"window_bars_openable": False},
                "outcome": "passed",
                "campaign_id": campaign_id,
            },
        )
        assert r.status_code == 201, r.text
        inspections.append(r.json()["id"])
    plain = app_client.post(
        f"{API}/inspections",
        headers=world.headers("officer_a"),
        json={
            "premises_id": world.a.premises_id,
            "inspected_on": today.isoformat(),
            "checklist": {},
            "outcome": "passed",
        },
    )
    assert plain.status_code == 201, plain.text
    return {"campaign": campaign_id, "inspections": inspections, "plain": plain.json()["id"]}


def _record(client: TestClient, world: World, user: str, inspection: int, **items: int) -> Any:
    body = {
        "inspection_id": inspection,
        "items": [{"measure": k, "quantity": v} for k, v in items.items()],
    }
    return client.post(f"{API}/campaign-measures", headers=world.headers(user), json=body)


def test_two_inspections_2_plus_3_window_bars_make_5_traced_to_both(
    app_client: TestClient, world: World, setup: dict[str, Any]
) -> None:
    first, second = setup["inspections"]
    r = _record(app_client, world, "officer_a", first, **{BARS: 2})
    assert r.status_code == 201, r.text
    assert r.json()[0]["unit"] == "处" and r.json()[0]["quantity"] == 2
    assert _record(app_client, world, "officer_a", second, **{BARS: 3}).status_code == 201
    today = local_today()
    period = Period.inclusive(today - timedelta(days=30), today)
    key = f"campaigns.measures.{BARS}"
    with _factory(app_client)() as s:
        leader = _actor(app_client, "leader")
        figures = compute_figures(s, actor=leader, period=period)
        assert figures[key] == 5
        assert kind(key) == "people"  # a sum over records, as the trace's values show
        assert label(key) == "专项整治·拆除铁栅栏（防盗网）（处）"
        rows = trace(s, leader, key, period)
        assert sorted(r["inspection_id"] for r in rows) == sorted(setup["inspections"])
        assert sum(r["value"] for r in rows) == 5
        # brigade B's leader-eye view does not include brigade A's measures
        other = compute_figures(s, actor=_actor(app_client, "officer_b"), period=period)
        assert other[key] == 0
        text = SECTION.paragraph(figures, figures)  # type: ignore[misc]
        assert text is not None and "拆除铁栅栏（防盗网）5处" in text


def test_recording_again_corrects_and_bad_input_is_refused(
    app_client: TestClient, world: World, setup: dict[str, Any]
) -> None:
    first = setup["inspections"][0]
    assert _record(app_client, world, "officer_a", first, gas_to_electric=1).status_code == 422
    assert _record(app_client, world, "officer_a", setup["plain"], **{BARS: 1}).status_code == 409
    assert _record(app_client, world, "officer_b", first, **{BARS: 1}).status_code == 404
    assert _record(app_client, world, "grid_a", first, **{BARS: 1}).status_code == 403
    zero = _record(app_client, world, "officer_a", first, **{BARS: 0})
    assert zero.status_code == 422 and "quantity" in zero.text
    fixed = _record(app_client, world, "officer_a", first, **{BARS: 2, "smoke_alarms_installed": 4})
    assert fixed.status_code == 201
    listed = app_client.get(
        f"{API}/campaign-measures",
        headers=world.headers("officer_a"),
        params={"inspection_id": first},
    ).json()
    assert listed["total"] == 2
    assert {i["measure"]: i["quantity"] for i in listed["items"]} == {
        BARS: 2,
        "smoke_alarms_installed": 4,
    }


def test_progress_per_brigade_and_drill_down(
    app_client: TestClient, world: World, setup: dict[str, Any]
) -> None:
    cid = setup["campaign"]
    h = world.headers("admin_det")
    for org, quantity in ((world.a.brigade_id, 10), (world.b.brigade_id, 4)):
        r = app_client.put(
            f"{API}/campaigns/{cid}/targets",
            headers=h,
            json={"org_id": org, "measure": BARS, "quantity": quantity},
        )
        assert r.status_code == 200, r.text
    bad = app_client.put(
        f"{API}/campaigns/{cid}/targets",
        headers=h,
        json={"org_id": world.a.brigade_id, "measure": "gas_to_electric", "quantity": 1},
    )
    assert bad.status_code == 422
    p = app_client.get(f"{API}/campaigns/{cid}/progress", headers=h).json()
    rows = {r["org_id"]: r["cells"] for r in p["rows"]}
    assert rows[world.a.brigade_id][BARS] == {"target": 10, "done": 5, "share": 0.5}
    assert rows[world.a.brigade_id]["inspected"]["done"] == 2
    assert rows[world.b.brigade_id][BARS] == {"target": 4, "done": 0, "share": 0.0}
    assert p["total"]["cells"][BARS]["done"] == 5
    assert {k["key"]: k["unit"] for k in p["keys"]}[BARS] == "处"
    # brigade B sees only itself
    own = app_client.get(f"{API}/campaigns/{cid}/progress", headers=world.headers("officer_b"))
    assert [r["org_id"] for r in own.json()["rows"]] == [world.b.brigade_id]
    # campaign → brigade → measure → inspections
    totals = app_client.get(
        f"{API}/campaigns/{cid}/measure-totals", headers=h, params={"org_id": world.a.brigade_id}
    ).json()
    assert {t["measure"]: (t["quantity"], t["inspections"]) for t in totals}[BARS] == (5, 2)
    down = app_client.get(
        f"{API}/campaign-measures",
        headers=h,
        params={"campaign_id": cid, "org_id": world.a.brigade_id, "measure": BARS},
    ).json()
    assert sorted(i["inspection_id"] for i in down["items"]) == sorted(setup["inspections"])


def test_work_items_and_catalogue(
    app_client: TestClient, world: World, setup: dict[str, Any]
) -> None:
    cid = setup["campaign"]
    h = world.headers("officer_a")
    item = app_client.post(
        f"{API}/campaigns/{cid}/work-items",
        headers=h,
        json={"org_id": world.a.brigade_id, "title": "摸排辖区九小场所防盗网底数"},
    )
    assert item.status_code == 201, item.text
    iid = item.json()["id"]
    done = app_client.post(f"{API}/campaign-work-items/{iid}/done", headers=h, json={"done": True})
    assert done.status_code == 200 and done.json()["done_at"]
    again = app_client.post(f"{API}/campaign-work-items/{iid}/done", headers=h, json={"done": True})
    assert again.status_code == 409
    foreign = app_client.post(
        f"{API}/campaigns/{cid}/work-items",
        headers=h,
        json={"org_id": world.b.brigade_id, "title": "越权"},
    )
    assert foreign.status_code == 404
    # topics are data: an administrator adds a measure and a topic; an officer may not
    admin = world.headers("admin_det")
    m = app_client.put(
        f"{API}/campaign-catalogue/measures/fire_blankets_given",
        headers=admin,
        json={"zh": "发放灭火毯", "unit": "条"},
    )
    assert m.status_code == 200, m.text
    t = app_client.put(
        f"{API}/campaign-catalogue/topics/residential_kitchens",
        headers=admin,
        json={
            "zh": "居民厨房安全专项整治",
            "en": "Home kitchens",
            "checklist": ["gas_no_leak", "gas_alarm_ok"],
            "measures": ["fire_blankets_given", "gas_alarms_installed"],
        },
    )
    assert t.status_code == 200, t.text
    refused = app_client.put(
        f"{API}/campaign-catalogue/measures/x_y", headers=h, json={"zh": "x", "unit": "个"}
    )
    assert refused.status_code == 403
    unknown = app_client.put(
        f"{API}/campaign-catalogue/topics/bad",
        headers=admin,
        json={"zh": "坏", "en": "bad", "checklist": ["no_such"], "measures": []},
    )
    assert unknown.status_code == 422
    cat = app_client.get(f"{API}/campaign-catalogue", headers=h).json()
    keys = {t["key"] for t in cat["topics"]}
    assert {"ebike_charging", "small_venues", "residential_kitchens"} <= keys
    c = app_client.post(
        f"{API}/campaigns",
        headers=h,
        json={
            "name": "厨房",
            "topic": "residential_kitchens",
            "starts_on": local_today().isoformat(),
            "ends_on": local_today().isoformat(),
        },
    )
    assert c.status_code == 201, c.text


# --- 交办单 (directives) ------------------------------------------------------------------

REACH: dict[DirectiveStatus, tuple[DirectiveStatus, ...]] = {
    DirectiveStatus.ISSUED: (),
    DirectiveStatus.REPLIED: (DirectiveStatus.REPLIED,),
    DirectiveStatus.RETURNED: (DirectiveStatus.REPLIED, DirectiveStatus.RETURNED),
    DirectiveStatus.ACCEPTED: (DirectiveStatus.REPLIED, DirectiveStatus.ACCEPTED),
    DirectiveStatus.WITHDRAWN: (DirectiveStatus.WITHDRAWN,),
}


def _directive_audits(s: Session, directive_id: int) -> int:
    return (
        s.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entity == "directive", AuditLog.entity_id == str(directive_id))
        )
        or 0
    )


def test_every_directive_transition_pair_by_pair(
    app_client: TestClient, world: World, setup: dict[str, Any]
) -> None:
    """Each (from, to) pair: legal → moved and audited, illegal → 409 and nothing written."""
    issuer = _actor(app_client, "admin_det")
    due = local_today() + timedelta(days=7)
    tried = 0
    for start, path in REACH.items():
        for target in DirectiveStatus:
            with _factory(app_client)() as s:
                d = directives.issue_directive(
                    s,
                    actor=issuer,
                    subject=f"{start}→{target}",
                    due_on=due,
                    to_org_id=world.a.brigade_id,
                    campaign_id=setup["campaign"],
                )
                for step in path:
                    reply = "已整改" if step == DirectiveStatus.REPLIED else None
                    directives.advance_directive(
                        s, actor=issuer, directive_id=d.id, status=step, reply=reply
                    )
                s.commit()
                did = d.id
            body: dict[str, Any] = {"status": target.value}
            if target == DirectiveStatus.REPLIED:
                body["reply"] = "已组织整改，详见附件"
            with _factory(app_client)() as s:
                before = _directive_audits(s, did)
            r = app_client.post(
                f"{API}/directives/{did}/advance", headers=world.headers("admin_det"), json=body
            )
            legal = target in DIRECTIVE_TRANSITIONS[start]
            with _factory(app_client)() as s:
                after = _directive_audits(s, did)
            if legal:
                assert r.status_code == 200, (start, target, r.text)
                assert r.json()["status"] == target.value
                assert after == before + 1
            else:
                assert r.status_code == 409, (start, target, r.text)
                assert after == before
            tried += 1
    assert tried == len(DirectiveStatus) ** 2


def test_directive_recipient_replies_issuer_settles_and_overdue_is_counted(
    app_client: TestClient, world: World, setup: dict[str, Any]
) -> None:
    h = world.headers("admin_det")
    today = local_today()
    issued = app_client.post(
        f"{API}/directives",
        headers=h,
        json={
            "subject": "督促辖区九小场所拆除防盗网",
            "due_on": (today + timedelta(days=3)).isoformat(),
            "to_org_id": world.a.brigade_id,
            "campaign_id": setup["campaign"],
        },
    )
    assert issued.status_code == 201, issued.text
    d = issued.json()
    assert d["number"].startswith("交办〔") and d["overdue"] is False
    # the recipient brigade replies; it may not settle its own order; brigade B cannot see it
    officer = world.headers("officer_a")
    no_text = app_client.post(
        f"{API}/directives/{d['id']}/advance", headers=officer, json={"status": "replied"}
    )
    assert no_text.status_code == 422
    replied = app_client.post(
        f"{API}/directives/{d['id']}/advance",
        headers=officer,
        json={"status": "replied", "reply": "已拆除12处"},
    )
    assert replied.status_code == 200 and replied.json()["first_replied_on"]
    own = app_client.post(
        f"{API}/directives/{d['id']}/advance", headers=officer, json={"status": "accepted"}
    )
    assert own.status_code == 403
    hidden = app_client.get(f"{API}/directives/{d['id']}", headers=world.headers("officer_b"))
    assert hidden.status_code == 404
    both = app_client.post(
        f"{API}/directives",
        headers=h,
        json={"subject": "x", "due_on": today.isoformat()},
    )
    assert both.status_code == 422
    dept = app_client.post(
        f"{API}/directives",
        headers=h,
        json={
            "subject": "商铺防盗网拆除联合执法",
            "due_on": today.isoformat(),
            "to_department": "住建局",
        },
    )
    assert dept.status_code == 201 and dept.json()["to_name"] == "住建局"
    # overdue: issued 10 days ago, due 5 days ago; one never answered, one answered late
    issuer = _actor(app_client, "admin_det")
    past = utcnow() - timedelta(days=10)
    with _factory(app_client)() as s:
        late, never = (
            directives.issue_directive(
                s,
                actor=issuer,
                subject=f"逾期{n}",
                due_on=today - timedelta(days=5),
                to_org_id=world.b.brigade_id,
                at=past,
            )
            for n in (1, 2)
        )
        directives.advance_directive(
            s,
            actor=issuer,
            directive_id=late.id,
            status=DirectiveStatus.REPLIED,
            reply="迟复",
            at=utcnow() - timedelta(days=1),
        )
        s.commit()
        ids = {late.id, never.id}
    listed = app_client.get(f"{API}/directives", headers=h, params={"overdue": True}).json()
    assert {i["id"] for i in listed["items"]} >= ids
    assert all(i["overdue"] for i in listed["items"])
    period = Period.inclusive(today - timedelta(days=30), today)
    with _factory(app_client)() as s:
        leader = _actor(app_client, "leader")
        f = compute_figures(s, actor=leader, period=period)
        overdue_rows = trace(s, leader, "campaigns.directives.overdue", period)
        assert {r["id"] for r in overdue_rows} >= ids
        assert f["campaigns.directives.overdue"] == len(overdue_rows)
        assert f["campaigns.directives.issued"] == len(
            trace(s, leader, "campaigns.directives.issued", period)
        )
        assert f["campaigns.directives.answered"] >= 2


# --- listing (挂牌督办) ---------------------------------------------------------------------


def _area(client: TestClient, world: World, name: str, **extra: Any) -> Any:
    body = {
        "kind": "area",
        "level": "county",
        "lister": "government",
        "area_name": name,
        "org_id": world.a.brigade_id,
        **extra,
    }
    return client.post("/api/listings", headers=world.headers("officer_a"), json=body)


LISTING_PATH: dict[ListingStatus, tuple[ListingStatus, ...]] = {
    ListingStatus.PROPOSED: (),
    ListingStatus.LISTED: (ListingStatus.LISTED,),
    ListingStatus.RECTIFYING: (ListingStatus.LISTED, ListingStatus.RECTIFYING),
    ListingStatus.DELISTED: (
        ListingStatus.LISTED,
        ListingStatus.RECTIFYING,
        ListingStatus.DELISTED,
    ),
    ListingStatus.WITHDRAWN: (ListingStatus.WITHDRAWN,),
}


def test_every_area_listing_transition_pair_by_pair(
    app_client: TestClient, world: World, setup: dict[str, Any]
) -> None:
    h = world.headers("officer_a")
    for start, path in LISTING_PATH.items():
        for target in ListingStatus:
            created = _area(
                app_client,
                world,
                f"{start}→{target}",
                premises_ids=[world.a.premises_id],
                hazard_count=3,
            )
            assert created.status_code == 201, created.text
            lid = created.json()["id"]
            for step in path:
                moved = app_client.post(
                    f"/api/listings/{lid}/advance", headers=h, json={"status": step.value}
                )
                assert moved.status_code == 200, moved.text
            with _factory(app_client)() as s:
                before = s.scalar(
                    select(func.count())
                    .select_from(AuditLog)
                    .where(AuditLog.entity == "listing", AuditLog.entity_id == str(lid))
                )
            r = app_client.post(
                f"/api/listings/{lid}/advance", headers=h, json={"status": target.value}
            )
            with _factory(app_client)() as s:
                after = s.scalar(
                    select(func.count())
                    .select_from(AuditLog)
                    .where(AuditLog.entity == "listing", AuditLog.entity_id == str(lid))
                )
            if target in LISTING_TRANSITIONS[start]:
                assert r.status_code == 200, (start, target, r.text)
                assert after == (before or 0) + 1
            else:
                assert r.status_code == 409, (start, target, r.text)
                assert after == before


def test_listing_kinds_levels_and_figures_in_units_and_hazards(
    app_client: TestClient, world: World, setup: dict[str, Any]
) -> None:
    h = world.headers("officer_a")
    polygon = {
        "type": "Polygon",
        "coordinates": [[[9.5, 47.1], [9.6, 47.1], [9.6, 47.2], [9.5, 47.2], [9.5, 47.1]]],
    }
    assert _area(app_client, world, "无范围").status_code == 422
    assert _area(app_client, world, "缺隐患数", area_polygon=polygon).status_code == 422
    area = _area(
        app_client,
        world,
        "城中村出租屋片区",
        area_polygon=polygon,
        unit_count=120,
        hazard_count=340,
        lister="fire_department",
    )
    assert area.status_code == 201, area.text
    assert area.json()["listed_by_zh"] == "县级消防救援机构挂牌"
    # a general (not major) hazard can be listed as 突出 but not as major
    hz = app_client.post(
        "/api/hazards",
        headers=h,
        json={"premises_id": world.a.premises_id, "title": "疏散通道堆放杂物"},
    ).json()
    app_client.post(f"/api/hazards/{hz['id']}/verify", headers=h, json={})
    as_major = app_client.post(
        "/api/listings", headers=h, json={"hazard_id": hz["id"], "level": "city"}
    )
    assert as_major.status_code == 409
    prominent = app_client.post(
        "/api/listings",
        headers=h,
        json={"hazard_id": hz["id"], "level": "city", "kind": "prominent"},
    )
    assert prominent.status_code == 201, prominent.text
    for lid in (area.json()["id"], prominent.json()["id"]):
        r = app_client.post(f"/api/listings/{lid}/advance", headers=h, json={"status": "listed"})
        assert r.status_code == 200
    figures = app_client.get(f"{API}/listings/figures", headers=h).json()
    assert figures["by_kind"]["area"]["units"] >= 120
    assert figures["by_kind"]["area"]["hazards"] >= 340
    assert figures["by_kind"]["prominent"] == {"listings": 1, "units": 1, "hazards": 1}
    assert figures["by_level"]["county.fire_department"]["listings"] >= 1
    page = app_client.get(
        f"{API}/listings", headers=h, params={"kind": "prominent", "limit": 5}
    ).json()
    assert page["total"] == 1 and page["items"][0]["kind_zh"] == "突出火灾隐患"
    # the older list and the public page carry area listings too
    assert any(i["kind"] == "area" for i in app_client.get("/api/listings", headers=h).json())
    assert "城中村出租屋片区" in app_client.get("/public/listings").text
    today = local_today()
    period = Period.inclusive(today - timedelta(days=1), today)
    with _factory(app_client)() as s:
        leader = _actor(app_client, "leader")
        f = compute_figures(s, actor=leader, period=period)
        assert f["listing.units.area"] == sum(
            r["value"] for r in trace(s, leader, "listing.units.area", period)
        )
        assert f["listing.listed.prominent"] == 1
        assert f["listings.listed"] >= 2  # the older figure counts every kind
        assert label("listing.by_lister.county.fire_department") == "县级消防救援机构挂牌"
