"""sign-in: failures and locks per (account, address); demo accounts and devices marked as demo

Revision ID: 20261205_signin_demo
Revises: 20261205_device_expiry
Create Date: 2026-12-05 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

revision: str = "20261205_signin_demo"
down_revision: str | None = "20261205_device_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What `serve --demo` made before this revision (app/demo.py then): accounts with these names that still have
# the demo password are demo accounts; the demo's tablets are marked too when such accounts were found.
DEMO_USERNAMES = (
    "admin",
    "counselor-en",
    "counselor-zh-vi",
    "desk",
    "soja-staff",
    "coordinator",
    "coordinator-soja",
    "interp-ne",
    "interp-pt",
    "interp-ko",
    "interp-asia",
    "interp-euro",
)
DEMO_PASSWORD = "madoguchi-demo"  # noqa: S105 - the demo's published default password
DEMO_DEVICES = ("倉敷 19番窓口タブレット", "総社市役所タブレット")


def _mark_existing_demo_data() -> None:
    bind = op.get_bind()
    staff = sa.table(
        "staff_user", sa.column("id"), sa.column("username"), sa.column("password_hash"), sa.column("demo")
    )
    device = sa.table("device", sa.column("name"), sa.column("demo"))
    hasher = PasswordHasher()
    found = []
    for user_id, password_hash in bind.execute(
        sa.select(staff.c.id, staff.c.password_hash).where(staff.c.username.in_(DEMO_USERNAMES))
    ):
        try:
            hasher.verify(password_hash, DEMO_PASSWORD)
        except (VerificationError, InvalidHashError):
            continue
        found.append(user_id)
    if found:
        bind.execute(sa.update(staff).where(staff.c.id.in_(found)).values(demo=True))
        bind.execute(sa.update(device).where(device.c.name.in_(DEMO_DEVICES)).values(demo=True))


def upgrade() -> None:
    op.create_table(
        "sign_in_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column(
            "address",
            sa.String(length=64),
            nullable=False,
            comment="the client address the failures came from",
        ),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_sign_in_lock_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_lock")),
        sa.UniqueConstraint("staff_user_id", "address", name=op.f("uq_sign_in_lock_staff_user_id_address")),
    )
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column(
                "demo",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="made by serve --demo; signs in only in demo mode",
            )
        )
    with op.batch_alter_table("device") as batch:
        batch.add_column(
            sa.Column(
                "demo",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="made by serve --demo; its token works in demo mode only",
            )
        )
    _mark_existing_demo_data()


def downgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.drop_column("demo")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("demo")
    op.drop_table("sign_in_lock")
