"""What intake sends and what staff read back; personal fields appear only for those allowed to see them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.enums import (
    AgeBand,
    CallRole,
    Channel,
    ConsultationStatus,
    Gender,
    InterpreterGender,
    MediaMode,
    Outcome,
    ResidenceStatusGroup,
)

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SafetyFlags(BaseModel):
    model_config = _STRICT

    dv: bool = Field(default=False, description="domestic violence: only safety-cleared interpreters")
    child: bool = Field(default=False, description="child safety: only safety-cleared interpreters")


class ResidentAttributes(BaseModel):
    """Optional, for statistics only; 'not_asked' is always a valid answer."""

    model_config = _STRICT

    nationality: str | None = Field(default=None, description="ISO 3166-1 alpha-2, e.g. VN")
    residence_status_group: ResidenceStatusGroup = ResidenceStatusGroup.not_asked
    age_band: AgeBand = AgeBand.not_asked
    gender: Gender = Gender.not_asked

    @field_validator("nationality")
    @classmethod
    def _iso_alpha2(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if len(value) != 2 or not value.isascii() or not value.isalpha():
            raise ValueError("nationality must be an ISO 3166-1 alpha-2 code such as VN, KR, NP")
        return value.upper()


class PersonalData(BaseModel):
    model_config = _STRICT

    resident_name: str | None = Field(default=None, max_length=200)
    resident_contact: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=20000)


class ConsultationCreate(BaseModel):
    model_config = _STRICT

    channel: Channel
    language: str = Field(min_length=2, max_length=8, description="a language code from /api/v1/languages")
    site: str | None = Field(
        default=None, description="site code from /api/v1/sites; required for counter and satellite"
    )
    resident_municipality: str | None = Field(
        default=None, description="JIS code from /api/v1/municipalities, or 'outside'"
    )
    topic_hint: str | None = Field(default=None, description="topic code from /api/v1/topics")
    topics: list[str] = Field(default_factory=list, max_length=16)
    urgent: bool = False
    safety: SafetyFlags = Field(default_factory=SafetyFlags)
    interpreter_gender_preference: InterpreterGender | None = None
    attributes: ResidentAttributes = Field(default_factory=ResidentAttributes)
    personal: PersonalData = Field(default_factory=PersonalData)


class CallLegRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: CallRole
    participant_id: str
    media_mode: MediaMode
    joined_at: datetime
    left_at: datetime | None
    minutes: float | None


class LiveStatus(BaseModel):
    """Where a live consultation stands in routing (absent once it has ended)."""

    position: int | None = Field(description="1-based place in its language's queue, if queued")
    estimated_wait_s: int | None
    watch_ticket: str | None = Field(
        default=None, description="lets a resident's own device follow this case on the websocket ('watch')"
    )


class ConsultationRead(BaseModel):
    id: str = Field(description="the consultation's public id")
    channel: Channel
    status: ConsultationStatus
    language: str
    site: str | None
    resident_municipality: str | None
    topic_hint: str | None
    topics: list[str]
    urgent: bool
    safety: SafetyFlags
    interpreter_gender_preference: InterpreterGender | None
    requested_at: datetime
    routed_at: datetime | None
    offered_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None
    outcome: Outcome | None
    referral_to: str | None
    follow_up: bool
    attributes: ResidentAttributes | None = Field(
        description="statistics-only attributes; null for counter tablets and counter staff (not theirs)"
    )
    call_legs: list[CallLegRead]
    personal: PersonalData | None = Field(
        description="null unless you are a counselor or admin; every read is audited"
    )
    personal_data_purged: bool
    live: LiveStatus | None = None


class ConsultationPage(BaseModel):
    items: list[ConsultationRead]
    next_cursor: int | None = Field(description="pass as ?before= to get the next (older) page")


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
