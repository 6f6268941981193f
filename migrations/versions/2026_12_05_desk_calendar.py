"""desk calendar: hours, holidays, closures and vendor hours as data, each version with its effective date

Revision ID: 20261205_desk_calendar
Revises: 20261205_admin_pool
Create Date: 2026-12-05 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_desk_calendar"
down_revision: str | None = "20261205_admin_pool"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desk_calendar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False, comment="local date it takes effect"),
        sa.Column("payload", sa.JSON(), nullable=False, comment="CalendarData as JSON"),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "saved_by", sa.String(length=64), nullable=True, comment="staff id of the admin who saved it"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_calendar")),
    )
    op.create_index(
        op.f("ix_desk_calendar_effective_from"), "desk_calendar", ["effective_from"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_calendar_effective_from"), table_name="desk_calendar")
    op.drop_table("desk_calendar")
