"""The rule for re-announcing a caller's estimated wait."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime.wait_announcement import Announced, AnnouncePolicy, should_announce, spoken_minutes

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = AnnouncePolicy(min_change_minutes=3, min_change_ratio=0.5, min_interval_s=60)


@pytest.mark.parametrize(
    ("wait_s", "minutes"), [(0, 1), (1, 1), (59, 1), (60, 1), (61, 2), (600, 10), (601, 11)]
)
def test_spoken_minutes__rounded_up_never_zero(wait_s: int, minutes: int) -> None:
    assert spoken_minutes(wait_s) == minutes


@pytest.mark.parametrize(
    ("last_min", "new_min", "after_s", "expected", "why"),
    [
        (10, 13, 120, True, "3 minutes longer"),
        (10, 7, 120, True, "3 minutes shorter"),
        (10, 12, 120, False, "2 minutes is 20%: not enough"),
        (2, 3, 120, True, "2 -> 3 is 50%"),
        (2, 1, 120, True, "2 -> 1 is 50%"),
        (4, 5, 120, False, "25% and 1 minute"),
        (10, 20, 30, False, "big change, but 30 s after the last announcement"),
        (10, 20, 60, True, "big change, a minute later"),
        (5, 5, 600, False, "unchanged, however long ago"),
    ],
)
def test_should_announce__change_and_interval(
    last_min: int, new_min: int, after_s: int, expected: bool, why: str
) -> None:
    last = Announced(wait_s=last_min * 60, at=T0)
    assert should_announce(last, new_min * 60, T0 + timedelta(seconds=after_s), POLICY) is expected, why


def test_should_announce__first_estimate_yes_unknown_estimate_never() -> None:
    assert should_announce(None, 300, T0, POLICY)
    assert not should_announce(None, None, T0, POLICY)
    assert not should_announce(Announced(300, T0), None, T0 + timedelta(hours=1), POLICY)


def test_should_announce__compares_spoken_minutes_not_seconds() -> None:
    """4:10 and 4:50 are both "5 minutes": saying it again would be noise."""
    assert not should_announce(Announced(250, T0), 290, T0 + timedelta(minutes=5), POLICY)


@pytest.mark.parametrize(
    "kwargs", [{"min_change_minutes": 0}, {"min_change_ratio": 0}, {"min_interval_s": -1}]
)
def test_policy__refuses_thresholds_that_would_chatter(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AnnouncePolicy(**kwargs)  # type: ignore[arg-type]


@given(
    estimates=st.lists(st.integers(min_value=0, max_value=3600), min_size=1, max_size=200),
    step_s=st.integers(min_value=1, max_value=30),
)
def test_should_announce__never_twice_within_the_interval(estimates: list[int], step_s: int) -> None:
    """Whatever routing reports, announcements are at least min_interval_s apart."""
    last: Announced | None = None
    times: list[datetime] = []
    for i, estimate in enumerate(estimates):
        now = T0 + timedelta(seconds=i * step_s)
        if should_announce(last, estimate, now, POLICY):
            last = Announced(estimate, now)
            times.append(now)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(gap >= POLICY.min_interval_s for gap in gaps)
    assert times and times[0] == T0  # the first estimate is always said
