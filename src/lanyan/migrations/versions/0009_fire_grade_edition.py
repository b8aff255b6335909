"""Fires are graded by the rules in force on their day: households affected, 轻微火灾, the edition.

Adds ``incident.households_affected`` (受灾户, a criterion of the 2025 rules),
``incident.slight_fire`` (轻微火灾, a class inside 一般 since 2025-05-01) and
``incident.fire_grade_edition`` ('2007' or '2025', the rules the grade was decided by). Fires closed
before this version are given the edition of the day they were received (Asia/Shanghai); those
received from 2025-05-01 on are graded again by the 2025 thresholds as shipped (no households
were recorded, so that criterion cannot apply to them).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# 2025-05-01 00:00 in Asia/Shanghai
CUTOFF = datetime(2025, 4, 30, 16, 0, tzinfo=UTC)


def upgrade() -> None:
    op.execute("ALTER TABLE incident ADD COLUMN households_affected INTEGER")
    op.execute("ALTER TABLE incident ADD COLUMN slight_fire BOOLEAN")
    op.execute(
        "ALTER TABLE incident ADD COLUMN fire_grade_edition VARCHAR(32)"
        " CONSTRAINT ck_incident_fire_grade_edition"
        " CHECK (fire_grade_edition IN ('2007', '2025'))"
    )
    incident = sa.table(
        "incident",
        sa.column("received_at", sa.DateTime(timezone=True)),
        sa.column("fire_grade", sa.String()),
        sa.column("fire_grade_edition", sa.String()),
        sa.column("slight_fire", sa.Boolean()),
        sa.column("deaths", sa.Integer()),
        sa.column("serious_injuries", sa.Integer()),
        sa.column("minor_injuries", sa.Integer()),
        sa.column("direct_loss_cny", sa.Float()),
    )
    graded = incident.c.fire_grade.is_not(None)
    deaths = sa.func.coalesce(incident.c.deaths, 0)
    serious = sa.func.coalesce(incident.c.serious_injuries, 0)
    minor = sa.func.coalesce(incident.c.minor_injuries, 0)
    loss = sa.func.coalesce(incident.c.direct_loss_cny, 0)
    op.execute(
        incident.update()
        .where(graded, incident.c.received_at < CUTOFF)
        .values(fire_grade_edition="2007", slight_fire=False)
    )
    # the 2025 thresholds as shipped in lanyan.core.standards at this version
    op.execute(
        incident.update()
        .where(graded, incident.c.received_at >= CUTOFF)
        .values(
            fire_grade_edition="2025",
            fire_grade=sa.case(
                ((deaths >= 30) | (serious >= 100) | (loss >= 300_000_000), "especially_major"),
                ((deaths >= 10) | (serious >= 50) | (loss >= 100_000_000), "major"),
                ((deaths >= 3) | (serious >= 10) | (loss >= 30_000_000), "larger"),
                else_="ordinary",
            ),
            slight_fire=sa.and_(deaths == 0, serious == 0, minor == 0, loss < 1000),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:  # SQLite rebuilds the table without them
        batch.drop_constraint(op.f("ck_incident_fire_grade_edition"), type_="check")
        batch.drop_column("fire_grade_edition")
        batch.drop_column("slight_fire")
        batch.drop_column("households_affected")
