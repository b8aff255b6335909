"""Builders for test data: a small two-brigade world, and helpers to log in."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

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
