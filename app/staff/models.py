"""Staff accounts, their browser sessions and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_default
from app.db import Base
from app.enums import Role, db_enum
from app.language.models import Language

staff_user_language = Table(
    "staff_user_language",
    Base.metadata,
    Column("staff_user_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("language_code", ForeignKey("language.code"), primary_key=True),
)


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(db_enum(Role))
    municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipality.code"), comment="coordinator scope; NULL means the whole area"
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), comment="counter staff's site")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_default)
    demo: Mapped[bool] = mapped_column(
        default=False, server_default=false(), comment="made by serve --demo; signs in only in demo mode"
    )

    languages: Mapped[list[Language]] = relationship(secondary=staff_user_language, lazy="selectin")


class StaffSession(Base):
    """A browser session: the cookie holds a random token, we keep only its hash, so it can be revoked."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_default)
    expires_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token for an API client acting as one staff user."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_default)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SignInLock(Base):
    """Failed sign-ins in a row for one account from one address, and that pair's lock: a wrong password from
    one address never locks the account for its owner at another address."""

    __tablename__ = "sign_in_lock"
    __table_args__ = (UniqueConstraint("staff_user_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(64), comment="the client address the failures came from")
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
