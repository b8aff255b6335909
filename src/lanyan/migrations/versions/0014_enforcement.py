"""Supervision and enforcement (监督执法): plans, inspection records, numbered legal documents,
temporary seals, administrative cases with penalties and payments, editable document templates.

``enforcement_counter`` hands out document numbers per kind and year (one row incremented in the
issuing transaction, so numbers have no gaps and never repeat); ``enforcement_inspection`` is a
1:1 side table of the prevention domain's ``inspection``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enforcement_counter",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name=op.f("pk_enforcement_counter")),
    )

    op.create_table(
        "enforcement_template",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_enforcement_template")),
    )

    op.create_table(
        "enforcement_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "random",
                "campaign",
                "complaint",
                name="enforcement_plan_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("complaint", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_enforcement_plan_campaign_id_campaign"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_enforcement_plan_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_plan")),
    )

    with op.batch_alter_table("enforcement_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_plan_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_plan_org_id"), ["org_id"], unique=False)

    op.create_table(
        "enforcement_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "filed",
                "investigating",
                "notified",
                "decided",
                "executing",
                "closed",
                name="enforcement_case_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("limit_on", sa.Date(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_enforcement_case_inspection_id_inspection"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_enforcement_case_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_enforcement_case_premises_id_premises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_case")),
    )

    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_decided_on"), ["decided_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_filed_on"), ["filed_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_officer_id"), ["officer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_case_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_premises_id"), ["premises_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_case_status"), ["status"], unique=False)

    op.create_table(
        "enforcement_inspection",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("template_key", sa.String(length=40), nullable=False),
        sa.Column("items_checked", sa.Integer(), nullable=False),
        sa.Column("items_failed", sa.Integer(), nullable=False),
        sa.Column("failed_items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_enforcement_inspection_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["enforcement_plan.id"],
            name=op.f("fk_enforcement_inspection_plan_id_enforcement_plan"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_enforcement_inspection")),
    )

    with op.batch_alter_table("enforcement_inspection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_inspection_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "enforcement_plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_enforcement_plan_item_inspection_id_inspection"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["enforcement_plan.id"],
            name=op.f("fk_enforcement_plan_item_plan_id_enforcement_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_enforcement_plan_item_premises_id_premises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_plan_item")),
        sa.UniqueConstraint("plan_id", "premises_id", name="uq_enforcement_plan_item"),
    )

    with op.batch_alter_table("enforcement_plan_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_plan_item_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_plan_item_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_plan_item_premises_id"), ["premises_id"], unique=False
        )

    op.create_table(
        "enforcement_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "order",
                "seal",
                "lift",
                "recheck",
                "penalty",
                name="enforcement_document_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=True),
        sa.Column("deadline_on", sa.Date(), nullable=True),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_enforcement_document_case_id_enforcement_case"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_enforcement_document_inspection_id_inspection"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"],
            ["enforcement_document.id"],
            name=op.f("fk_enforcement_document_lifted_by_id_enforcement_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_enforcement_document_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["enforcement_document.id"],
            name=op.f("fk_enforcement_document_parent_id_enforcement_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_enforcement_document_premises_id_premises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_document")),
        sa.UniqueConstraint("kind", "year", "seq", name="uq_enforcement_document_seq"),
        sa.UniqueConstraint("number", name=op.f("uq_enforcement_document_number")),
    )

    with op.batch_alter_table("enforcement_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_document_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_document_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_document_issued_on"), ["issued_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_document_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enforcement_document_officer_id"), ["officer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_document_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_document_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_document_premises_id"), ["premises_id"], unique=False
        )

    op.create_table(
        "enforcement_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_cny", sa.BigInteger(), nullable=False),
        sa.Column("receipt_no", sa.String(length=60), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_enforcement_payment_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_payment")),
    )

    with op.batch_alter_table("enforcement_payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_payment_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_payment_paid_on"), ["paid_on"], unique=False
        )

    op.create_table(
        "enforcement_penalty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "warning",
                "fine",
                "stop_production",
                "stop_use",
                "stop_construction",
                "detention_referral",
                name="enforcement_penalty_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_cny", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_enforcement_penalty_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_penalty")),
    )

    with op.batch_alter_table("enforcement_penalty", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_penalty_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "enforcement_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sealed",
                "lifted",
                name="enforcement_seal_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.Column("lift_document_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["enforcement_document.id"],
            name=op.f("fk_enforcement_seal_document_id_enforcement_document"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_enforcement_seal_inspection_id_inspection"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lift_document_id"],
            ["enforcement_document.id"],
            name=op.f("fk_enforcement_seal_lift_document_id_enforcement_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_enforcement_seal_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_enforcement_seal_premises_id_premises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_seal")),
    )

    with op.batch_alter_table("enforcement_seal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_seal_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_seal_lifted_on"), ["lifted_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_seal_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enforcement_seal_premises_id"), ["premises_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_seal_starts_on"), ["starts_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_seal_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enforcement_seal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_seal_status"))
        batch_op.drop_index(batch_op.f("ix_enforcement_seal_starts_on"))
        batch_op.drop_index(batch_op.f("ix_enforcement_seal_premises_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_seal_org_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_seal_lifted_on"))
        batch_op.drop_index(batch_op.f("ix_enforcement_seal_inspection_id"))
    op.drop_table("enforcement_seal")
    with op.batch_alter_table("enforcement_penalty", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_penalty_case_id"))
    op.drop_table("enforcement_penalty")
    with op.batch_alter_table("enforcement_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_payment_paid_on"))
        batch_op.drop_index(batch_op.f("ix_enforcement_payment_case_id"))
    op.drop_table("enforcement_payment")
    with op.batch_alter_table("enforcement_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_document_premises_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_document_parent_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_document_org_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_document_officer_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_document_kind"))
        batch_op.drop_index(batch_op.f("ix_enforcement_document_issued_on"))
        batch_op.drop_index(batch_op.f("ix_enforcement_document_inspection_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_document_case_id"))
    op.drop_table("enforcement_document")
    with op.batch_alter_table("enforcement_plan_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_plan_item_premises_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_plan_item_plan_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_plan_item_inspection_id"))
    op.drop_table("enforcement_plan_item")
    with op.batch_alter_table("enforcement_inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_inspection_plan_id"))
    op.drop_table("enforcement_inspection")
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_case_status"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_premises_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_org_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_officer_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_inspection_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_filed_on"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_decided_on"))
    op.drop_table("enforcement_case")
    with op.batch_alter_table("enforcement_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_plan_org_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_plan_campaign_id"))
    op.drop_table("enforcement_plan")
    op.drop_table("enforcement_template")
    op.drop_table("enforcement_counter")
