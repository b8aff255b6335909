"""Campaigns count physical measures; listing covers 突出 hazards and areas.

New tables: the editable catalogue (``campaign_topic``, ``campaign_measure_kind``), the measures
an inspection records (``campaign_measure``), targets per organization (``campaign_target``), the
工作清单 (``campaign_work_item``), 交办单 (``campaign_directive``) and the premises of an area
listing (``listing_premises``). ``supervised_listing`` gains its kind (major / 突出 / area), who
lists it (government or fire department), the organization that answers for it (filled from the
hazard for the rows that exist), the area's name, polygon and counts, and its hazard becomes
optional (an area listing has none).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _stamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "campaign_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("zh", sa.String(length=120), nullable=False),
        sa.Column("en", sa.String(length=120), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_topic")),
        sa.UniqueConstraint("key", name=op.f("uq_campaign_topic_key")),
    )
    op.create_table(
        "campaign_measure_kind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("zh", sa.String(length=60), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_measure_kind")),
        sa.UniqueConstraint("code", name=op.f("uq_campaign_measure_kind_code")),
    )
    op.create_table(
        "campaign_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _fk("campaign_measure", "campaign_id", "campaign", "CASCADE"),
        _fk("campaign_measure", "inspection_id", "inspection", "CASCADE"),
        _fk("campaign_measure", "premises_id", "premises", "RESTRICT"),
        _fk("campaign_measure", "org_id", "organization", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_measure")),
        sa.UniqueConstraint("inspection_id", "measure", name="uq_campaign_measure_inspection"),
    )
    op.create_index(
        "ix_campaign_measure_campaign",
        "campaign_measure",
        ["campaign_id", "org_id", "measure", "quantity", "inspection_id"],
    )
    op.create_index("ix_campaign_measure_day", "campaign_measure", ["recorded_on", "id"])
    op.create_index(
        "ix_campaign_measure_drill",
        "campaign_measure",
        ["campaign_id", "measure", "recorded_on", "id", "org_id"],
    )
    op.create_index("ix_campaign_measure_premises_id", "campaign_measure", ["premises_id"])
    op.create_index("ix_campaign_measure_org_id", "campaign_measure", ["org_id"])

    op.create_table(
        "campaign_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _fk("campaign_target", "campaign_id", "campaign", "CASCADE"),
        _fk("campaign_target", "org_id", "organization", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_target")),
        sa.UniqueConstraint("campaign_id", "org_id", "measure", name="uq_campaign_target"),
    )
    op.create_index("ix_campaign_target_campaign_id", "campaign_target", ["campaign_id"])
    op.create_index("ix_campaign_target_org_id", "campaign_target", ["org_id"])

    op.create_table(
        "campaign_work_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_stamps(),
        _fk("campaign_work_item", "campaign_id", "campaign", "CASCADE"),
        _fk("campaign_work_item", "org_id", "organization", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_work_item")),
    )
    op.create_index("ix_campaign_work_item_campaign_id", "campaign_work_item", ["campaign_id"])
    op.create_index("ix_campaign_work_item_org_id", "campaign_work_item", ["org_id"])

    op.create_table(
        "campaign_directive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("issuer_org_id", sa.Integer(), nullable=False),
        sa.Column("to_org_id", sa.Integer(), nullable=True),
        sa.Column("to_department", sa.String(length=60), nullable=True),
        sa.Column("premises_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column(
            "status",
            _enum("directive_status", "issued", "replied", "returned", "accepted", "withdrawn"),
            nullable=False,
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_replied_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        _fk("campaign_directive", "campaign_id", "campaign", "SET NULL"),
        _fk("campaign_directive", "org_id", "organization", "RESTRICT"),
        _fk("campaign_directive", "issuer_org_id", "organization", "RESTRICT"),
        _fk("campaign_directive", "to_org_id", "organization", "RESTRICT"),
        _fk("campaign_directive", "premises_id", "premises", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_directive")),
        sa.UniqueConstraint("number", name=op.f("uq_campaign_directive_number")),
    )
    op.create_index("ix_campaign_directive_org_status", "campaign_directive", ["org_id", "status"])
    op.create_index("ix_campaign_directive_issued", "campaign_directive", ["issued_at", "id"])
    op.create_index("ix_campaign_directive_due", "campaign_directive", ["due_on", "id"])
    op.create_index("ix_campaign_directive_campaign_id", "campaign_directive", ["campaign_id"])
    op.create_index("ix_campaign_directive_issuer_org_id", "campaign_directive", ["issuer_org_id"])
    op.create_index("ix_campaign_directive_premises_id", "campaign_directive", ["premises_id"])

    with op.batch_alter_table("supervised_listing") as batch:
        batch.add_column(sa.Column("org_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "kind",
                _enum("listing_kind", "major", "prominent", "area"),
                nullable=False,
                server_default="major",
            )
        )
        batch.add_column(
            sa.Column(
                "lister",
                _enum("listing_lister", "government", "fire_department"),
                nullable=False,
                server_default="government",
            )
        )
        batch.add_column(sa.Column("area_name", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("area_polygon", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("unit_count", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("hazard_count", sa.Integer(), nullable=False, server_default="1")
        )
    op.execute(
        "UPDATE supervised_listing SET org_id ="
        " (SELECT hazard.org_id FROM hazard WHERE hazard.id = supervised_listing.hazard_id)"
    )
    with op.batch_alter_table("supervised_listing") as batch:
        batch.alter_column("org_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("hazard_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("kind", server_default=None)
        batch.alter_column("lister", server_default=None)
        batch.alter_column("unit_count", server_default=None)
        batch.alter_column("hazard_count", server_default=None)
        batch.create_foreign_key(
            "fk_supervised_listing_org_id_organization",
            "organization",
            ["org_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch.create_index("ix_listing_org_status", ["org_id", "status"])
        batch.create_index("ix_listing_proposed", ["proposed_at", "id"])

    op.create_table(
        "listing_premises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        _fk("listing_premises", "listing_id", "supervised_listing", "CASCADE"),
        _fk("listing_premises", "premises_id", "premises", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_premises")),
        sa.UniqueConstraint("listing_id", "premises_id", name="uq_listing_premises"),
    )
    op.create_index("ix_listing_premises_listing_id", "listing_premises", ["listing_id"])
    op.create_index("ix_listing_premises_premises_id", "listing_premises", ["premises_id"])


def downgrade() -> None:
    op.drop_table("listing_premises")
    op.execute("DELETE FROM supervised_listing WHERE hazard_id IS NULL")
    with op.batch_alter_table("supervised_listing") as batch:
        batch.drop_index("ix_listing_proposed")
        batch.drop_index("ix_listing_org_status")
        batch.drop_constraint("fk_supervised_listing_org_id_organization", type_="foreignkey")
        batch.alter_column("hazard_id", existing_type=sa.Integer(), nullable=False)
        # the enums' CHECK constraints name their columns: on SQLite the rebuilt table would
        # keep them and refer to columns that are gone
        batch.drop_constraint(op.f("ck_supervised_listing_listing_kind"), type_="check")
        batch.drop_constraint(op.f("ck_supervised_listing_listing_lister"), type_="check")
        for column in (
            "hazard_count",
            "unit_count",
            "area_polygon",
            "area_name",
            "lister",
            "kind",
            "org_id",
        ):
            batch.drop_column(column)
    for table in (
        "campaign_directive",
        "campaign_work_item",
        "campaign_target",
        "campaign_measure",
        "campaign_measure_kind",
        "campaign_topic",
    ):
        op.drop_table(table)
