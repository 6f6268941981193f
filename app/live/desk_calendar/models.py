"""Stored desk calendars: one row per saved version, never edited (the history is the audit of the hours)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_default
from app.db import Base


class DeskCalendar(Base):
    __tablename__ = "desk_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, index=True, comment="local date it takes effect")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, comment="CalendarData as JSON")
    saved_at: Mapped[datetime] = mapped_column(default=now_default)
    saved_by: Mapped[str | None] = mapped_column(String(64), comment="staff id of the admin who saved it")
