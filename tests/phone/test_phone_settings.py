"""Phone settings are checked at start, with messages that name the variable and what it accepts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings, describe_settings_error
from app.phone.runtime import line_config
from app.phone.sip import parse_registrar


def _settings(**values: object) -> Settings:
    return Settings(mode="dev", **values)  # type: ignore[arg-type]


def test_defaults__off_with_a_15_second_silence_timeout() -> None:
    settings = _settings()
    assert settings.phone_enabled is False
    assert settings.phone_silence_timeout_seconds == 15.0
    config = line_config(settings)
    assert (config.codecs, config.rtp_ports, config.registrar) == (("PCMU", "PCMA"), (20000, 20999), None)


def test_registrar_user_password_and_codecs_reach_the_line() -> None:
    config = line_config(
        _settings(
            phone_registrar="pbx.city.local:5080", phone_user="7001", phone_password="pw", phone_codecs="pcma"
        )
    )
    assert (config.registrar, config.user, config.password, config.codecs) == (
        ("pbx.city.local", 5080),
        "7001",
        "pw",
        ("PCMA",),
    )


@pytest.mark.parametrize(
    ("value", "expected"), [("pbx.local", ("pbx.local", 5060)), ("sip:10.0.0.2:5070", ("10.0.0.2", 5070))]
)
def test_parse_registrar(value: str, expected: tuple[str, int]) -> None:
    assert parse_registrar(value) == expected


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("phone_codecs", "G729", "MADOGUCHI_PHONE_CODECS"),
        ("phone_rtp_ports", "30000-20000", "MADOGUCHI_PHONE_RTP_PORTS"),
        ("phone_rtp_ports", "80-90", "MADOGUCHI_PHONE_RTP_PORTS"),
        ("phone_rtp_ports", "lots", "MADOGUCHI_PHONE_RTP_PORTS"),
        ("phone_silence_timeout_seconds", 0, "MADOGUCHI_PHONE_SILENCE_TIMEOUT_SECONDS"),
    ],
)
def test_bad_values__stop_the_start_with_the_variable_named(field: str, value: object, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _settings(**{field: value})
    assert says in describe_settings_error(caught.value)


def test_sip_allow_list_and_pending_limits_reach_the_line() -> None:
    config = line_config(
        _settings(
            phone_sip_allowed_sources="10.1.2.3, 192.0.2.0/24",
            phone_sip_max_pending_per_source=2,
            phone_sip_max_pending=5,
        )
    )
    assert config.allowed_sources == ("10.1.2.3", "192.0.2.0/24")
    assert (config.max_pending_per_source, config.max_pending) == (2, 5)
    assert line_config(_settings()).allowed_sources == ("127.0.0.0/8", "::1/128")  # loopback unless told


def test_sip_allow_list__a_bad_entry_is_named() -> None:
    with pytest.raises(ValidationError, match=r"'pbx\.city\.local'"):
        _settings(phone_sip_allowed_sources="10.0.0.0/8,pbx.city.local")
