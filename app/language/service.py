"""Whether a language can be served at a moment, from the desk's and the vendor's hours."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from app.config import Settings
from app.db import utcnow
from app.enums import ServiceMode
from app.hours import OpeningHours

Availability = Literal["now", "book_ahead", "closed"]


def desk_hours(settings: Settings) -> OpeningHours:
    return OpeningHours.parse(settings.desk_hours, settings.desk_days, settings.timezone)


def vendor_hours(settings: Settings) -> OpeningHours:
    return OpeningHours.parse(settings.vendor_hours, settings.vendor_days, settings.timezone)


def availability_now(settings: Settings, mode: ServiceMode, now: datetime | None = None) -> Availability:
    """'closed' outside desk hours; remote languages outside the vendor's hours and reservation-only
    languages are 'book_ahead'. The live roster (who is signed in) refines this in the routing engine."""
    now = now or utcnow()
    if not desk_hours(settings).is_open(now):
        return "closed"
    if mode is ServiceMode.reservation:
        return "book_ahead"
    if mode is ServiceMode.remote and not vendor_hours(settings).is_open(now):
        return "book_ahead"
    return "now"
