"""Registered counter tablets: each is bound to one site and signs in with its own bearer token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_default
from app.db import Base
from app.geography.models import Site


class Device(Base):
    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, comment="SHA-256 of the bearer token")
    created_at: Mapped[datetime] = mapped_column(default=now_default)
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(comment="the token stops working then; NULL: never")
    last_seen_at: Mapped[datetime | None]
    demo: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        comment="made by serve --demo; its token works in demo mode only",
    )

    site: Mapped[Site] = relationship(lazy="raise")
