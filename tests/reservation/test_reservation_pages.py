"""The booking page works without JavaScript (form, double submit, confirmation, cancel); the staff page."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ControlledClock
from app.config import Settings
from app.i18n import translator
from app.reservation.models import Reservation, ReservationStatus
from tests.conftest import PASSWORD
from tests.reservation.reservation_support import add_interpreter, entry_link, reservation_settings

UK = translator("uk")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return reservation_settings(database_url, desk_phone="086-426-3111")


def _form_values(html: str) -> tuple[str, list[str]]:
    key = re.search(r'name="key" value="([^"]+)"', html)
    assert key is not None
    times = re.findall(r'name="starts_at" value="([^"]+)" data-seats="[1-9]', html)
    return key.group(1), times


async def test_booking_page__in_ukrainian_books_once_and_confirms_with_join_link_and_qr(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    await add_interpreter(db, "Olena")
    token = entry_link(settings)
    page = await client.get(f"/r/{token}/reserve", params={"lang": "uk"})
    assert page.status_code == 200
    assert '<html lang="uk"' in page.text and UK.t("reservation.title") in page.text
    assert UK.t("reservation.times_local") in page.text and "<fieldset" in page.text
    key, times = _form_values(page.text)
    form = {
        "key": key,
        "starts_at": times[-1],
        "channel": "video",
        "name": "Оксана",
        "phone": "",
        "email": "",
    }
    first = await client.post(f"/r/{token}/reserve", params={"lang": "uk"}, data=form)
    again = await client.post(f"/r/{token}/reserve", params={"lang": "uk"}, data=form)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert await db.scalar(select(func.count()).select_from(Reservation)) == 1

    done = await client.get(first.headers["location"])
    assert done.status_code == 200
    code = await db.scalar(select(Reservation.code))
    assert code is not None and code in done.text
    assert "Ваш запис" in done.text and 'id="join-link"' in done.text and "<svg" in done.text
    join = re.search(r'id="join-link" class="join-url" href="([^"]+)"', done.text)
    assert join is not None and urlparse(join.group(1)).path.startswith("/r/")

    cancelled = await client.post(f"/r/{token}/reservation/{code}/cancel", params={"lang": "uk"})
    assert cancelled.status_code == 303
    after = await client.get(cancelled.headers["location"])
    assert UK.t("reservation.cancelled_done") in after.text
    assert await db.scalar(select(Reservation.status)) is ReservationStatus.cancelled


async def test_booking_page__errors_in_the_residents_language(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    await add_interpreter(db, "Olena")
    token = entry_link(settings)
    key, times = _form_values((await client.get(f"/r/{token}/reserve", params={"lang": "uk"})).text)
    no_phone = await client.post(
        f"/r/{token}/reserve",
        params={"lang": "uk"},
        data={"key": key, "starts_at": times[0], "channel": "phone"},
    )
    assert no_phone.status_code == 422 and UK.t("reservation.phone_required") in no_phone.text
    no_time = await client.post(f"/r/{token}/reserve", params={"lang": "uk"}, data={"key": key})
    assert no_time.status_code == 422 and UK.t("reservation.choose") in no_time.text
    expired = await client.get("/r/not-a-real-link/reserve", params={"lang": "uk"})
    assert expired.status_code == 410 and UK.t("error.link_expired") in expired.text
    assert await db.scalar(select(func.count()).select_from(Reservation)) == 0


async def test_booking_page__a_language_with_nothing_to_book_says_so_and_offers_the_phone(
    client: AsyncClient, settings: Settings
) -> None:
    page = await client.get(f"/r/{entry_link(settings)}/reserve", params={"lang": "th"})
    th = translator("th")
    assert th.t("reservation.no_slots") in page.text and "086-426-3111" in page.text


async def test_staff_page__japanese_first_scoped_and_signed_in_only(
    client: AsyncClient, db: AsyncSession, settings: Settings, auth: dict[str, dict[str, str]]
) -> None:
    await add_interpreter(db, "Olena")
    token = entry_link(settings)
    key, times = _form_values((await client.get(f"/r/{token}/reserve", params={"lang": "uk"})).text)
    await client.post(f"/r/{token}/reserve", params={"lang": "uk"}, data={"key": key, "starts_at": times[0]})
    code = await db.scalar(select(Reservation.code))
    assert code is not None

    anonymous = await client.get("/staff/reservations")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    signed = await client.post("/api/v1/auth/login", json={"username": "counselor", "password": PASSWORD})
    assert signed.status_code == 200
    page = await client.get("/staff/reservations")
    assert page.status_code == 200 and "まもなく開始の予約" in page.text and "Starting soon" in page.text
    assert code in page.text and 'data-action="cancel"' in page.text
    client.cookies.clear()
    await client.post("/api/v1/auth/login", json={"username": "desk_staff", "password": PASSWORD})
    assert (await client.get("/staff/reservations")).status_code == 403


async def test_booking_page__one_day_at_a_time_with_a_row_of_days(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    from datetime import timedelta

    await add_interpreter(db, "Olena")
    token = entry_link(settings)
    tomorrow = (clock.now().astimezone(settings.zone) + timedelta(days=1)).date()
    page = await client.get(f"/r/{token}/reserve", params={"lang": "uk", "day": tomorrow.isoformat()})
    current = re.findall(r'data-day="([\d-]+)" aria-current="date"', page.text)
    assert current == [tomorrow.isoformat()]
    assert UK.format_date(tomorrow) in page.text
    _, times = _form_values(page.text)
    assert times and all(t.startswith(tomorrow.isoformat()) for t in times)
    assert len(re.findall(r'class="day-link', page.text)) == 14
