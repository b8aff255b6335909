"""The demo history: a year of calls replayed through the dispatch engine on the demo city.

Runs on both backends (the ``demo_city`` fixture is per backend): 150 calls replay in a few
seconds, and the replay is a storage test too (one long transaction, savepoints, the partial
unique index on active assignments).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DemoCity

from lanyan.core.clock import as_local
from lanyan.demo.history import (
    TYPE_SHARES,
    HistorySummary,
    call_sites,
    load_history,
    plan_calls,
    year_bounds,
)
from lanyan.dispatch.choices import AssignmentStatus, EventKind, IncidentStatus, IncidentType
from lanyan.dispatch.grading import edition_on
from lanyan.dispatch.models import Assignment, Incident, IncidentEvent
from lanyan.forces.choices import UnitStatus
from lanyan.forces.models import Unit
from lanyan.planning.network import RoadNetwork

YEAR = 2025
CALLS = 150


def _factory(client: TestClient) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = client.app.state.sessionmaker  # type: ignore[attr-defined]
    return factory


def _network(client: TestClient) -> RoadNetwork:
    network: RoadNetwork = client.app.state.network  # type: ignore[attr-defined]
    return network


@pytest.fixture(scope="module")
def history(app_client: TestClient, demo_city: DemoCity) -> HistorySummary:
    """150 calls of 2025 replayed on the module's demo city."""
    del demo_city
    return load_history(
        _factory(app_client), _network(app_client), seed=119, year=YEAR, calls=CALLS
    )


@pytest.fixture(scope="module")
def incidents(app_client: TestClient, history: HistorySummary) -> list[Incident]:
    """The replayed incidents, oldest first, with assignments and timelines loaded."""
    del history
    with _factory(app_client)() as session:
        rows = list(session.scalars(select(Incident).order_by(Incident.received_at, Incident.id)))
        for row in rows:
            _ = row.events, [a.unit for a in row.assignments]
        session.expunge_all()
    return rows


def test_plan_is_pure_and_deterministic(app_client: TestClient, demo_city: DemoCity) -> None:
    del demo_city
    with _factory(app_client)() as session:
        sites = call_sites(session, _network(app_client))
    first = plan_calls(sites, seed=7, year=YEAR, calls=200)
    again = plan_calls(sites, seed=7, year=YEAR, calls=200)
    other = plan_calls(sites, seed=8, year=YEAR, calls=200)
    assert [asdict(c) for c in first] == [asdict(c) for c in again]
    assert [c.type for c in first] != [c.type for c in other]
    start, end = year_bounds(YEAR)
    times = [c.received_at for c in first]
    assert times == sorted(times)
    assert start <= times[0] and times[-1] < end


def test_every_call_became_a_closed_incident(
    history: HistorySummary, incidents: list[Incident]
) -> None:
    assert not history.skipped
    assert history.incidents == len(incidents) == CALLS
    assert all(i.status == IncidentStatus.CLOSED for i in incidents)
    assert history.assignments >= CALLS


def test_types_follow_the_national_shares(incidents: list[Incident]) -> None:
    counts = Counter(i.type for i in incidents)
    whole = sum(TYPE_SHARES.values())
    for kind, share in TYPE_SHARES.items():
        expected = share / whole
        assert abs(counts[kind] / CALLS - expected) < 0.05, (kind, counts)
    assert counts[IncidentType.SOCIAL] > counts[IncidentType.RESCUE] > counts[IncidentType.DUTY]


