"""device token expiry: a counter tablet's bearer token can stop working at a set time

Revision ID: 20261205_device_expiry
Revises: 20261204_cluster
Create Date: 2026-12-05 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_device_expiry"
down_revision: str | None = "20261204_cluster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(
            sa.Column(
                "expires_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="the token stops working then; NULL: never",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.drop_column("expires_at")
