"""What the counter tablet and the counselor console send and read through their own endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.consultation.schemas import ResidentAttributes
from app.enums import Channel, ConsultationStatus, Outcome, SiteKind

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TabletContextRead(BaseModel):
    """Where this tablet stands and how residents reach the desk again (for the thank-you screen)."""

    site: str = Field(description="site code")
    site_name_ja: str
    site_name_en: str
    kind: SiteKind
    channel: Channel = Field(description="the intake channel of this site: counter or satellite")
    desk_phone: str | None = Field(description="the desk's phone number, if configured")
    desk_hours: str = Field(description="the desk's opening hours, e.g. 09:00–17:00")
    desk_days: list[str] = Field(description="the desk's weekdays, mon..sun")


class ResidentTopicsIn(BaseModel):
    """Topics the resident chose on the tablet's pictograms; the first becomes the case's topic hint."""

    model_config = _STRICT

    topics: list[str] = Field(max_length=16, description="topic codes from /api/v1/topics (may be empty)")


class ResidentTopicsRead(BaseModel):
    topic_hint: str | None
    topics: list[str]


class PhoneConsultationCreate(BaseModel):
    """A phone consultation logged after the call: the case and its record in one step."""

    model_config = _STRICT

    language: str = Field(min_length=2, max_length=8, description="a language code from /api/v1/languages")
    resident_municipality: str | None = Field(
        default=None, description="JIS code from /api/v1/municipalities, or 'outside'"
    )
    topics: list[str] = Field(min_length=1, max_length=16, description="topic codes; at least one")
    duration_minutes: int = Field(ge=1, le=600, description="length of the call in whole minutes")
    ended_at: datetime | None = Field(default=None, description="when the call ended (default: now)")
    outcome: Outcome | None = None
    referral_to: str | None = Field(default=None, max_length=200, description="required for referred")
    follow_up: bool = False
    attributes: ResidentAttributes = Field(default_factory=ResidentAttributes)
    notes: str | None = Field(default=None, max_length=20000, description="encrypted; counselors and admins")


class OwnCaseRead(BaseModel):
    """One of the counselor's own cases, without personal data."""

    id: str
    channel: Channel
    status: ConsultationStatus
    language: str
    site: str | None
    resident_municipality: str | None
    topic_hint: str | None
    topics: list[str]
    outcome: Outcome | None
    referral_to: str | None
    follow_up: bool
    requested_at: datetime
    ended_at: datetime | None
    talk_seconds: int | None
    recorded: bool = Field(description="an outcome has been logged")


class OwnCasePage(BaseModel):
    items: list[OwnCaseRead]
