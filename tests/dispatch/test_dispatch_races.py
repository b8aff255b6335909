"""No unit is ever assigned to two incidents: 1,000 races of two dispatchers for the same unit.

Each race gives one unit and two incidents to two threads with their own database sessions; a
barrier releases both at once and each tries to assign the unit to its incident and commit.
Exactly one must win; the other must be refused (a Conflict, or on SQLite a lock timeout).
Afterwards the database itself is checked: no unit ever holds two active assignments, and the
units' statuses match. Runs on SQLite and on the real PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.errors import Conflict
from lanyan.core.permissions import Role
from lanyan.dispatch import service
from lanyan.dispatch.choices import AssignmentStatus, IncidentType
from lanyan.dispatch.models import Assignment
from lanyan.dispatch.schemas import AssignmentStatusChange, IncidentCreate
from lanyan.forces.choices import UnitStatus, UnitType
from lanyan.forces.models import Unit
from lanyan.forces.schemas import UnitCreate
from lanyan.forces.service import create_unit

RACES = 1000
UNITS = 100  # each unit is raced for ten times, released in between
VADUZ = {"lon": 9.5215, "lat": 47.1395}


def _dispatcher(world: World, name: str) -> Actor:
    return Actor(
        user_id=None,
        username=name,
        role=Role.DISPATCHER,
        org_id=world.detachment_id,
        org_path="/",
        ip=None,
    )


def test_a_thousand_races_never_double_assign(
    app_client: TestClient, world: World, backend: str
) -> None:
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    network = app_client.app.state.network  # type: ignore[attr-defined]
    setup = SYSTEM
    with factory() as s:
        units = [
            create_unit(
                s,
                actor=setup,
                data=UnitCreate(
                    external_id=f"race:{i}",
                    call_sign=f"竞速{i}号",
                    type=UnitType.RESCUE,
                    station_id=world.a.station_id,
                ),
            ).id
            for i in range(UNITS)
        ]
        incidents = [
            service.create_incident(
                s,
                actor=setup,
                network=network,
                data=IncidentCreate(**VADUZ, type=IncidentType.SOCIAL),
            ).id
            for _ in range(2 * (RACES // UNITS))
        ]
        s.commit()

    winners = 0
    refusals = 0
    lock_timeouts = 0

    def attempt(barrier: threading.Barrier, who: str, unit_id: int, incident_id: int) -> bool:
        nonlocal lock_timeouts
        actor = _dispatcher(world, who)
        with factory() as s:
            barrier.wait(timeout=30)
            try:
                service.assign_units(
                    s,
                    actor=actor,
                    network=network,
                    incident_id=incident_id,
                    unit_ids=[unit_id],
                    etas={},
                )
                s.commit()
                return True
            except Conflict:
                s.rollback()
                return False
            except OperationalError as exc:  # SQLite: the other writer held the lock too long
                s.rollback()
                if "locked" not in str(exc):
                    raise
                lock_timeouts += 1
                return False

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for race in range(RACES):
            unit_id = units[race % UNITS]
            round_no = race // UNITS
            first, second = incidents[2 * round_no], incidents[2 * round_no + 1]
            barrier = threading.Barrier(2)
            results = list(
                pool.map(
                    lambda args: attempt(*args),
                    [
                        (barrier, "dispatcher_1", unit_id, first),
                        (barrier, "dispatcher_2", unit_id, second),
                    ],
                )
            )
            assert sum(results) == 1, (race, results)
            winners += 1
            refusals += 1
            if race % UNITS == UNITS - 1:
                _release_all(factory, setup)
    elapsed = time.perf_counter() - started

    with factory() as s:
        per_unit = s.execute(
            select(Assignment.unit_id, func.count())
            .where(Assignment.unit_id.in_(units))
            .group_by(Assignment.unit_id)
        ).all()
        active = s.execute(
            select(Assignment.unit_id, func.count())
            .where(Assignment.unit_id.in_(units), Assignment.status != AssignmentStatus.IN_QUARTERS)
            .group_by(Assignment.unit_id)
            .having(func.count() > 1)
        ).all()
        statuses = set(s.scalars(select(Unit.status).where(Unit.id.in_(units))))
    assert active == []
    assert {count for _, count in per_unit} == {RACES // UNITS}  # one winner per race
    assert statuses == {UnitStatus.AVAILABLE}
    print(
        f"\n{backend}: {RACES} races, {winners} winners, {refusals} refused "
        f"({lock_timeouts} by lock timeout), 0 double assignments, {elapsed:.1f} s"
    )


def _release_all(factory: sessionmaker[Session], actor: Actor) -> None:
    """Bring every raced unit back to quarters so it can be raced again."""
    with factory() as s:
        open_ids = list(
            s.scalars(select(Assignment.id).where(Assignment.status == AssignmentStatus.ASSIGNED))
        )
        for assignment_id in open_ids:
            for step in (AssignmentStatus.RETURNING, AssignmentStatus.IN_QUARTERS):
                service.set_assignment_status(
                    s,
                    actor=actor,
                    assignment_id=assignment_id,
                    data=AssignmentStatusChange(status=step),
                )
        s.commit()
