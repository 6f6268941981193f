"""The desk policy the engine applies, built from settings and the languages table (policy is data)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from app.config import Settings, parse_hours
from app.language.models import Language
from app.live.desk_calendar.schema import CalendarData, policy_hours
from routing import DeskPolicy, apply_overrides, default_policy_data, format_clock


def _hours(hours: str, days: list[str], settings: Settings, *, closed_dates: bool) -> dict[str, Any]:
    opens, closes = parse_hours(hours)
    data: dict[str, Any] = {
        "opens": format_clock(opens),
        "closes": format_clock(closes),
        "weekdays": days,
        "timezone": settings.timezone,
        "holiday_country": "JP" if settings.desk_holidays else None,
        "annual_closures": [{"start": "12-29", "end": "01-03"}] if settings.desk_year_end else [],
    }
    if closed_dates:
        data["closed_dates"] = [day.isoformat() for day in settings.desk_closed_dates]
    return data


def policy_data(
    settings: Settings, languages: Iterable[Language], calendar: CalendarData | None = None
) -> dict[str, Any]:
    """The policy as plain data. Hours come from the stored desk calendar when one is saved, else from the
    settings (where MADOGUCHI_ROUTING_POLICY_JSON may adjust them). The calendar is applied last: what the
    admin saved is what routing keeps and what residents are told, whatever the environment overrides."""
    data = default_policy_data()
    configured = {lang.code: lang.service_mode.value for lang in languages if lang.active}
    if configured:  # an unseeded database keeps the built-in languages of DOMAIN.md
        data["languages"] = configured
    data["desk_hours"] = _hours(settings.desk_hours, settings.desk_days, settings, closed_dates=True)
    data["interpreter_hours"] = _hours(
        settings.vendor_hours, settings.vendor_days, settings, closed_dates=False
    )
    data["wrap_up_s"] = settings.wrap_up_seconds
    if settings.routing_policy_json:
        data = apply_overrides(data, json.loads(settings.routing_policy_json))
    if calendar is not None:
        data.update(policy_hours(calendar, settings.timezone))
    return data


def build_policy(
    settings: Settings, languages: Iterable[Language], calendar: CalendarData | None = None
) -> DeskPolicy:
    return DeskPolicy.from_dict(policy_data(settings, languages, calendar))
