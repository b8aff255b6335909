"""Hazards and supervised listing: state machines, deadlines in Asia/Shanghai, escalation, photos.

The state-machine tests try every (from, to) pair: each illegal one must be refused with 409 and
change nothing; each legal one must leave an audit row.
"""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.accounts.models import User
from lanyan.accounts.service import actor_for
from lanyan.core.audit import AuditLog
from lanyan.core.clock import LOCAL_TZ
from lanyan.core.errors import Conflict
from lanyan.prevention import hazards, listing
from lanyan.prevention.choices import (
    HAZARD_TRANSITIONS,
    LISTING_TRANSITIONS,
    HazardSeverity,
    HazardStatus,
    ListingLevel,
    ListingStatus,
)
from lanyan.prevention.models import Hazard
from lanyan.prevention.schemas import (
    HazardCheck,
    HazardOrder,
    HazardRectified,
    HazardReport,
    HazardVerify,
    ListingAdvance,
    ListingPropose,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
    b"\x8d\xb4\x1b\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _actor(factory: sessionmaker[Session], username: str) -> Any:
    with factory() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return actor_for(user)


def _audit_rows(factory: sessionmaker[Session], hazard_id: int) -> int:
    with factory() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.entity == "hazard", AuditLog.entity_id == str(hazard_id))
            )
            or 0
        )


def _hazard_in(
    factory: sessionmaker[Session],
    world: World,
    status: HazardStatus,
    severity: HazardSeverity = HazardSeverity.GENERAL,
) -> int:
    """A hazard brought to ``status`` through the service, step by step."""
    officer = _actor(factory, "officer_a")
    with factory() as s:
        h = hazards.report_hazard(
            s,
            actor=officer,
            data=HazardReport(
                premises_id=world.a.premises_id, title="疏散通道堵塞", severity=severity
            ),
        )
        path = {
            HazardStatus.REPORTED: [],
            HazardStatus.REJECTED: ["reject"],
            HazardStatus.VERIFIED: ["verify"],
            HazardStatus.ORDERED: ["verify", "order"],
            HazardStatus.RECTIFIED: ["verify", "order", "rectified"],
            HazardStatus.CLOSED: ["verify", "order", "rectified", "close"],
        }[status]
        for step in path:
            _step(s, officer, h.id, step)
        s.commit()
        return h.id


def _step(s: Session, actor: Any, hazard_id: int, step: str) -> None:
    if step == "reject":
        hazards.verify_hazard(s, actor=actor, hazard_id=hazard_id, data=HazardVerify(accept=False))
    elif step == "verify":
        hazards.verify_hazard(s, actor=actor, hazard_id=hazard_id, data=HazardVerify())
    elif step == "order":
        hazards.order_rectification(s, actor=actor, hazard_id=hazard_id, data=HazardOrder())
    elif step == "rectified":
        hazards.mark_rectified(s, actor=actor, hazard_id=hazard_id, data=HazardRectified())
    elif step == "close":
        hazards.check_hazard(s, actor=actor, hazard_id=hazard_id, data=HazardCheck(passed=True))
    elif step == "recheck_failed":
        hazards.check_hazard(s, actor=actor, hazard_id=hazard_id, data=HazardCheck(passed=False))


# the step that attempts each target state
ATTEMPT = {
    HazardStatus.VERIFIED: "verify",
    HazardStatus.REJECTED: "reject",
    HazardStatus.ORDERED: "order",
    HazardStatus.RECTIFIED: "rectified",
    HazardStatus.CLOSED: "close",
}


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (a, b)
        for a, b in itertools.product(HazardStatus, ATTEMPT)
        if a != HazardStatus.REPORTED or b != HazardStatus.REPORTED
    ],
)
def test_every_hazard_transition(
    app_client: TestClient, world: World, start: HazardStatus, target: HazardStatus
) -> None:
    factory = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    hazard_id = _hazard_in(factory, world, start)
    officer = _actor(factory, "officer_a")
    before = _audit_rows(factory, hazard_id)
    legal = target in HAZARD_TRANSITIONS[start]
    with factory() as s:
        if legal:
            _step(s, officer, hazard_id, ATTEMPT[target])
            s.commit()
        else:
            with pytest.raises(Conflict):
                _step(s, officer, hazard_id, ATTEMPT[target])
            s.rollback()
    with factory() as s:
        status = s.get(Hazard, hazard_id).status  # type: ignore[union-attr]
    if legal:
        assert status == target
        assert _audit_rows(factory, hazard_id) == before + 1
    else:
        assert status == start
        assert _audit_rows(factory, hazard_id) == before


def test_failed_recheck_orders_again_with_a_new_deadline(
    app_client: TestClient, world: World
) -> None:
    factory = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    hazard_id = _hazard_in(factory, world, HazardStatus.RECTIFIED)
    with factory() as s:
        _step(s, _actor(factory, "officer_a"), hazard_id, "recheck_failed")
        s.commit()
        h = s.get(Hazard, hazard_id)
        assert h is not None
        assert h.status == HazardStatus.ORDERED
        assert h.deadline_at is not None


