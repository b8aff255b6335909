"""The demo city loads the real Liechtenstein facts, audits every row, and loads idempotently.

Runs on both backends through the shared ``session_factory`` fixture (one fresh database per
module); the city is loaded once per module.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.accounts.models import AuthSession
from lanyan.accounts.service import login
from lanyan.core.audit import AuditLog
from lanyan.core.config import PROJECT_ROOT, Settings
from lanyan.core.errors import Unauthorized
from lanyan.core.permissions import Role
from lanyan.demo import DemoAccount, DemoSummary, ensure_demo_accounts, load_demo
from lanyan.demo.city import _plan_city
from lanyan.demo.osm import OsmExtract, read_extract
from lanyan.forces.choices import OrgGrade, OrgKind, UnitType, WaterSourceKind, WaterSourceState
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.prevention.choices import PremisesCategory
from lanyan.prevention.models import Premises

OSM_FILE = PROJECT_ROOT / "data" / "demo" / "liechtenstein.osm.pbf"
SEED = 119
DEMO_MODELS: dict[str, Any] = {
    "organization": Organization,
    "unit": Unit,
    "water_source": WaterSource,
    "premises": Premises,
}


@pytest.fixture(scope="module")
def extract() -> OsmExtract:
    return read_extract(OSM_FILE)


@pytest.fixture(scope="module")
def loaded(session_factory: sessionmaker[Session]) -> tuple[DemoSummary, list[tuple[str, int]]]:
    stages: list[tuple[str, int]] = []
    summary = load_demo(
        session_factory,
        osm_file=OSM_FILE,
        seed=SEED,
        progress=lambda stage, done, total: stages.append((stage, total)),
    )
    return summary, stages


@pytest.fixture
def db(
    session_factory: sessionmaker[Session], loaded: tuple[DemoSummary, list[tuple[str, int]]]
) -> Any:
    with session_factory() as session:
        yield session


def test_reading_the_extract_is_fast_and_finds_the_real_facts() -> None:
    started = time.perf_counter()
    data = read_extract(OSM_FILE)
    assert time.perf_counter() - started < 10
    assert len(data.fire_stations) == 6
    villages = {p.name for p in data.places if p.kind == "village"}
    assert {"Vaduz", "Schaan", "Balzers", "Eschen", "Ruggell"} <= villages
    assert len(data.addresses) > 500
    assert len(data.premises) > 200
    assert len(data.road_nodes) > 5_000
    assert any(w.name == "Rhein" for w in data.waters)


def test_load_reports_progress_and_counts(
    loaded: tuple[DemoSummary, list[tuple[str, int]]],
) -> None:
    summary, stages = loaded
    assert summary.created == summary.counts
    assert summary.elapsed_s < 60
    assert {"osm", "organizations", "units", "water_sources", "premises"} <= {s for s, _ in stages}


def test_the_six_real_stations_stand_at_their_osm_positions(
    db: Session, extract: OsmExtract
) -> None:
    stations = db.scalars(
        select(Organization).where(
            Organization.kind.in_([OrgKind.STATION, OrgKind.SPECIAL_STATION])
        )
    ).all()
    assert len(stations) == 6
    assert sum(s.kind == OrgKind.SPECIAL_STATION for s in stations) == 1
    by_id = {s.external_id: s for s in stations}
    for real in extract.fire_stations:
        station = by_id[f"demo:station:osm-{real.osm_id}"]
        assert station.lon == pytest.approx(real.lon, abs=1e-7)
        assert station.lat == pytest.approx(real.lat, abs=1e-7)
        assert station.grade in (OrgGrade.LEVEL1, OrgGrade.LEVEL2)
        assert station.name.endswith(("消防救援站", "特勤站"))


def test_every_organization_sits_under_the_root(db: Session) -> None:
    orgs = db.scalars(select(Organization).where(Organization.external_id.startswith("demo:")))
    by_id = {o.id: o for o in orgs}
    root = next(o for o in by_id.values() if o.external_id == "demo:corps")
    assert root.path == f"/{root.id}/"
    for org in by_id.values():
        assert org.path.startswith(root.path)
        if org is not root:
            assert org.parent_id is not None
            assert org.path == f"{by_id[org.parent_id].path}{org.id}/"
    kinds = {o.kind for o in by_id.values()}
    assert {
        OrgKind.CORPS,
        OrgKind.DETACHMENT,
        OrgKind.BRIGADE,
        OrgKind.GOV_TEAM,
        OrgKind.ENTERPRISE_TEAM,
        OrgKind.VOLUNTEER_TEAM,
        OrgKind.MICRO_STATION,
    } <= kinds


def test_brigades_cover_the_city_with_valid_polygons(db: Session) -> None:
    brigades = db.scalars(select(Organization).where(Organization.kind == OrgKind.BRIGADE)).all()
    assert len(brigades) >= 2
    areas = {}
    for brigade in brigades:
        assert brigade.jurisdiction is not None
        assert brigade.jurisdiction["type"] in ("Polygon", "MultiPolygon")
        geom = shape(brigade.jurisdiction)
        assert geom.is_valid
        assert not geom.is_empty
        areas[brigade.path] = geom
    geoms = list(areas.values())
    assert geoms[0].intersection(geoms[1]).area < 1e-6 * geoms[0].area
    # every station lies inside its own brigade's area
    stations = db.scalars(
        select(Organization).where(
            Organization.kind.in_([OrgKind.STATION, OrgKind.SPECIAL_STATION])
        )
    ).all()
    for station in stations:
        brigade_path = "/".join(station.path.split("/")[:4]) + "/"
        assert areas[brigade_path].covers(Point(station.lon, station.lat))


def test_units_belong_to_responding_organizations(db: Session) -> None:
    units = db.scalars(select(Unit)).all()
    assert units
    assert all(u.station.kind.responds for u in units)
    per_station: dict[int, list[Unit]] = {}
    for u in units:
        per_station.setdefault(u.station_id, []).append(u)
    for units_here in per_station.values():
        station = units_here[0].station
        if station.kind in (OrgKind.STATION, OrgKind.SPECIAL_STATION):
            assert 3 <= len(units_here) <= 8
        else:
            assert 1 <= len(units_here) <= 2
        if station.kind == OrgKind.SPECIAL_STATION or station.grade == OrgGrade.LEVEL1:
            aerial = [u for u in units_here if u.ladder_height_m is not None]
            assert aerial
            assert all(32 <= (u.ladder_height_m or 0) <= 54 for u in aerial)
    assert any(u.type == UnitType.COMMAND for u in units)
    assert len({u.call_sign for u in units}) == len(units)


def test_hydrants_and_other_water_sources(db: Session, extract: OsmExtract) -> None:
    sources = db.scalars(select(WaterSource)).all()
    hydrants = [w for w in sources if w.kind == WaterSourceKind.HYDRANT]
    assert 200 < len(hydrants) <= 600
    assert all(extract.bounds.contains(w.lon, w.lat) for w in sources)
    states = [w.state for w in hydrants]
    assert states.count(WaterSourceState.OK) > 0.8 * len(hydrants)
    assert WaterSourceState.DAMAGED in states
    assert WaterSourceState.LOW_PRESSURE in states
    kinds = {w.kind for w in sources}
    assert kinds == set(WaterSourceKind)
    assert any("莱茵河" in w.name for w in sources if w.kind == WaterSourceKind.NATURAL)


def test_premises_come_from_real_buildings_in_both_categories(db: Session) -> None:
    premises = db.scalars(select(Premises)).all()
    assert len(premises) > 100
    categories = {p.category for p in premises}
    assert {PremisesCategory.KEY_UNIT, PremisesCategory.SMALL_VENUE} <= categories
    for p in premises:
        assert p.external_id.startswith("demo:premises:osm-")
        assert len(p.responsible_phone or "") == 11
        if p.category == PremisesCategory.KEY_UNIT:
            assert p.control_level is not None
            assert "消火栓" in (p.preplan_notes or "")
        else:
            assert p.control_level is None
    assert any(p.name.startswith("Liechtensteinisches Landesspital") for p in premises)


def test_every_record_has_an_audit_row(db: Session) -> None:
    for entity, model in DEMO_MODELS.items():
        ids = {str(i) for i in db.scalars(select(model.id))}
        audited = set(
            db.scalars(
                select(AuditLog.entity_id).where(
                    AuditLog.entity == entity, AuditLog.action == "create"
                )
            )
        )
        assert ids, entity
        assert ids <= audited, entity


def test_a_second_load_changes_nothing(
    session_factory: sessionmaker[Session], loaded: tuple[DemoSummary, list[tuple[str, int]]]
) -> None:
    first, _ = loaded

    def audit_rows() -> int:
        with session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(AuditLog)) or 0)

    before = audit_rows()
    again = load_demo(session_factory, osm_file=OSM_FILE, seed=SEED)
    assert again.counts == first.counts
    assert set(again.created.values()) == {0}
    assert audit_rows() == before


def test_the_plan_is_deterministic(extract: OsmExtract) -> None:
    assert _plan_city(extract, seed=SEED) == _plan_city(extract, seed=SEED)
    assert _plan_city(extract, seed=SEED) != _plan_city(extract, seed=SEED + 1)


def _login(factory: sessionmaker[Session], account: DemoAccount, password: str) -> None:
    with factory() as session:
        login(session, username=account.username, password=password, ip=None, settings=Settings())


def test_demo_accounts_one_per_role_kept_on_rerun_and_reset_on_request(
    session_factory: sessionmaker[Session], loaded: tuple[DemoSummary, list[tuple[str, int]]]
) -> None:
    first = ensure_demo_accounts(session_factory, seed=SEED)
    assert {a.role for a in first} == set(Role)
    assert len({a.username for a in first}) == len(first)
    assert all(a.created for a in first)
    admins = [a for a in first if a.role == Role.ADMIN]
    assert len(admins) == 2
    assert len({a.org_name for a in admins}) == 2
    for account in first:
        assert account.password is not None
        assert len(account.password) >= 10
        _login(session_factory, account, account.password)

    # a rerun keeps the accounts and their passwords: whoever uses them is not locked out
    kept = ensure_demo_accounts(session_factory, seed=SEED)
    assert [a.username for a in kept] == [a.username for a in first]
    assert not any(a.created or a.reset or a.password for a in kept)
    assert [a.org_name for a in kept] == [a.org_name for a in first]
    for old in first[:3]:  # argon2 is slow on purpose: a few suffice
        assert old.password is not None
        _login(session_factory, old, old.password)

    # asked to, it gives every account a new password and the old ones stop working
    second = ensure_demo_accounts(session_factory, seed=SEED, reset_passwords=True)
    assert [a.username for a in second] == [a.username for a in first]
    assert not any(a.created for a in second)
    assert all(a.reset for a in second)
    for old, new in zip(first, second, strict=True):
        assert old.password is not None
        assert new.password is not None
        assert new.password != old.password
        with pytest.raises(Unauthorized):
            _login(session_factory, old, old.password)
    for new in second[:3]:
        assert new.password is not None
        _login(session_factory, new, new.password)
    with session_factory() as session:
        # the sessions opened with the old passwords were revoked by the reset
        revoked = session.scalar(
            select(func.count()).select_from(AuthSession).where(AuthSession.revoked_at.is_not(None))
        )
        assert revoked == len(first) + 3


def test_accounts_need_the_demo_city(tmp_path: Path) -> None:
    from lanyan.core.db import make_engine, make_sessionmaker
    from lanyan.core.errors import NotFound
    from lanyan.core.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with pytest.raises(NotFound):
            ensure_demo_accounts(make_sessionmaker(engine), seed=SEED)
    finally:
        engine.dispose()
