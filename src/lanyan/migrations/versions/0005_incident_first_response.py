"""The first response on the incident row (see lanyan.dispatch.first_response).

Adds the first assignment's id and milestones to ``incident`` and fills them for the incidents
already recorded, with the rule the application uses: the assignment with the earliest
``assigned_at``, the lowest id among equal times.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ("first_assigned_at", "first_en_route_at", "first_on_scene_at")


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("first_assignment_id", sa.Integer(), nullable=True))
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # one join against the first assignments (DISTINCT ON): 1,000,000 incidents in seconds,
        # where the portable correlated form below probes the index once per incident
        op.execute(
            "UPDATE incident SET first_assignment_id = f.id, first_assigned_at = f.assigned_at,"
            " first_en_route_at = f.en_route_at, first_on_scene_at = f.on_scene_at"
            " FROM (SELECT DISTINCT ON (incident_id) id, incident_id, assigned_at, en_route_at,"
            " on_scene_at FROM assignment ORDER BY incident_id, assigned_at, id) AS f"
            " WHERE f.incident_id = incident.id"
        )
        return
    op.execute(
        "UPDATE incident SET first_assignment_id = ("
        " SELECT a.id FROM assignment a WHERE a.incident_id = incident.id"
        " ORDER BY a.assigned_at, a.id LIMIT 1)"
    )
    op.execute(
        "UPDATE incident SET (first_assigned_at, first_en_route_at, first_on_scene_at) = ("
        " SELECT a.assigned_at, a.en_route_at, a.on_scene_at FROM assignment a"
        " WHERE a.id = incident.first_assignment_id)"
        " WHERE first_assignment_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
        batch.drop_column("first_assignment_id")
