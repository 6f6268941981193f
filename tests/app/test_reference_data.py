from __future__ import annotations

from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Mode, Settings
from app.enums import ServiceMode
from app.geography.models import Municipality, Site
from app.language.models import Language
from app.language.service import availability_now
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
    await seed_reference_data(db)
    await db.commit()
    await db.refresh(thai)
    assert thai.service_mode is ServiceMode.on_site


def _at(local: str) -> datetime:
    """A Tokyo wall-clock time as UTC."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(UTC)


@pytest.mark.parametrize(
    ("local_time", "mode", "expected"),
    [
        ("2026-11-25 09:30", ServiceMode.on_site, "now"),  # Wednesday, desk open
        ("2026-11-25 09:30", ServiceMode.remote, "book_ahead"),  # vendor opens at 10:00
        ("2026-11-25 10:30", ServiceMode.remote, "now"),
        ("2026-11-25 10:30", ServiceMode.reservation, "book_ahead"),
        ("2026-11-25 17:00", ServiceMode.on_site, "closed"),
        ("2026-11-23 11:00", ServiceMode.on_site, "closed"),  # Labour Thanksgiving Day
        ("2026-12-30 11:00", ServiceMode.on_site, "closed"),  # year-end closure
        ("2027-01-04 11:00", ServiceMode.remote, "now"),  # first working day
        ("2026-11-28 11:00", ServiceMode.on_site, "closed"),  # Saturday
    ],
)
def test_availability__follows_desk_and_vendor_hours(
    local_time: str, mode: ServiceMode, expected: str
) -> None:
    settings = Settings(mode=Mode.dev)
    assert availability_now(settings, mode, _at(local_time)) == expected
