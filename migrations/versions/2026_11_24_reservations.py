"""reservations: booked slots with a reserved interpreter and encrypted contact details

Revision ID: 20261124_reservations
Revises: 20261124_chat
Create Date: 2026-11-24 08:07:07.580880+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261124_reservations"
down_revision: str | None = "20261124_chat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False, comment="short code residents read out"),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column(
            "request_fingerprint", sa.String(length=64), nullable=True, comment="SHA-256 of the booking"
        ),
        sa.Column("language_code", sa.String(length=8), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_code", sa.String(length=8), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("counter", "satellite", "phone", "video", name="channel", native_enum=False, length=32),
            nullable=False,
            comment="video or phone",
        ),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "cancelled",
                "fulfilled",
                "no_show",
                name="reservationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("interpreter_id", sa.Integer(), nullable=True),
        sa.Column(
            "seat_key",
            sa.String(length=64),
            nullable=True,
            comment="interpreter@start while the booking holds a seat: two bookings can never share one",
        ),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("contact_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("contact_phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("contact_email_enc", sa.LargeBinary(), nullable=True),
        sa.Column("personal_data_purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_by_resident", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_reservation_consultation_id_consultation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_reservation_created_by_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["interpreter_id"],
            ["interpreter.id"],
            name=op.f("fk_reservation_interpreter_id_interpreter"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["language_code"], ["language.code"], name=op.f("fk_reservation_language_code_language")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_reservation_municipality_code_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation")),
        sa.UniqueConstraint("code", name=op.f("uq_reservation_code")),
        sa.UniqueConstraint("consultation_id", name=op.f("uq_reservation_consultation_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_reservation_idempotency_key")),
        sa.UniqueConstraint("seat_key", name=op.f("uq_reservation_seat_key")),
    )
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reservation_interpreter_id"), ["interpreter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reservation_language_code"), ["language_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reservation_municipality_code"), ["municipality_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reservation_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reservation_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reservation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservation_status"))
        batch_op.drop_index(batch_op.f("ix_reservation_starts_at"))
        batch_op.drop_index(batch_op.f("ix_reservation_municipality_code"))
        batch_op.drop_index(batch_op.f("ix_reservation_language_code"))
        batch_op.drop_index(batch_op.f("ix_reservation_interpreter_id"))

    op.drop_table("reservation")
