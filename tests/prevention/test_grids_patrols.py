"""Grids, premises placement, patrol plans and tasks, check-ins, jurisdiction (both backends).

Task generation runs with a fixed ``today`` (days after the real one, so the API's own runs,
which use the real date, never mark these tasks missed).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.accounts.models import User
from lanyan.accounts.service import actor_for
from lanyan.core.audit import AuditLog
from lanyan.core.errors import Invalid
from lanyan.prevention import grids, patrols
from lanyan.prevention import service as premises_service
from lanyan.prevention.choices import (
    ControlLevel,
    HazardStatus,
    PatrolTaskStatus,
    PremisesCategory,
    VenueType,
)
from lanyan.prevention.governance_api import router
from lanyan.prevention.models import Hazard, PatrolTask, PatrolVisit, Premises
from lanyan.prevention.schemas import PremisesCreate

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
    b"\x8d\xb4\x1b\x00\x00\x00\x00IEND\xaeB`\x82"
)
API = "/api/prevention"


def _box(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


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


def _user_id(client: TestClient, username: str) -> int:
    with _factory(client)() as session:
        return int(session.scalars(select(User.id).where(User.username == username)).one())


def _premises(client: TestClient, world: World, ext: str, lon: float, lat: float, **kw: Any) -> int:
    # the premises schema has no patrol-interval override yet: set it on the row
    interval = kw.pop("patrol_interval_days", None)
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
                lon=lon,
                lat=lat,
                **kw,
            ),
        )
        p.patrol_interval_days = interval
        s.commit()
        return p.id


def _audits(client: TestClient, entity: str, action: str | None = None) -> int:
    with _factory(client)() as s:
        stmt = select(func.count()).select_from(AuditLog).where(AuditLog.entity == entity)
        if action:
            stmt = stmt.where(AuditLog.action == action)
        return s.scalar(stmt) or 0


def _grid(
    client: TestClient, world: World, ext: str, level: str, parent: int | None, box: Any
) -> Any:
    return client.post(
        f"{API}/grids",
        headers=world.headers("officer_a"),
        json={
            "external_id": ext,
            "name": f"网格{ext}",
            "level": level,
            "parent_id": parent,
            "org_id": world.a.brigade_id,
            "polygon": box,
        },
    )


def _hierarchy(
    client: TestClient, world: World, tag: str, cell: dict[str, Any] | None = None
) -> list[int]:
    """County ⊃ township ⊃ village ⊃ cell around the world's premises (9.522, 47.142)."""
    ids: list[int] = []
    boxes = [
        _box(9.40, 47.00, 9.70, 47.30),
        _box(9.45, 47.05, 9.65, 47.25),
        _box(9.50, 47.10, 9.60, 47.20),
        cell or _box(9.515, 47.135, 9.53, 47.15),
    ]
    for level, box in zip(("county", "township", "village", "grid"), boxes, strict=True):
        r = _grid(client, world, f"g:{tag}:{level}", level, ids[-1] if ids else None, box)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


# --- grids ---------------------------------------------------------------------------------------


