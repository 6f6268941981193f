"""The counter tablet's opening hours come from the desk calendar in force: per-weekday hours, its closures,
in each language (`_opening_hours` of `/call/i18n/<lang>.json`), never a fixed "weekdays"."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from app.i18n import translator
from tests.live.test_desk_calendar_admin import (
    TODAY,
    _calendar,
    _times,
    _week,
    settings,  # noqa: F401 (fixture: weekdays 09:00-17:00)
)


async def test_the_tablet_says_the_saved_calendars_days_hours_and_closures(
    app_and_client: tuple[Any, AsyncClient],
    auth: dict[str, dict[str, str]],
) -> None:
    _, client = app_and_client
    body = _calendar(TODAY, desk={**_week("10:00", "16:00"), "sat": {"opens": "10:00", "closes": "12:00"}})
    saved = await client.post("/api/v1/admin/calendar", json=body, headers=auth["admin"])
    assert saved.status_code == 201, saved.text
    for lang in ("en", "ja", "th", "uk"):
        tr = translator(lang)
        said = (await client.get(f"/call/i18n/{lang}.json")).json()["_opening_hours"]
        weekdays = tr.t(
            "closed.hours", days=tr.format_days(range(5)), hours=tr.format_hours(*_times("10:00", "16:00"))
        )
        saturday = tr.t(
            "closed.hours", days=tr.format_days([5]), hours=tr.format_hours(*_times("10:00", "12:00"))
        )
        assert weekdays in said and saturday in said, (lang, said)
        assert tr.t("closed.holidays") in said and tr.t("closed.year_end") in said, (lang, said)
        assert tr.format_days([6]) not in said  # closed on Sundays: not named
