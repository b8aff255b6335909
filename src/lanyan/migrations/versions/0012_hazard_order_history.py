"""Each rectification order of a hazard keeps its deadline and when it was answered.

A failed re-check (复查不合格) orders a hazard again with a new deadline and overwrites
``hazard.ordered_at`` / ``deadline_at`` / ``rectified_at``, so "overdue at the end of 2025" could
not be told again in 2026. ``hazard_order`` keeps one row per order (限期整改通知): when it was
given, its deadline, and when the unit answered it (reported the hazard rectified); a row is
never changed after it is answered. ``hazard.reported_severity`` keeps the severity as reported,
before an officer re-grades it at verification, so the major hazards found in a period are told
as they stood at its end.

Hazards ordered before this version get one order each from their row as it stands (the
deadline in force; earlier orders undone by a failed re-check left no record to recover).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hazard_order",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "hazard_id",
            sa.Integer(),
            sa.ForeignKey("hazard.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_hazard_order_hazard_id", "hazard_order", ["hazard_id"])
    op.create_index("ix_hazard_order_deadline", "hazard_order", ["deadline_at", "answered_at"])
    op.execute(
        "INSERT INTO hazard_order (hazard_id, ordered_at, deadline_at, answered_at)"
        " SELECT id, COALESCE(ordered_at, found_at), deadline_at,"
        " CASE WHEN status = 'ordered' THEN NULL"
        " ELSE COALESCE(rectified_at, closed_at, updated_at) END"
        " FROM hazard WHERE deadline_at IS NOT NULL"
    )
    op.execute(
        "ALTER TABLE hazard ADD COLUMN reported_severity VARCHAR(32)"
        " CONSTRAINT ck_hazard_reported_severity"
        " CHECK (reported_severity IN ('general', 'major'))"
    )
    op.execute("UPDATE hazard SET reported_severity = severity")


def downgrade() -> None:
    with op.batch_alter_table("hazard") as batch_op:  # SQLite rebuilds the table without it
        batch_op.drop_constraint(op.f("ck_hazard_reported_severity"), type_="check")
        batch_op.drop_column("reported_severity")
    op.drop_index("ix_hazard_order_deadline", table_name="hazard_order")
    op.drop_index("ix_hazard_order_hazard_id", table_name="hazard_order")
    op.drop_table("hazard_order")
