"""What a counselor sends to log a phone consultation after the call."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.bounds import Instant
from app.consultation.schemas import ResidentAttributes
from app.enums import Outcome

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PhoneConsultationCreate(BaseModel):
    """A phone consultation logged after the call: the case and its record in one step."""

    model_config = _STRICT

    language: str = Field(min_length=2, max_length=8, description="a language code from /api/v1/languages")
    resident_municipality: str | None = Field(
        default=None, description="JIS code from /api/v1/municipalities, or 'outside'"
    )
    topics: list[str] = Field(min_length=1, max_length=16, description="topic codes; at least one")
    duration_minutes: int = Field(ge=1, le=600, description="length of the call in whole minutes")
    ended_at: Instant | None = Field(default=None, description="when the call ended (default: now)")
    outcome: Outcome | None = None
    referral_to: str | None = Field(default=None, max_length=200, description="required for referred")
    follow_up: bool = False
    attributes: ResidentAttributes = Field(default_factory=ResidentAttributes)
    notes: str | None = Field(default=None, max_length=20000, description="encrypted; counselors and admins")
