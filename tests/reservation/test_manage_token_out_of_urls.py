"""Security finding 10: the booking's manage token never travels in a URL (access logs, Referer, history);
it is handed over once as an HttpOnly, SameSite=Strict cookie scoped to the booking's own page."""

from __future__ import annotations

import re

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.reservation import service
from app.reservation.models import Reservation, ReservationStatus
from tests.reservation.reservation_support import add_interpreter, entry_link, reservation_settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return reservation_settings(database_url, desk_phone="086-426-3111")


async def test_booking__the_manage_token_is_a_scoped_httponly_cookie_never_in_a_url(
    app_and_client: tuple[object, AsyncClient], db: AsyncSession, settings: Settings
) -> None:
    app, client = app_and_client
    await add_interpreter(db, "Olena")
    token = entry_link(settings)
    page = (await client.get(f"/r/{token}/reserve", params={"lang": "uk"})).text
    key = re.search(r'name="key" value="([^"]+)"', page)
    times = re.findall(r'name="starts_at" value="([^"]+)" data-seats="[1-9]', page)
    assert key is not None and times
    booked = await client.post(
        f"/r/{token}/reserve", params={"lang": "uk"}, data={"key": key.group(1), "starts_at": times[0]}
    )
    assert booked.status_code == 303
    code = await db.scalar(select(Reservation.code))
    assert code is not None
    manage = service.manage_token(settings, code)
    location = booked.headers["location"]
    assert manage not in location and "t=" not in location
    cookie = booked.headers["set-cookie"]
    assert manage in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert f"Path=/r/{token}/reservation/{code}" in cookie
    done = await client.get(location)
    assert done.status_code == 200 and code in done.text and manage not in done.text
    assert done.headers["referrer-policy"] == "no-referrer"

    # another browser (no cookie) that learns the page's URL cannot see or cancel the booking
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as stranger:  # type: ignore[arg-type]
        assert (await stranger.get(location)).status_code == 404
        refused = await stranger.post(f"/r/{token}/reservation/{code}/cancel", params={"lang": "uk"})
        assert refused.status_code == 404
        # the old query parameter is no key any more
        assert (await stranger.get(location, params={"t": manage})).status_code == 404
    assert await db.scalar(select(Reservation.status)) is ReservationStatus.booked
