"""Every category of a chart has its own colour, and a category has the same colour in every chart.

Asserted on the figures the dashboard page embeds for plotly (the chart spec dashboard.js reads), and on
the palette itself: distinct and far apart in CIELAB, so neighbours in a stack stay apart.
"""

from __future__ import annotations

import itertools
import json
import re

from httpx import AsyncClient

from app.report.palette import NOT_RECORDED_COLOR, PALETTE
from app.seed.data import CENTRAL_MUNICIPALITY, OUTSIDE_AREA

_HEX = re.compile(r"^#[0-9A-F]{6}$")
_EMBEDDED = re.compile(r'<script id="report-data" type="application/json">(.*?)</script>', re.S)


def _lab(colour: str) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(v: float) -> float:
        return v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_palette__colours_are_distinct_and_far_apart() -> None:
    assert all(_HEX.match(c) for c in (*PALETTE, NOT_RECORDED_COLOR))
    assert len(set(PALETTE)) == len(PALETTE) and NOT_RECORDED_COLOR not in PALETTE
    closest = min(
        sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5
        for a, b in itertools.combinations((*PALETTE, NOT_RECORDED_COLOR), 2)
    )
    assert closest >= 18


async def _chart_data(client: AsyncClient, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    page = await client.get("/reports", headers=headers)
    assert page.status_code == 200
    match = _EMBEDDED.search(page.text)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


async def test_dashboard__every_category_in_each_chart_has_its_own_colour(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    data = await _chart_data(client, auth["admin"])
    for key in ("cases_by_municipality", "cases_by_language", "cases_by_channel", "cases_by_topic"):
        categories = data[key]["categories"]
        colours = [c["color"] for c in categories]
        assert all(isinstance(c, str) and _HEX.match(c) for c in colours), (key, colours)
        assert len(set(colours)) == len(colours), (key, categories)
    # the 15 languages and the 11 municipality choices (with 'outside the area') all appear, each distinct
    assert len(data["cases_by_language"]["categories"]) >= 15
    municipality = {c["code"]: c["color"] for c in data["cases_by_municipality"]["categories"]}
    assert municipality[OUTSIDE_AREA] != municipality[CENTRAL_MUNICIPALITY]  # Kurashiki


async def test_dashboard__a_category_has_the_same_colour_in_every_chart(
    client: AsyncClient, auth: dict[str, dict[str, str]], hand_cases: dict[str, str]
) -> None:
    data = await _chart_data(client, auth["admin"])
    municipality = {c["code"]: c["color"] for c in data["cases_by_municipality"]["categories"]}
    for row in data["residents"]["rows"]:
        assert row["municipality"]["color"] == municipality[row["municipality"]["code"]]
    language = {c["code"]: c["color"] for c in data["cases_by_language"]["categories"]}
    interpreter = data["interpreter_minutes"]
    assert interpreter["rows"], "the hand cases include interpreted calls"
    for category in interpreter["languages"] + [r["language"] for r in interpreter["rows"]]:
        assert category["color"] == language[category["code"]]
    # and across requests: filtering to one language keeps that language's colour
    code, colour = next(iter(language.items()))
    params = {"by": "language", "language": code}
    only = await client.get("/api/v1/reports/cases", headers=auth["admin"], params=params)
    assert only.json()["categories"] == [{**only.json()["categories"][0], "color": colour}]
