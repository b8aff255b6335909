"""outreach: public fire-safety education (宣传教育培训) — activities, education bases, volunteer
teams and volunteers.

``edu_activity`` is listed by organization and day (newest first) and summed by day range for the
yearly figures: ``ix_edu_activity_org_held`` and ``ix_edu_activity_held`` serve exactly those, and
``ix_edu_activity_org_kind`` the list filtered by kind (its count stays inside the index).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edu_base",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "national",
                "provincial",
                "municipal",
                "county",
                name="edu_base_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_edu_base_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edu_base")),
    )
    with op.batch_alter_table("edu_base", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_edu_base_org_id"), ["org_id"], unique=False)

    op.create_table(
        "volunteer_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("leader", sa.String(length=80), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_volunteer_team_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_team")),
    )
    with op.batch_alter_table("volunteer_team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_volunteer_team_org_id"), ["org_id"], unique=False)

    op.create_table(
        "edu_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "training",
                "lecture",
                "outreach",
                "base_visit",
                "live_stream",
                "media_article",
                "drill_guidance",
                "materials",
                name="edu_activity_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "target",
            sa.Enum(
                "community",
                "village",
                "family",
                "school",
                "enterprise",
                "venue",
                "agency",
                "website",
                name="edu_outreach_target",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("audience", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("materials", sa.Integer(), nullable=False),
        sa.Column("base_id", sa.Integer(), nullable=True),
        sa.Column("photo_ids", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=80), nullable=True),
        sa.Column("recorded_via", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["base_id"],
            ["edu_base.id"],
            name=op.f("fk_edu_activity_base_id_edu_base"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_edu_activity_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edu_activity")),
    )
    with op.batch_alter_table("edu_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_edu_activity_base_id"), ["base_id"], unique=False)
        batch_op.create_index("ix_edu_activity_held", ["held_on", "id"], unique=False)
        batch_op.create_index("ix_edu_activity_org_held", ["org_id", "held_on", "id"], unique=False)
        batch_op.create_index(
            "ix_edu_activity_org_kind", ["org_id", "kind", "held_on", "id"], unique=False
        )

    op.create_table(
        "volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "left",
                name="volunteer_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_volunteer_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["volunteer_team.id"],
            name=op.f("fk_volunteer_team_id_volunteer_team"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer")),
    )
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.create_index("ix_volunteer_org_status", ["org_id", "status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_volunteer_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_team_id"))
        batch_op.drop_index("ix_volunteer_org_status")

    op.drop_table("volunteer")
    with op.batch_alter_table("edu_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_edu_activity_org_kind")
        batch_op.drop_index("ix_edu_activity_org_held")
        batch_op.drop_index("ix_edu_activity_held")
        batch_op.drop_index(batch_op.f("ix_edu_activity_base_id"))

    op.drop_table("edu_activity")
    with op.batch_alter_table("volunteer_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_team_org_id"))

    op.drop_table("volunteer_team")
    with op.batch_alter_table("edu_base", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_edu_base_org_id"))

    op.drop_table("edu_base")