def test_grid_hierarchy_levels_and_jurisdiction(client: TestClient, world: World) -> None:
    county, _township, village, cell = _hierarchy(client, world, "h")
    box = _box(9.5, 47.1, 9.6, 47.2)
    # a parent must be exactly one level up; a county has none; others need one
    assert _grid(client, world, "g:h:bad1", "village", county, box).status_code == 422
    assert _grid(client, world, "g:h:bad2", "county", county, box).status_code == 422
    assert _grid(client, world, "g:h:bad3", "township", None, box).status_code == 422
    assert _grid(client, world, "g:h:bad4", "grid", cell, box).status_code == 422
    bowtie = [[9.5, 47.1], [9.6, 47.2], [9.6, 47.1], [9.5, 47.2], [9.5, 47.1]]
    bad_polygon = {"type": "Polygon", "coordinates": [bowtie]}
    assert _grid(client, world, "g:h:bad5", "grid", village, bad_polygon).status_code == 422
    assert _grid(client, world, "g:h:bad6", "grid", village, {"type": "Point"}).status_code == 422
    # duplicate external id → 409
    assert _grid(client, world, "g:h:grid", "grid", village, box).status_code == 409
    # an organization of another brigade is not found
    r = client.post(
        f"{API}/grids",
        headers=world.headers("officer_a"),
        json={"external_id": "g:h:b", "name": "b", "level": "county", "org_id": world.b.brigade_id},
    )
    assert r.status_code == 404
    # a grid worker may not draw grids
    r = client.post(
        f"{API}/grids",
        headers=world.headers("grid_a"),
        json={"external_id": "g:h:w", "name": "w", "level": "county", "org_id": world.a.brigade_id},
    )
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    # reading: children of the village; brigade B sees nothing of A
    listed = client.get(
        f"{API}/grids", params={"parent_id": village}, headers=world.headers("officer_a")
    )
    assert [g["id"] for g in listed.json()["items"]] == [cell]
    assert client.get(f"{API}/grids/{cell}", headers=world.headers("officer_b")).status_code == 404
    mine = client.get(f"{API}/grids", headers=world.headers("officer_b")).json()
    assert cell not in [g["id"] for g in mine["items"]]
    # renaming is audited
    before = _audits(client, "grid", "update")
    r = client.patch(
        f"{API}/grids/{cell}", headers=world.headers("officer_a"), json={"name": "新名"}
    )
    assert r.status_code == 200 and r.json()["name"] == "新名"
    assert _audits(client, "grid", "update") == before + 1
    assert (
        client.patch(
            f"{API}/grids/{cell}", headers=world.headers("officer_b"), json={"name": "x"}
        ).status_code
        == 404
    )


def test_grid_members(client: TestClient, world: World) -> None:
    *_, cell = _hierarchy(client, world, "m")
    h = world.headers("officer_a")
    grid_a, grid_b, officer = (_user_id(client, u) for u in ("grid_a", "grid_b", "officer_a"))
    before = _audits(client, "grid_member")
    r = client.post(f"{API}/grids/{cell}/members", headers=h, json={"user_id": grid_a})
    assert r.status_code == 201, r.text
    assert [m["username"] for m in r.json()] == ["grid_a"]
    assert (
        client.post(f"{API}/grids/{cell}/members", headers=h, json={"user_id": grid_a}).status_code
        == 409
    )
    # only grid workers; only in the jurisdiction
    assert (
        client.post(f"{API}/grids/{cell}/members", headers=h, json={"user_id": officer}).status_code
        == 422
    )
    assert (
        client.post(f"{API}/grids/{cell}/members", headers=h, json={"user_id": grid_b}).status_code
        == 404
    )
    assert client.delete(f"{API}/grids/{cell}/members/{grid_a}", headers=h).status_code == 204
    assert client.delete(f"{API}/grids/{cell}/members/{grid_a}", headers=h).status_code == 404
    assert _audits(client, "grid_member") == before + 2
    assert client.get(f"{API}/grids/{cell}/members", headers=h).json() == []


