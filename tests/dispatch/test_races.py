"""No unit is ever assigned to two incidents: 1,000 dispatch races, two dispatchers per unit.

Issue 4, acceptance 2. The demo city is loaded into the module's database (SQLite, then the real
PostgreSQL); 250 extra units are based at a demo station and raced for in four rounds. In every
race two dispatchers (two accounts, two threads, each with its own session) call
:func:`lanyan.dispatch.service.assign_units` for the same unit on two different incidents at the
same instant (a barrier releases them) and commit. Four races run at once (eight threads).

Between rounds each unit's winning assignment is released: every unit goes ``returning``, half of
them on to ``in_quarters``; so later rounds race for units in quarters *and* for units still on the
road (re-dispatch, 改派), whose previous assignment the winner ends.

Exactly one dispatcher must win each race; the other is refused with a Conflict (on SQLite a
writer may in theory also see "database is locked" after the busy timeout: it is retried, and the
retry must then be refused). Afterwards the database is the judge: one assignment per race, on
the winner's incident; never two active assignments of a unit, at any time of its history; one
timeline entry per won race (a refused attempt leaves no trace); units' statuses match their
assignments.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DemoCity

from lanyan.accounts.models import User
from lanyan.accounts.schemas import UserCreate
from lanyan.accounts.service import actor_for, create_user
from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.errors import Conflict
from lanyan.core.permissions import Role
from lanyan.core.security import generate_password
from lanyan.dispatch import service
from lanyan.dispatch.choices import AssignmentStatus, EventKind, IncidentType
from lanyan.dispatch.models import Assignment, IncidentEvent
from lanyan.dispatch.schemas import AssignmentStatusChange, IncidentCreate
from lanyan.forces.choices import OrgKind, UnitStatus, UnitType
from lanyan.forces.models import Organization, Unit
from lanyan.forces.schemas import UnitCreate
from lanyan.forces.service import create_unit
from lanyan.planning.network import RoadNetwork

UNITS = 250
ROUNDS = 4
RACES = UNITS * ROUNDS  # 1,000
CONCURRENT_RACES = 4  # pairs of dispatcher threads racing at the same time
INCIDENT_PAIRS_PER_ROUND = 10
LOCK_RETRIES = 3
WAIT_S = 60.0  # bound of every wait: a broken test fails, it never hangs
VADUZ = {"lon": 9.5215, "lat": 47.1395}  # Städtle, a built-up point of the demo city

WON, REFUSED = "won", "refused"


@dataclass
class Race:
    """One unit, two incidents, two dispatchers; what each dispatcher got."""

    round: int
    unit_id: int
    incident_ids: tuple[int, int]
    """The incident dispatcher 0 / dispatcher 1 tries to send the unit to."""
    outcomes: list[str] = field(default_factory=lambda: ["", ""])

    @property
    def winner_incident(self) -> int:
        return self.incident_ids[self.outcomes.index(WON)]


GUARDS = {
    "on another incident": "seen busy",  # read after the winner committed
    "not available": "claim lost",  # the compare-and-set UPDATE found the unit taken
    "assigned elsewhere": "unique index",  # the partial unique index refused the insert
}


@dataclass
class Tally:
    """Refusals by kind (which guard refused, or a lock timeout), counted across threads."""

    refusals: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str) -> None:
        with self.lock:
            self.refusals[kind] += 1

    @property
    def conflicts(self) -> int:
        return sum(n for kind, n in self.refusals.items() if kind != "lock timeout")


def _attempt(
    factory: sessionmaker[Session],
    actor: Actor,
    network: RoadNetwork,
    unit_id: int,
    incident_id: int,
    tally: Tally,
) -> str:
    """One dispatcher's try: assign and commit in its own session; ``won`` or ``refused``."""
    for _ in range(LOCK_RETRIES):
        with factory() as session:
            try:
                service.assign_units(
                    session,
                    actor=actor,
                    network=network,
                    incident_id=incident_id,
                    unit_ids=[unit_id],
                    etas={},  # skip the routing: the race is about the claim, not the ETA
                )
                session.commit()
                return WON
            except Conflict as exc:
                session.rollback()
                guard = [g for text, g in GUARDS.items() if text in exc.detail_en]
                tally.add(guard[0] if guard else exc.detail_en)
                return REFUSED
            except OperationalError as exc:  # SQLite: the other writer held the lock too long
                session.rollback()
                if "locked" not in str(exc):
                    raise
                tally.add("lock timeout")  # refused for now: try again, the result is verified
    return REFUSED


