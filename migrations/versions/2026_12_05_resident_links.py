"""resident links: staff-made posters and invitations remembered, so they can be listed and revoked

Revision ID: 20261205_resident_links
Revises: 20261205_desk_calendar
Create Date: 2026-12-05 09:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261205_resident_links"
down_revision: str | None = "20261205_desk_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_link",
        sa.Column("link_id", sa.String(length=16), nullable=False, comment="the token's own id claim"),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="poster or invite"),
        sa.Column("municipality_code", sa.String(length=8), nullable=True),
        sa.Column("site_code", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=True, comment="actor id of the staff member"),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_resident_link")),
    )
    op.create_index(op.f("ix_resident_link_municipality_code"), "resident_link", ["municipality_code"])
    op.create_index(op.f("ix_resident_link_expires_at"), "resident_link", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_resident_link_expires_at"), table_name="resident_link")
    op.drop_index(op.f("ix_resident_link_municipality_code"), table_name="resident_link")
    op.drop_table("resident_link")
