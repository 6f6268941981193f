"""cluster: the routing leader's lease (fencing epoch) and the processes' roll call

Revision ID: 20261204_cluster
Revises: 20261203_abandon_reason
Create Date: 2026-12-04 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_cluster"
down_revision: str | None = "20261203_abandon_reason"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column(
            "holder", sa.String(length=64), nullable=False, comment="the process instance holding the lease"
        ),
        sa.Column(
            "node_id", sa.String(length=64), nullable=False, comment="that process's name (MADOGUCHI_NODE_ID)"
        ),
        sa.Column(
            "epoch", sa.BigInteger(), nullable=False, comment="fencing token: one more at every new holder"
        ),
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="database time after which another may take it",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_routing_lease")),
    )
    op.create_table(
        "cluster_process",
        sa.Column("instance", sa.String(length=64), nullable=False, comment="one per process start"),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False, comment="leader or follower"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, comment="database time"),
        sa.Column(
            "seen_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="database time of its last heartbeat",
        ),
        sa.PrimaryKeyConstraint("instance", name=op.f("pk_cluster_process")),
    )


def downgrade() -> None:
    op.drop_table("cluster_process")
    op.drop_table("routing_lease")
