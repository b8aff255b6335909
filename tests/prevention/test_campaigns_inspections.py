"""Special campaigns (专项整治) and enforcement inspections (监督检查), on both backends."""

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
from lanyan.prevention import hazards
from lanyan.prevention import service as premises_service
from lanyan.prevention.choices import HazardStatus, PremisesCategory, VenueType
from lanyan.prevention.governance_api import router
from lanyan.prevention.models import Hazard
from lanyan.prevention.patrols import local_today
from lanyan.prevention.schemas import HazardCheck, HazardRectified, PremisesCreate

API = "/api/prevention"


@pytest.fixture(scope="module")
def client(app_client: TestClient) -> TestClient:
    """The app client, with the governance router included if app.py does not include it yet."""
    app: Any = app_client.app
    if not any(p.startswith(f"{API}/grids") for p in app.openapi()["paths"]):
        app.include_router(router)
        app.openapi_schema = None
    return app_client


def _factory(client: TestClient) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = client.app.state.sessionmaker  # type: ignore[attr-defined]
    return factory


def _actor(client: TestClient, username: str) -> Any:
    with _factory(client)() as session:
        return actor_for(session.scalars(select(User).where(User.username == username)).one())


def _premises(client: TestClient, world: World, ext: str, **kw: Any) -> int:
    with _factory(client)() as s:
        p = premises_service.create_premises(
            s,
            actor=_actor(client, "officer_a"),
            data=PremisesCreate(
                external_id=ext,
                name=f"单位{ext}",
                category=kw.pop("category", PremisesCategory.SMALL_VENUE),
                venue_type=kw.pop("venue_type", VenueType.RESTAURANT),
                org_id=kw.pop("org_id", world.a.brigade_id),
                lon=9.52,
                lat=47.14,
            ),
        )
        s.commit()
        return p.id


def _audits(client: TestClient, entity: str) -> int:
    with _factory(client)() as s:
        return (
            s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == entity))
            or 0
        )


def _campaign(client: TestClient, world: World, user: str, **body: Any) -> Any:
    today = local_today()
    payload = {
        "name": "电动自行车充电专项整治",
        "topic": "ebike_charging",
        "starts_on": (today - timedelta(days=10)).isoformat(),
        "ends_on": (today + timedelta(days=20)).isoformat(),
        "target_premises": 3,
        **body,
    }
    return client.post(f"{API}/campaigns", headers=world.headers(user), json=payload)


def test_campaign_topics_and_creation(client: TestClient, world: World) -> None:
    topics = client.get(f"{API}/campaign-topics", headers=world.headers("grid_a")).json()
    by_key = {t["key"]: t for t in topics}
    assert {"ebike_charging", "restaurant_gas", "fire_lanes"} <= set(by_key)
    assert "电动自行车未在室内充电" in {i["zh"] for i in by_key["ebike_charging"]["items"]}
    before = _audits(client, "campaign")
    r = _campaign(client, world, "officer_a")
    assert r.status_code == 201, r.text
    campaign = r.json()
    assert campaign["org_id"] == world.a.brigade_id
    assert campaign["topic_zh"] == "电动自行车充电专项整治"
    assert [i["key"] for i in campaign["checklist"]] == list(
        i["key"] for i in by_key["ebike_charging"]["items"]
    )
    assert _audits(client, "campaign") == before + 1
    # a custom checklist from the catalogue
    custom = _campaign(client, world, "officer_a", checklist=["fire_lane_clear", "lane_marked"])
    assert custom.status_code == 201
    assert [i["key"] for i in custom.json()["checklist"]] == ["fire_lane_clear", "lane_marked"]
    # refusals
    assert _campaign(client, world, "officer_a", topic="no_such").status_code == 422
    assert _campaign(client, world, "officer_a", checklist=["no_such_item"]).status_code == 422
    today = local_today()
    assert (
        _campaign(
            client, world, "officer_a", ends_on=(today - timedelta(days=30)).isoformat()
        ).status_code
        == 422
    )
    assert _campaign(client, world, "officer_a", org_id=world.b.brigade_id).status_code == 404
    assert _campaign(client, world, "grid_a").status_code == 403
    # brigade B cannot see brigade A's campaign; a detachment campaign is seen by both brigades
    cid = campaign["id"]
    assert (
        client.get(f"{API}/campaigns/{cid}", headers=world.headers("officer_b")).status_code == 404
    )
    detachment = _campaign(client, world, "admin_det", topic="fire_lanes", name="消防通道整治")
    assert detachment.status_code == 201, detachment.text
    did = detachment.json()["id"]
    for user in ("officer_a", "officer_b", "grid_b"):
        assert client.get(f"{API}/campaigns/{did}", headers=world.headers(user)).status_code == 200
    listed_b = client.get(f"{API}/campaigns", headers=world.headers("officer_b")).json()
    assert did in {c["id"] for c in listed_b["items"]} and cid not in {
        c["id"] for c in listed_b["items"]
    }
    active = client.get(
        f"{API}/campaigns",
        params={"active_on": today.isoformat(), "topic": "fire_lanes"},
        headers=world.headers("officer_a"),
    ).json()
    assert [c["id"] for c in active["items"]] == [did]


