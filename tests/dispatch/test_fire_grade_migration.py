"""Migration 0009: fires closed before it get the edition of their day and, from 2025-05-01, the
2025 grade and 轻微 class; its downgrade removes the columns again. Both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from tests.conftest import create_database, drop_database

from lanyan.core.db import UTCDateTime, make_engine
from lanyan.core.migrate import alembic_config, upgrade

# (id, received at (UTC), deaths, serious, minor, loss, grade before) → grade, slight, edition
ROWS = [
    # 2025-05-01 07:59 in Shanghai is still 2025-04-30 in UTC: the 2025 rules
    (1, datetime(2025, 4, 30, 23, 59, tzinfo=UTC), 0, 0, 0, 20_000_000.0, "larger"),
    # the evening before in Shanghai: the 2007 rules, the grade stays
    (2, datetime(2025, 4, 30, 15, 59, tzinfo=UTC), 0, 0, 0, 20_000_000.0, "larger"),
    (3, datetime(2025, 6, 1, 2, 0, tzinfo=UTC), 0, 0, 0, 500.0, "ordinary"),
    (4, datetime(2025, 6, 1, 2, 0, tzinfo=UTC), 0, 0, 1, 500.0, "ordinary"),
    (5, datetime(2025, 6, 1, 2, 0, tzinfo=UTC), 0, 0, 0, 150_000_000.0, "especially_major"),
]
EXPECTED = {
    1: ("ordinary", False, "2025"),
    2: ("larger", False, "2007"),
    3: ("ordinary", True, "2025"),
    4: ("ordinary", False, "2025"),
    5: ("major", False, "2025"),
}


def test_migration_0009_grades_earlier_fires_by_their_day(backend: str, tmp_path: Path) -> None:
    url = create_database(backend, tmp_path)
    try:
        command.downgrade(alembic_config(url), "0008")
        incident = sa.table(
            "incident",
            *(sa.column(n) for n in ("id", "number", "status", "type", "level", "lon", "lat")),
            *(sa.column(n) for n in ("deaths", "serious_injuries", "minor_injuries")),
            *(sa.column(n) for n in ("direct_loss_cny", "fire_grade")),
            *(sa.column(n, UTCDateTime()) for n in ("received_at", "created_at", "updated_at")),
        )
        engine = make_engine(url)
        with engine.begin() as conn:
            for iid, at, deaths, serious, minor, loss, grade in ROWS:
                conn.execute(
                    incident.insert().values(
                        id=iid, number=f"G{iid}", status="closed", type="fire", level=1,
                        lon=9.5, lat=47.1, received_at=at, created_at=at, updated_at=at,
                        deaths=deaths, serious_injuries=serious, minor_injuries=minor,
                        direct_loss_cny=loss, fire_grade=grade,
                    )
                )  # fmt: skip
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            got = {
                row[0]: (row[1], bool(row[2]), row[3])
                for row in conn.execute(
                    sa.text("SELECT id, fire_grade, slight_fire, fire_grade_edition FROM incident")
                )
            }
        engine.dispose()
        assert got == EXPECTED
        command.downgrade(alembic_config(url), "0008")
        engine = make_engine(url)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("incident")}
        engine.dispose()
        assert not {"households_affected", "slight_fire", "fire_grade_edition"} & columns
    finally:
        drop_database(url)
