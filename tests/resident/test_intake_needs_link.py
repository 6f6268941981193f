"""Security finding 6: the resident intake needs a signed resident link (or a counter tablet's device token),
and the link, not the request body, decides the municipality and site. Per-address limits see the real client
behind a trusted proxy, and only behind a trusted one."""

from __future__ import annotations

from datetime import timedelta

from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ControlledClock
from app.consultation.models import Consultation
from app.geography.models import Site
from app.i18n import translator
from app.main import create_app
from tests.conftest import TEST_NOW, open_desk_settings, resident_link

URL = "/api/v1/resident/consultations"


async def _stored(db: AsyncSession, public_id: str) -> tuple[str | None, str | None]:
    case = await db.scalar(select(Consultation).where(Consultation.public_id == public_id))
    assert case is not None
    site = await db.get(Site, case.site_id) if case.site_id is not None else None
    return case.resident_municipality_code, site.code if site else None


async def test_intake__without_a_link_is_refused_in_the_residents_language(client: AsyncClient) -> None:
    response = await client.post(URL, json={"language": "vi"}, headers={"Idempotency-Key": "no-link-0001"})
    assert response.status_code == 401
    assert response.json()["detail"] == translator("vi").t("resident.link_invalid")
    forged = await client.post(
        URL,
        json={"language": "vi", "link": resident_link()[:-3] + "abc"},
        headers={"Idempotency-Key": "no-link-0002"},
    )
    assert forged.status_code == 401


async def test_intake__an_expired_link_is_refused_as_expired(client: AsyncClient) -> None:
    old = resident_link(now=TEST_NOW - timedelta(days=400))
    response = await client.post(
        URL, json={"language": "pt", "link": old}, headers={"Idempotency-Key": "old-link-0001"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == translator("pt").t("error.link_expired")


async def test_intake__the_municipality_comes_from_the_link_never_from_the_body(
    client: AsyncClient, db: AsyncSession
) -> None:
    chosen = await client.post(
        URL,
        json={"language": "pt", "link": resident_link(), "resident_municipality": "33208"},
        headers={"Idempotency-Key": "body-muni-0001"},
    )
    assert chosen.status_code == 422
    assert chosen.json()["detail"][0]["loc"] == ["body", "resident_municipality"]
    created = await client.post(
        URL,
        json={"language": "pt", "link": resident_link("33208", "soja-counter")},
        headers={"Idempotency-Key": "link-muni-0001"},
    )
    assert created.status_code == 201, created.text
    assert await _stored(db, created.json()["id"]) == ("33208", "soja-counter")


async def test_intake__a_counter_tablet_uses_its_device_token_and_its_own_site(
    client: AsyncClient, db: AsyncSession, auth: dict[str, dict[str, str]]
) -> None:
    tablet = await client.post(
        URL, json={"language": "pt"}, headers={**auth["soja_device"], "Idempotency-Key": "tablet-0001"}
    )
    assert tablet.status_code == 201, tablet.text
    assert await _stored(db, tablet.json()["id"]) == ("33208", "soja-counter")  # a Soja satellite counter
    central = await client.post(
        URL, json={"language": "pt"}, headers={**auth["desk_device"], "Idempotency-Key": "tablet-0003"}
    )
    assert central.status_code == 201, central.text
    assert await _stored(db, central.json()["id"]) == (None, "kurashiki-desk")  # serves the whole area
    staff = await client.post(
        URL, json={"language": "pt"}, headers={**auth["counselor"], "Idempotency-Key": "tablet-0002"}
    )
    assert staff.status_code == 401  # a staff token is not a resident link


async def _statuses(app: object, peer: str, sends: list[dict[str, str]]) -> list[int]:
    transport = ASGITransport(app=app, client=(peer, 50000))  # type: ignore[arg-type]
    async with AsyncClient(transport=transport, base_url="http://t") as client:
        found = []
        for n, headers in enumerate(sends):
            response = await client.post(
                URL,
                json={"language": "en", "link": resident_link()},
                headers={**headers, "Idempotency-Key": f"proxy-{peer}-{n:06d}"},
            )
            found.append(response.status_code)
        return found


async def test_throttle__behind_a_trusted_proxy_each_client_has_its_own_window(
    database_url: str, clock: ControlledClock
) -> None:
    settings = open_desk_settings(
        database_url,
        resident_intake_limit=1,
        resident_intake_window_seconds=600,
        trusted_proxies="10.0.0.0/8",
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        proxied = [
            {"X-Forwarded-For": "198.51.100.7"},
            {"X-Forwarded-For": "198.51.100.8"},
            {"Forwarded": 'for="[2001:db8::9]:4711";proto=https'},
            {"X-Forwarded-For": "198.51.100.7"},  # the first client again: its own window is full
        ]
        assert await _statuses(app, "10.0.0.2", proxied) == [201, 201, 201, 429]
        # not a trusted proxy: its headers are the client's own claim, so it is one address whatever it says
        spoofed = [{"X-Forwarded-For": "192.0.2.1"}, {"X-Forwarded-For": "192.0.2.2"}]
        assert await _statuses(app, "203.0.113.5", spoofed) == [201, 429]
