"""What a resident can really do when nobody can serve their language now: the choices that exist.

Only choices someone keeps: machine-translated chat when a model reaches Japanese both ways, a reservation
when the desk takes them, the desk's phone when one is configured. A callback needs a number to call back,
which a screen cannot take yet, so screens do not offer it (the phone line does).
"""

from __future__ import annotations

from typing import Literal

from app.mt.service import STAFF_LANGUAGE
from app.mt.translator import AsyncMachineTranslator
from routing import Availability, DeskPolicy, FallbackOption, LanguageAvailability

Choice = Literal["mt_chat", "reservation", "phone"]
SCREEN_CHOICES: tuple[Choice, ...] = ("mt_chat", "reservation", "phone")


async def reaches_japanese(translator: AsyncMachineTranslator, language: str) -> bool:
    """Machine translation between `language` and Japanese works both ways (the chat's own test)."""
    if language == STAFF_LANGUAGE:
        return True
    return (await translator.reachable(language, STAFF_LANGUAGE)).both_ways


async def choices_for(
    language: str,
    options: tuple[str, ...],
    translator: AsyncMachineTranslator,
    desk_phone: str | None,
) -> list[Choice]:
    """Of routing's fallback `options`, those a screen can offer for `language` now, and the desk's phone."""
    found: list[Choice] = []
    if FallbackOption.MT_CHAT.value in options and await reaches_japanese(translator, language):
        found.append("mt_chat")
    if FallbackOption.RESERVATION.value in options:
        found.append("reservation")
    if desk_phone:
        found.append("phone")
    return found


async def language_choices(
    availability: LanguageAvailability,
    policy: DeskPolicy,
    translator: AsyncMachineTranslator,
    desk_phone: str | None,
) -> list[Choice]:
    """The choices shown with a language that cannot be served now (none while it can)."""
    if availability.status is Availability.AVAILABLE_NOW:
        return []
    if availability.status is Availability.BOOK_AHEAD:
        options: tuple[str, ...] = (FallbackOption.RESERVATION.value,)
    else:
        options = tuple(option.value for option in policy.fallback_options)
    return await choices_for(availability.language, options, translator, desk_phone)
