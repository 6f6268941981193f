"""Truth before promise, against the running app at 07:11 on a weekday (desk 09:00-17:00, interpreters
10:00-18:00): each language says when *it* is served, the tablet and the resident's page say so before any
case or consent, a case opened anyway goes straight to its choices (never counted as waiting), and the
resident takes one with their watch ticket."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

import pytest
from httpx import AsyncClient

from app.clock import ControlledClock
from app.config import Settings
from app.i18n import translator
from app.live.case_status import fallback_choices
from app.resident.links import LinkClaims, LinkKind, issue_link
from tests.conftest import TEST_NOW, open_desk_settings, pinned_clock, resident_link

PHONE = "086-426-3111"
EARLY = TEST_NOW.replace(hour=7, minute=11)  # Wednesday 18 November 2026, Tokyo
NINE = TEST_NOW.replace(hour=9, minute=0)
TEN = TEST_NOW.replace(hour=10, minute=0)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return open_desk_settings(
        database_url,
        desk_hours="09:00-17:00",
        vendor_hours="10:00-18:00",
        desk_phone=PHONE,
        clock_start=EARLY,
    )


@pytest.fixture
def clock() -> ControlledClock:
    return pinned_clock(EARLY, running=False)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _availability(client: AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/v1/availability")
    assert response.status_code == 200, response.text
    return {a["language"]: a for a in response.json()}


async def test_availability__each_language_opens_at_its_own_hour(client: AsyncClient) -> None:
    languages = await _availability(client)
    assert languages["en"]["status"] == "later_today" and _at(languages["en"]["opens_at"]) == NINE
    assert languages["th"]["status"] == "later_today" and _at(languages["th"]["opens_at"]) == TEN  # not 09:00
    assert languages["ne"]["status"] == "later_today" and _at(languages["ne"]["opens_at"]) == TEN
    assert languages["uk"]["status"] == "book_ahead" and languages["uk"]["opens_at"] is None
    assert all(a["estimated_wait_s"] is None for a in languages.values())  # nobody promises a wait
    # the choices that exist: no Thai model is installed in the tests, Japanese chat needs none
    assert languages["th"]["choices"] == ["reservation", "phone"]
    assert languages["ja"]["choices"] == ["mt_chat", "reservation", "phone"]
    assert languages["uk"]["choices"] == ["reservation", "phone"]


async def test_tablet__a_closed_desk_before_any_case_in_thai_and_japanese(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    response = await client.get("/api/v1/tablet/languages/th", headers=auth["desk_device"])
    assert response.status_code == 200, response.text
    body = response.json()
    th, ja = translator("th"), translator("ja")
    ten = TEN  # already Tokyo time
    assert (body["status"], body["served_now"], body["can_wait"]) == ("later_today", False, False)
    assert body["own"]["title"] == th.t("closed.title")
    assert body["own"]["next_opening"] == th.t("closed.later_today", time=th.format_time(ten))
    assert body["ja"]["next_opening"] == ja.t("closed.later_today", time=ja.format_time(ten))
    assert body["own"]["phone"] == th.t("alt.call", phone=PHONE)
    assert body["own"]["hours"] == th.format_hours(time(9), time(17))
    assert body["choices"] == ["reservation", "phone"]
    english = (await client.get("/api/v1/tablet/languages/en", headers=auth["desk_device"])).json()
    en = translator("en")
    assert english["own"]["next_opening"] == en.t("closed.later_today", time=en.format_time(NINE))
    # nothing was opened: the console has no case, waiting or not
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    assert queue["queue"] == [] and queue["pending"] == []
    refused = await client.get("/api/v1/tablet/languages/xx", headers=auth["desk_device"])
    assert refused.status_code == 422
    assert (await client.get("/api/v1/tablet/languages/th")).status_code == 401


async def test_tablet_context__desk_hours_in_the_locales_own_interval(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    context = (await client.get("/api/v1/tablet/context", headers=auth["desk_device"])).json()
    assert context["desk_hours"] == translator("ja").format_hours(time(9), time(17))
    assert "–" not in context["desk_hours"]  # Babel's Japanese range, not a hard-coded en dash


def _link(settings: Settings) -> str:
    return issue_link(settings, LinkClaims(LinkKind.poster), EARLY)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')


@pytest.mark.parametrize("lang", ["th", "ne"])
async def test_resident_page__the_closed_state_comes_before_consent(
    client: AsyncClient, settings: Settings, lang: str
) -> None:
    token = _link(settings)
    html = (await client.get(f"/r/{token}?lang={lang}")).text
    tr = translator(lang)
    assert '"step": "closed"' in html and '"closed": true' in html
    assert f'<h1 id="closed-title">{tr.t("closed.title")}</h1>' in html
    ten = tr.t("closed.later_today", time=tr.format_time(TEN))
    nine = tr.t("closed.later_today", time=tr.format_time(NINE))
    assert ten in _text(html) and nine not in _text(html)  # the interpreters' 10:00, not the desk's 09:00
    assert 'id="closed-wait"' not in html  # nobody is coming before 10:00: no waiting offered
    assert f'href="/r/{token}/reserve?lang={lang}"' in html
    assert 'href="tel:0864263111"' in html


async def test_a_case_opened_anyway__straight_to_its_choices_never_waiting(
    app_and_client: tuple[Any, AsyncClient], auth: dict[str, dict[str, str]]
) -> None:
    app, client = app_and_client
    created = await client.post(
        "/api/v1/resident/consultations",
        json={"language": "th", "link": resident_link()},
        headers={"Idempotency-Key": "early-thai-0001", "Accept-Language": "th"},
    )
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["live"]["position"] is None and case["live"]["estimated_wait_s"] is None
    ticket = case["live"]["watch_ticket"]
    choices = fallback_choices(app.state.desk, case["id"])
    assert choices is not None
    assert (choices.reason, choices.queued) == ("desk_closed", False)
    assert "reservation" in choices.options
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    assert queue["queue"] == []  # not counted as waiting for a counselor
    assert [p["request_id"] for p in queue["pending"]] == [case["id"]]

    url = f"/api/v1/consultations/{case['id']}/chat/accept-fallback"
    no_model = await client.post(url, json={"option": "mt_chat"}, headers={"X-Watch-Ticket": ticket})
    assert no_model.status_code == 409  # no model reaches Japanese from Thai here
    forged = await client.post(url, json={"option": "reservation"}, headers={"X-Watch-Ticket": "nope"})
    assert forged.status_code in (401, 403)
    taken = await client.post(url, json={"option": "reservation"}, headers={"X-Watch-Ticket": ticket})
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "fallback"
    assert fallback_choices(app.state.desk, case["id"]) is None  # nothing left to choose
    queue = (await client.get("/api/v1/queue", headers=auth["counselor"])).json()
    assert queue["pending"] == []


async def test_resident_desk__thai_is_told_its_own_opening_not_the_desks(client: AsyncClient) -> None:
    body = (await client.get("/api/v1/resident/desk?lang=th")).json()
    th = translator("th")
    assert _at(body["next_opening_at"]) == NINE  # the desk
    assert (body["language_status"], _at(body["language_opens_at"])) == ("later_today", TEN)
    assert body["messages"]["next"] == th.t("closed.later_today", time=th.format_time(TEN))


async def test_tablet_buttons__each_language_its_line_in_its_own_words(
    client: AsyncClient, auth: dict[str, dict[str, str]]
) -> None:
    response = await client.get("/api/v1/tablet/languages", headers=auth["desk_device"])
    assert response.status_code == 200, response.text
    rows = {row["language"]: row for row in response.json()}
    assert len(rows) == 15
    th, en, uk = translator("th"), translator("en"), translator("uk")
    assert rows["th"] == {
        "language": "th",
        "status": "later_today",
        "label": th.t("tablet.status_later", time=th.format_time(TEN)),  # its interpreters' hour
    }
    assert rows["en"]["label"] == en.t("tablet.status_later", time=en.format_time(NINE))
    assert (rows["uk"]["status"], rows["uk"]["label"]) == ("book_ahead", uk.t("tablet.status_book"))
    assert (await client.get("/api/v1/tablet/languages", headers=auth["counselor"])).status_code == 403