def _at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.mark.parametrize(
    ("ordered_local", "workdays", "deadline_local_day"),
    [
        # Thursday before the 2026 Spring Festival: Sat 14 Feb is a make-up working day, 15–23 off
        ("2026-02-12T10:00", 3, "2026-02-24"),
        # 23:30 on a Friday in Shanghai is 15:30 UTC that day: counting starts from the local date
        ("2026-03-06T23:30", 1, "2026-03-09"),
        # 00:30 on a Monday in Shanghai is still Sunday in UTC: the local Monday counts
        ("2026-03-09T00:30", 1, "2026-03-10"),
        # National Day 2025 (1–8 Oct) with make-up days on Sun 28 Sep and Sat 11 Oct
        ("2025-09-26T09:00", 3, "2025-09-30"),
        ("2025-09-30T09:00", 1, "2025-10-09"),
        ("2025-10-09T09:00", 2, "2025-10-11"),
    ],
)
def test_deadlines_count_working_days_in_shanghai(
    app_client: TestClient,
    world: World,
    ordered_local: str,
    workdays: int,
    deadline_local_day: str,
) -> None:
    factory = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    hazard_id = _hazard_in(factory, world, HazardStatus.VERIFIED)
    with factory() as s:
        h = hazards.order_rectification(
            s,
            actor=_actor(factory, "officer_a"),
            hazard_id=hazard_id,
            data=HazardOrder(workdays=workdays),
            at=_at(ordered_local),
        )
        s.commit()
        assert h.deadline_at is not None
        local = h.deadline_at.astimezone(LOCAL_TZ)
    assert local.date().isoformat() == deadline_local_day
    assert (local.hour, local.minute) == (23, 59)


def test_overdue_hazards_escalate_once_and_reminders_come_before(
    app_client: TestClient, world: World
) -> None:
    factory = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    officer = _actor(factory, "officer_a")
    hazard_id = _hazard_in(factory, world, HazardStatus.VERIFIED)
    with factory() as s:
        h = hazards.order_rectification(
            s,
            actor=officer,
            hazard_id=hazard_id,
            data=HazardOrder(workdays=5),
            at=_at("2026-03-02T09:00"),
        )
        s.commit()
        deadline = h.deadline_at
    assert deadline is not None
    assert deadline.astimezone(LOCAL_TZ).date().isoformat() == "2026-03-09"
    checks = [
        ("2026-03-03T09:00", False, False),  # 4 working days left: no reminder yet
        ("2026-03-04T09:00", True, False),  # 3 working days left: reminder
        ("2026-03-09T23:59", True, False),  # the last minute of the last day: not overdue
        ("2026-03-10T00:00", True, True),  # the next local day: overdue, escalated
    ]
    for now_local, reminded, escalated in checks:
        with factory() as s:
            hazards.process_deadlines(s, actor=officer, now=_at(now_local))
            s.commit()
            h2 = s.get(Hazard, hazard_id)
            assert h2 is not None
            assert (h2.reminded_at is not None) == reminded, now_local
            assert (h2.escalated_at is not None) == escalated, now_local
    with factory() as s:
        h3 = s.get(Hazard, hazard_id)
        assert h3 is not None
        assert h3.escalated_to_id == world.a.brigade_id
        first_escalation = h3.escalated_at
        hazards.process_deadlines(s, actor=officer, now=_at("2026-03-12T09:00"))
        s.commit()
    with factory() as s:
        h4 = s.get(Hazard, hazard_id)
        assert h4 is not None
        assert h4.escalated_at == first_escalation  # escalates once


def test_listing_state_machine(app_client: TestClient, world: World) -> None:
    factory = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    officer = _actor(factory, "officer_a")
    general = _hazard_in(factory, world, HazardStatus.VERIFIED)
    with factory() as s, pytest.raises(Conflict, match="major"):
        listing.propose_listing(
            s, actor=officer, data=ListingPropose(hazard_id=general, level=ListingLevel.CITY)
        )
    major = _hazard_in(factory, world, HazardStatus.ORDERED, HazardSeverity.MAJOR)
    with factory() as s:
        item = listing.propose_listing(
            s,
            actor=officer,
            data=ListingPropose(
                hazard_id=major, level=ListingLevel.CITY, basis="GB 35181 直接判定"
            ),
        )
        s.commit()
        listing_id = item.id
    for status in ListingStatus:
        allowed = LISTING_TRANSITIONS[ListingStatus.PROPOSED]
        if status in allowed:
            continue
        with factory() as s, pytest.raises(Conflict):
            listing.advance_listing(
                s, actor=officer, listing_id=listing_id, data=ListingAdvance(status=status)
            )
    for status in (ListingStatus.LISTED, ListingStatus.RECTIFYING):
        with factory() as s:
            listing.advance_listing(
                s, actor=officer, listing_id=listing_id, data=ListingAdvance(status=status)
            )
            s.commit()
    public = app_client.get("/api/public/listings").json()
    assert listing_id in {x["id"] for x in public}
    anonymous = TestClient(app_client.app)  # no cookie, no token: anyone may read the list
    page = anonymous.get("/public/listings")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "重大火灾隐患挂牌督办公示" in page.text
    assert page.text.count("<tr>") == len(public) + 1  # the header row and one per listing
    assert "市级挂牌" in page.text and "疏散通道堵塞" in page.text
    with factory() as s, pytest.raises(Conflict, match="closed"):
        listing.advance_listing(
            s,
            actor=officer,
            listing_id=listing_id,
            data=ListingAdvance(status=ListingStatus.DELISTED),
        )
    with factory() as s:
        for step in ("rectified", "close"):
            _step(s, officer, major, step)
        listing.advance_listing(
            s,
            actor=officer,
            listing_id=listing_id,
            data=ListingAdvance(status=ListingStatus.DELISTED),
        )
        s.commit()
    assert listing_id not in {x["id"] for x in app_client.get("/api/public/listings").json()}
    remaining = len(app_client.get("/api/public/listings").json())
    page = app_client.get("/public/listings").text
    assert page.count("<tr>") == (remaining + 1 if remaining else 0)
    assert remaining or "目前没有挂牌督办的重大火灾隐患" in page


