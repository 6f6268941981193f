"""Remote interpreters of the vendor pool and their vendors (live presence lives in realtime/, not here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_default
from app.db import Base
from app.enums import InterpreterGender, db_enum
from app.language.models import Language

interpreter_language = Table(
    "interpreter_language",
    Base.metadata,
    Column("interpreter_id", ForeignKey("interpreter.id", ondelete="CASCADE"), primary_key=True),
    Column("language_code", ForeignKey("language.code"), primary_key=True),
)


class Vendor(Base):
    """An interpreting company; interpreters name theirs (routing keys vendor hours by the name)."""

    __tablename__ = "vendor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_default)


class Interpreter(Base):
    __tablename__ = "interpreter"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(128))
    vendor: Mapped[str] = mapped_column(String(128))
    gender: Mapped[InterpreterGender | None] = mapped_column(db_enum(InterpreterGender))
    dv_cleared: Mapped[bool] = mapped_column(default=False, comment="may take domestic-violence cases")
    child_cleared: Mapped[bool] = mapped_column(default=False, comment="may take child-safety cases")
    active: Mapped[bool] = mapped_column(default=True)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), unique=True, comment="the account they sign in with"
    )
    created_at: Mapped[datetime] = mapped_column(default=now_default)

    languages: Mapped[list[Language]] = relationship(secondary=interpreter_language, lazy="selectin")

    @property
    def safety_cleared(self) -> bool:
        """Cleared for both DV and child-safety cases (the single flag of the first releases)."""
        return self.dv_cleared and self.child_cleared

    @safety_cleared.setter
    def safety_cleared(self, cleared: bool) -> None:
        self.dv_cleared = self.child_cleared = cleared
