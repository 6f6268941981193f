"""The admin's saved desk calendar decides the hours routing keeps, even where MADOGUCHI_ROUTING_POLICY_JSON
adjusts hours too: otherwise the calendar screen (and the residents' page, which reads it) would promise one
thing while routing did another. The JSON's other sections still apply."""

from __future__ import annotations

import json

from app.config import Mode, Settings
from app.live.desk_calendar.schema import CalendarData
from app.live.policy import policy_data

OVERRIDES = {
    "desk_hours": {"holiday_country": None, "annual_closures": []},
    "interpreter_hours": {"holiday_country": None},
    "offers": {"timeout_s": 30},
}


def _settings() -> Settings:
    return Settings(
        mode=Mode.dev,
        database_url="sqlite+aiosqlite://",
        timezone="Asia/Tokyo",
        desk_hours="09:00-17:00",
        routing_policy_json=json.dumps(OVERRIDES),
    )


def test_without_a_saved_calendar__the_json_adjusts_the_settings_hours() -> None:
    data = policy_data(_settings(), [])
    assert data["desk_hours"]["holiday_country"] is None and data["desk_hours"]["annual_closures"] == []
    assert data["desk_hours"]["opens"] == "09:00"
    assert data["offers"]["timeout_s"] == 30


def test_a_saved_calendar__wins_over_the_json_for_hours_and_only_for_hours() -> None:
    settings = _settings()
    calendar = CalendarData.from_settings(settings).model_copy(
        update={"national_holidays": True, "year_end": True}
    )
    data = policy_data(settings, [], calendar)
    assert data["desk_hours"]["holiday_country"] == "JP"
    assert data["desk_hours"]["annual_closures"] != []
    assert data["interpreter_hours"]["holiday_country"] == "JP"
    assert data["offers"]["timeout_s"] == 30
