"""Migration 0012: hazards ordered before it get one rectification order each from their row (the
standing one unanswered, an answered one with the time it was reported rectified), and their
reported severity; its downgrade removes both again. Both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from tests.conftest import create_database, drop_database

from lanyan.core.actor import SYSTEM
from lanyan.core.db import make_engine, make_sessionmaker
from lanyan.core.migrate import alembic_config, upgrade
from lanyan.forces import service as forces
from lanyan.forces.choices import OrgKind
from lanyan.prevention.choices import HazardSeverity, HazardStatus
from lanyan.prevention.models import Hazard

AT = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_migration_0012_keeps_the_orders_of_earlier_hazards(backend: str, tmp_path: Path) -> None:
    url = create_database(backend, tmp_path)
    try:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            org = forces.create_root_organization(
                s, actor=SYSTEM, external_id="m:brigade", name="迁移大队", kind=OrgKind.BRIGADE
            )
            rows = {
                "standing": dict(status=HazardStatus.ORDERED, deadline_at=AT + 10 * DAY),
                "answered": dict(
                    status=HazardStatus.CLOSED, deadline_at=AT + 10 * DAY,
                    rectified_at=AT + 5 * DAY, closed_at=AT + 6 * DAY,
                ),
                "never_ordered": dict(status=HazardStatus.REPORTED),
            }  # fmt: skip
            ids = {}
            for name, kw in rows.items():
                hazard = Hazard(
                    org_id=org.id, title=name, severity=HazardSeverity.MAJOR, found_at=AT,
                    ordered_at=AT + DAY if "deadline_at" in kw else None,
                    photo_ids=[], evidence_ids=[], **kw,
                )  # fmt: skip
                s.add(hazard)
                s.flush()
                ids[name] = hazard.id
            s.commit()
        engine.dispose()
        command.downgrade(alembic_config(url), "0011")
        upgrade(url)
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            orders = s.execute(
                sa.text("SELECT hazard_id, deadline_at, answered_at FROM hazard_order")
            ).all()
            severities = set(s.scalars(sa.text("SELECT reported_severity FROM hazard")))
        engine.dispose()
        by_hazard = {row[0]: row for row in orders}
        assert set(by_hazard) == {ids["standing"], ids["answered"]}
        assert by_hazard[ids["standing"]][2] is None
        assert by_hazard[ids["answered"]][2] is not None
        assert severities == {"major"}
        command.downgrade(alembic_config(url), "0011")
        engine = make_engine(url)
        inspector = sa.inspect(engine)
        assert "hazard_order" not in inspector.get_table_names()
        assert "reported_severity" not in {c["name"] for c in inspector.get_columns("hazard")}
        engine.dispose()
    finally:
        drop_database(url)
