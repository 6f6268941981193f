"""Resident links made by staff, remembered so they can be listed and revoked (the token itself is signed and
carries its own claims; this row adds who made it and whether it was withdrawn)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ResidentLinkRecord(Base):
    __tablename__ = "resident_link"

    link_id: Mapped[str] = mapped_column(String(16), primary_key=True, comment="the token's own id claim")
    kind: Mapped[str] = mapped_column(String(16), comment="poster or invite")
    municipality_code: Mapped[str | None] = mapped_column(String(8), index=True)
    site_code: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    issued_by: Mapped[str | None] = mapped_column(String(64), comment="actor id of the staff member")
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(64))
