"""Completing a case record after the call, and reading it back with its timeline and derived times."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.bounds import Instant
from app.consultation.schemas import ResidentAttributes
from app.enums import Channel, ConsultationStatus, MediaMode, Outcome

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CaseRecordUpdate(BaseModel):
    """Only the fields sent are changed; topics, when sent, replace the case's topics."""

    model_config = _STRICT

    topics: list[str] | None = Field(
        default=None, max_length=16, description="topic codes from /api/v1/topics"
    )
    resident_municipality: str | None = Field(
        default=None, description="JIS code from /api/v1/municipalities, or 'outside' (asked during the call)"
    )
    outcome: Outcome | None = None
    referral_to: str | None = Field(
        default=None, max_length=200, description="the department or body referred to; required for referred"
    )
    follow_up: bool | None = None
    attributes: ResidentAttributes | None = None
    notes: str | None = Field(
        default=None,
        max_length=20000,
        description="personal free text: encrypted, counselors and admins only",
    )


class MediaChangeCreate(BaseModel):
    model_config = _STRICT

    at: Instant | None = Field(default=None, description="when it happened (default: now)")
    from_channel: Channel | None = None
    to_channel: Channel | None = None
    from_media: MediaMode | None = None
    to_media: MediaMode | None = None
    reason: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]{0,63}$", description="a short code such as network or device"
    )


class MediaChangeRead(BaseModel):
    at: datetime
    from_channel: Channel | None
    to_channel: Channel | None
    from_media: MediaMode | None
    to_media: MediaMode | None
    reason: str | None


class Timeline(BaseModel):
    requested_at: datetime
    routed_at: datetime | None
    offered_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None


class DerivedTimes(BaseModel):
    wait_seconds: int | None = Field(description="request to connection, whole seconds (as in the reports)")
    talk_seconds: int | None = Field(description="connection to end, whole seconds")
    time_to_interpreter_seconds: int | None = Field(description="request to the first interpreter joining")
    interpreter_minutes: float = Field(description="sum of finished interpreter legs, one decimal")


class CaseRecordRead(BaseModel):
    id: str
    status: ConsultationStatus
    channel: Channel
    language: str
    resident_municipality: str | None
    topics: list[str]
    outcome: Outcome | None
    referral_to: str | None
    follow_up: bool
    attributes: ResidentAttributes
    timeline: Timeline
    derived: DerivedTimes
    media_changes: list[MediaChangeRead]
    notes: str | None = Field(description="null unless you are a counselor or admin; reads are audited")
    personal_data_purged: bool


class ResidentTopicsIn(BaseModel):
    """Topics the resident chose on the tablet's pictograms; the first becomes the case's topic hint."""

    model_config = _STRICT

    topics: list[str] = Field(max_length=16, description="topic codes from /api/v1/topics (may be empty)")


class ResidentTopicsRead(BaseModel):
    topic_hint: str | None
    topics: list[str]