def test_every_premises_falls_in_its_finest_grid(client: TestClient, world: World) -> None:
    _hierarchy(client, world, "p")
    in_cell = _premises(client, world, "p:cell", 9.52, 47.14)
    in_village = _premises(client, world, "p:village", 9.58, 47.18)
    outside = _premises(client, world, "p:outside", 9.0, 46.5)
    before = _audits(client, "premises", "assign_grids")
    r = client.post(f"{API}/grid-assignment", headers=world.headers("officer_a"), json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert outside in body["outside_ids"] and in_cell not in body["outside_ids"]
    assert _audits(client, "premises", "assign_grids") == before + 1
    with _factory(client)() as s:
        placed = {p.id: p.grid_id for p in s.scalars(select(Premises))}
        # several hierarchies drawn by this module overlap: the finest covering cell wins
        cell_level = grids.locate_premises_grid(s, s.get_one(Premises, in_cell))
        village_level = grids.locate_premises_grid(s, s.get_one(Premises, in_village))
    assert cell_level is not None and cell_level.level.value == "grid"
    assert village_level is not None and village_level.level.value == "village"
    assert placed[in_cell] == cell_level.id
    assert placed[in_village] == village_level.id
    assert placed[outside] is None
    # brigade B's premises are not touched by A's run
    assert placed[world.b.premises_id] is None
    # a second run changes nothing
    assert (
        client.post(f"{API}/grid-assignment", headers=world.headers("officer_a"), json={}).json()[
            "changed"
        ]
        == 0
    )
    # another brigade's organization is not found; grid workers may not run it
    assert (
        client.post(
            f"{API}/grid-assignment",
            headers=world.headers("officer_a"),
            json={"org_id": world.b.brigade_id},
        ).status_code
        == 404
    )
    assert (
        client.post(f"{API}/grid-assignment", headers=world.headers("grid_a"), json={}).status_code
        == 403
    )


# --- patrol plans and tasks ----------------------------------------------------------------------


def _tasks_of(client: TestClient, premises_id: int) -> list[tuple[date, PatrolTaskStatus]]:
    with _factory(client)() as s:
        rows = s.execute(
            select(PatrolTask.due_on, PatrolTask.status)
            .where(PatrolTask.premises_id == premises_id)
            .order_by(PatrolTask.due_on)
        ).all()
        return [(r[0], r[1]) for r in rows]


def test_patrol_interval_by_level_category_and_override() -> None:
    def p(**kw: Any) -> Premises:
        base: dict[str, Any] = {
            "category": PremisesCategory.KEY_UNIT,
            "control_level": None,
            "patrol_interval_days": None,
        }
        return Premises(**{**base, **kw})

    assert patrols.patrol_interval_days(p(control_level=ControlLevel.LEVEL1)) == 30
    assert patrols.patrol_interval_days(p(control_level=ControlLevel.LEVEL2)) == 90
    assert patrols.patrol_interval_days(p(control_level=ControlLevel.LEVEL3)) == 180
    assert patrols.patrol_interval_days(p(category=PremisesCategory.SMALL_VENUE)) == 90
    assert (
        patrols.patrol_interval_days(p(control_level=ControlLevel.LEVEL1, patrol_interval_days=7))
        == 7
    )


def test_generate_tasks_intervals_missed_and_visits(client: TestClient, world: World) -> None:
    level1 = _premises(client, world, "t:l1", 9.52, 47.14, control_level=ControlLevel.LEVEL1)
    weekly = _premises(client, world, "t:w", 9.52, 47.14, patrol_interval_days=7)
    small = _premises(client, world, "t:s", 9.52, 47.14)
    visited = _premises(client, world, "t:v", 9.52, 47.14, control_level=ControlLevel.LEVEL1)
    today = patrols.local_today() + timedelta(days=10)
    officer = _actor(client, "officer_a")
    with _factory(client)() as s:
        # visited 5 days before "today": next visit 25 days after it
        s.add(
            PatrolVisit(
                premises_id=visited,
                org_id=world.a.brigade_id,
                at=datetime.combine(today - timedelta(days=5), datetime.min.time(), UTC)
                + timedelta(hours=4),
                lon=9.52,
                lat=47.14,
                distance_m=0,
                photo_ids=[],
            )
        )
        s.commit()
        created = patrols.generate_tasks(
            s, actor=officer, until=today + timedelta(days=60), today=today
        )
        s.commit()
    assert created >= 3 + 9 + 1 + 2
    assert [d for d, _ in _tasks_of(client, level1)] == [
        today + timedelta(days=n) for n in (0, 30, 60)
    ]
    assert [d for d, _ in _tasks_of(client, weekly)] == [
        today + timedelta(days=7 * n) for n in range(9)
    ]
    assert [d for d, _ in _tasks_of(client, small)] == [today]
    assert [d for d, _ in _tasks_of(client, visited)] == [
        today + timedelta(days=n) for n in (25, 55)
    ]
    # idempotent
    with _factory(client)() as s:
        assert (
            patrols.generate_tasks(s, actor=officer, until=today + timedelta(days=60), today=today)
            == 0
        )
        s.commit()
    # 31 days on: the first level-1 task was never done → missed; the chain continues from the
    # last task, never before the new today
    later = today + timedelta(days=31)
    missed_before = _audits(client, "patrol_task", "missed")
    with _factory(client)() as s:
        patrols.generate_tasks(s, actor=officer, until=later + timedelta(days=60), today=later)
        s.commit()
    statuses = _tasks_of(client, level1)
    assert statuses[0] == (today, PatrolTaskStatus.MISSED)
    assert statuses[1] == (today + timedelta(days=30), PatrolTaskStatus.MISSED)
    assert statuses[2] == (today + timedelta(days=60), PatrolTaskStatus.PENDING)
    assert statuses[3] == (today + timedelta(days=90), PatrolTaskStatus.PENDING)
    assert _audits(client, "patrol_task", "missed") > missed_before
    # a typo of a century is refused, and so is a date in the past
    with _factory(client)() as s:
        with pytest.raises(Invalid):
            patrols.generate_tasks(s, actor=officer, until=today + timedelta(days=400), today=today)
        with pytest.raises(Invalid):
            patrols.generate_tasks(s, actor=officer, until=today - timedelta(days=1), today=today)


def test_generate_route_and_grid_worker_task_list(client: TestClient, world: World) -> None:
    # a cell smaller than the other tests' cells, so the premises falls in this one
    *_, cell = _hierarchy(client, world, "w", _box(9.5195, 47.1395, 9.5207, 47.1407))
    mine = _premises(client, world, "w:mine", 9.5201, 47.1401)
    other = _premises(client, world, "w:other", 9.0, 46.6)
    h = world.headers("officer_a")
    assert client.post(f"{API}/grid-assignment", headers=h, json={}).status_code == 200
    until = (patrols.local_today() + timedelta(days=3)).isoformat()
    before = _audits(client, "patrol_task", "generate")
    r = client.post(f"{API}/patrol-tasks/generate", headers=h, json={"until": until})
    assert r.status_code == 200, r.text
    assert r.json()["created"] >= 2
    assert _audits(client, "patrol_task", "generate") == before + 1
    assert (
        client.post(
            f"{API}/patrol-tasks/generate", headers=world.headers("grid_a"), json={"until": until}
        ).status_code
        == 403
    )

    def visible(user: str) -> set[int]:
        r = client.get(f"{API}/patrol-tasks", params={"limit": 1000}, headers=world.headers(user))
        assert r.status_code == 200, r.text
        return {t["premises_id"] for t in r.json()["items"]}

    # grid_b is in no grid: they see their subtree (brigade B), never brigade A
    assert mine not in visible("grid_b") and other not in visible("grid_b")
    with _factory(client)() as s:
        grids.add_member(
            s, actor=_actor(client, "officer_a"), grid_id=cell, user_id=_user_id(client, "grid_a")
        )
        s.commit()
    try:
        seen = visible("grid_a")
        assert mine in seen and other not in seen
        assert other in visible("officer_a")
        task = client.get(f"{API}/patrol-tasks", params={"premises_id": mine}, headers=h).json()[
            "items"
        ][0]
        assert (
            client.get(
                f"{API}/patrol-tasks/{task['id']}", headers=world.headers("grid_a")
            ).status_code
            == 200
        )
        assert (
            client.get(
                f"{API}/patrol-tasks/{task['id']}", headers=world.headers("officer_b")
            ).status_code
            == 404
        )
    finally:
        with _factory(client)() as s:
            grids.remove_member(
                s,
                actor=_actor(client, "officer_a"),
                grid_id=cell,
                user_id=_user_id(client, "grid_a"),
            )
            s.commit()


# --- check-in ------------------------------------------------------------------------------------


def _photo(client: TestClient, world: World, user: str) -> int:
    r = client.post(
        "/api/uploads",
        headers=world.headers(user),
        files={"file": ("site.png", io.BytesIO(PNG), "image/png")},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_check_in_near_flagged_refused(client: TestClient, world: World) -> None:
    pid = _premises(client, world, "c:1", 9.52, 47.14)
    h = world.headers("grid_a")
    with _factory(client)() as s:
        task = PatrolTask(
            premises_id=pid,
            org_id=world.a.brigade_id,
            due_on=patrols.local_today(),
            status=PatrolTaskStatus.PENDING,
        )
        s.add(task)
        s.commit()
        task_id = task.id
    photo = _photo(client, world, "grid_a")
    body = {
        "premises_id": pid,
        "lon": 9.5201,
        "lat": 47.1401,
        "checklist": {
            "fire_lane_clear": True,
            "gas_no_leak": True,
            "exits_unlocked": "后门上锁已整改",
        },
        "photo_ids": [photo],
        "note": "巡查正常",
    }
    before = _audits(client, "patrol_visit")
    near = client.post(f"{API}/visits", headers=h, json=body)
    assert near.status_code == 201, near.text
    assert near.json()["far_from_premises"] is False and near.json()["task_id"] == task_id
    assert near.json()["distance_m"] < 20
    assert _audits(client, "patrol_visit") == before + 1
    with _factory(client)() as s:
        assert s.get(PatrolTask, task_id).status == PatrolTaskStatus.DONE  # type: ignore[union-attr]
    # a done task cannot be checked in again
    again = client.post(f"{API}/visits", headers=h, json={**body, "task_id": task_id})
    assert again.status_code == 409
    # ~500 m away: saved, flagged
    far = client.post(f"{API}/visits", headers=h, json={**body, "lat": 47.1445})
    assert far.status_code == 201 and far.json()["far_from_premises"] is True
    assert 400 < far.json()["distance_m"] < 600
    assert (
        client.get(f"{API}/visits", params={"far": True, "premises_id": pid}, headers=h).json()[
            "total"
        ]
        == 1
    )
    # ~3 km away: refused, with the distance in the message
    refused = client.post(f"{API}/visits", headers=h, json={**body, "lat": 47.167})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "无法打卡" in refused.json()["detail"] and "米" in refused.json()["detail"]
    # answers must be items of this premises' checklist (a restaurant has no control room)
    wrong = client.post(
        f"{API}/visits", headers=h, json={**body, "checklist": {"control_room_manned": True}}
    )
    assert wrong.status_code == 422 and "control_room_manned" in wrong.json()["detail"]
    # a photo of another brigade is not found; a crew may patrol too; a dispatcher may not
    foreign = _photo(client, world, "grid_b")
    assert (
        client.post(f"{API}/visits", headers=h, json={**body, "photo_ids": [foreign]}).status_code
        == 404
    )
    assert (
        client.post(f"{API}/visits", headers=world.headers("dispatcher_a"), json=body).status_code
        == 403
    )
    # brigade B cannot check in at, or see, A's premises and visits
    assert (
        client.post(f"{API}/visits", headers=world.headers("grid_b"), json=body).status_code == 404
    )
    vid = near.json()["id"]
    assert client.get(f"{API}/visits/{vid}", headers=world.headers("grid_b")).status_code == 404
    assert client.get(f"{API}/visits/{vid}", headers=world.headers("officer_a")).status_code == 200
    assert pid not in {
        v["premises_id"]
        for v in client.get(f"{API}/visits", headers=world.headers("officer_b")).json()["items"]
    }


def test_findings_become_hazards_in_one_step(client: TestClient, world: World) -> None:
    pid = _premises(client, world, "c:2", 9.53, 47.15)
    photo = _photo(client, world, "grid_a")
    r = client.post(
        f"{API}/visits",
        headers=world.headers("grid_a"),
        json={
            "premises_id": pid,
            "lon": 9.53,
            "lat": 47.15,
            "checklist": {"ebike_not_indoor": False, "gas_no_leak": False},
            "findings": [
                {"title": "电动自行车在店内充电", "photo_ids": [photo], "category": "电动自行车"},
                {"title": "燃气软管老化", "severity": "major"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    hazard_ids = r.json()["hazard_ids"]
    assert len(hazard_ids) == 2
    with _factory(client)() as s:
        found = s.scalars(select(Hazard).where(Hazard.id.in_(hazard_ids)).order_by(Hazard.id)).all()
        assert [h.premises_id for h in found] == [pid, pid]
        assert [h.status for h in found] == [HazardStatus.REPORTED, HazardStatus.REPORTED]
        assert [h.source for h in found] == ["patrol", "patrol"]
        # each finding keeps the check-in that found it (position, photos, checklist)
        assert [h.patrol_visit_id for h in found] == [r.json()["id"]] * 2
        assert found[0].photo_ids == [photo]
        assert (found[0].lon, found[0].lat) == (9.53, 47.15)
    # all or nothing: a bad finding (photo of another brigade) leaves no visit and no hazard
    foreign = _photo(client, world, "grid_b")
    with _factory(client)() as s:
        visits = s.scalar(
            select(func.count()).select_from(PatrolVisit).where(PatrolVisit.premises_id == pid)
        )
    bad = client.post(
        f"{API}/visits",
        headers=world.headers("grid_a"),
        json={
            "premises_id": pid,
            "lon": 9.53,
            "lat": 47.15,
            "checklist": {},
            "findings": [{"title": "x", "photo_ids": [foreign]}],
        },
    )
    assert bad.status_code == 404
    with _factory(client)() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(PatrolVisit).where(PatrolVisit.premises_id == pid)
            )
            == visits
        )
    # the officer sees the hazards on the hazard list
    listed = client.get(
        "/api/hazards", params={"premises_id": pid}, headers=world.headers("officer_a")
    )
    assert {h["id"] for h in listed.json()["items"]} == set(hazard_ids)


def test_checklists(client: TestClient, world: World) -> None:
    h = world.headers("grid_a")
    templates = client.get(f"{API}/checklists", headers=h).json()
    keys = {t["key"] for t in templates}
    assert {"restaurant", "small_venue", "key_unit", "hazmat"} <= keys
    restaurant = next(t for t in templates if t["key"] == "restaurant")
    labels = {i["zh"] for i in restaurant["items"]}
    assert {"消防通道畅通", "安全出口未锁闭", "灭火器有效", "燃气管道无泄漏"} <= labels
    hazmat = _premises(
        client,
        world,
        "c:hz",
        9.52,
        47.14,
        category=PremisesCategory.KEY_UNIT,
        venue_type=VenueType.HAZMAT,
    )
    mine = client.get(f"{API}/checklists/premises/{hazmat}", headers=h).json()
    item_keys = {i["key"] for i in mine["items"]}
    assert {"static_earthing_ok", "control_room_manned", "fire_lane_clear"} <= item_keys
    assert "gas_no_leak" not in item_keys
    assert (
        client.get(
            f"{API}/checklists/premises/{hazmat}", headers=world.headers("grid_b")
        ).status_code
        == 404
    )


def test_every_write_route_leaves_an_audit_row(client: TestClient, world: World) -> None:
    """The example bodies handed to tests/test_audit.py: each succeeds and is audited."""
    h = world.headers("admin_det")
    grid_a = _user_id(client, "grid_a")

    def audited(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        with _factory(client)() as s:
            before = s.scalar(select(func.count()).select_from(AuditLog)) or 0
        r = client.request(method, path, headers=h, json=body)
        assert r.status_code < 300, (path, r.text)
        with _factory(client)() as s:
            assert (s.scalar(select(func.count()).select_from(AuditLog)) or 0) > before, path
        return r

    grid = audited(
        "POST",
        f"{API}/grids",
        {
            "external_id": "audit:grid",
            "name": "审计网格",
            "level": "county",
            "org_id": world.a.brigade_id,
        },
    ).json()["id"]
    audited("PATCH", f"{API}/grids/{grid}", {"name": "改名网格"})
    audited("POST", f"{API}/grids/{grid}/members", {"user_id": grid_a})
    audited("DELETE", f"{API}/grids/{grid}/members/{grid_a}")
    audited("POST", f"{API}/grid-assignment", {})
    until = (patrols.local_today() + timedelta(days=7)).isoformat()
    audited("POST", f"{API}/patrol-tasks/generate", {"until": until})
    audited(
        "POST",
        f"{API}/visits",
        {
            "premises_id": world.a.premises_id,
            "lon": 9.522,
            "lat": 47.142,
            "checklist": {"fire_lane_clear": True},
        },
    )
    audited(
        "POST",
        f"{API}/campaigns",
        {
            "name": "审计整治",
            "topic": "ebike_charging",
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
        },
    )
    audited(
        "POST",
        f"{API}/inspections",
        {
            "premises_id": world.a.premises_id,
            "inspected_on": "2025-06-01",
            "checklist": {"fire_lane_clear": True},
            "outcome": "passed",
        },
    )
    # the governance router's own writes (campaign and listing routes share the prefix and are
    # walked by tests/prevention/test_campaigns_and_listing.py)
    from lanyan.prevention.governance_api import router as governance_router

    writes = {
        (method, route.path)
        for route in governance_router.routes
        for method in getattr(route, "methods", ())
        if method in {"POST", "PATCH", "PUT", "DELETE"}
    }
    assert len(writes) == 9, sorted(writes)