def _run_round(
    races: list[Race],
    factory: sessionmaker[Session],
    actors: tuple[Actor, Actor],
    network: RoadNetwork,
    tally: Tally,
) -> None:
    """Run ``races``, CONCURRENT_RACES at a time, each between two threads behind a barrier."""
    errors: list[BaseException] = []

    def dispatcher(pair: int, side: int, barrier: threading.Barrier) -> None:
        try:
            for race in races[pair::CONCURRENT_RACES]:
                barrier.wait(timeout=WAIT_S)
                race.outcomes[side] = _attempt(
                    factory, actors[side], network, race.unit_id, race.incident_ids[side], tally
                )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()  # release the partner instead of leaving it waiting

    threads = []
    for pair in range(CONCURRENT_RACES):
        barrier = threading.Barrier(2)
        threads += [
            threading.Thread(target=dispatcher, args=(pair, side, barrier), daemon=True)
            for side in (0, 1)
        ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 4 * WAIT_S
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a dispatcher thread hung"
    if errors:
        raise errors[0]


def _second_dispatcher(factory: sessionmaker[Session], detachment: Organization) -> User:
    with factory() as session:
        user = create_user(
            session,
            actor=SYSTEM,
            data=UserCreate(
                username="race_dispatcher",
                display_name="竞速调度员",
                role=Role.DISPATCHER,
                organization_id=detachment.id,
                password=generate_password(16),
            ),
        )
        session.commit()
        return user


def _setup(
    factory: sessionmaker[Session], network: RoadNetwork
) -> tuple[list[int], list[int], tuple[Actor, Actor]]:
    """Race units at a demo station, incidents in the city, and the two dispatchers."""
    with factory() as session:
        detachment = session.scalars(
            select(Organization).where(Organization.external_id == "demo:detachment")
        ).one()
        station = session.scalars(
            select(Organization)
            .where(Organization.external_id.startswith("demo:station:"))
            .where(Organization.kind == OrgKind.SPECIAL_STATION)
            .order_by(Organization.external_id)
        ).first()
        assert station is not None
        units = [
            create_unit(
                session,
                actor=SYSTEM,
                data=UnitCreate(
                    external_id=f"race:unit:{i}",
                    call_sign=f"竞速{i:03d}",
                    type=UnitType.WATER_TENDER,
                    station_id=station.id,
                ),
            )
            for i in range(UNITS)
        ]
        session.flush()
        unit_ids = [u.id for u in units]
        incident_ids = [
            service.create_incident(
                session,
                actor=SYSTEM,
                network=network,
                data=IncidentCreate(**VADUZ, type=IncidentType.RESCUE, description=f"竞速{i}"),
            ).id
            for i in range(2 * INCIDENT_PAIRS_PER_ROUND * ROUNDS)
        ]
        session.commit()
        first = session.scalars(select(User).where(User.username == "demo_dispatcher")).one()
        first_actor = actor_for(first)
    second_actor = actor_for(_second_dispatcher(factory, detachment))
    assert first_actor.user_id != second_actor.user_id
    return unit_ids, incident_ids, (first_actor, second_actor)


def _races_of_round(round_no: int, unit_ids: list[int], incident_ids: list[int]) -> list[Race]:
    races = []
    for i, unit_id in enumerate(unit_ids):
        pair = round_no * INCIDENT_PAIRS_PER_ROUND + i % INCIDENT_PAIRS_PER_ROUND
        a, b = incident_ids[2 * pair], incident_ids[2 * pair + 1]
        races.append(Race(round_no, unit_id, (a, b) if i % 2 == 0 else (b, a)))
    return races


def _check_round(factory: sessionmaker[Session], races: list[Race]) -> None:
    """Right after a round: every unit has one active assignment, on its winner's incident."""
    unit_ids = [r.unit_id for r in races]
    with factory() as session:
        active = session.execute(
            select(Assignment.unit_id, Assignment.incident_id, Assignment.status).where(
                Assignment.unit_id.in_(unit_ids),
                Assignment.status != AssignmentStatus.IN_QUARTERS,
            )
        ).all()
        statuses = dict(
            session.execute(select(Unit.id, Unit.status).where(Unit.id.in_(unit_ids))).all()
        )
    per_unit = Counter(unit_id for unit_id, _, _ in active)
    assert set(per_unit.values()) == {1}, "a unit holds two active assignments"
    held = {unit_id: (incident_id, status) for unit_id, incident_id, status in active}
    for race in races:
        assert held[race.unit_id] == (race.winner_incident, AssignmentStatus.ASSIGNED), race
        assert statuses[race.unit_id] == UnitStatus.DISPATCHED, race


def _release(factory: sessionmaker[Session], unit_ids: list[int]) -> None:
    """Every unit turns back (返回); every other one reaches quarters (归队), the rest stay out."""
    with factory() as session:
        rows = session.execute(
            select(Assignment.id, Assignment.unit_id).where(
                Assignment.unit_id.in_(unit_ids), Assignment.status == AssignmentStatus.ASSIGNED
            )
        ).all()
        order = {unit_id: i for i, unit_id in enumerate(unit_ids)}
        for assignment_id, unit_id in rows:
            steps = [AssignmentStatus.RETURNING]
            if order[unit_id] % 2 == 0:
                steps.append(AssignmentStatus.IN_QUARTERS)
            for step in steps:
                service.set_assignment_status(
                    session,
                    actor=SYSTEM,
                    assignment_id=assignment_id,
                    data=AssignmentStatusChange(status=step),
                )
        session.commit()


def _verify_history(factory: sessionmaker[Session], races: list[Race], unit_ids: list[int]) -> None:
    """The database's account of all rounds: one assignment per race, never two at once."""
    winners = {(r.unit_id, r.round): r.winner_incident for r in races}
    with factory() as session:
        history = session.execute(
            select(
                Assignment.unit_id,
                Assignment.incident_id,
                Assignment.status,
                Assignment.assigned_at,
                Assignment.in_quarters_at,
            )
            .where(Assignment.unit_id.in_(unit_ids))
            .order_by(Assignment.unit_id, Assignment.id)
        ).all()
        doubled = session.execute(
            select(Assignment.unit_id)
            .where(Assignment.status != AssignmentStatus.IN_QUARTERS)
            .group_by(Assignment.unit_id)
            .having(func.count() > 1)
        ).all()
        dispatched_entries = Counter(
            session.scalars(
                select(IncidentEvent.unit_id).where(
                    IncidentEvent.kind == EventKind.DISPATCHED,
                    IncidentEvent.unit_id.in_(unit_ids),
                )
            )
        )
        statuses = dict(
            session.execute(select(Unit.id, Unit.status).where(Unit.id.in_(unit_ids))).all()
        )
    assert doubled == [], f"units with two active assignments: {doubled}"
    by_unit: dict[int, list[tuple[object, ...]]] = {}
    for row in history:
        by_unit.setdefault(row.unit_id, []).append(tuple(row))
    assert set(by_unit) == set(unit_ids)
    for unit_id, rows in by_unit.items():
        assert len(rows) == ROUNDS, f"unit {unit_id}: {len(rows)} assignments for {ROUNDS} races"
        for round_no, (_, incident_id, *_rest) in enumerate(rows):
            assert incident_id == winners[(unit_id, round_no)], (unit_id, round_no)
        for earlier, later in itertools.pairwise(rows):
            # the earlier call ended (归队, or ended by the re-dispatch) before the next began
            assert earlier[2] == AssignmentStatus.IN_QUARTERS, (unit_id, earlier)
            assert earlier[4] is not None and earlier[4] <= later[3], (unit_id, earlier, later)
        assert rows[-1][2] == AssignmentStatus.ASSIGNED, (unit_id, rows[-1])
        assert statuses[unit_id] == UnitStatus.DISPATCHED, (unit_id, statuses[unit_id])
        assert dispatched_entries[unit_id] == ROUNDS, (unit_id, dispatched_entries[unit_id])


def test_a_thousand_races_never_double_assign(
    app_client: TestClient, demo_city: DemoCity, backend: str
) -> None:
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    network: RoadNetwork = app_client.app.state.network  # type: ignore[attr-defined]
    unit_ids, incident_ids, actors = _setup(factory, network)
    tally = Tally()
    all_races: list[Race] = []
    racing = 0.0
    started = time.perf_counter()
    for round_no in range(ROUNDS):
        races = _races_of_round(round_no, unit_ids, incident_ids)
        t0 = time.perf_counter()
        _run_round(races, factory, actors, network, tally)
        racing += time.perf_counter() - t0
        for race in races:
            assert sorted(race.outcomes) == [REFUSED, WON], race
        _check_round(factory, races)
        if round_no < ROUNDS - 1:
            _release(factory, unit_ids)
        all_races += races
    elapsed = time.perf_counter() - started
    _verify_history(factory, all_races, unit_ids)

    wins_by_side = Counter(r.outcomes.index(WON) for r in all_races)
    assert len(all_races) == RACES
    assert tally.conflicts >= RACES
    assert set(tally.refusals) <= {*GUARDS.values(), "lock timeout"}, tally.refusals
    assert tally.refusals["lock timeout"] <= RACES // 100, "lock timeouts should be rare"
    assert min(wins_by_side.values()) > RACES // 10, f"one dispatcher never wins: {wins_by_side}"
    print(
        f"\n[{backend}] {RACES} races ({ROUNDS} rounds × {UNITS} units, {CONCURRENT_RACES} at a "
        f"time): {RACES} winners (dispatcher 1: {wins_by_side[0]}, dispatcher 2: "
        f"{wins_by_side[1]}), {tally.conflicts} refused by Conflict "
        f"{dict(tally.refusals)}, 0 double assignments; racing {racing:.1f} s "
        f"({racing / RACES * 1000:.1f} ms/race), with releases {elapsed:.1f} s"
    )
