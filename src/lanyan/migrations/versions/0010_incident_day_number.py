"""Incident numbers by local day: YYYYMMDD and a 4-digit sequence restarting at 0001 each day.

Adds ``incident_day_counter`` (one row per Asia/Shanghai day: the last sequence given). Earlier
numbers (the day and the 6-digit id) are kept as they are: they are 14 characters long, the new
ones 12, so the two never meet.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_day_counter",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_incident_day_counter")),
    )


def downgrade() -> None:
    op.drop_table("incident_day_counter")
