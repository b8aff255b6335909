"""Assignments record the crew sent (人次): ``assignment.crew_sent``.

The statistics count 人次 as the crew on the units when they were sent, so each assignment keeps
the unit's ``crew_on_duty`` of that moment; a crew change later never changes a past period's
figure. Assignments made before this version are given their unit's current crew, the best
record there is.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "assignment",
        sa.Column("crew_sent", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.execute(
        "UPDATE assignment SET crew_sent = COALESCE("
        "(SELECT unit.crew_on_duty FROM unit WHERE unit.id = assignment.unit_id), 0)"
    )


def downgrade() -> None:
    with op.batch_alter_table("assignment") as batch_op:
        batch_op.drop_column("crew_sent")
