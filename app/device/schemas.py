"""What a counter tablet reads about where it stands."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.enums import Channel, SiteKind


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


class LanguageTruthText(BaseModel):
    """What the tablet shows about one language, in one language (the resident's, or Japanese for staff)."""

    lang: str
    title: str | None = Field(description="None while the language is served now")
    next_opening: str | None = Field(description="when it is served next, when known and not in the title")
    hours: str = Field(description="the desk's hours in this language's own punctuation")
    phone: str | None = Field(description="'Call us: …' when the desk has a phone")


class TabletLanguageRead(BaseModel):
    """Before a case is opened at the tablet: can this language be served now, and if not, what then."""

    language: str
    status: Literal["available_now", "later_today", "book_ahead", "closed"]
    served_now: bool
    can_wait: bool = Field(description="nobody to serve it now, but the desk is open: queuing is possible")
    estimated_wait_s: int | None = Field(description="the wait a new arrival faces: the console's estimate")
    opens_at: datetime | None
    choices: list[str] = Field(description="mt_chat, reservation, phone: the other ways that exist")
    own: LanguageTruthText
    ja: LanguageTruthText


class TabletLanguageStatusRead(BaseModel):
    """One language button's line: what can happen now, in that language itself."""

    language: str
    status: Literal["available_now", "later_today", "book_ahead", "closed"]
    label: str = Field(description="e.g. 'Today from 10:00', written in the language itself")
