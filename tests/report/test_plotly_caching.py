"""plotly.js (4.8 MB): gzipped, at a content-hashed address cached for a year; revalidation is a 304."""

from __future__ import annotations

import gzip
import re

from httpx import AsyncClient

from app.ui.asset_files import CACHE_CONTROL, IMMUTABLE, hashed_url, plotly_js_path

_SCRIPT = re.compile(r'<script src="(/assets/report/plotly\.min\.[0-9a-f]{12}\.js)"></script>')
_STYLE = re.compile(r'href="(/assets/report/plotly\.[0-9a-f]{12}\.css)"')


async def test_dashboard__names_plotly_by_its_content_hash(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    page = await client.get("/reports", headers=auth["admin"])
    assert page.status_code == 200
    script = _SCRIPT.search(page.text)
    style = _STYLE.search(page.text)
    assert script is not None and script.group(1) == hashed_url("report", "plotly.min.js")
    assert style is not None and style.group(1) == hashed_url("report", "plotly.css")
    assert "/reports/assets/plotly.min.js" not in page.text


async def test_hashed_plotly__gzipped_much_smaller_and_immutable(client: AsyncClient) -> None:
    url = hashed_url("report", "plotly.min.js")
    async with client.stream("GET", url, headers={"Accept-Encoding": "gzip, br"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    original = plotly_js_path().read_bytes()
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert len(original) > 3_000_000
    assert len(raw) < len(original) // 3  # about 1.4 MB instead of 4.8 MB
    assert gzip.decompress(raw) == original


async def test_hashed_plotly__conditional_request_is_304(client: AsyncClient) -> None:
    url = hashed_url("report", "plotly.min.js")
    first = await client.get(url, headers={"Accept-Encoding": "gzip"})
    again = await client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"] == IMMUTABLE
    # the plain copy has its own ETag: a gzip ETag does not validate an identity response
    plain_headers = {"Accept-Encoding": "identity", "If-None-Match": first.headers["etag"]}
    plain = await client.get(url, headers=plain_headers)
    assert plain.status_code == 200 and "content-encoding" not in plain.headers


async def test_stale_or_unknown_hash__current_file_revalidated_or_404(client: AsyncClient) -> None:
    stale = await client.get("/assets/report/plotly.min.000000000000.js")
    assert stale.status_code == 200 and stale.headers["cache-control"] == CACHE_CONTROL
    assert (await client.get("/assets/report/nothing.0123456789ab.js")).status_code == 404
    assert (await client.get("/assets/report/plotly.min.0123456789AB.js")).status_code == 404
