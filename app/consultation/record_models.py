"""Changes of channel or media during a consultation (a video call fell back to audio, phone to video)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_default
from app.db import Base
from app.enums import Channel, MediaMode, db_enum


class ConsultationMediaChange(Base):
    __tablename__ = "consultation_media_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=now_default, comment="when the change happened (UTC)")
    from_channel: Mapped[Channel | None] = mapped_column(db_enum(Channel))
    to_channel: Mapped[Channel | None] = mapped_column(db_enum(Channel))
    from_media: Mapped[MediaMode | None] = mapped_column(db_enum(MediaMode))
    to_media: Mapped[MediaMode | None] = mapped_column(db_enum(MediaMode))
    reason: Mapped[str | None] = mapped_column(
        String(64), comment="a short code such as network or device; never personal text"
    )
    recorded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now_default)
