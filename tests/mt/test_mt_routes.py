"""Pure route finding: direct, through the pivot, or none."""

from __future__ import annotations

import pytest

from app.mt.routes import find_route, reachability

PAIRS = {("en", "ja"), ("ja", "en"), ("ne", "en"), ("tl", "en"), ("en", "tl"), ("vi", "ja")}


@pytest.mark.parametrize(
    ("source", "target", "pivot", "route"),
    [
        ("en", "ja", "en", ("en", "ja")),
        ("vi", "ja", "en", ("vi", "ja")),
        ("ne", "ja", "en", ("ne", "en", "ja")),
        ("ja", "tl", "en", ("ja", "en", "tl")),
        ("ja", "ne", "en", None),
        ("ne", "ja", None, None),
        ("ko", "ja", "en", None),
        ("ja", "ja", "en", ("ja",)),
    ],
)
def test_find_route__table(
    source: str, target: str, pivot: str | None, route: tuple[str, ...] | None
) -> None:
    assert find_route(PAIRS, source, target, pivot) == route


def test_find_route__direct_is_preferred_to_pivot() -> None:
    assert find_route({("vi", "ja"), ("vi", "en"), ("en", "ja")}, "vi", "ja") == ("vi", "ja")


def test_reachability__alias_maps_desk_code_to_package_code() -> None:
    reach = reachability(PAIRS, "fil")

    assert reach.to_hub == ("fil", "en", "ja")
    assert reach.from_hub == ("ja", "en", "fil")
    assert reach.both_ways


def test_reachability__one_way_only() -> None:
    reach = reachability(PAIRS, "ne")

    assert (reach.to_hub, reach.from_hub, reach.both_ways) == (("ne", "en", "ja"), None, False)
