"""The incident row carries its first response (首车调派/出动/到场) and its turnout
(队次/辆次/人次), kept right by dispatch.

The statistics read response times and turnouts from these columns only (lanyan.stats.queries),
so they must always equal the milestones of the incident's first assignment (the earliest
``assigned_at``, the lowest id among equal times) and the counts over its assignments (distinct
stations, assignments, their ``crew_sent``). Checked through the dispatch service on the demo
city (dispatch, milestones, a crew change, a unit re-dispatched from the road, the same unit sent
twice), and for migrations 0005 and 0021, which fill them for incidents recorded before them.
Both backends. The reinforcement path is checked in tests/command/test_combat.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DemoCity, create_database, drop_database

from lanyan.accounts.models import User
from lanyan.accounts.service import actor_for
from lanyan.core.actor import SYSTEM, Actor
from lanyan.core.db import UTCDateTime, make_engine, make_sessionmaker
from lanyan.core.migrate import alembic_config, upgrade
from lanyan.dispatch import service
from lanyan.dispatch.choices import AssignmentStatus, IncidentType
from lanyan.dispatch.models import Assignment, Incident
from lanyan.dispatch.schemas import AssignmentStatusChange, IncidentCreate
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind, UnitType
from lanyan.forces.models import Organization
from lanyan.forces.schemas import OrganizationCreate, UnitCreate, UnitUpdate
from lanyan.planning.network import RoadNetwork
from lanyan.stats.periods import Period
from lanyan.stats.queries import compute_figures

T0 = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
VADUZ = {"lon": 9.5215, "lat": 47.1395}


def _at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass
class _Desk:
    """A dispatcher's two service calls at chosen times, as the tests below make them."""

    session: Session
    actor: Actor
    network: RoadNetwork

    def assign(self, incident_id: int, unit_ids: list[int], seconds: int) -> list[int]:
        made = service.assign_units(
            self.session,
            actor=self.actor,
            network=self.network,
            incident_id=incident_id,
            unit_ids=unit_ids,
            at=_at(seconds),
            etas={},
        )
        return [a.id for a in made.created]

    def milestone(self, assignment_id: int, status: AssignmentStatus, seconds: int) -> None:
        service.set_assignment_status(
            self.session,
            actor=self.actor,
            assignment_id=assignment_id,
            data=AssignmentStatusChange(status=status),
            at=_at(seconds),
        )


def _first(session: Session, incident_id: int) -> tuple[object, ...]:
    inc = session.get_one(Incident, incident_id)
    session.refresh(inc)
    return (
        inc.first_assignment_id,
        inc.first_assigned_at,
        inc.first_en_route_at,
        inc.first_on_scene_at,
    )


