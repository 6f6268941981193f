"""What the counselor console sends and reads about a running call."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.bounds import ID_MAX
from routing import FallbackOption


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_counselor_id: int = Field(
        ge=1, le=ID_MAX, description="staff user id of a counselor free to take the call"
    )


class TransferTarget(BaseModel):
    counselor_id: int
    display_name: str
    languages: list[str] = Field(description="languages spoken besides Japanese")


class TransferTargets(BaseModel):
    consultation_id: str
    counselors: list[TransferTarget] = Field(
        description="present and free to take this call, in routing order"
    )


class FallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    option: FallbackOption