def test_photos_are_validated_and_never_served_across_brigades(
    app_client: TestClient, world: World
) -> None:
    h = world.headers("grid_a")
    bad = app_client.post(
        "/api/uploads",
        headers=h,
        files={"file": ("x.jpg", io.BytesIO(b"GIF89a not an image"), "image/jpeg")},
    )
    assert bad.status_code == 422
    assert "JPEG" in bad.json()["detail"]
    huge = app_client.post(
        "/api/uploads",
        headers=h,
        files={"file": ("x.png", io.BytesIO(PNG + b"\0" * 11_000_000), "image/png")},
    )
    assert huge.status_code == 422
    ok = app_client.post(
        "/api/uploads", headers=h, files={"file": ("site.png", io.BytesIO(PNG), "image/png")}
    )
    assert ok.status_code == 201, ok.text
    photo = ok.json()["id"]
    assert app_client.get(f"/api/uploads/{photo}", headers=h).content == PNG
    assert (
        app_client.get(f"/api/uploads/{photo}", headers=world.headers("grid_b")).status_code == 404
    )
    report = app_client.post(
        "/api/hazards",
        headers=world.headers("grid_b"),
        json={"premises_id": world.b.premises_id, "title": "借用照片", "photo_ids": [photo]},
    )
    assert report.status_code == 404


def test_officer_list_pages(app_client: TestClient, world: World) -> None:
    h = world.headers("officer_a")
    r = app_client.post(
        "/api/hazards",
        headers=world.headers("grid_a"),
        json={
            "premises_id": world.a.premises_id,
            "title": "灭火器过期",
            "description": "三具灭火器压力不足",
        },
    )
    assert r.status_code == 201
    listed = app_client.get("/api/hazards", params={"status": "reported"}, headers=h).json()
    assert r.json()["id"] in {x["id"] for x in listed["items"]}
    assert app_client.get("/api/hazards", params={"sort": "bogus"}, headers=h).status_code == 422
    other = app_client.get("/api/hazards", headers=world.headers("officer_b")).json()
    assert r.json()["id"] not in {x["id"] for x in other["items"]}
    assert (
        app_client.post(
            f"/api/hazards/{r.json()['id']}/verify", json={}, headers=world.headers("grid_a")
        ).status_code
        == 403
    )
    assert (datetime.now(UTC) - timedelta(minutes=5)).isoformat() < r.json()["found_at"]


def test_gb35181_determination_regrades_and_proposes_listing(
    app_client: TestClient, world: World
) -> None:
    h = world.headers("officer_a")
    checklist = app_client.get(
        "/api/gb35181/criteria", params={"category": "crowded"}, headers=h
    ).json()
    direct = [c["id"] for c in checklist["criteria"] if c["group"] == "direct"]
    assert direct
    hazard = app_client.post(
        "/api/hazards",
        headers=h,
        json={"premises_id": world.a.premises_id, "title": "商场安全出口被锁闭"},
    ).json()
    app_client.post(f"/api/hazards/{hazard['id']}/verify", json={}, headers=h)
    r = app_client.post(
        f"/api/hazards/{hazard['id']}/gb35181",
        headers=h,
        json={"category": "crowded", "direct": [direct[0]], "composite": []},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["assessment"]["is_major"] is True
    assert body["assessment"]["recommend_listing"] is True
    assert body["hazard"]["severity"] == "major"
    listing = app_client.post(
        "/api/listings", headers=h, json={"hazard_id": hazard["id"], "level": "county"}
    )
    assert listing.status_code == 201
    unknown = app_client.post(
        f"/api/hazards/{hazard['id']}/gb35181",
        headers=h,
        json={"category": "crowded", "direct": ["99.9"], "composite": []},
    )
    assert unknown.status_code == 422