def _inspection(client: TestClient, world: World, user: str = "officer_a", **body: Any) -> Any:
    payload = {
        "inspected_on": local_today().isoformat(),
        "checklist": {"fire_lane_clear": True},
        "outcome": "passed",
        **body,
    }
    return client.post(f"{API}/inspections", headers=world.headers(user), json=payload)


def test_inspections_outcomes_and_follow_up(client: TestClient, world: World) -> None:
    pid = _premises(client, world, "i:1")
    today = local_today()
    before = _audits(client, "inspection")
    ok = _inspection(client, world, premises_id=pid, note="检查合格")
    assert ok.status_code == 201, ok.text
    assert ok.json()["officer_id"] is not None and ok.json()["outcome"] == "passed"
    assert _audits(client, "inspection") == before + 1
    # ordered / penalized / sealed need a follow-up date, not before the inspection
    for outcome in ("ordered", "penalized", "sealed"):
        r = _inspection(client, world, premises_id=pid, outcome=outcome)
        assert r.status_code == 422, outcome
        assert "复查日期" in r.json()["detail"]
    follow = (today + timedelta(days=15)).isoformat()
    ordered = _inspection(client, world, premises_id=pid, outcome="ordered", follow_up_on=follow)
    assert ordered.status_code == 201 and ordered.json()["follow_up_on"] == follow
    early = (today - timedelta(days=1)).isoformat()
    assert (
        _inspection(
            client, world, premises_id=pid, outcome="penalized", follow_up_on=early
        ).status_code
        == 422
    )
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _inspection(client, world, premises_id=pid, inspected_on=tomorrow).status_code == 422
    # answers must belong to the premises' checklist
    bad = _inspection(client, world, premises_id=pid, checklist={"static_earthing_ok": True})
    assert bad.status_code == 422 and "static_earthing_ok" in bad.json()["detail"]
    # roles and jurisdiction
    assert _inspection(client, world, "grid_a", premises_id=pid).status_code == 403
    assert _inspection(client, world, "officer_b", premises_id=pid).status_code == 404
    iid = ok.json()["id"]
    assert (
        client.get(f"{API}/inspections/{iid}", headers=world.headers("officer_b")).status_code
        == 404
    )
    assert (
        client.get(f"{API}/inspections/{iid}", headers=world.headers("officer_a")).status_code
        == 200
    )
    by_premises = client.get(
        f"{API}/inspections", params={"premises_id": pid}, headers=world.headers("officer_a")
    ).json()
    assert by_premises["total"] == 2
    assert {i["id"] for i in by_premises["items"]} == {iid, ordered.json()["id"]}
    none_for_b = client.get(
        f"{API}/inspections", params={"premises_id": pid}, headers=world.headers("officer_b")
    ).json()
    assert none_for_b == {"items": [], "total": 0, "limit": 100, "offset": 0}


