"""Languages the desk serves and how (on-site counselor, remote interpreter, by reservation)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.enums import ServiceMode, db_enum


class Language(Base):
    __tablename__ = "language"

    code: Mapped[str] = mapped_column(String(8), primary_key=True, comment="BCP 47 primary subtag")
    native_name: Mapped[str] = mapped_column(String(64))
    name_ja: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    service_mode: Mapped[ServiceMode] = mapped_column(db_enum(ServiceMode))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
