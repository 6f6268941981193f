"""What booking sends and what residents and staff read back; contact details only for those allowed."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.bounds import AwareInstant, RowId
from app.reservation.models import ReservationStatus

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ContactIn(BaseModel):
    """Optional: only to reach the resident about this booking; encrypted, purged with other personal data."""

    model_config = _STRICT

    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32, description="digits, spaces, + ( ) -")
    email: str | None = Field(default=None, max_length=254)

    @field_validator("name", "phone", "email")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value):
            raise ValueError("a phone number has 6 to 31 digits, spaces, + ( ) or -, e.g. 090-1234-5678")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("an email address looks like name@example.jp")
        return value


class ReservationCreate(BaseModel):
    model_config = _STRICT

    language: str = Field(min_length=2, max_length=8)
    starts_at: AwareInstant = Field(description="a slot's start from the slots list (with its offset)")
    channel: Literal["video", "phone"] = Field(
        default="video", description="video: the resident joins by link; phone: the desk calls them"
    )
    municipality: str | None = Field(
        default=None, description="JIS code; defaults to the link's municipality"
    )
    contact: ContactIn = Field(default_factory=ContactIn)

    @model_validator(mode="after")
    def _phone_needs_a_number(self) -> ReservationCreate:
        if self.channel == "phone" and not self.contact.phone:
            raise ValueError("contact.phone is required when the desk is to call (channel phone)")
        return self


class StaffReservationCreate(ReservationCreate):
    """Booked by staff for a caller; the channel defaults to phone."""

    channel: Literal["video", "phone"] = "phone"
    interpreter_id: RowId | None = Field(
        default=None, description="the reserved interpreter; default: least booked"
    )


class AssignIn(BaseModel):
    model_config = _STRICT

    interpreter_id: RowId


class SlotRead(BaseModel):
    starts_at: datetime
    ends_at: datetime
    time: str = Field(description="the start as the resident reads it (local time)")
    seats: int


class SlotDay(BaseModel):
    date: date
    label: str = Field(description="the day, written in the resident's language")
    slots: list[SlotRead]


class SlotsRead(BaseModel):
    language: str
    timezone: str
    slot_minutes: int
    days: list[SlotDay]


class ResidentReservationRead(BaseModel):
    code: str
    status: ReservationStatus
    language: str
    channel: str
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime = Field(description="from when the join link works")
    join_token: str | None = Field(description="the resident link to join at the time (video)")
    join_url: str | None
    manage_token: str | None = Field(default=None, description="send as X-Reservation-Token to cancel")
    messages: dict[str, str] = Field(description="texts in the resident's language, ready to show")


class ContactRead(BaseModel):
    name: str | None
    phone: str | None
    email: str | None


class ReservationRead(BaseModel):
    code: str
    status: ReservationStatus
    language: str
    channel: str
    starts_at: datetime
    ends_at: datetime
    municipality: str | None
    interpreter_id: int | None
    interpreter_name: str | None
    consultation_id: str | None = Field(description="the case made when the resident joined")
    booked_by: Literal["resident", "staff"]
    contact: ContactRead | None = Field(
        description="null unless you are a counselor or admin; reads are audited"
    )
    personal_data_purged: bool
    created_at: datetime


class UpcomingRead(BaseModel):
    """A reservation starting soon, for the counselor console's 'book ahead' list (no contact data)."""

    code: str
    language: str
    channel: str
    starts_at: datetime
    ends_at: datetime
    interpreter_id: int | None
    interpreter_name: str | None
    joined: bool
    minutes_to_start: int


class StartedCallRead(BaseModel):
    """The case a reservation's start opened (or had opened already): the console follows it from here."""

    consultation_id: str