def test_dispatch_keeps_the_first_response_on_the_incident(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    network: RoadNetwork = app_client.app.state.network  # type: ignore[attr-defined]
    with factory() as s:
        station = s.scalars(
            select(Organization)
            .where(Organization.external_id.startswith("demo:station:"))
            .order_by(Organization.external_id)
        ).first()
        assert station is not None
        units = [
            forces.create_unit(
                s,
                actor=SYSTEM,
                data=UnitCreate(
                    external_id=f"first:unit:{i}",
                    call_sign=f"首车{i}",
                    type=UnitType.WATER_TENDER,
                    station_id=station.id,
                ),
            ).id
            for i in range(4)
        ]
        dispatcher = actor_for(
            s.scalars(select(User).where(User.username == "demo_dispatcher")).one()
        )
        incident = service.create_incident(
            s,
            actor=dispatcher,
            network=network,
            data=IncidentCreate(**VADUZ, type=IncidentType.FIRE, description="首车测试"),
            at=T0,
        )
        iid = incident.id
        assert _first(s, iid) == (None, None, None, None)
        desk = _Desk(s, dispatcher, network)

        (a,) = desk.assign(iid, [units[0]], 60)
        assert _first(s, iid) == (a, _at(60), None, None)
        # sent later: neither is the first response
        b, c = desk.assign(iid, [units[1], units[2]], 90)
        desk.milestone(c, AssignmentStatus.EN_ROUTE, 100)
        desk.milestone(c, AssignmentStatus.ON_SCENE, 200)
        assert _first(s, iid) == (a, _at(60), None, None)
        desk.milestone(a, AssignmentStatus.EN_ROUTE, 120)
        desk.milestone(a, AssignmentStatus.ON_SCENE, 380)
        assert _first(s, iid) == (a, _at(60), _at(120), _at(380))
        # an order entered afterwards with an earlier time (recorded late) becomes the first
        (d,) = desk.assign(iid, [units[3]], 30)
        assert _first(s, iid) == (d, _at(30), None, None)
        desk.milestone(d, AssignmentStatus.EN_ROUTE, 40)
        desk.milestone(d, AssignmentStatus.ON_SCENE, 290)
        assert _first(s, iid) == (d, _at(30), _at(40), _at(290))
        s.commit()
        figures = compute_figures(s, actor=dispatcher, period=Period.month(2025, 6))
        # the one incident of June 2025 in the demo city: call handling 30 s, response 260 s
        assert figures["response.call_handling.n"] == 1
        assert figures["response.call_handling.p90"] == 30.0
        assert figures["response.response.p50"] == 260.0
        assert figures["response.turnout.p50"] == 10.0
        assert figures["response.travel.p50"] == 250.0
        assert b != a


def _scratch_tables() -> tuple[sa.TableClause, sa.TableClause]:
    """The two tables as they are at revision 0004 (the ORM models describe the newest)."""
    incident = sa.table(
        "incident",
        *(sa.column(n) for n in ("id", "number", "status", "type", "level", "lon", "lat")),
        *(sa.column(n, UTCDateTime()) for n in ("received_at", "created_at", "updated_at")),
    )
    assignment = sa.table(
        "assignment",
        *(sa.column(n) for n in ("id", "incident_id", "unit_id", "status", "cross_brigade")),
        *(sa.column(n, UTCDateTime()) for n in ("assigned_at", "en_route_at", "on_scene_at")),
    )
    return incident, assignment


def test_migration_0005_fills_the_first_response(backend: str, tmp_path: Path) -> None:
    url = create_database(backend, tmp_path)
    try:
        command.downgrade(alembic_config(url), "0004")  # the schema before the columns
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            root = forces.create_root_organization(
                s, actor=SYSTEM, external_id="m:det", name="迁移支队", kind=OrgKind.DETACHMENT
            )
            st = forces.create_organization(
                s,
                actor=SYSTEM,
                data=OrganizationCreate(
                    external_id="m:st", name="迁移站", kind=OrgKind.STATION, parent_id=root.id
                ),
            )
            unit = forces.create_unit(
                s,
                actor=SYSTEM,
                data=UnitCreate(
                    external_id="m:u", call_sign="迁1", type=UnitType.WATER_TENDER, station_id=st.id
                ),
            ).id
            s.commit()
        incident, assignment = _scratch_tables()
        with engine.begin() as conn:
            for iid in (1, 2, 3):
                conn.execute(
                    incident.insert().values(
                        id=iid, number=f"M{iid}", status="closed", type="fire", level=1,
                        lon=9.5, lat=47.1, received_at=T0, created_at=T0, updated_at=T0,
                    )
                )  # fmt: skip
            rows = [
                # incident 1: the later id was assigned earlier, so it is the first
                (10, 1, _at(60), _at(100), _at(300)),
                (11, 1, _at(30), None, None),
                # incident 2: sent together; the lower id is the first
                (12, 2, _at(45), _at(80), _at(290)),
                (13, 2, _at(45), _at(50), _at(99)),
            ]
            for aid, iid, assigned, en_route, on_scene in rows:
                conn.execute(
                    assignment.insert().values(
                        id=aid, incident_id=iid, unit_id=unit, status="in_quarters",
                        cross_brigade=False, assigned_at=assigned, en_route_at=en_route,
                        on_scene_at=on_scene,
                    )
                )  # fmt: skip
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            assert _first(s, 1) == (11, _at(30), None, None)
            assert _first(s, 2) == (12, _at(45), _at(80), _at(290))
            assert _first(s, 3) == (None, None, None, None)
            assert s.scalar(select(sa.func.count()).select_from(Assignment)) == 4
        engine.dispose()
    finally:
        drop_database(url)


TURNOUT_BY_GROUPING = sa.text(
    "SELECT incident_id, count(*), sum(units), sum(people) FROM ("
    " SELECT a.incident_id, u.station_id, count(*) AS units, sum(a.crew_sent) AS people"
    " FROM assignment a JOIN unit u ON u.id = a.unit_id GROUP BY a.incident_id, u.station_id"
    ") AS t GROUP BY incident_id"
)
"""队次/辆次/人次 per incident the way the statistics counted them before migration 0021."""


def _turnout(session: Session, incident_id: int) -> tuple[int, int, int]:
    inc = session.get_one(Incident, incident_id)
    session.refresh(inc)
    return (inc.turnout_stations, inc.turnout_units, inc.turnout_people)


def _grouped(session: Session) -> dict[int, tuple[int, int, int]]:
    return {
        int(i): (int(st), int(u), int(p)) for i, st, u, p in session.execute(TURNOUT_BY_GROUPING)
    }


def test_dispatch_keeps_the_turnout_on_the_incident(
    app_client: TestClient, demo_city: DemoCity
) -> None:
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    network: RoadNetwork = app_client.app.state.network  # type: ignore[attr-defined]
    with factory() as s:
        stations = s.scalars(
            select(Organization)
            .where(Organization.external_id.startswith("demo:station:"))
            .order_by(Organization.external_id)
        ).all()[:2]
        units = [
            forces.create_unit(
                s,
                actor=SYSTEM,
                data=UnitCreate(
                    external_id=f"turnout:unit:{i}",
                    call_sign=f"队次{i}",
                    type=UnitType.WATER_TENDER,
                    station_id=station.id,
                    crew_on_duty=crew,
                ),
            ).id
            for i, (station, crew) in enumerate(
                ((stations[0], 5), (stations[0], 4), (stations[1], 3))
            )
        ]
        dispatcher = actor_for(
            s.scalars(select(User).where(User.username == "demo_dispatcher")).one()
        )

        def call(seconds: int) -> int:
            return service.create_incident(
                s,
                actor=dispatcher,
                network=network,
                data=IncidentCreate(**VADUZ, type=IncidentType.FIRE, description="队次测试"),
                at=_at(seconds),
            ).id

        desk = _Desk(s, dispatcher, network)
        first, second = call(0), call(10)
        assert _turnout(s, first) == (0, 0, 0)
        (a,) = desk.assign(first, [units[0]], 60)
        assert _turnout(s, first) == (1, 1, 5)
        # one more from the same station, one from another
        desk.assign(first, [units[1], units[2]], 90)
        assert _turnout(s, first) == (2, 3, 12)
        # the crew changes after the units were sent: 人次 keeps the crew that was sent
        forces.update_unit(s, actor=SYSTEM, unit_id=units[0], data=UnitUpdate(crew_on_duty=9))
        for status, at in (
            (AssignmentStatus.EN_ROUTE, 100),
            (AssignmentStatus.ON_SCENE, 300),
            (AssignmentStatus.RETURNING, 900),
        ):
            desk.milestone(a, status, at)
        assert _turnout(s, first) == (2, 3, 12)
        # re-dispatched from the road (改派): its old call keeps what it sent, the new one counts
        # the unit with its crew now
        (b,) = desk.assign(second, [units[0]], 950)
        assert _turnout(s, first) == (2, 3, 12)
        assert _turnout(s, second) == (1, 1, 9)
        # the same unit sent to the first call again: one more 辆次, the station counted once
        desk.milestone(b, AssignmentStatus.RETURNING, 1000)
        desk.assign(first, [units[0]], 1010)
        assert _turnout(s, first) == (2, 4, 21)
        s.commit()
        grouped = _grouped(s)
        assert (grouped[first], grouped[second]) == ((2, 4, 21), (1, 1, 9))
        figures = compute_figures(s, actor=dispatcher, period=Period.month(2025, 6))
        totals = [sum(v) for v in zip(*grouped.values(), strict=True)]
        assert [figures[f"turnouts.{k}"] for k in ("stations", "units", "people")] == totals


def test_migration_0021_fills_the_turnout_as_the_grouping_counted_it(
    backend: str, tmp_path: Path
) -> None:
    url = create_database(backend, tmp_path)
    try:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            root = forces.create_root_organization(
                s, actor=SYSTEM, external_id="m:det", name="迁移支队", kind=OrgKind.DETACHMENT
            )
            sts = [
                forces.create_organization(
                    s,
                    actor=SYSTEM,
                    data=OrganizationCreate(
                        external_id=f"m:st{i}", name=f"迁移站{i}", kind=OrgKind.STATION,
                        parent_id=root.id,
                    ),
                ).id
                for i in (1, 2)
            ]  # fmt: skip
            units = [
                forces.create_unit(
                    s,
                    actor=SYSTEM,
                    data=UnitCreate(
                        external_id=f"m:u{i}", call_sign=f"迁{i}", type=UnitType.WATER_TENDER,
                        station_id=st,
                    ),
                ).id
                for i, st in enumerate((sts[0], sts[0], sts[1]))
            ]  # fmt: skip
            incidents = []
            for n in range(3):
                inc = Incident(
                    number=f"M{n}", status="closed", type=IncidentType.FIRE, level=1, lon=9.5,
                    lat=47.1, received_at=T0,
                )  # fmt: skip
                s.add(inc)
                s.flush()
                incidents.append(inc.id)
            # recorded before the columns: written straight, the incident row left at zeros
            for incident_id, unit_id, crew in (
                (incidents[0], units[0], 5),
                (incidents[0], units[1], 4),
                (incidents[0], units[2], 3),
                (incidents[0], units[0], 6),  # the same unit again, its crew then
                (incidents[2], units[2], 0),
            ):
                s.add(
                    Assignment(
                        incident_id=incident_id, unit_id=unit_id, crew_sent=crew,
                        status=AssignmentStatus.IN_QUARTERS, assigned_at=T0,
                    )
                )  # fmt: skip
            s.commit()
        engine.dispose()
        command.downgrade(alembic_config(url), "0020")
        upgrade(url)
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            got = {i: _turnout(s, i) for i in incidents}
            assert got == {
                incidents[0]: (2, 4, 18),
                incidents[1]: (0, 0, 0),
                incidents[2]: (1, 1, 0),
            }
            assert {i: v for i, v in got.items() if v != (0, 0, 0)} == _grouped(s)
        engine.dispose()
        command.downgrade(alembic_config(url), "0020")
        engine = make_engine(url)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("incident")}
        engine.dispose()
        assert not columns & {"turnout_stations", "turnout_units", "turnout_people"}
    finally:
        drop_database(url)