def test_timelines_are_ordered_and_complete(incidents: list[Incident]) -> None:
    for incident in incidents:
        events = incident.events  # in insertion (id) order, as the console shows them
        kinds = [e.kind for e in events]
        stamps = [e.at for e in events]
        assert stamps == sorted(stamps), incident.number
        assert kinds[:2] == [EventKind.RECEIVED, EventKind.REGISTERED]
        assert kinds[-1] == EventKind.CLOSED
        for needed in (
            EventKind.DISPATCHED,
            EventKind.EN_ROUTE,
            EventKind.ON_SCENE,
            EventKind.RETURNING,
            EventKind.IN_QUARTERS,
        ):
            assert needed in kinds, (incident.number, needed, kinds)
        if incident.type == IncidentType.FIRE:
            assert kinds.index(EventKind.CONTROLLED) < kinds.index(EventKind.EXTINGUISHED)
            assert incident.fire_grade is not None
            # graded by the rules of the day the call came in (2007 before 2025-05-01)
            assert incident.fire_grade_edition is edition_on(as_local(incident.received_at).date())
            assert incident.slight_fire is not None
        assert incident.closed_at is not None and incident.closed_at == stamps[-1]
        for a in incident.assignments:
            stamped = [a.assigned_at, a.en_route_at, a.on_scene_at, a.returning_at]
            milestones = [m for m in stamped if m is not None]
            assert len(milestones) == 4, (incident.number, a.id)
            if a.water_on_at is not None:
                milestones.insert(3, a.water_on_at)
            if a.in_quarters_at is not None:
                milestones.append(a.in_quarters_at)
                assert a.in_quarters_at <= incident.closed_at
            assert milestones == sorted(milestones), (incident.number, a.id)
            # travel and turnout are realistic: 60-120 s turnout, the recommendation's ETA
            assert a.en_route_at is not None and a.eta_s is not None
            turnout = (a.en_route_at - a.assigned_at).total_seconds()
            assert 60 <= turnout <= 120


def test_no_unit_is_ever_on_two_incidents_at_once(incidents: list[Incident]) -> None:
    """Per unit, from assigned to back in quarters (or, when the engine sent it on from the road
    to the next call, to when it started back), intervals never overlap."""
    spans: dict[int, list[tuple[datetime, datetime, str]]] = {}
    for incident in incidents:
        for a in incident.assignments:
            end = a.in_quarters_at or a.returning_at
            assert end is not None
            spans.setdefault(a.unit_id, []).append((a.assigned_at, end, incident.number))
    assert len(spans) > 5
    for unit_id, rows in spans.items():
        rows.sort()
        for (_, end, first), (start, _, second) in pairwise(rows):
            assert start >= end, (unit_id, first, second)


def test_times_of_day_are_not_uniform(incidents: list[Incident]) -> None:
    hours = Counter(as_local(i.received_at).hour for i in incidents)
    night = sum(hours[h] for h in (2, 3, 4))
    day = sum(hours[h] for h in (10, 11, 12))
    assert day > 2 * night, hours


def test_the_city_is_quiet_afterwards(app_client: TestClient, history: HistorySummary) -> None:
    del history
    with _factory(app_client)() as session:
        busy = session.scalars(select(Unit).where(Unit.status != UnitStatus.AVAILABLE)).all()
        open_assignments = session.scalars(
            select(Assignment).where(Assignment.status != AssignmentStatus.IN_QUARTERS)
        ).all()
        last = session.scalar(select(IncidentEvent.at).order_by(IncidentEvent.at.desc()))
    assert busy == [] and open_assignments == []
    assert last is not None and last.astimezone(UTC).year in (YEAR, YEAR + 1)


def test_second_load_skips(app_client: TestClient, history: HistorySummary) -> None:
    again = load_history(
        _factory(app_client), _network(app_client), seed=119, year=YEAR, calls=CALLS
    )
    assert again.skipped
    assert again.incidents == history.incidents
    assert again.by_type == history.by_type


def test_the_year_before_last_has_fewer_calls_by_the_national_change() -> None:
    from lanyan.demo.history import calls_in

    assert calls_in(2025, 2025, 1200) == 1200
    assert calls_in(2024, 2025, 1200) == 1158  # 1200 / 1.036: 2025 nationally was +3.6%
    assert calls_in(2024, 2025, 0) == 0
