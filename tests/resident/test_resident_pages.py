"""The resident video page under /r/{token}: rendered in the resident's language, 410 for an expired link
and 404 for a forged one (both saying so in that language), the closed desk: hours and other ways in."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ControlledClock
from app.config import Settings
from app.i18n import SUPPORTED, translator
from app.main import create_app
from app.resident.links import LinkClaims, LinkKind, issue_link
from app.ui.resident.pages import closed_days
from routing.calendar import OpeningHours
from tests.conftest import TEST_NOW, open_desk_settings, pinned_clock
from tests.resident.front_support import go_available, link_interpreter

PHONE = "086-426-3111"


def _link(settings: Settings, language: str | None = None, *, days_ago: int = 0, **claims: str) -> str:
    """An invitation issued at the test's instant (TEST_NOW), or `days_ago` days before it."""
    now = TEST_NOW - timedelta(days=days_ago)
    return issue_link(settings, LinkClaims(LinkKind.invite, language=language, **claims), now)  # type: ignore[arg-type]


def _text(html: str) -> str:
    """The page's text without tags, entities of the catalogue's punctuation decoded."""
    return re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')


@pytest.mark.parametrize("lang", SUPPORTED)
async def test_page__renders_in_the_links_language_with_its_lang_and_font(
    client: AsyncClient, settings: Settings, lang: str
) -> None:
    response = await client.get(f"/r/{_link(settings, lang)}")
    assert response.status_code == 200
    tr = translator(lang)
    html = response.text
    assert f'<html lang="{tr.bcp47}" dir="{tr.dir}">' in html
    assert '<link rel="stylesheet" href="/assets/fonts.css">' in html  # the font stack per <html lang>
    fonts = (await client.get("/assets/fonts.css")).text
    assert f"html:lang({tr.bcp47}) body {{ font-family: {tr.font_stack}; }}" in fonts
    for key in ("language.title", "consent.title", "consent.agree", "resident.start", "waiting.cancel"):
        assert tr.t(key) in _text(html), (lang, key)
    # every language's own name, in its own script, on the language buttons
    for code in SUPPORTED:
        assert f'data-language="{code}"' in html
        assert translator(code).t("language.self_name") in html
    assert response.headers["cache-control"] == "no-store"


async def test_page__language_from_query_beats_link_and_browser(
    client: AsyncClient, settings: Settings
) -> None:
    token = _link(settings, "ne")
    by_link = await client.get(f"/r/{token}", headers={"Accept-Language": "th"})
    assert 'lang="ne"' in by_link.text and '"step": "language"' in by_link.text
    chosen = await client.get(f"/r/{token}?lang=hi", headers={"Accept-Language": "th"})
    # nobody is signed in to serve Hindi: the truth comes before the consent notice
    assert 'lang="hi"' in chosen.text and '"step": "closed"' in chosen.text
    browser = await client.get(f"/r/{_link(settings)}", headers={"Accept-Language": "th-TH,th;q=0.9"})
    assert '<html lang="th"' in browser.text


@pytest.mark.parametrize("lang", ["uk", "ne"])
async def test_expired_link__410_saying_so_in_the_links_language(
    database_url: str, clock: ControlledClock, lang: str
) -> None:
    settings = open_desk_settings(database_url, desk_phone=PHONE)
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        response = await client.get(
            f"/r/{_link(settings, lang, days_ago=4)}", headers={"Accept-Language": "en"}
        )
    assert response.status_code == 410
    tr = translator(lang)
    text = _text(response.text)
    assert tr.t("error.link_expired") in text
    assert translator("en").t("error.link_expired") not in text
    assert tr.t("alt.call", phone=PHONE) in text  # and how to reach the desk instead
    assert f'<html lang="{tr.bcp47}"' in response.text


async def test_invalid_link__404_in_the_browsers_language(client: AsyncClient, settings: Settings) -> None:
    token = _link(settings, "en")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = await client.get(f"/r/{forged}", headers={"Accept-Language": "uk-UA,uk;q=0.9"})
    assert response.status_code == 404
    assert translator("uk").t("resident.link_invalid") in _text(response.text)
    other = await client.get("/r/not-a-link?lang=th")
    assert other.status_code == 404
    assert translator("th").t("resident.link_invalid") in _text(other.text)


@pytest.fixture
async def closed_client(
    database_url: str, clock: ControlledClock
) -> AsyncIterator[tuple[Settings, AsyncClient]]:
    """A desk that is closed all day today (its hours and its interpreters' end a minute after midnight; the
    clock is at 11:00)."""
    settings = open_desk_settings(
        database_url, desk_hours="00:00-00:01", vendor_hours="00:00-00:01", desk_phone=PHONE
    )
    app = create_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield settings, client


@pytest.mark.parametrize("lang", ["th", "ja", "pt"])
async def test_closed_desk__hours_next_opening_and_the_other_ways(
    closed_client: tuple[Settings, AsyncClient], lang: str
) -> None:
    settings, client = closed_client
    html = (await client.get(f"/r/{_link(settings)}?lang={lang}")).text
    tr = translator(lang)
    text = _text(html)
    assert '"closed": true' in html
    assert tr.t("closed.title") in text
    every_day = tr.format_days(range(7))  # the configured days, named in the resident's language
    assert tr.t("closed.hours", days=every_day, hours=tr.format_hours(time(0, 0), time(0, 1))) in text
    shown = re.search(r'<p id="closed-hours">([^<]*)</p>', html)
    assert shown is not None and html_lib.unescape(shown.group(1)).startswith(
        tr.t("closed.hours", days=every_day, hours=tr.format_hours(time(0, 0), time(0, 1)))
    )
    assert tr.t("closed.holidays") not in shown.group(1)  # no closures configured: none announced
    assert tr.t("closed.year_end") not in shown.group(1)
    assert re.search(r'id="closed-next"', html)
    assert tr.t("alt.call", phone=PHONE) in text and 'href="tel:0864263111"' in html


