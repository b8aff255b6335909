"""Command after the first dispatch (issue 19): combat units (作战编成) and their vehicles,
reinforcement requests across detachments, 信息报送 (rules, the incident's reported facts, report
items, their messages and each recipient's receipt) and 战评 records (the case library).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the nine tables (combat units first: members point at them)."""
    op.create_table(
        "combat_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["organization.id"],
            name=op.f("fk_combat_unit_station_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_combat_unit")),
    )
    with op.batch_alter_table("combat_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_combat_unit_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_combat_unit_station_id"), ["station_id"], unique=False)

    op.create_table(
        "report_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "deaths",
                "fire_grade",
                "venue",
                "hazmat",
                "trapped",
                "media",
                name="report_rule_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("venue_types", sa.JSON(), nullable=False),
        sa.Column("recipient_org_ids", sa.JSON(), nullable=False),
        sa.Column("recipient_user_ids", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_report_rule_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_rule")),
    )
    with op.batch_alter_table("report_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_rule_org_id"), ["org_id"], unique=False)

    op.create_table(
        "combat_unit_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("combat_unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["combat_unit_id"],
            ["combat_unit.id"],
            name=op.f("fk_combat_unit_member_combat_unit_id_combat_unit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_combat_unit_member_unit_id_unit"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_combat_unit_member")),
        sa.UniqueConstraint(
            "combat_unit_id", "unit_id", name=op.f("uq_combat_unit_member_combat_unit_id")
        ),
    )
    with op.batch_alter_table("combat_unit_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_combat_unit_member_combat_unit_id"), ["combat_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_combat_unit_member_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "incident_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("injured", sa.Integer(), nullable=False),
        sa.Column("trapped", sa.Integer(), nullable=False),
        sa.Column("hazmat", sa.Boolean(), nullable=False),
        sa.Column("media_attention", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_facts_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_facts")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_facts_incident_id")),
    )
    op.create_table(
        "incident_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                name="review_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("lessons", sa.Text(), nullable=True),
        sa.Column("attachment_ids", sa.JSON(), nullable=False),
        sa.Column("written_by", sa.String(length=80), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_review_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_review")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_review_incident_id")),
    )
    with op.batch_alter_table("incident_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_review_status"), ["status"], unique=False)

    op.create_table(
        "info_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "first_sent",
                "followup_sent",
                "final_sent",
                "withdrawn",
                name="info_report_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("recipient_org_ids", sa.JSON(), nullable=False),
        sa.Column("recipient_user_ids", sa.JSON(), nullable=False),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("followup_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_info_report_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_report")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_info_report_incident_id")),
    )
    with op.batch_alter_table("info_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_info_report_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_info_report_triggered_at"), ["triggered_at"], unique=False
        )

    op.create_table(
        "reinforcement_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("from_org_id", sa.Integer(), nullable=False),
        sa.Column("to_org_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "accepted",
                "refused",
                "cancelled",
                "released",
                name="reinforcement_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("incident_summary", sa.Text(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("assignment_ids", sa.JSON(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_org_id"],
            ["organization.id"],
            name=op.f("fk_reinforcement_request_from_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_reinforcement_request_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_org_id"],
            ["organization.id"],
            name=op.f("fk_reinforcement_request_to_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reinforcement_request")),
    )
    with op.batch_alter_table("reinforcement_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reinforcement_request_from_org_id"), ["from_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reinforcement_request_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reinforcement_request_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reinforcement_request_to_org_id"), ["to_org_id"], unique=False
        )

    op.create_table(
        "info_report_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "first",
                "followup",
                "final",
                name="report_stage",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=80), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["info_report.id"],
            name=op.f("fk_info_report_message_report_id_info_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_report_message")),
    )
    with op.batch_alter_table("info_report_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_info_report_message_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "info_report_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("recipient_org_id", sa.Integer(), nullable=True),
        sa.Column("recipient_user_id", sa.Integer(), nullable=True),
        sa.Column("recipient_name", sa.String(length=120), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["info_report_message.id"],
            name=op.f("fk_info_report_receipt_message_id_info_report_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_org_id"],
            ["organization.id"],
            name=op.f("fk_info_report_receipt_recipient_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_report_receipt")),
    )
    with op.batch_alter_table("info_report_receipt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_info_report_receipt_message_id"), ["message_id"], unique=False
        )


def downgrade() -> None:
    """Drop them, dependants first."""
    with op.batch_alter_table("info_report_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_info_report_receipt_message_id"))

    op.drop_table("info_report_receipt")
    with op.batch_alter_table("info_report_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_info_report_message_report_id"))

    op.drop_table("info_report_message")
    with op.batch_alter_table("reinforcement_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reinforcement_request_to_org_id"))
        batch_op.drop_index(batch_op.f("ix_reinforcement_request_status"))
        batch_op.drop_index(batch_op.f("ix_reinforcement_request_incident_id"))
        batch_op.drop_index(batch_op.f("ix_reinforcement_request_from_org_id"))

    op.drop_table("reinforcement_request")
    with op.batch_alter_table("info_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_info_report_triggered_at"))
        batch_op.drop_index(batch_op.f("ix_info_report_status"))

    op.drop_table("info_report")
    with op.batch_alter_table("incident_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_review_status"))

    op.drop_table("incident_review")
    op.drop_table("incident_facts")
    with op.batch_alter_table("combat_unit_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_combat_unit_member_unit_id"))
        batch_op.drop_index(batch_op.f("ix_combat_unit_member_combat_unit_id"))

    op.drop_table("combat_unit_member")
    with op.batch_alter_table("report_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_rule_org_id"))

    op.drop_table("report_rule")
    with op.batch_alter_table("combat_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_combat_unit_station_id"))
        batch_op.drop_index(batch_op.f("ix_combat_unit_kind"))

    op.drop_table("combat_unit")
