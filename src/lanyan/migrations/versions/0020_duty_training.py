"""Duty strength, people, training and unit management (issue 20), and the drill flag.

New tables: the roster (``duty_person``), each station's daily declaration with its vehicles
and seats (``duty_declaration``, ``duty_vehicle``, ``duty_seat`` — one seat per person and day,
enforced by a unique index), per-unit crew minimums, training plans/sessions/attendance,
assessments and results, the daily routine and duty log, 督察 with findings, and the 四级安全网格.
``incident.is_drill`` marks a 拉动演练 so that incident statistics leave it out.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "monthly",
                "competition",
                name="assessment_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "subject",
            sa.Enum(
                "fitness",
                "skill",
                "drill",
                "tactics",
                name="assessment_subject",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("item", sa.String(length=120), nullable=False),
        sa.Column(
            "measure",
            sa.Enum(
                "time",
                "score",
                name="assessment_measure",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("pass_value", sa.Float(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=False),
        sa.Column("max_value", sa.Float(), nullable=False),
        sa.Column("standard_source", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                name="assessment_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_assessment_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    op.create_index(op.f("ix_assessment_month"), "assessment", ["month"], unique=False)
    op.create_index(op.f("ix_assessment_org_id"), "assessment", ["org_id"], unique=False)
    op.create_table(
        "duty_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "roll_call",
                "handover",
                name="duty_log_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("absent", sa.JSON(), nullable=False),
        sa.Column("handed_over_by", sa.String(length=60), nullable=True),
        sa.Column("taken_over_by", sa.String(length=60), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_duty_log_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_log")),
    )
    op.create_index(op.f("ix_duty_log_at"), "duty_log", ["at"], unique=False)
    op.create_index(op.f("ix_duty_log_org_id"), "duty_log", ["org_id"], unique=False)
    op.create_table(
        "duty_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "post",
            sa.Enum(
                "commander",
                "firefighter",
                "driver",
                "communicator",
                "specialist",
                "other",
                name="duty_post",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "employment",
            sa.Enum(
                "professional",
                "government",
                "enterprise",
                "volunteer",
                "micro_station",
                name="duty_employment",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_duty_person_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_person")),
        sa.UniqueConstraint("external_id", name=op.f("uq_duty_person_external_id")),
    )
    op.create_index(op.f("ix_duty_person_org_id"), "duty_person", ["org_id"], unique=False)
    op.create_table(
        "duty_routine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_duty_routine_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_routine")),
        sa.UniqueConstraint("org_id", name=op.f("uq_duty_routine_org_id")),
    )
    op.create_table(
        "supervision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("inspector", sa.String(length=60), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_supervision_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision")),
    )
    op.create_index(
        op.f("ix_supervision_inspected_on"), "supervision", ["inspected_on"], unique=False
    )
    op.create_index(op.f("ix_supervision_org_id"), "supervision", ["org_id"], unique=False)
    op.create_table(
        "training_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column(
            "subject",
            sa.Enum(
                "fitness",
                "skill",
                "drill",
                "tactics",
                name="training_subject",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("sessions_planned", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_training_plan_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_plan")),
    )
    op.create_index(op.f("ix_training_plan_month"), "training_plan", ["month"], unique=False)
    op.create_index(op.f("ix_training_plan_org_id"), "training_plan", ["org_id"], unique=False)
    op.create_table(
        "assessment_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_result_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["duty_person.id"],
            name=op.f("fk_assessment_result_person_id_duty_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_result")),
        sa.UniqueConstraint("assessment_id", "person_id", name="uq_assessment_result_person"),
    )
    op.create_index(
        op.f("ix_assessment_result_assessment_id"),
        "assessment_result",
        ["assessment_id"],
        unique=False,
    )
    op.create_table(
        "duty_crew_minimum",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("min_crew", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_duty_crew_minimum_unit_id_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_duty_crew_minimum")),
    )
    op.create_table(
        "duty_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("carried_over", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["duty_person.id"],
            name=op.f("fk_duty_declaration_officer_id_duty_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["organization.id"],
            name=op.f("fk_duty_declaration_station_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_declaration")),
        sa.UniqueConstraint("station_id", "day", name="uq_duty_declaration_day"),
    )
    op.create_index(op.f("ix_duty_declaration_day"), "duty_declaration", ["day"], unique=False)
    op.create_index(
        op.f("ix_duty_declaration_station_id"), "duty_declaration", ["station_id"], unique=False
    )
    op.create_table(
        "safety_grid_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "detachment",
                "brigade",
                "station",
                "squad",
                name="safety_grid_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("responsible", sa.String(length=60), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("duties", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_safety_grid_node_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["safety_grid_node.id"],
            name=op.f("fk_safety_grid_node_parent_id_safety_grid_node"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["duty_person.id"],
            name=op.f("fk_safety_grid_node_person_id_duty_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_grid_node")),
    )
    op.create_index(
        op.f("ix_safety_grid_node_org_id"), "safety_grid_node", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_safety_grid_node_parent_id"), "safety_grid_node", ["parent_id"], unique=False
    )
    op.create_table(
        "supervision_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervision_id", sa.Integer(), nullable=False),
        sa.Column(
            "order",
            sa.Enum(
                "readiness",
                "training",
                "work",
                "life",
                name="supervision_order",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open",
                "rectifying",
                "closed",
                name="finding_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("rectification", sa.String(length=300), nullable=True),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["supervision_id"],
            ["supervision.id"],
            name=op.f("fk_supervision_finding_supervision_id_supervision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_finding")),
    )
    op.create_index(
        op.f("ix_supervision_finding_state"), "supervision_finding", ["state"], unique=False
    )
    op.create_index(
        op.f("ix_supervision_finding_supervision_id"),
        "supervision_finding",
        ["supervision_id"],
        unique=False,
    )
    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column(
            "subject",
            sa.Enum(
                "fitness",
                "skill",
                "drill",
                "tactics",
                name="session_subject",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_training_session_org_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["training_plan.id"],
            name=op.f("fk_training_session_plan_id_training_plan"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_session")),
    )
    op.create_index(
        op.f("ix_training_session_held_on"), "training_session", ["held_on"], unique=False
    )
    op.create_index(
        op.f("ix_training_session_org_id"), "training_session", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_training_session_plan_id"), "training_session", ["plan_id"], unique=False
    )
    op.create_table(
        "duty_vehicle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.Column("out_reason", sa.String(length=200), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("min_crew", sa.Integer(), nullable=False),
        sa.Column("crew", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["duty_declaration.id"],
            name=op.f("fk_duty_vehicle_declaration_id_duty_declaration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_duty_vehicle_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_vehicle")),
        sa.UniqueConstraint("declaration_id", "unit_id", name="uq_duty_vehicle_unit"),
    )
    op.create_index(
        op.f("ix_duty_vehicle_declaration_id"), "duty_vehicle", ["declaration_id"], unique=False
    )
    op.create_index(op.f("ix_duty_vehicle_unit_id"), "duty_vehicle", ["unit_id"], unique=False)
    op.create_table(
        "training_attendance",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["duty_person.id"],
            name=op.f("fk_training_attendance_person_id_duty_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
            name=op.f("fk_training_attendance_session_id_training_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "person_id", name=op.f("pk_training_attendance")),
    )
    op.create_table(
        "duty_seat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "seat",
            sa.Enum(
                "commander",
                "driver",
                "firefighter",
                name="duty_seat_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["duty_declaration.id"],
            name=op.f("fk_duty_seat_declaration_id_duty_declaration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["duty_person.id"],
            name=op.f("fk_duty_seat_person_id_duty_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["duty_vehicle.id"],
            name=op.f("fk_duty_seat_vehicle_id_duty_vehicle"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_seat")),
        sa.UniqueConstraint("declaration_id", "person_id", name="uq_duty_seat_person"),
    )
    op.create_index(
        op.f("ix_duty_seat_declaration_id"), "duty_seat", ["declaration_id"], unique=False
    )
    op.create_index(op.f("ix_duty_seat_vehicle_id"), "duty_seat", ["vehicle_id"], unique=False)
    op.add_column(
        "incident",
        sa.Column("is_drill", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_index(op.f("ix_incident_is_drill"), "incident", ["is_drill"], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_is_drill"))
        batch_op.drop_column("is_drill")
    op.drop_index(op.f("ix_duty_seat_vehicle_id"), table_name="duty_seat")
    op.drop_index(op.f("ix_duty_seat_declaration_id"), table_name="duty_seat")
    op.drop_table("duty_seat")
    op.drop_table("training_attendance")
    op.drop_index(op.f("ix_duty_vehicle_unit_id"), table_name="duty_vehicle")
    op.drop_index(op.f("ix_duty_vehicle_declaration_id"), table_name="duty_vehicle")
    op.drop_table("duty_vehicle")
    op.drop_index(op.f("ix_training_session_plan_id"), table_name="training_session")
    op.drop_index(op.f("ix_training_session_org_id"), table_name="training_session")
    op.drop_index(op.f("ix_training_session_held_on"), table_name="training_session")
    op.drop_table("training_session")
    op.drop_index(op.f("ix_supervision_finding_supervision_id"), table_name="supervision_finding")
    op.drop_index(op.f("ix_supervision_finding_state"), table_name="supervision_finding")
    op.drop_table("supervision_finding")
    op.drop_index(op.f("ix_safety_grid_node_parent_id"), table_name="safety_grid_node")
    op.drop_index(op.f("ix_safety_grid_node_org_id"), table_name="safety_grid_node")
    op.drop_table("safety_grid_node")
    op.drop_index(op.f("ix_duty_declaration_station_id"), table_name="duty_declaration")
    op.drop_index(op.f("ix_duty_declaration_day"), table_name="duty_declaration")
    op.drop_table("duty_declaration")
    op.drop_table("duty_crew_minimum")
    op.drop_index(op.f("ix_assessment_result_assessment_id"), table_name="assessment_result")
    op.drop_table("assessment_result")
    op.drop_index(op.f("ix_training_plan_org_id"), table_name="training_plan")
    op.drop_index(op.f("ix_training_plan_month"), table_name="training_plan")
    op.drop_table("training_plan")
    op.drop_index(op.f("ix_supervision_org_id"), table_name="supervision")
    op.drop_index(op.f("ix_supervision_inspected_on"), table_name="supervision")
    op.drop_table("supervision")
    op.drop_table("duty_routine")
    op.drop_index(op.f("ix_duty_person_org_id"), table_name="duty_person")
    op.drop_table("duty_person")
    op.drop_index(op.f("ix_duty_log_org_id"), table_name="duty_log")
    op.drop_index(op.f("ix_duty_log_at"), table_name="duty_log")
    op.drop_table("duty_log")
    op.drop_index(op.f("ix_assessment_org_id"), table_name="assessment")
    op.drop_index(op.f("ix_assessment_month"), table_name="assessment")
    op.drop_table("assessment")
    # ### end Alembic commands ###
