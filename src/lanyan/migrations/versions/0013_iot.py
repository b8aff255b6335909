"""IoT monitoring: devices at premises, their messages (stored once), fire alarms, push nonces.

``iot_message`` is unique on (device_id, message_id): the intake inserts with ON CONFLICT DO
NOTHING, so a redelivered message is stored once. ``iot_push_nonce`` remembers the nonces of
signed HTTP pushes, so a replay is refused by every server process.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iot_push_nonce",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("vendor", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_push_nonce")),
        sa.UniqueConstraint("vendor", "nonce", name="uq_iot_push_nonce"),
    )
    with op.batch_alter_table("iot_push_nonce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_push_nonce_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "iot_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "fire_panel",
                "smoke_alarm",
                "gas_detector",
                "electrical_fire",
                "water_pressure",
                "water_level",
                "ebike_blocker",
                "other",
                name="iot_device_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("vendor", sa.String(length=40), nullable=False),
        sa.Column("vendor_device_id", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=True),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=120), nullable=True),
        sa.Column("heartbeat_interval_s", sa.Integer(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offline_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fault_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fault_detail", sa.String(length=200), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazard.id"],
            name=op.f("fk_iot_device_hazard_id_hazard"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_iot_device_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_iot_device_premises_id_premises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_device")),
        sa.UniqueConstraint("external_id", name=op.f("uq_iot_device_external_id")),
        sa.UniqueConstraint("vendor", "vendor_device_id", name="uq_iot_device_vendor"),
    )
    with op.batch_alter_table("iot_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_device_hazard_id"), ["hazard_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_device_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_iot_device_premises_id"), ["premises_id"], unique=False
        )

    op.create_table(
        "iot_alarm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "false_alarm",
                "test",
                name="iot_alarm_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "first_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_via", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["iot_device.id"],
            name=op.f("fk_iot_alarm_device_id_iot_device"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_iot_alarm_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organization.id"],
            name=op.f("fk_iot_alarm_org_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_iot_alarm_premises_id_premises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_alarm")),
    )
    with op.batch_alter_table("iot_alarm", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_alarm_device_id"), ["device_id"], unique=False)
        batch_op.create_index("ix_iot_alarm_device_status", ["device_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_alarm_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_alarm_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_alarm_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_alarm_premises_id"), ["premises_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_alarm_status"), ["status"], unique=False)

    op.create_table(
        "iot_message",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "heartbeat",
                "fire_alarm",
                "alarm_cleared",
                "fault",
                "fault_cleared",
                "supervisory",
                "status",
                name="iot_message_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "mqtt",
                "http",
                "gbt26875",
                name="iot_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["iot_device.id"],
            name=op.f("fk_iot_message_device_id_iot_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_message")),
        sa.UniqueConstraint("device_id", "message_id", name="uq_iot_message_device_msg"),
    )
    with op.batch_alter_table("iot_message", schema=None) as batch_op:
        batch_op.create_index("ix_iot_message_device_order", ["device_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_iot_message_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("iot_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_message_received_at"))
        batch_op.drop_index("ix_iot_message_device_order")

    op.drop_table("iot_message")
    with op.batch_alter_table("iot_alarm", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_alarm_status"))
        batch_op.drop_index(batch_op.f("ix_iot_alarm_premises_id"))
        batch_op.drop_index(batch_op.f("ix_iot_alarm_org_id"))
        batch_op.drop_index(batch_op.f("ix_iot_alarm_opened_at"))
        batch_op.drop_index(batch_op.f("ix_iot_alarm_incident_id"))
        batch_op.drop_index("ix_iot_alarm_device_status")
        batch_op.drop_index(batch_op.f("ix_iot_alarm_device_id"))

    op.drop_table("iot_alarm")
    with op.batch_alter_table("iot_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_device_premises_id"))
        batch_op.drop_index(batch_op.f("ix_iot_device_org_id"))
        batch_op.drop_index(batch_op.f("ix_iot_device_hazard_id"))

    op.drop_table("iot_device")
    with op.batch_alter_table("iot_push_nonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_push_nonce_seen_at"))

    op.drop_table("iot_push_nonce")
