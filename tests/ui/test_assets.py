"""The one assets route: a fixed list per screen, one caching policy, gzip for clients that ask for it."""

from __future__ import annotations

import gzip
from collections import Counter

import pytest
from httpx import AsyncClient

from app.ui.assets import ALIASES, CACHE_CONTROL, CATALOGUE, accepts_gzip, plotly_js_path
from app.ui.templating import template_dirs

PLOTLY = "/reports/assets/plotly.min.js"


async def test_plotly__gzipped_and_byte_identical_after_decompression(client: AsyncClient) -> None:
    async with client.stream("GET", PLOTLY, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == CACHE_CONTROL
    assert "accept-encoding" in response.headers["vary"].lower()
    original = plotly_js_path().read_bytes()
    assert len(raw) < len(original) // 2
    assert gzip.decompress(raw) == original


async def test_plotly__plain_for_clients_without_gzip(client: AsyncClient) -> None:
    response = await client.get(PLOTLY, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.content == plotly_js_path().read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/static/staff.css",
        "/call/static/call.js",
        "/chat-assets/chat.js",
        "/reservation-assets/reserve.css",
        "/resident-assets/resident.js",
        "/reports/assets/dashboard.js",
        PLOTLY,
        "/assets/shared/i18n.js",
    ],
)
async def test_every_asset__one_caching_policy_and_304_when_unchanged(client: AsyncClient, path: str) -> None:
    first = await client.get(path)
    assert first.status_code == 200, path
    assert first.headers["cache-control"] == CACHE_CONTROL
    again = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"] == CACHE_CONTROL


async def test_assets__head_gives_the_headers(client: AsyncClient) -> None:
    response = await client.head("/call/static/call.js")
    assert response.status_code == 200 and response.headers["cache-control"] == CACHE_CONTROL


async def test_favicon__the_apps_icon_not_a_404(client: AsyncClient) -> None:
    """Browsers fetch /favicon.ico on every page; a 404 there was noise in every console."""
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.content.startswith(b"<svg") and response.headers["cache-control"] == CACHE_CONTROL


@pytest.mark.parametrize(
    "path",
    ["/assets/call/pages.py", "/assets/nowhere/call.js", "/assets/call/..%2Fpages.py", "/static/base.html"],
)
async def test_assets__only_the_fixed_list(client: AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


def test_aliases__name_screens_that_have_assets() -> None:
    assert set(ALIASES.values()) <= set(CATALOGUE)


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("*", True),
        (None, False),
        ("gzip;q=x", False),
        ("gzip;q=0, *", False),
        ("identity, *;q=0.1", True),
    ],
)
def test_accepts_gzip(header: str | None, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_template_names__unique_across_screens() -> None:
    names = Counter(path.name for folder in template_dirs() for path in folder.iterdir())
    assert [name for name, count in names.items() if count > 1] == []
