"""What the chat and summary endpoints accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.chat.service import MAX_MESSAGE_CHARS, MAX_SUMMARY_CHARS
from routing import FallbackOption

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ChatMessageIn(BaseModel):
    model_config = _STRICT

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class ChatMessageRead(BaseModel):
    id: int
    sender: Literal["counselor", "resident"]
    text: str = Field(description="in the reader's language (Japanese for staff)")
    original: str
    original_language: str
    translated: str
    target_language: str
    route: str = Field(description="languages the text went through, e.g. ne>en>ja")
    machine_translated: bool
    created_at: datetime


class ChatRead(BaseModel):
    consultation_id: str
    language: str = Field(description="the resident's language")
    open: bool
    messages: list[ChatMessageRead]


class FallbackChoiceIn(BaseModel):
    model_config = _STRICT

    option: FallbackOption = FallbackOption.MT_CHAT


class ChatStatusRead(BaseModel):
    consultation_id: str
    language: str
    status: str
    open: bool
    fallback: dict[str, Any] | None = Field(description="the fallback routing offered: reason and options")
    machine_translation: dict[str, Any] = Field(
        description="available both ways, routes to and from Japanese, and the missing pair if any"
    )


class SummaryIn(BaseModel):
    model_config = _STRICT

    text: str = Field(min_length=1, max_length=MAX_SUMMARY_CHARS)
    language: str = Field(min_length=2, max_length=8, description="a language code from /api/v1/languages")


class SummaryRead(BaseModel):
    id: int
    original: str
    language: str
    japanese: str
    route: str
    machine_translated: bool
    created_at: datetime
