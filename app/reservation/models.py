"""A booked slot: language, time, the reserved interpreter, and the resident's contact (encrypted)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import now_default
from app.db import Base
from app.enums import Channel, db_enum


class ReservationStatus(StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    fulfilled = "fulfilled"  # the call connected
    no_show = "no_show"  # the slot ended and nobody joined


HOLDS_SEAT = (ReservationStatus.booked, ReservationStatus.fulfilled)


class Reservation(Base):
    __tablename__ = "reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, comment="short code residents read out")
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), comment="SHA-256 of the booking")

    language_code: Mapped[str] = mapped_column(ForeignKey("language.code"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.code"), index=True)
    channel: Mapped[Channel] = mapped_column(db_enum(Channel), comment="video or phone")
    status: Mapped[ReservationStatus] = mapped_column(db_enum(ReservationStatus), index=True)

    interpreter_id: Mapped[int | None] = mapped_column(
        ForeignKey("interpreter.id", ondelete="SET NULL"), index=True
    )
    seat_key: Mapped[str | None] = mapped_column(
        String(64),
        unique=True,
        comment="interpreter@start while the booking holds a seat: two bookings can never share one",
    )
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation.id", ondelete="SET NULL"), unique=True
    )

    # Personal data: encrypted at rest, shown to counselors and admins only, every read audited, purged.
    contact_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_email_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    personal_data_purged_at: Mapped[datetime | None]

    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_by_resident: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now_default)
    updated_at: Mapped[datetime] = mapped_column(default=now_default, onupdate=now_default)
    cancelled_at: Mapped[datetime | None]


def seat_key(interpreter_id: int | None, starts_at: datetime) -> str | None:
    """The unique seat a booking holds (None when no interpreter is assigned yet)."""
    if interpreter_id is None:
        return None
    return f"{interpreter_id}@{int(starts_at.timestamp())}"
