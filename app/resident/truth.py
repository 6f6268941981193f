"""What a resident is told about their language before a case is opened, ready to show in their language.

One answer for the resident's own page and the counter tablet: served now (with the console's wait
estimate), later today at that language's own opening, by reservation, or not now; and the choices that
exist. Nothing here promises what routing would not do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.i18n.runtime import Translator
from app.mt.translator import AsyncMachineTranslator
from app.resident.choices import Choice, language_choices
from routing import Availability, DeskPolicy, LanguageAvailability, ServiceMode


@dataclass(frozen=True, slots=True)
class LanguageTruth:
    """One language now, in the resident's language."""

    language: str
    status: Availability
    served_now: bool
    can_wait: bool  # open desk and hours, nobody to serve it now: the resident may still queue for someone
    desk_open: bool
    title: str | None  # None while it is served now
    next_opening: str | None  # "today at 10:00" or a date and time; None when not known or the title says it
    estimated_wait_s: int | None
    opens_at: datetime | None
    choices: list[Choice]


def next_text(tr: Translator, zone: ZoneInfo, status: Availability, opens_at: datetime | None) -> str | None:
    """When the language is served next, in the resident's language (None: not known)."""
    if opens_at is None:
        return None
    local = opens_at.astimezone(zone)
    if status is Availability.LATER_TODAY:
        return tr.t("closed.later_today", time=tr.format_time(local))
    return tr.t("closed.next", date=tr.format_date(local.date()), time=tr.format_time(local))


async def language_truth(
    availability: LanguageAvailability | None,
    policy: DeskPolicy,
    tr: Translator,
    zone: ZoneInfo,
    mt: AsyncMachineTranslator,
    desk_phone: str | None,
    now: datetime,
    *,
    joining_reservation: bool = False,
) -> LanguageTruth:
    """The truth about a language at `now` (`availability` is routing's answer for it), told in `tr`'s."""
    desk_open = policy.desk_hours.is_open(now)
    language = availability.language if availability is not None else tr.lang  # tr may be the staff's
    status = availability.status if availability is not None else Availability.CLOSED
    reservation_only = policy.mode_of(language) is ServiceMode.RESERVATION and not joining_reservation
    served_now = joining_reservation or status is Availability.AVAILABLE_NOW
    opens_at = availability.opens_at if availability is not None else None
    title: str | None = None
    upcoming: str | None = None
    if not served_now:
        upcoming = next_text(tr, zone, status, opens_at)
        if not desk_open:
            title = tr.t("closed.title")
        elif reservation_only:
            title = tr.t("alt.reservation_only")
        elif status is Availability.LATER_TODAY and upcoming is not None:
            title, upcoming = upcoming, None
        else:
            title = tr.t("closed.not_now")
    choices: list[Choice] = []
    if availability is not None and not served_now:
        choices = await language_choices(availability, policy, mt, desk_phone)
    return LanguageTruth(
        language=language,
        status=status,
        served_now=served_now,
        can_wait=desk_open
        and not served_now
        and not reservation_only
        and status is Availability.CLOSED
        and opens_at is None,
        desk_open=desk_open,
        title=title,
        next_opening=upcoming,
        estimated_wait_s=availability.estimated_wait_s if availability is not None and served_now else None,
        opens_at=opens_at,
        choices=choices,
    )
