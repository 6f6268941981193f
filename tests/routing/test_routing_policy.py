# mypy: allow-untyped-defs, allow-incomplete-defs, allow-untyped-decorators, allow-untyped-calls
"""Desk policy as data: defaults, the plain-data round trip, and loud failures on bad data."""

from __future__ import annotations

import json

import pytest

from routing import DeskPolicy, FallbackOption, PolicyError, ServiceMode, default_policy_data


@pytest.mark.parametrize(
    ("language", "mode"),
    [
        *[(code, ServiceMode.ON_SITE) for code in ("ja", "en", "zh", "vi")],
        *[
            (code, ServiceMode.REMOTE)
            for code in ("ko", "pt", "es", "ne", "fil", "id", "hi", "th", "fr", "ru")
        ],
        ("uk", ServiceMode.RESERVATION),
    ],
)
def test_default_policy__language_modes(language, mode):
    assert DeskPolicy.default().mode_of(language) is mode


def test_default_policy__unknown_language__has_no_mode():
    assert DeskPolicy.default().mode_of("tlh") is None


def test_policy__json_round_trip__is_equal():
    policy = DeskPolicy.default()
    assert DeskPolicy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy


def test_policy__vendor_override__applies_to_that_vendor_only():
    data = default_policy_data()
    data["vendor_hours"] = {"night-owls": {"opens": "09:00", "closes": "22:00"}}
    policy = DeskPolicy.from_dict(data)
    assert policy.hours_for_vendor("night-owls").closes.hour == 22
    assert policy.hours_for_vendor("default") == policy.interpreter_hours


def test_policy__is_immutable():
    policy = DeskPolicy.default()
    with pytest.raises(TypeError):
        policy.languages["xx"] = ServiceMode.REMOTE  # type: ignore[index]


def test_policy__desk_may_move_a_language__data_not_code():
    data = default_policy_data()
    data["languages"]["pt"] = "on_site"
    data["fallback_options"] = ["callback"]
    policy = DeskPolicy.from_dict(data)
    assert policy.mode_of("pt") is ServiceMode.ON_SITE
    assert policy.fallback_options == (FallbackOption.CALLBACK,)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("languages", "en"), "telepathy"),
        (("offers", "timeout_s"), 0),
        (("offers", "timeout_s"), "20"),
        (("offers", "max_missed_in_row"), True),
        (("offers", "ring_tone"), 3),
        (("relaxation", "gender_after_s"), -1),
        (("estimates", "smoothing"), 1.5),
        (("fallback_options",), ["carrier_pigeon"]),
        (("fallback_options",), []),
        (("languages",), {}),
        (("desk_hours", "opens"), "25:00"),
        (("colour",), "blue"),
    ],
)
def test_policy_from_dict__bad_value__raises_policy_error(path, value):
    data = default_policy_data()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(PolicyError):
        DeskPolicy.from_dict(data)


def test_policy_from_dict__missing_required_section__raises_policy_error():
    data = default_policy_data()
    del data["desk_hours"]
    with pytest.raises(PolicyError, match="desk_hours"):
        DeskPolicy.from_dict(data)


def test_policy__relaxation_can_be_disabled_with_null():
    data = default_policy_data()
    data["relaxation"]["gender_after_s"] = None
    assert DeskPolicy.from_dict(data).relaxation.gender_after_s is None
