"""An operator's partial policy merges into the full one section by section (settings check it at start)."""

from __future__ import annotations

import pytest

from routing import DeskPolicy, apply_overrides, default_policy_data


@pytest.mark.parametrize(
    ("overrides", "section", "expected"),
    [
        (
            {"offers": {"timeout_s": 30}},
            "offers",
            {"timeout_s": 30, "max_missed_in_row": 2, "redial_cooldown_s": 60},
        ),
        ({"staff_language": "en"}, "staff_language", "en"),
        ({"fallback_options": ["callback"]}, "fallback_options", ["callback"]),
    ],
)
def test_apply_overrides__replaces_only_what_is_named(overrides, section, expected) -> None:
    data = default_policy_data()
    merged = apply_overrides(data, overrides)
    assert merged[section] == expected
    assert {k: v for k, v in merged.items() if k != section} == {
        k: v for k, v in data.items() if k != section
    }
    assert data == default_policy_data()  # the input is not changed
    DeskPolicy.from_dict(merged)
