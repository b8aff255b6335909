"""Migration 0006 links the findings recorded before it to the record that found them.

The service links every new finding (tests in test_grids_patrols / test_campaigns_inspections).
Here the service's links are the truth: findings are made through the service, the schema goes
back to 0005 (the links are dropped, the rows stay), and the upgrade must find the same check-in
and inspection again, and link nothing for a plain report. Both backends; its own database.
"""

from __future__ import annotations

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import World

from lanyan.accounts.models import User
from lanyan.accounts.service import actor_for
from lanyan.core.actor import Actor
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import alembic_config, upgrade
from lanyan.prevention import hazards, inspections, patrols
from lanyan.prevention.choices import InspectionOutcome
from lanyan.prevention.governance_schemas import Finding
from lanyan.prevention.models import Hazard, Premises
from lanyan.prevention.patrols import local_today
from lanyan.prevention.schemas import HazardReport


def _actor(factory: sessionmaker[Session], username: str) -> Actor:
    with factory() as s:
        return actor_for(s.scalars(select(User).where(User.username == username)).one())


def test_migration_0006_links_earlier_findings(
    app_client: TestClient, world: World, database_url: str
) -> None:
    factory: sessionmaker[Session] = app_client.app.state.sessionmaker  # type: ignore[attr-defined]
    grid, officer = _actor(factory, "grid_a"), _actor(factory, "officer_a")
    with factory() as s:
        premises = s.get_one(Premises, world.a.premises_id)
        visit = patrols.check_in(
            s,
            actor=grid,
            premises_id=premises.id,
            lon=premises.lon,
            lat=premises.lat,
            checklist={},
            photo_ids=[],
            findings=[Finding(title="疏散通道堆放杂物"), Finding(title="灭火器过期")],
        )
        later = patrols.check_in(  # a second check-in of the same premises, nothing found
            s, actor=grid, premises_id=premises.id, lon=premises.lon, lat=premises.lat,
            checklist={}, photo_ids=[],
        )  # fmt: skip
        inspection = inspections.record_inspection(
            s,
            actor=officer,
            premises_id=premises.id,
            inspected_on=local_today(),
            checklist={},
            outcome=InspectionOutcome.PASSED,
            findings=[Finding(title="安全出口上锁")],
        )
        report = hazards.report_hazard(
            s,
            actor=grid,
            data=HazardReport(premises_id=premises.id, title="举报占用消防车道"),
        )
        s.commit()
        truth = {h.id: (h.patrol_visit_id, h.inspection_id) for h in visit.hazards}
        truth |= {h.id: (h.patrol_visit_id, h.inspection_id) for h in inspection.hazards}
        truth[report.id] = (None, None)
        assert set(truth.values()) == {
            (visit.visit.id, None),
            (None, inspection.inspection.id),
            (None, None),
        }
        assert later.visit.id != visit.visit.id
    app_client.app.state.engine.dispose()  # type: ignore[attr-defined]
    command.downgrade(alembic_config(database_url), "0005")
    upgrade(database_url)
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as s:
        rows = s.execute(
            select(Hazard.id, Hazard.patrol_visit_id, Hazard.inspection_id).where(
                Hazard.id.in_(truth)
            )
        ).all()
        assert {i: (v, n) for i, v, n in rows} == truth
    engine.dispose()
