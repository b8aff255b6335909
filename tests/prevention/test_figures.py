"""Prevention figures per brigade against counts worked out by hand on a small data set.

The period is March 2025 in Asia/Shanghai: [2025-03-01, 2025-04-01) local, i.e.
[2025-02-28T16:00Z, 2025-03-31T16:00Z). Records sit on both sides of each edge.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.accounts.models import User
from lanyan.accounts.service import actor_for
from lanyan.core.actor import SYSTEM
from lanyan.core.errors import Invalid
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.forces.schemas import OrganizationCreate
from lanyan.prevention import figures
from lanyan.prevention.choices import (
    ControlLevel,
    HazardSeverity,
    HazardStatus,
    ListingLevel,
    ListingStatus,
    PatrolTaskStatus,
    PremisesCategory,
    VenueType,
)
from lanyan.prevention.governance_api import router
from lanyan.prevention.models import (
    Hazard,
    HazardOrder,
    PatrolTask,
    PatrolVisit,
    Premises,
    SupervisedListing,
)

API = "/api/prevention"
MARCH = (date(2025, 3, 1), date(2025, 4, 1))
NOW = datetime(2025, 4, 15, tzinfo=UTC)


def utc(text: str) -> datetime:
    """An ISO time in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


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


@pytest.fixture(scope="module")
def data(client: TestClient, world: World) -> dict[str, int]:
    """The small data set (see the expected counts in the tests)."""
    a, b = world.a, world.b
    with _factory(client)() as s:
        special = forces.create_organization(
            s,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="f:special",
                name="直属特勤站",
                kind=OrgKind.SPECIAL_STATION,
                parent_id=world.detachment_id,
            ),
        )

        def premises(ext: str, org_id: int, level: ControlLevel | None) -> int:
            p = Premises(
                external_id=ext,
                name=ext,
                category=PremisesCategory.KEY_UNIT,
                venue_type=VenueType.OFFICE,
                control_level=level,
                org_id=org_id,
                lon=9.52,
                lat=47.14,
            )
            s.add(p)
            s.flush()
            return p.id

        station_premises = premises("f:pa-station", a.station_id, ControlLevel.LEVEL2)
        premises("f:pa2", a.brigade_id, ControlLevel.LEVEL1)
        premises("f:pb2", b.brigade_id, ControlLevel.LEVEL3)
        for pid, org, due in (
            (a.premises_id, a.brigade_id, "2025-03-01"),  # in
            (a.premises_id, a.brigade_id, "2025-03-31"),  # in
            (a.premises_id, a.brigade_id, "2025-02-28"),  # out
            (a.premises_id, a.brigade_id, "2025-04-01"),  # out
            (station_premises, a.station_id, "2025-03-15"),  # in (station A)
            (b.premises_id, b.brigade_id, "2025-03-10"),  # in (B)
        ):
            s.add(
                PatrolTask(
                    premises_id=pid,
                    org_id=org,
                    due_on=date.fromisoformat(due),
                    status=PatrolTaskStatus.PENDING,
                )
            )
        for pid, org, at in (
            (a.premises_id, a.brigade_id, "2025-02-28T16:30"),  # 03-01 00:30 local: in
            (a.premises_id, a.brigade_id, "2025-03-31T15:59"),  # 03-31 23:59 local: in
            (a.premises_id, a.brigade_id, "2025-03-31T16:00"),  # 04-01 00:00 local: out
            (a.premises_id, a.brigade_id, "2025-02-28T15:59"),  # 02-28 23:59 local: out
            (b.premises_id, b.brigade_id, "2025-03-05T02:00"),  # in (B)
        ):
            s.add(
                PatrolVisit(
                    premises_id=pid,
                    org_id=org,
                    at=utc(at),
                    lon=9.52,
                    lat=47.14,
                    distance_m=5,
                    photo_ids=[],
                )
            )

        def hazard(
            org: int,
            found: str,
            status: HazardStatus,
            *,
            closed: str | None = None,
            deadline: str | None = None,
            severity: HazardSeverity = HazardSeverity.GENERAL,
        ) -> Hazard:
            h = Hazard(
                org_id=org,
                title="隐患",
                severity=severity,
                status=status,
                found_at=utc(found),
                closed_at=utc(closed) if closed else None,
                deadline_at=utc(deadline) if deadline else None,
                photo_ids=[],
                evidence_ids=[],
            )
            s.add(h)
            s.flush()
            if deadline:  # the order as the hazard service records it
                answered = None if status == HazardStatus.ORDERED else h.found_at
                s.add(
                    HazardOrder(
                        hazard_id=h.id,
                        ordered_at=h.found_at,
                        deadline_at=h.deadline_at,
                        answered_at=answered,
                    )
                )
            return h

        ab, st = a.brigade_id, a.station_id
        hazard(ab, "2025-03-02T03:00", HazardStatus.REPORTED)  # found
        hazard(ab, "2025-03-03T03:00", HazardStatus.REJECTED, closed="2025-03-04T03:00")  # neither
        hazard(ab, "2025-02-20T03:00", HazardStatus.CLOSED, closed="2025-03-05T03:00")  # rectified
        hazard(ab, "2025-03-10T03:00", HazardStatus.CLOSED, closed="2025-04-02T03:00")  # found
        hazard(ab, "2025-03-11T03:00", HazardStatus.ORDERED, deadline="2025-03-20T15:59")  # overdue
        hazard(ab, "2025-03-12T03:00", HazardStatus.ORDERED, deadline="2099-05-01T15:59")  # found
        hazard(st, "2025-03-13T03:00", HazardStatus.RECTIFIED, deadline="2025-03-14T15:59")
        listed = hazard(
            ab, "2025-02-28T16:00", HazardStatus.VERIFIED, severity=HazardSeverity.MAJOR
        )  # 03-01 00:00 local: found, and listed
        proposed = hazard(
            ab, "2025-01-01T03:00", HazardStatus.VERIFIED, severity=HazardSeverity.MAJOR
        )
        b_closed = hazard(
            b.brigade_id, "2025-03-15T03:00", HazardStatus.CLOSED, closed="2025-03-20T03:00"
        )
        hazard(special.id, "2025-03-16T03:00", HazardStatus.REPORTED)  # outside every brigade
        for h, status in (
            (listed, ListingStatus.LISTED),
            (proposed, ListingStatus.PROPOSED),
            (b_closed, ListingStatus.RECTIFYING),
        ):
            s.add(
                SupervisedListing(
                    hazard_id=h.id,
                    level=ListingLevel.COUNTY,
                    status=status,
                    proposed_at=utc("2025-03-01T00:00"),
                    listed_at=None if status == ListingStatus.PROPOSED else utc("2025-03-02T00:00"),
                )
            )
        s.commit()
        return {"special": special.id}


