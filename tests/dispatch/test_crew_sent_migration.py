"""Migration 0011: assignments made before it get their unit's current crew as ``crew_sent``;
its downgrade removes the column again. Both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from tests.conftest import create_database, drop_database

from lanyan.core.actor import SYSTEM
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import alembic_config, upgrade
from lanyan.dispatch.choices import AssignmentStatus, IncidentStatus, IncidentType
from lanyan.dispatch.models import Assignment, Incident
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind, UnitType
from lanyan.forces.schemas import OrganizationCreate, UnitCreate

AT = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)


def test_migration_0011_backfills_the_crew_sent(backend: str, tmp_path: Path) -> None:
    url = create_database(backend, tmp_path)
    try:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            root = forces.create_root_organization(
                s, actor=SYSTEM, external_id="m:corps", name="迁移大队", kind=OrgKind.BRIGADE
            )
            station = forces.create_organization(
                s,
                actor=SYSTEM,
                data=OrganizationCreate(
                    external_id="m:st", name="迁移站", kind=OrgKind.STATION, parent_id=root.id
                ),
            )
            units = [
                forces.create_unit(
                    s,
                    actor=SYSTEM,
                    data=UnitCreate(
                        external_id=f"m:u{i}",
                        call_sign=f"迁移{i}号",
                        type=UnitType.WATER_TENDER,
                        station_id=station.id,
                    ),
                ).id
                for i in (1, 2)
            ]
            inc = Incident(
                number="M1", status=IncidentStatus.CLOSED, type=IncidentType.FIRE, level=1,
                lon=9.5, lat=47.1, received_at=AT,
            )  # fmt: skip
            s.add(inc)
            s.flush()
            for unit_id in units:
                s.add(
                    Assignment(
                        incident_id=inc.id, unit_id=unit_id, status=AssignmentStatus.IN_QUARTERS,
                        assigned_at=AT,
                    )
                )  # fmt: skip
            s.commit()
        engine.dispose()
        command.downgrade(alembic_config(url), "0010")
        engine = make_engine(url)
        with engine.begin() as conn:
            for unit_id, crew in zip(units, (6, 3), strict=True):
                conn.execute(
                    sa.text("UPDATE unit SET crew_on_duty = :crew WHERE id = :id"),
                    {"crew": crew, "id": unit_id},
                )
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            got = dict(conn.execute(sa.text("SELECT unit_id, crew_sent FROM assignment")).all())
        engine.dispose()
        assert got == {units[0]: 6, units[1]: 3}
        command.downgrade(alembic_config(url), "0010")
        engine = make_engine(url)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("assignment")}
        engine.dispose()
        assert "crew_sent" not in columns
    finally:
        drop_database(url)
