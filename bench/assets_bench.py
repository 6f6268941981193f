"""Bytes of plotly.js a dashboard visit transfers: uncompressed, gzipped with no-cache, hashed and immutable.

    python bench/assets_bench.py

Runs the app in process (httpx ASGI transport, no network) and counts response body bytes of a first and a
repeat visit as a browser makes them: uncompressed (as the issue found it), gzipped at the plain no-cache
address (a revalidation, 304, on every visit) and at the hashed immutable address (no request while fresh).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from httpx import ASGITransport, AsyncClient

from app.config import Mode, Settings
from app.main import create_app
from app.ui.asset_files import hashed_url

PLAIN = "/reports/assets/plotly.min.js"


async def main() -> None:
    settings = Settings(mode=Mode.dev, database_url="sqlite+aiosqlite://", secret_key="bench-" + "x" * 40)
    app = create_app(settings)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:

        async def size(url: str, **headers: str) -> tuple[int, int, str]:
            async with client.stream("GET", url, headers=headers) as response:
                body = b"".join([chunk async for chunk in response.aiter_raw()])
            return response.status_code, len(body), response.headers.get("etag", "")

        _, plain, _ = await size(PLAIN, **{"Accept-Encoding": "identity"})
        _, zipped, etag = await size(hashed_url("report", "plotly.min.js"), **{"Accept-Encoding": "gzip"})
        status, revalidated, _ = await size(PLAIN, **{"Accept-Encoding": "gzip", "If-None-Match": etag})
    print("| visit | uncompressed | gzip, no-cache address | gzip, hashed immutable address |")
    print("|---|---:|---:|---:|")
    print(f"| first | {plain:,} B | {zipped:,} B ({zipped / plain:.0%}) | {zipped:,} B |")
    print(f"| repeat | {plain:,} B | {revalidated} B body, one round trip ({status}) | no request |")


if __name__ == "__main__":
    asyncio.run(main())
