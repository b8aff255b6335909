"""Risk: scores per premises and per H3 cell, early warnings, scoring runs.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("premises_scored", sa.Integer(), nullable=False),
        sa.Column("cells_scored", sa.Integer(), nullable=False),
        sa.Column("warnings_raised", sa.Integer(), nullable=False),
        sa.Column("last_visit_id", sa.Integer(), nullable=False),
        sa.Column("last_incident_id", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_run")),
    )
    with op.batch_alter_table("risk_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_run_started_at"), ["started_at"], unique=False)

    op.create_table(
        "risk_cell",
        sa.Column("cell", sa.String(length=16), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("township_grid_id", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "low",
                "medium",
                "elevated",
                "high",
                name="risk_cell_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_risk_cell_org_id_organization"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["township_grid_id"],
            ["grid.id"],
            name=op.f("fk_risk_cell_township_grid_id_grid"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("cell", name=op.f("pk_risk_cell")),
    )
    with op.batch_alter_table("risk_cell", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_cell_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_risk_cell_township_grid_id"), ["township_grid_id"], unique=False
        )

    op.create_table(
        "risk_premises",
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("cell", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "low",
                "medium",
                "elevated",
                "high",
                name="risk_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("travel_s", sa.Float(), nullable=True),
        sa.Column("stale_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_risk_premises_premises_id_premises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("premises_id", name=op.f("pk_risk_premises")),
    )
    with op.batch_alter_table("risk_premises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_premises_cell"), ["cell"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_premises_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_premises_stale_at"), ["stale_at"], unique=False)

    op.create_table(
        "risk_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "rule",
            sa.Enum(
                "level_up",
                "level1_overdue_major",
                "repeated_alarms",
                "forecast_spike",
                "season_winter",
                "holiday",
                name="risk_warning_rule",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "acknowledged",
                "handling",
                "closed",
                name="risk_warning_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "low",
                "medium",
                "elevated",
                "high",
                name="risk_warning_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=True),
        sa.Column("cell", sa.String(length=16), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handling_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
            name=op.f("fk_risk_warning_assignee_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_risk_warning_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_risk_warning_premises_id_premises"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_warning")),
    )
    with op.batch_alter_table("risk_warning", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_warning_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_risk_warning_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index("ix_risk_warning_key_status", ["key", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_warning_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_risk_warning_premises_id"), ["premises_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_risk_warning_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_warning_status"), ["status"], unique=False)


def downgrade() -> None:
    for table in ("risk_warning", "risk_premises", "risk_cell", "risk_run"):
        op.drop_table(table)
