"""abandon reason: why a case was let go, and the monthly cube's abandonment split by it

Revision ID: 20261203_abandon_reason
Revises: 20261203_checkpoints
Create Date: 2026-12-03 10:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_abandon_reason"
down_revision: str | None = "20261203_checkpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consultation") as batch:
        batch.add_column(
            sa.Column(
                "abandon_reason",
                sa.Enum(
                    "resident_left",
                    "staff_removed",
                    "hung_up",
                    name="abandonreason",
                    native_enum=False,
                    length=32,
                    create_constraint=False,
                ),
                nullable=True,
                comment="why an abandoned case was let go (resident left, staff removed)",
            )
        )
    with op.batch_alter_table("report_monthly_case") as batch:
        batch.add_column(
            sa.Column(
                "abandoned_resident_left",
                sa.Integer(),
                nullable=False,
                server_default="0",
                comment="of abandoned: the resident's screen went away",
            )
        )
        batch.add_column(
            sa.Column(
                "abandoned_staff_removed",
                sa.Integer(),
                nullable=False,
                server_default="0",
                comment="of abandoned: staff took the case off the queue",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("report_monthly_case") as batch:
        batch.drop_column("abandoned_staff_removed")
        batch.drop_column("abandoned_resident_left")
    with op.batch_alter_table("consultation") as batch:
        batch.drop_column("abandon_reason")
