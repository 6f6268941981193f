from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.enums import ServiceMode
from app.geography.models import Municipality, Site
from app.language.models import Language
from app.seed.service import seed_reference_data
from app.topic.models import Topic

EXPECTED_JIS = {"33202", "33205", "33207", "33208", "33209", "33210", "33216", "33423", "33445", "33461"}


async def test_municipalities__lists_the_ten_and_outside(client: AsyncClient) -> None:
    response = await client.get("/api/v1/municipalities")
    assert response.status_code == 200
    body = response.json()
    assert {m["code"] for m in body if m["kind"] != "outside"} == EXPECTED_JIS
    assert [m["kind"] for m in body].count("town") == 3
    assert [m["kind"] for m in body].count("city") == 7
    kurashiki = next(m for m in body if m["code"] == "33202")
    assert (kurashiki["name_ja"], kurashiki["name_en"]) == ("倉敷市", "Kurashiki")


async def test_sites__one_central_desk_and_a_satellite_per_other_municipality(client: AsyncClient) -> None:
    body = (await client.get("/api/v1/sites")).json()
    central = [s for s in body if s["kind"] == "central_desk"]
    satellites = [s for s in body if s["kind"] == "satellite_counter"]
    assert [s["municipality_code"] for s in central] == ["33202"]
    assert {s["municipality_code"] for s in satellites} == EXPECTED_JIS - {"33202"}


async def test_languages__fifteen_with_service_modes(client: AsyncClient) -> None:
    body = (await client.get("/api/v1/languages")).json()
    modes = {lang["code"]: lang["service_mode"] for lang in body}
    assert len(modes) == 15
    assert {c for c, m in modes.items() if m == "on_site"} == {"en", "zh", "vi", "ja"}
    assert {c for c, m in modes.items() if m == "reservation"} == {"uk"}
    assert len([m for m in modes.values() if m == "remote"]) == 10
    ne = next(lang for lang in body if lang["code"] == "ne")
    assert ne["native_name"] == "नेपाली"
    assert ne["availability"] in ("now", "book_ahead", "closed")
    assert ne["served_now"] == (ne["availability"] == "now")


async def test_topics__sixteen_in_national_order(client: AsyncClient) -> None:
    body = (await client.get("/api/v1/topics")).json()
    assert len(body) == 16
    assert body[0]["name_ja"] == "在留手続" and body[-1]["name_ja"] == "その他"


async def test_seed__is_idempotent(db: AsyncSession) -> None:
    report = await seed_reference_data(db)
    await db.commit()
    assert report.total == 0
    counts = [
        await db.scalar(select(func.count()).select_from(m)) for m in (Municipality, Site, Language, Topic)
    ]
    assert counts == [11, 10, 15, 16]


async def test_seed__keeps_a_service_mode_an_admin_changed(db: AsyncSession) -> None:
    thai = await db.get(Language, "th")
    assert thai is not None
    thai.service_mode = ServiceMode.on_site
    await db.commit()
    try:
        await seed_reference_data(db)
        await db.commit()
        await db.refresh(thai)
        assert thai.service_mode is ServiceMode.on_site
    finally:  # the PostgreSQL database is shared by the run: leave Thai as the other tests expect it
        thai.service_mode = ServiceMode.remote
        await db.commit()
