"""Chat lines and translated case summaries; their text is personal data, encrypted at rest (Fernet).

The retention purge nulls the encrypted text of purged cases; the rows (who wrote when, in which language,
by which route) stay, so counts of machine-translated chats are the same before and after.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_default
from app.db import Base


class ChatMessage(Base):
    """One line of a consultation's chat, as written and as machine translated for the other side."""

    __tablename__ = "chat_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(String(16), comment="counselor or resident")
    sender_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    original_enc: Mapped[bytes | None] = mapped_column(LargeBinary, comment="encrypted; null once purged")
    original_language: Mapped[str] = mapped_column(String(8))
    translated_enc: Mapped[bytes | None] = mapped_column(LargeBinary, comment="encrypted; null once purged")
    target_language: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(32), comment="languages the text went through, e.g. ne>en>ja")
    machine_translated: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_default)


class CaseSummary(Base):
    """A case summary as written (any desk language) and its machine translation into Japanese."""

    __tablename__ = "case_summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    original_enc: Mapped[bytes | None] = mapped_column(LargeBinary, comment="encrypted; null once purged")
    original_language: Mapped[str] = mapped_column(String(8))
    japanese_enc: Mapped[bytes | None] = mapped_column(LargeBinary, comment="encrypted; null once purged")
    route: Mapped[str] = mapped_column(String(32))
    machine_translated: Mapped[bool] = mapped_column(default=True)
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now_default)