A = {
    "patrols_planned": 3,
    "patrols_done": 2,
    "hazards_found": 6,
    "hazards_rectified": 1,
    "hazards_overdue": 1,
    "hazards_listed": 1,
    "premises_controlled": 2,
}
B = {
    "patrols_planned": 1,
    "patrols_done": 1,
    "hazards_found": 1,
    "hazards_rectified": 1,
    "hazards_overdue": 0,
    "hazards_listed": 1,
    "premises_controlled": 1,
}
OUTSIDE = dict.fromkeys(A, 0) | {"hazards_found": 1}


def _counts(row: figures.BrigadeFigures) -> dict[str, int]:
    return {k: v for k, v in asdict(row).items() if k not in ("org_id", "name")}


def _figures(client: TestClient, user: str) -> figures.Figures:
    with _factory(client)() as s:
        return figures.brigade_figures(
            s, actor=_actor(client, user), start=MARCH[0], end=MARCH[1], now=NOW
        )


def test_detachment_sees_every_brigade_and_the_total(
    client: TestClient, world: World, data: dict[str, int]
) -> None:
    result = _figures(client, "admin_det")
    rows = {row.org_id: row for row in result.items}
    assert set(rows) == {world.a.brigade_id, world.b.brigade_id, None}
    assert rows[world.a.brigade_id].name == "a大队"
    assert _counts(rows[world.a.brigade_id]) == A
    assert _counts(rows[world.b.brigade_id]) == B
    assert _counts(rows[None]) == OUTSIDE
    assert _counts(result.total) == {k: A[k] + B[k] + OUTSIDE[k] for k in A}


def test_a_brigade_sees_itself_and_a_station_its_share(
    client: TestClient, world: World, data: dict[str, int]
) -> None:
    mine = _figures(client, "officer_a")
    assert [row.org_id for row in mine.items] == [world.a.brigade_id]
    assert _counts(mine.items[0]) == A == _counts(mine.total)
    theirs = _figures(client, "officer_b")
    assert [row.org_id for row in theirs.items] == [world.b.brigade_id]
    assert _counts(theirs.items[0]) == B
    # a station's crew: the brigade above it, counting only the station's records
    station = _figures(client, "crew_a")
    assert [row.org_id for row in station.items] == [world.a.brigade_id]
    assert _counts(station.items[0]) == dict.fromkeys(A, 0) | {
        "patrols_planned": 1,
        "hazards_found": 1,
        "premises_controlled": 1,
    }


def test_aggregate_queries_do_not_grow_with_rows(
    client: TestClient, world: World, data: dict[str, int]
) -> None:
    statements: list[str] = []
    engine = client.app.state.engine  # type: ignore[attr-defined]

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        _figures(client, "admin_det")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [st for st in statements if st.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 9, selects
    assert sum("GROUP BY" in st for st in selects) == 7


def test_period_rules_and_the_api(client: TestClient, world: World, data: dict[str, int]) -> None:
    with _factory(client)() as s, pytest.raises(Invalid):
        figures.brigade_figures(s, actor=_actor(client, "admin_det"), start=MARCH[1], end=MARCH[0])
    h = world.headers("admin_det")
    params = {"from": "2025-03-01", "to": "2025-04-01"}
    r = client.get(f"{API}/figures", params=params, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"]) == ("2025-03-01", "2025-04-01")
    by_org = {row["org_id"]: row for row in body["items"]}
    # the API's clock is the real one: a past period is told as of its end all the same
    for key, value in A.items():
        assert by_org[world.a.brigade_id][key] == value, key
    assert body["total"]["hazards_found"] == 8
    bad = client.get(f"{API}/figures", params={"from": "2025-04-01", "to": "2025-03-01"}, headers=h)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{API}/figures", headers=world.headers("grid_a")).status_code == 200