def test_campaign_inspections_findings_and_figures(client: TestClient, world: World) -> None:
    r = _campaign(client, world, "officer_a", name="电动车整治二", target_premises=3)
    cid = r.json()["id"]
    p1, p2 = _premises(client, world, "i:c1"), _premises(client, world, "i:c2")
    # a campaign item (not on a restaurant's own list) is accepted within the campaign only
    answers = {"ebike_charging_area": False, "ebike_not_indoor": False}
    assert _inspection(client, world, premises_id=p1, checklist=answers).status_code == 422
    first = _inspection(
        client,
        world,
        premises_id=p1,
        campaign_id=cid,
        checklist=answers,
        outcome="ordered",
        follow_up_on=(local_today() + timedelta(days=7)).isoformat(),
        findings=[
            {"title": "电动自行车在门厅充电", "category": "电动自行车"},
            {"title": "私拉电线充电", "severity": "general"},
        ],
    )
    assert first.status_code == 201, first.text
    hazard_ids = first.json()["hazard_ids"]
    assert len(hazard_ids) == 2
    second = _inspection(client, world, premises_id=p1, campaign_id=cid)
    third = _inspection(client, world, premises_id=p2, campaign_id=cid)
    assert second.status_code == 201 and third.status_code == 201
    with _factory(client)() as s:
        found = s.scalars(select(Hazard).where(Hazard.id.in_(hazard_ids))).all()
        # the officer's findings are verified already, and tied to the campaign
        assert {h.status for h in found} == {HazardStatus.VERIFIED}
        assert {h.source for h in found} == {f"campaign:{cid}"}
        assert {h.inspection_id for h in found} == {first.json()["id"]}
        officer = _actor(client, "officer_a")
        hazards.mark_rectified(
            s, actor=officer, hazard_id=hazard_ids[0], data=HazardRectified(note="已整改")
        )
        hazards.check_hazard(
            s, actor=officer, hazard_id=hazard_ids[0], data=HazardCheck(passed=True)
        )
        s.commit()
    shown = client.get(f"/api/hazards/{hazard_ids[1]}", headers=world.headers("officer_a")).json()
    assert (shown["inspection_id"], shown["patrol_visit_id"]) == (first.json()["id"], None)
    figures = client.get(f"{API}/campaigns/{cid}/figures", headers=world.headers("officer_a"))
    assert figures.status_code == 200, figures.text
    assert figures.json() == {
        "campaign_id": cid,
        "target_premises": 3,
        "premises_inspected": 2,
        "inspections": 3,
        "hazards_found": 2,
        "hazards_rectified": 1,
        "progress": round(2 / 3, 4),
    }
    # outside the campaign period, or a premises outside the campaign's organization: refused
    late = (local_today() - timedelta(days=11)).isoformat()
    assert (
        _inspection(client, world, premises_id=p1, campaign_id=cid, inspected_on=late).status_code
        == 422
    )
    det_campaign = _campaign(client, world, "admin_det", topic="restaurant_gas").json()["id"]
    station_campaign = _campaign(
        client, world, "admin_det", topic="restaurant_gas", org_id=world.a.station_id
    ).json()["id"]
    assert _inspection(client, world, premises_id=p1, campaign_id=det_campaign).status_code == 201
    outside = _inspection(client, world, premises_id=p1, campaign_id=station_campaign)
    assert outside.status_code == 422
    # brigade B neither sees A's campaign figures nor records into it
    assert (
        client.get(f"{API}/campaigns/{cid}/figures", headers=world.headers("officer_b")).status_code
        == 404
    )
    p_b = world.b.premises_id
    assert (
        _inspection(
            client, world, "officer_b", premises_id=p_b, campaign_id=cid, checklist={}
        ).status_code
        == 404
    )
