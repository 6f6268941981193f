"""A consultation (one case), its topics and the legs of its call."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import now_default
from app.db import Base
from app.enums import (
    AbandonReason,
    AgeBand,
    CallRole,
    Channel,
    ConsultationStatus,
    Gender,
    InterpreterGender,
    MediaMode,
    Outcome,
    ResidenceStatusGroup,
    db_enum,
)
from app.geography.models import Site
from app.topic.models import Topic

consultation_topic = Table(
    "consultation_topic",
    Base.metadata,
    Column("consultation_id", ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_code", ForeignKey("topic.code"), primary_key=True, index=True),
)


def new_public_id() -> str:
    return str(uuid.uuid4())


class Consultation(Base):
    __tablename__ = "consultation"
    __table_args__ = (
        Index("ix_consultation_requested_at_municipality", "requested_at", "resident_municipality_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64), comment="SHA-256 of the intake body")

    channel: Mapped[Channel] = mapped_column(db_enum(Channel))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    resident_municipality_code: Mapped[str | None] = mapped_column(
        ForeignKey("municipality.code"), index=True
    )
    language_code: Mapped[str] = mapped_column(ForeignKey("language.code"), index=True)
    topic_hint_code: Mapped[str | None] = mapped_column(ForeignKey("topic.code"))
    status: Mapped[ConsultationStatus] = mapped_column(db_enum(ConsultationStatus), index=True)

    urgent: Mapped[bool] = mapped_column(default=False)
    safety_dv: Mapped[bool] = mapped_column(
        default=False, comment="domestic violence: cleared interpreters only"
    )
    safety_child: Mapped[bool] = mapped_column(
        default=False, comment="child safety: cleared interpreters only"
    )
    interpreter_gender_preference: Mapped[InterpreterGender | None] = mapped_column(
        db_enum(InterpreterGender)
    )

    requested_at: Mapped[datetime] = mapped_column(default=now_default)
    routed_at: Mapped[datetime | None]
    offered_at: Mapped[datetime | None]
    connected_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    outcome: Mapped[Outcome | None] = mapped_column(db_enum(Outcome))
    abandon_reason: Mapped[AbandonReason | None] = mapped_column(
        db_enum(AbandonReason), comment="why an abandoned case was let go (resident left, staff removed)"
    )
    referral_to: Mapped[str | None] = mapped_column(String(200))
    follow_up: Mapped[bool] = mapped_column(default=False)

    # Optional attributes kept for statistics only; they survive the purge of personal data.
    nationality: Mapped[str | None] = mapped_column(String(2), comment="ISO 3166-1 alpha-2")
    residence_status_group: Mapped[ResidenceStatusGroup] = mapped_column(
        db_enum(ResidenceStatusGroup), default=ResidenceStatusGroup.not_asked
    )
    age_band: Mapped[AgeBand] = mapped_column(db_enum(AgeBand), default=AgeBand.not_asked)
    gender: Mapped[Gender] = mapped_column(db_enum(Gender), default=Gender.not_asked)

    # Personal data: encrypted at rest (Fernet), shown to counselors and admins only, every read audited.
    resident_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    resident_contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    personal_data_purged_at: Mapped[datetime | None]

    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_by_device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now_default)
    updated_at: Mapped[datetime] = mapped_column(default=now_default, onupdate=now_default)

    topics: Mapped[list[Topic]] = relationship(secondary=consultation_topic, lazy="selectin")
    site: Mapped[Site | None] = relationship(lazy="selectin")
    call_legs: Mapped[list[CallLeg]] = relationship(
        back_populates="consultation", lazy="selectin", order_by="CallLeg.joined_at"
    )


class CallLeg(Base):
    """One participant's time in a consultation's call; interpreter legs are the billable minutes."""

    __tablename__ = "call_leg"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[CallRole] = mapped_column(db_enum(CallRole))
    participant_id: Mapped[str] = mapped_column(String(64))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    interpreter_id: Mapped[int | None] = mapped_column(
        ForeignKey("interpreter.id", ondelete="SET NULL"), index=True
    )
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id", ondelete="SET NULL"))
    media_mode: Mapped[MediaMode] = mapped_column(db_enum(MediaMode), default=MediaMode.video)
    joined_at: Mapped[datetime] = mapped_column(default=now_default)
    left_at: Mapped[datetime | None]
    leave_reason: Mapped[str | None] = mapped_column(Text)

    consultation: Mapped[Consultation] = relationship(back_populates="call_legs", lazy="raise")
