"""admin: vendors as data; separate DV and child-safety clearances for interpreters

Revision ID: 20261205_admin_pool
Revises: 20261205_signin_demo
Create Date: 2026-12-05 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_admin_pool"
down_revision: str | None = "20261205_signin_demo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vendor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor")),
        sa.UniqueConstraint("name", name=op.f("uq_vendor_name")),
    )
    # Every vendor an interpreter already names becomes a vendor row.
    op.execute(
        "INSERT INTO vendor (name, active, created_at) "
        "SELECT DISTINCT vendor, true, CURRENT_TIMESTAMP FROM interpreter"
    )
    with op.batch_alter_table("interpreter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "dv_cleared",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
                comment="may take domestic-violence cases",
            )
        )
        batch_op.add_column(
            sa.Column(
                "child_cleared",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
                comment="may take child-safety cases",
            )
        )
    op.execute("UPDATE interpreter SET dv_cleared = safety_cleared, child_cleared = safety_cleared")
    with op.batch_alter_table("interpreter", schema=None) as batch_op:
        batch_op.alter_column("dv_cleared", server_default=None)
        batch_op.alter_column("child_cleared", server_default=None)
        batch_op.drop_column("safety_cleared")


def downgrade() -> None:
    with op.batch_alter_table("interpreter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "safety_cleared",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
                comment="may take DV and child-safety cases",
            )
        )
    op.execute("UPDATE interpreter SET safety_cleared = (dv_cleared AND child_cleared)")
    with op.batch_alter_table("interpreter", schema=None) as batch_op:
        batch_op.alter_column("safety_cleared", server_default=None)
        batch_op.drop_column("child_cleared")
        batch_op.drop_column("dv_cleared")
    op.drop_table("vendor")
