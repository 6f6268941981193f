"""routing checkpoints: policy versions, checkpoints of the engine's state, versioned journal rows

Revision ID: 20261203_checkpoints
Revises: 20261124_reservations
Create Date: 2026-12-03 10:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_checkpoints"
down_revision: str | None = "20261124_reservations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_policy",
        sa.Column("version", sa.String(length=16), nullable=False, comment="content hash of payload"),
        sa.Column("payload", sa.JSON(), nullable=False, comment="DeskPolicy.to_dict()"),
        sa.Column(
            "first_used_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="routing time it first applied (UTC)",
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_routing_policy")),
    )
    op.create_table(
        "routing_checkpoint",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("event_seq", sa.BigInteger(), nullable=False, comment="last routing_event.seq included"),
        sa.Column(
            "format_version", sa.Integer(), nullable=False, comment="routing.CHECKPOINT_FORMAT of payload"
        ),
        sa.Column(
            "policy_version",
            sa.String(length=16),
            nullable=False,
            comment="the policy the state was decided under",
        ),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="the engine's time in the checkpoint (UTC)",
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_checkpoint")),
    )
    with op.batch_alter_table("routing_checkpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_checkpoint_event_seq"), ["event_seq"], unique=False)
    with op.batch_alter_table("routing_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "format_version",
                sa.Integer(),
                server_default=sa.text("1"),
                nullable=False,
                comment="1: no policy version (before checkpoints); 2: with one",
            )
        )
        batch_op.add_column(
            sa.Column(
                "policy_version",
                sa.String(length=16),
                nullable=True,
                comment="routing_policy.version the engine decided this event under",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_event", schema=None) as batch_op:
        batch_op.drop_column("policy_version")
        batch_op.drop_column("format_version")
    with op.batch_alter_table("routing_checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_checkpoint_event_seq"))
    op.drop_table("routing_checkpoint")
    op.drop_table("routing_policy")
