"""Digital pre-plans (preplan, preplan_version) and the scene (scene_report, scene_posting).

A pre-plan is one per premises with its review state; each saved body is a row of
``preplan_version`` (never changed). Scene reports and sector postings hang off an incident.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "preplan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "pending",
                "published",
                "needs_review",
                name="preplan_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("review_interval_days", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column("submitted_at", _when(), nullable=True),
        sa.Column("published_at", _when(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_preplan_premises_id_premises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preplan")),
        sa.UniqueConstraint("premises_id", name=op.f("uq_preplan_premises_id")),
    )
    op.create_index(op.f("ix_preplan_reviewed_on"), "preplan", ["reviewed_on"], unique=False)
    op.create_index(op.f("ix_preplan_review_due_on"), "preplan", ["review_due_on"], unique=False)
    op.create_index(op.f("ix_preplan_status"), "preplan", ["status"], unique=False)
    op.create_table(
        "preplan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("preplan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_by_name", sa.String(length=80), nullable=False),
        sa.Column("saved_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["preplan_id"],
            ["preplan.id"],
            name=op.f("fk_preplan_version_preplan_id_preplan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preplan_version")),
        sa.UniqueConstraint("preplan_id", "version", name=op.f("uq_preplan_version_preplan_id")),
    )
    op.create_index(
        op.f("ix_preplan_version_preplan_id"), "preplan_version", ["preplan_id"], unique=False
    )
    op.create_table(
        "scene_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("call_sign", sa.String(length=80), nullable=True),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("sender_name", sa.String(length=80), nullable=False),
        sa.Column("sender_org_path", sa.String(length=200), nullable=False),
        sa.Column("sent_at", _when(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("needs_reinforcement", sa.Boolean(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "acknowledged",
                "resolved",
                name="scene_report_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("acknowledged_at", _when(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=80), nullable=True),
        sa.Column("resolved_at", _when(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_scene_report_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_scene_report_unit_id_unit"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scene_report")),
    )
    op.create_index(
        op.f("ix_scene_report_incident_id"), "scene_report", ["incident_id"], unique=False
    )
    op.create_index(op.f("ix_scene_report_sent_at"), "scene_report", ["sent_at"], unique=False)
    op.create_index(op.f("ix_scene_report_status"), "scene_report", ["status"], unique=False)
    op.create_table(
        "scene_posting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=True),
        sa.Column("water_source_id", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("set_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_scene_posting_assignment_id_assignment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_scene_posting_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["water_source_id"],
            ["water_source.id"],
            name=op.f("fk_scene_posting_water_source_id_water_source"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scene_posting")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_scene_posting_assignment_id")),
    )
    op.create_index(
        op.f("ix_scene_posting_incident_id"), "scene_posting", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scene_posting_incident_id"), table_name="scene_posting")
    op.drop_table("scene_posting")
    op.drop_index(op.f("ix_scene_report_status"), table_name="scene_report")
    op.drop_index(op.f("ix_scene_report_sent_at"), table_name="scene_report")
    op.drop_index(op.f("ix_scene_report_incident_id"), table_name="scene_report")
    op.drop_table("scene_report")
    op.drop_index(op.f("ix_preplan_version_preplan_id"), table_name="preplan_version")
    op.drop_table("preplan_version")
    op.drop_index(op.f("ix_preplan_status"), table_name="preplan")
    op.drop_index(op.f("ix_preplan_reviewed_on"), table_name="preplan")
    op.drop_index(op.f("ix_preplan_review_due_on"), table_name="preplan")
    op.drop_table("preplan")
