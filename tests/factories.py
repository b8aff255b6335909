"""Builders for test data: a small two-brigade world, and helpers to log in."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.accounts.models import User
from lanyan.accounts.schemas import UserCreate
from lanyan.accounts.service import create_user
from lanyan.core.actor import SYSTEM
from lanyan.core.permissions import Role
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind, UnitType, WaterSourceKind
from lanyan.forces.schemas import OrganizationCreate, UnitCreate, WaterSourceCreate
from lanyan.prevention import service as prevention
from lanyan.prevention.choices import PremisesCategory, VenueType
from lanyan.prevention.schemas import PremisesCreate

PASSWORD = "correct-horse-battery"
T = TypeVar("T")


@dataclass
class Side:
    """One brigade's records."""

    brigade_id: int
    station_id: int
    unit_id: int
    water_source_id: int
    premises_id: int
    admin_user_id: int


@dataclass
class World:
    """The records and tokens a test needs."""

    root_id: int
    detachment_id: int
    a: Side
    b: Side
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        """Authorization header of a logged-in user."""
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the API and return the bearer token."""
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    client.cookies.clear()
    return token


def _side(session: Session, parent_id: int, tag: str) -> tuple[Side, dict[str, int]]:
    brigade = forces.create_organization(
        session,
        actor=SYSTEM,
        data=OrganizationCreate(
            external_id=f"t:brigade:{tag}",
            name=f"{tag}大队",
            kind=OrgKind.BRIGADE,
            parent_id=parent_id,
            lon=9.52,
            lat=47.1,
        ),
    )
    station = forces.create_organization(
        session,
        actor=SYSTEM,
        data=OrganizationCreate(
            external_id=f"t:station:{tag}",
            name=f"{tag}站",
            kind=OrgKind.STATION,
            parent_id=brigade.id,
            lon=9.52,
            lat=47.14,
        ),
    )
    unit = forces.create_unit(
        session,
        actor=SYSTEM,
        data=UnitCreate(
            external_id=f"t:unit:{tag}",
            call_sign=f"{tag}1号水罐车",
            type=UnitType.WATER_TENDER,
            station_id=station.id,
            water_l=6000,
            crew_on_duty=5,
        ),
    )
    ws = forces.create_water_source(
        session,
        actor=SYSTEM,
        data=WaterSourceCreate(
            external_id=f"t:ws:{tag}",
            name=f"{tag}消火栓",
            kind=WaterSourceKind.HYDRANT,
            org_id=station.id,
            lon=9.521,
            lat=47.141,
        ),
    )
    premises = prevention.create_premises(
        session,
        actor=SYSTEM,
        data=PremisesCreate(
            external_id=f"t:premises:{tag}",
            name=f"{tag}商场",
            category=PremisesCategory.KEY_UNIT,
            venue_type=VenueType.SHOPPING,
            org_id=brigade.id,
            lon=9.522,
            lat=47.142,
        ),
    )
    users = {}
    for role, org_id, name in (
        (Role.ADMIN, brigade.id, f"admin_{tag}"),
        (Role.DISPATCHER, brigade.id, f"dispatcher_{tag}"),
        (Role.STATION, station.id, f"crew_{tag}"),
        (Role.PREVENTION, brigade.id, f"officer_{tag}"),
        (Role.GRID, brigade.id, f"grid_{tag}"),
    ):
        user = create_user(
            session,
            actor=SYSTEM,
            data=UserCreate(
                username=name,
                display_name=name,
                role=role,
                organization_id=org_id,
                password=PASSWORD,
            ),
        )
        users[name] = user.id
    side = Side(brigade.id, station.id, unit.id, ws.id, premises.id, users[f"admin_{tag}"])
    return side, users


def build_world(factory: sessionmaker[Session], client: TestClient) -> World:
    """Create the two-brigade world and log every user in."""
    with factory() as session:
        root = forces.create_root_organization(
            session, actor=SYSTEM, external_id="t:corps", name="测试总队", kind=OrgKind.CORPS
        )
        det = forces.create_organization(
            session,
            actor=SYSTEM,
            data=OrganizationCreate(
                external_id="t:detachment",
                name="测试支队",
                kind=OrgKind.DETACHMENT,
                parent_id=root.id,
            ),
        )
        a, users_a = _side(session, det.id, "a")
        b, users_b = _side(session, det.id, "b")
        for role, name in (
            (Role.ADMIN, "admin_det"),
            (Role.LEADER, "leader"),
            (Role.COMMANDER, "commander"),
        ):
            create_user(
                session,
                actor=SYSTEM,
                data=UserCreate(
                    username=name,
                    display_name=name,
                    role=role,
                    organization_id=det.id,
                    password=PASSWORD,
                ),
            )
        session.commit()
        world = World(root_id=root.id, detachment_id=det.id, a=a, b=b)
    for name in [*users_a, *users_b, "admin_det", "leader", "commander"]:
        world.tokens[name] = login(client, name)
    return world


# --- a world for walking every route (tests/test_jurisdiction_walk.py) ---------------------------

LEAK = "LEAK甲"
"""Written into every text field of the first brigade's extra records: any answer to a user of
the second brigade that contains it shows a record it must not see."""


@dataclass
class WalkWorld:
    """Records of both brigades under every id name a route takes, and users of every role.

    ``first`` and ``second`` map a path/query parameter name (``hazard_id``) to a record of the
    first brigade and of the second brigade's station; ``markers`` are strings that only the
    first brigade's records (and the records of no organization) contain; ``users`` maps each
    role to a logged-in user at the second brigade's station.
    """

    world: World
    first: dict[str, int]
    second: dict[str, int]
    markers: tuple[str, ...]
    users: dict[Role, str]


def _walk_side(
    session: Session, *, org_id: int, premises_id: int, unit_id: int, user_id: int, tag: str
) -> dict[str, int]:
    """Hazard, listing, grid, patrol task and visit, campaign, inspection, upload, incident and
    assignment of one organization, every text field carrying ``tag``."""
    from datetime import timedelta

    from lanyan.core.clock import utcnow
    from lanyan.dispatch.choices import AssignmentStatus, EventKind, IncidentStatus, IncidentType
    from lanyan.dispatch.models import Assignment, Incident, IncidentEvent
    from lanyan.prevention.choices import (
        GridLevel,
        HazardSeverity,
        HazardStatus,
        InspectionOutcome,
        ListingLevel,
        ListingStatus,
        PatrolTaskStatus,
    )
    from lanyan.prevention.models import (
        Campaign,
        Grid,
        GridMember,
        Hazard,
        Inspection,
        PatrolTask,
        PatrolVisit,
        SupervisedListing,
        Upload,
    )
    from tests.command.walk import command_walk_records
    from tests.duty.walk import duty_walk_records
    from tests.enforcement.walk import enforcement_walk_records
    from tests.iot.walk import iot_walk_records
    from tests.outreach.walk import outreach_walk_records
    from tests.prevention.campaign_walk import campaign_walk_records
    from tests.risk.walk import risk_walk_records  # issue 18

    now = utcnow()
    today = now.date()
    grid = Grid(external_id=f"{tag}-grid", name=f"{tag}网格", level=GridLevel.COUNTY, org_id=org_id)
    upload = Upload(
        sha256=(tag.encode().hex() * 64)[:64],
        media_type="image/png",
        size_bytes=1,
        original_name=f"{tag}.png",
        org_id=org_id,
        uploaded_by_id=user_id,
        uploaded_at=now,
    )
    session.add_all([grid, upload])
    session.flush()
    hazard = Hazard(
        premises_id=premises_id,
        org_id=org_id,
        grid_id=grid.id,
        title=f"{tag}隐患",
        description=f"{tag}描述",
        severity=HazardSeverity.MAJOR,
        status=HazardStatus.ORDERED,
        found_at=now - timedelta(days=3),
        ordered_at=now - timedelta(days=2),
        deadline_at=now - timedelta(days=1),
        order_note=f"{tag}整改",
        photo_ids=[upload.id],
    )
    task = PatrolTask(
        premises_id=premises_id, org_id=org_id, due_on=today, status=PatrolTaskStatus.PENDING
    )
    campaign = Campaign(
        name=f"{tag}专项",
        topic="fire_lanes",
        org_id=org_id,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        checklist=[],
        target_premises=1,
    )
    session.add_all([hazard, task, campaign, GridMember(grid_id=grid.id, user_id=user_id)])
    session.flush()
    listing = SupervisedListing(
        hazard_id=hazard.id,
        level=ListingLevel.COUNTY,
        status=ListingStatus.LISTED,
        basis=f"{tag}依据",
        proposed_at=now,
        listed_at=now,
        is_public=False,
    )
    visit = PatrolVisit(
        task_id=task.id,
        premises_id=premises_id,
        org_id=org_id,
        user_id=user_id,
        at=now,
        lon=9.522,
        lat=47.142,
        distance_m=3.0,
        note=f"{tag}巡查",
    )
    inspection = Inspection(
        premises_id=premises_id,
        org_id=org_id,
        campaign_id=campaign.id,
        officer_id=user_id,
        inspected_on=today,
        outcome=InspectionOutcome.ORDERED,
        follow_up_on=today + timedelta(days=7),
        note=f"{tag}检查",
    )
    incident = Incident(
        number=f"{tag}-1",
        status=IncidentStatus.DISPATCHED,
        type=IncidentType.FIRE,
        caller_number="13900000119",
        caller_name=f"{tag}报警人",
        address_text=f"{tag}地址",
        lon=9.5225,
        lat=47.1425,
        brigade_id=org_id,
        premises_id=premises_id,
        description=f"{tag}警情",
        received_at=now - timedelta(minutes=2),
    )
    session.add_all([listing, visit, inspection, incident])
    session.flush()
    assignment = Assignment(
        incident_id=incident.id,
        unit_id=unit_id,
        status=AssignmentStatus.ASSIGNED,
        reason=f"{tag}调派",
        assigned_at=now,
    )
    event = IncidentEvent(
        incident_id=incident.id,
        at=now,
        kind=EventKind.RECEIVED,
        actor_name=f"{tag}调度",
        detail={"note": f"{tag}记录"},
    )
    session.add_all([assignment, event])
    session.flush()
    return {
        "grid_id": grid.id,
        "upload_id": upload.id,
        "hazard_id": hazard.id,
        "task_id": task.id,
        "campaign_id": campaign.id,
        "listing_id": listing.id,
        "visit_id": visit.id,
        "inspection_id": inspection.id,
        "incident_id": incident.id,
        "assignment_id": assignment.id,
        **iot_walk_records(session, org_id=org_id, premises_id=premises_id, tag=tag),
        **command_walk_records(
            session, org_id=org_id, unit_id=unit_id, incident_id=incident.id, tag=tag
        ),
        **enforcement_walk_records(session, org_id=org_id, premises_id=premises_id, tag=tag),
        **risk_walk_records(  # issue 18: a side's own cell, apart from the other's
            session,
            org_id=org_id,
            premises_id=premises_id,
            tag=tag,
            lon=9.522 if tag != LEAK else 9.60,
            lat=47.142,
        ),
        **outreach_walk_records(session, org_id=org_id, tag=tag),
        **duty_walk_records(session, org_id=org_id, unit_id=unit_id, tag=tag),
        **campaign_walk_records(
            session,
            org_id=org_id,
            premises_id=premises_id,
            campaign_id=campaign.id,
            inspection_id=inspection.id,
            tag=tag,
        ),
    }


def build_walk_world(factory: sessionmaker[Session], client: TestClient) -> WalkWorld:
    """The two-brigade world, extra records on both sides, and a user of every role at the
    second brigade's station (each logged in).

    The second side's records sit at its station (so the station's users see them, and the
    answers that show one carry its duplicates, caller history, water sources...); the first
    side's carry :data:`LEAK` in every text field, and so does an incident of no organization
    (seen by the root actor only). Both sides' incidents share the caller's number, place and
    time, so a duplicate or caller-history lookup that ignores jurisdiction shows up.
    """
    from datetime import timedelta

    from lanyan.accounts.models import AuthSession
    from lanyan.core.clock import utcnow
    from lanyan.core.security import new_token, token_digest
    from lanyan.dispatch.choices import IncidentStatus, IncidentType
    from lanyan.dispatch.models import Incident

    world = build_world(factory, client)
    a, b = world.a, world.b
    users: dict[Role, str] = {}
    with factory() as session:
        premises_b = prevention.create_premises(
            session,
            actor=SYSTEM,
            data=PremisesCreate(
                external_id="t:premises:b-station",
                name="b站辖区商场",
                category=PremisesCategory.KEY_UNIT,
                venue_type=VenueType.SHOPPING,
                org_id=b.station_id,
                lon=9.522,
                lat=47.142,
            ),
        )
        first = _walk_side(
            session,
            org_id=a.station_id,
            premises_id=a.premises_id,
            unit_id=a.unit_id,
            user_id=a.admin_user_id,
            tag=LEAK,
        )
        # the walkers share an existing account's password hash and get their sessions directly:
        # seven more argon2 hashes and checks would double the time of the walk's setup
        password_hash = session.scalars(
            select(User.password_hash).where(User.id == b.admin_user_id)
        ).one()
        walkers = [
            User(
                username=f"walk_{role.value}",
                display_name=f"walk {role.value}",
                role=role,
                organization_id=b.station_id,
                password_hash=password_hash,
                is_active=True,
            )
            for role in Role
        ]
        session.add_all(walkers)
        session.flush()
        for walker in walkers:
            token = new_token()
            session.add(
                AuthSession(
                    token_sha256=token_digest(token),
                    user_id=walker.id,
                    created_at=utcnow(),
                    expires_at=utcnow() + timedelta(hours=2),
                )
            )
            users[walker.role] = walker.username
            world.tokens[walker.username] = token
        grid_walker_id = next(w.id for w in walkers if w.role is Role.GRID)
        second = _walk_side(
            session,
            org_id=b.station_id,
            premises_id=premises_b.id,
            unit_id=b.unit_id,
            user_id=grid_walker_id,
            tag="乙站",
        )
        session.add(
            Incident(
                number=f"{LEAK}-0",
                status=IncidentStatus.RECEIVED,
                type=IncidentType.RESCUE,
                caller_number="13900000119",
                address_text=f"{LEAK}无主地址",
                lon=9.5225,
                lat=47.1425,
                brigade_id=None,
                received_at=utcnow(),
            )
        )
        session.commit()
    first |= {
        "org_id": a.station_id,
        "station_id": a.station_id,
        "parent_id": a.brigade_id,
        "unit_id": a.unit_id,
        "ws_id": a.water_source_id,
        "premises_id": a.premises_id,
        "user_id": a.admin_user_id,
    }
    second |= {
        "org_id": b.station_id,
        "station_id": b.station_id,
        "parent_id": b.station_id,
        "unit_id": b.unit_id,
        "ws_id": b.water_source_id,
        "premises_id": premises_b.id,
        "user_id": grid_walker_id,
    }
    markers = (
        LEAK,
        *(f"t:{kind}:a" for kind in ("brigade", "station", "unit", "ws", "premises")),
        "a大队",
        "a站",
        "a1号水罐车",
        "a消火栓",
        "a商场",
        *(f"{name}_a" for name in ("admin", "dispatcher", "crew", "officer", "grid")),
    )
    return WalkWorld(world=world, first=first, second=second, markers=markers, users=users)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh event loop in its own thread.

    ``asyncio.run`` refuses to start where a loop already runs, and an xdist worker that ran the
    browser tests keeps Playwright's loop running in its main thread for the whole session.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
