"""Municipalities of the wide area and the sites (desk, satellite counters) residents reach us from."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.enums import MunicipalityKind, SiteKind, db_enum


class Municipality(Base):
    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(String(8), primary_key=True, comment="JIS X 0402 code, or 'outside'")
    name_ja: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    kind: Mapped[MunicipalityKind] = mapped_column(db_enum(MunicipalityKind))
    sort_order: Mapped[int] = mapped_column(default=0)


class Site(Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name_ja: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    kind: Mapped[SiteKind] = mapped_column(db_enum(SiteKind))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    municipality: Mapped[Municipality] = relationship(lazy="raise")
