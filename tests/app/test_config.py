from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import DEFAULT_SECRET, Mode, Settings, describe_settings_error


def test_production__refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError) as info:
        Settings(mode=Mode.production, secret_key=DEFAULT_SECRET)
    assert "MADOGUCHI_SECRET_KEY" in str(info.value)


def test_dev__accepts_the_default_secret() -> None:
    assert Settings(mode=Mode.dev).secret_key == DEFAULT_SECRET


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("desk_hours", "9-5", "HH:MM-HH:MM"),
        ("desk_hours", "17:00-09:00", "before closing"),
        ("vendor_hours", "10:00-25:00", "not a valid time"),
        ("timezone", "Mars/Olympus", "IANA"),
        ("desk_days", "mon,funday", "weekdays"),
        ("database_url", "mysql://x/y", "sqlite+aiosqlite"),
    ],
)
def test_bad_values__say_what_is_accepted(
    monkeypatch: pytest.MonkeyPatch, field: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv("MADOGUCHI_MODE", "dev")
    monkeypatch.setenv(f"MADOGUCHI_{field.upper()}", value)
    with pytest.raises(ValidationError) as info:
        Settings()
    message = describe_settings_error(info.value)
    assert f"MADOGUCHI_{field.upper()}" in message
    assert fragment in message


def test_env__lists_and_postgres_urls_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MADOGUCHI_MODE", "dev")
    monkeypatch.setenv("MADOGUCHI_DESK_DAYS", "Mon,Tue,Sat")
    monkeypatch.setenv("MADOGUCHI_DATABASE_URL", "postgresql://u@h/db")
    settings = Settings()
    assert settings.desk_days == ["mon", "tue", "sat"]
    assert settings.database_url == "postgresql+asyncpg://u@h/db"


def test_desk_hours__24_00_is_the_end_of_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MADOGUCHI_MODE", "dev")
    monkeypatch.setenv("MADOGUCHI_DESK_HOURS", "00:00-24:00")
    monkeypatch.setenv("MADOGUCHI_DESK_CLOSED_DATES", "2026-12-24, 2026-08-14")
    monkeypatch.setenv("MADOGUCHI_DESK_HOLIDAYS", "false")
    settings = Settings()
    assert settings.desk_hours == "00:00-24:00"
    assert [d.isoformat() for d in settings.desk_closed_dates] == ["2026-08-14", "2026-12-24"]
    assert settings.desk_holidays is False and settings.desk_year_end is True


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("desk_hours", "00:00-24:30", "not a valid time"),
        ("desk_hours", "24:00-24:00", "not a valid time"),
        ("desk_closed_dates", "2026-12-24,24/12/2026", "YYYY-MM-DD"),
        ("resident_gone_seconds", "0", "greater than or equal to 5"),
    ],
)
def test_calendar_and_grace_settings__bad_values_say_what_is_accepted(
    monkeypatch: pytest.MonkeyPatch, field: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv("MADOGUCHI_MODE", "dev")
    monkeypatch.setenv(f"MADOGUCHI_{field.upper()}", value)
    with pytest.raises(ValidationError) as info:
        Settings()
    message = describe_settings_error(info.value)
    assert f"MADOGUCHI_{field.upper()}" in message and fragment in message
