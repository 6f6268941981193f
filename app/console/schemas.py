"""What the counter tablet and the counselor console send and read through their own endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

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
