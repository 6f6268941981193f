from __future__ import annotations

from httpx import AsyncClient

from app import migrate
from app.config import Settings


async def test_healthz__ok(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_readyz__ok_at_head(client: AsyncClient, settings: Settings) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["migrations"]["current"] == migrate.head_revision(settings.database_url)


async def test_readyz__503_when_schema_is_behind(client: AsyncClient, settings: Settings) -> None:
    import asyncio

    await asyncio.to_thread(migrate.downgrade, settings.database_url, "base")
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"]["current"] is None
    await asyncio.to_thread(migrate.upgrade, settings.database_url)


async def test_openapi__lists_the_api(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/api/v1/consultations", "/api/v1/languages", "/api/v1/municipalities"} <= set(paths)
