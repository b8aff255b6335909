"""Each hazard found on a patrol or an inspection keeps the id of that record.

Adds ``hazard.patrol_visit_id`` and ``hazard.inspection_id`` (NULL for plain reports; SET NULL if
the record is ever deleted) and links the findings recorded before this version: a patrol finding
to the check-in of the same premises at the very instant it was found (the service stamps both
with one time), an inspection finding to the inspection of its premises by the same officer
recorded within a minute of it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LINKS = (("patrol_visit_id", "patrol_visit"), ("inspection_id", "inspection"))


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, table in LINKS:
        if sqlite:  # SQLite adds a NULL column with its REFERENCES clause in place, no rebuild
            op.execute(
                f"ALTER TABLE hazard ADD COLUMN {column} INTEGER"
                f" REFERENCES {table} (id) ON DELETE SET NULL"
            )
        else:
            op.add_column("hazard", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(
                f"fk_hazard_{column}", "hazard", table, [column], ["id"], ondelete="SET NULL"
            )
        op.create_index(f"ix_hazard_{column}", "hazard", [column])
    op.execute(
        "UPDATE hazard SET patrol_visit_id = ("
        " SELECT max(v.id) FROM patrol_visit v"
        " WHERE v.premises_id = hazard.premises_id AND v.at = hazard.found_at)"
        " WHERE source = 'patrol'"
    )
    window = {
        "sqlite": (
            "i.created_at >= datetime(hazard.found_at, '-60 seconds')"
            " AND i.created_at <= datetime(hazard.found_at, '+60 seconds')"
        ),
        "postgresql": (
            "i.created_at BETWEEN hazard.found_at - interval '60 seconds'"
            " AND hazard.found_at + interval '60 seconds'"
        ),
    }["sqlite" if sqlite else "postgresql"]
    op.execute(
        "UPDATE hazard SET inspection_id = ("  # noqa: S608 - constant SQL, no input
        " SELECT max(i.id) FROM inspection i"
        " WHERE i.premises_id = hazard.premises_id AND i.officer_id = hazard.reported_by_id"
        f" AND {window})"
        " WHERE source = 'inspection' OR source LIKE 'campaign:%'"
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, _ in reversed(LINKS):
        op.drop_index(f"ix_hazard_{column}", table_name="hazard")
        if not sqlite:
            op.drop_constraint(f"fk_hazard_{column}", "hazard", type_="foreignkey")
    with op.batch_alter_table("hazard") as batch:  # SQLite rebuilds the table without them
        for column, _ in reversed(LINKS):
            batch.drop_column(column)
