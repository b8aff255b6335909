"""The login limit's counters and each user's known addresses (see lanyan.accounts.guard).

Adds ``login_throttle`` (one row per counted key: failures and the start of their window; a guess
takes a slot with a conditional UPDATE before its password is checked) and
``login_known_address`` (the addresses a user has logged in from, filled from the successful
attempts already recorded, so nobody is treated as a stranger at their own desk after the upgrade).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_index(
        op.f("ix_login_throttle_window_started_at"), "login_throttle", ["window_started_at"]
    )
    op.create_table(
        "login_known_address",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_login_known_address_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "ip", name=op.f("pk_login_known_address")),
    )
    op.execute(
        "INSERT INTO login_known_address (user_id, ip, last_login_at)"
        " SELECT u.id, a.ip, max(a.at) FROM login_attempt a"
        " JOIN user_account u ON u.username = a.username"
        " WHERE a.success AND a.ip IS NOT NULL GROUP BY u.id, a.ip"
    )


def downgrade() -> None:
    op.drop_table("login_known_address")
    op.drop_index(op.f("ix_login_throttle_window_started_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