async def test_closed_desk__machine_translated_chat_only_where_a_model_reaches_japanese(
    closed_client: tuple[Settings, AsyncClient],
) -> None:
    settings, client = closed_client
    html = (await client.get(f"/r/{_link(settings)}?lang=th")).text
    assert 'data-way="chat"' not in html  # no Thai package installed in the tests
    html_ja = (await client.get(f"/r/{_link(settings)}?lang=ja")).text
    assert 'data-way="chat"' in html_ja


async def test_open_desk__ukrainian_is_by_reservation_with_a_link_to_book(
    client: AsyncClient, settings: Settings
) -> None:
    token = _link(settings)
    html = (await client.get(f"/r/{token}?lang=uk")).text
    tr = translator("uk")
    assert '"closed": true' in html
    assert tr.t("alt.reservation_only") in _text(html)
    assert f'href="/r/{token}/reserve?lang=uk"' in html
    assert 'data-way="chat"' not in html  # the desk is open: the video call or a reservation


async def test_open_desk__nobody_signed_in_is_not_now_before_consent_then_served_once_staff_are_on(
    client: AsyncClient, settings: Settings, auth: dict[str, dict[str, str]], db: AsyncSession
) -> None:
    """An open desk with nobody on is no promise: the page says so first and offers waiting anyway."""
    token = _link(settings)
    tr = translator("ne")
    nepali = (await client.get(f"/r/{token}?lang=ne")).text
    assert '"closed": true' in nepali and '"step": "closed"' in nepali and '"can_wait": true' in nepali
    assert f'<h1 id="closed-title">{tr.t("closed.not_now")}</h1>' in nepali
    assert 'id="closed-wait"' in nepali and tr.t("waiting.keep_waiting") in _text(nepali)
    availability = {a["language"]: a for a in (await client.get("/api/v1/availability")).json()}
    assert availability["ne"]["status"] == "closed" and availability["ne"]["opens_at"] is None
    await link_interpreter(db)
    await go_available(client, auth["counselor"])
    await go_available(client, auth["interpreter"])
    served = (await client.get(f"/r/{token}?lang=ne")).text
    assert '"closed": false' in served and '"step": "consent"' in served
    availability = {a["language"]: a for a in (await client.get("/api/v1/availability")).json()}
    assert availability["ne"]["status"] == "available_now"
    assert availability["ne"]["estimated_wait_s"] is not None and availability["ne"]["choices"] == []


def test_closed_days__holidays_and_year_end_on_working_weekdays_only() -> None:
    hours = OpeningHours(opens=time(9), closes=time(17), timezone="Asia/Tokyo")
    days = closed_days(hours, date(2026, 12, 20), days=20)
    # 29-31 Dec and 1-3 Jan minus the weekend (2-3 Jan 2027 are Saturday and Sunday); no weekends listed
    assert days == [date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1)]
    assert closed_days(hours, date(2026, 11, 1), days=7) == [date(2026, 11, 3)]  # Culture Day
    assert all(d.weekday() < 5 for d in closed_days(hours, datetime(2026, 4, 25).date(), days=14))


async def test_assets__served_from_a_fixed_list(client: AsyncClient) -> None:
    assert (await client.get("/resident-assets/resident.js")).status_code == 200
    assert (await client.get("/resident-assets/resident.css")).headers["content-type"].startswith("text/css")
    assert (await client.get("/resident-assets/..%2Fpages.py")).status_code == 404
    assert (await client.get("/resident-assets/pages.py")).status_code == 404


async def test_reservation_link__joins_a_booked_ukrainian_slot_instead_of_the_closed_page(
    client: AsyncClient, settings: Settings
) -> None:
    claims = LinkClaims(LinkKind.reservation, language="uk", reservation_id="R-1")
    token = issue_link(settings, claims, TEST_NOW)
    html = (await client.get(f"/r/{token}")).text
    assert '"closed": false' in html  # the booking is the way in: no "reservation only" page
    assert f'"reservation_token": "{token}"' in html  # sent with the request, which claims the slot
    poster = (await client.get(f"/r/{_link(settings, 'uk')}")).text
    assert '"reservation_token": null' in poster


async def test_closed_days__year_end_listed_in_the_residents_language(database_url: str) -> None:
    """With the desk's real calendar (national holidays, 29 Dec-3 Jan), on Christmas Eve in Tokyo."""
    settings = open_desk_settings(
        database_url, timezone="Asia/Tokyo", desk_hours="09:00-17:00", routing_policy_json=None
    )
    christmas_eve = datetime(2026, 12, 24, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    app = create_app(settings, clock=pinned_clock(christmas_eve))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client,
    ):
        token = issue_link(settings, LinkClaims(LinkKind.poster), christmas_eve)
        html = (await client.get(f"/r/{token}?lang=uk")).text
    tr = translator("uk")
    days = [date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1)]
    listed = tr.t("resident.closed_days", date=" · ".join(tr.format_date(d) for d in days))
    assert listed in _text(html)
    assert "грудня" in listed and "січня" in listed  # month names in Ukrainian
