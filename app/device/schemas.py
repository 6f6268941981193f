"""What a counter tablet reads about where it stands."""

from __future__ import annotations

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
