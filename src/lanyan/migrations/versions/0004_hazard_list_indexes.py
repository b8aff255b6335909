"""Indexes for the officer's hazard list pages (sort by deadline, filter by org and status).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostgreSQL sorts NULLs last by default; the list asks for NULLS FIRST, so say it here too
    nulls_first = " NULLS FIRST" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"CREATE INDEX ix_hazard_due ON hazard (deadline_at{nulls_first}, id)")
    op.execute(f"CREATE INDEX ix_hazard_found ON hazard (found_at{nulls_first}, id)")
    op.create_index("ix_hazard_org_status", "hazard", ["org_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_hazard_org_status", table_name="hazard")
    op.drop_index("ix_hazard_found", table_name="hazard")
    op.drop_index("ix_hazard_due", table_name="hazard")
