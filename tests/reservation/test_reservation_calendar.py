"""The booking confirmation names the language and the full join date, and gives an .ics file: RFC 5545
text that parses back, only for the browser holding that booking's manage token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ControlledClock
from app.config import Settings
from app.i18n import translator
from app.reservation import joining
from app.reservation.calendar import FOLD_AT, CalendarEvent, escape_text, fold, ics
from app.reservation.models import Reservation
from app.reservation.views import language_name
from app.ui.reservation.pages import MANAGE_COOKIE
from tests.reservation.reservation_support import add_interpreter, entry_link, reservation_settings

UK = translator("uk")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return reservation_settings(database_url, desk_phone="086-426-3111")


def parse_ics(text: str) -> list[tuple[str, dict[str, str], str]]:
    """A small RFC 5545 reader for the test: CRLF lines, unfolded, split into (name, params, value)."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for physical in text.split("\r\n"):
        assert len(physical.encode("utf-8")) <= FOLD_AT, physical
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    found = []
    for line in unfolded.split("\r\n")[:-1]:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        found.append((name, dict(p.split("=", 1) for p in params), value))
    return found


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def fields(text: str) -> dict[str, str]:
    return {name: value for name, _, value in parse_ics(text)}


# -- the pure function --------------------------------------------------------------------------------------


def test_ics__escapes_text_folds_long_lines_and_parses_back() -> None:
    tokyo_evening = datetime(2026, 12, 3, 14, 45, tzinfo=UTC)  # 23:45 in Tokyo
    summary = "Відеоконсультація, мова; українська \\ тест " * 3  # long, Cyrillic (2 octets), and specials
    event = CalendarEvent(
        uid="reservation-ABC123@madoguchi",
        stamp=datetime(2026, 11, 30, 1, 2, 3, tzinfo=UTC),
        starts=tokyo_evening,
        ends=tokyo_evening + timedelta(minutes=30),
        summary=summary,
        description="line one\nline two, with a comma",
        url="https://desk.example/r/abc?lang=uk",
    )
    text = ics(event)
    parsed = parse_ics(text)
    names = [name for name, _, _ in parsed]
    assert names[:2] == ["BEGIN", "VERSION"] and names[-2:] == ["END", "END"]
    assert names.count("BEGIN") == 2 and "PRODID" in names
    got = fields(text)
    assert got["UID"] == "reservation-ABC123@madoguchi"
    assert got["DTSTAMP"] == "20261130T010203Z"
    assert (got["DTSTART"], got["DTEND"]) == ("20261203T144500Z", "20261203T151500Z")
    assert unescape(got["SUMMARY"]) == summary
    assert unescape(got["DESCRIPTION"]) == "line one\nline two, with a comma"
    assert got["URL"] == "https://desk.example/r/abc?lang=uk"
    assert sum(line.startswith(" ") for line in text.split("\r\n")) >= 3  # the long summary was folded


def test_fold__never_splits_a_character() -> None:
    line = "SUMMARY:" + "ภาษาไทย" * 20  # 3 octets a character
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    for piece in folded.split("\r\n"):
        assert len(piece.encode("utf-8")) <= FOLD_AT
        piece.encode("utf-8").decode("utf-8")  # each piece is whole characters


def test_escape_text__the_four_specials() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_language_name__in_the_readers_language_with_easy_japanese_from_the_catalogue() -> None:
    assert language_name(UK, "ne") == "непальська"
    assert language_name(translator("en"), "pt") == "Portuguese"
    assert language_name(translator("fr"), "ja") == translator("fr").t("language.easy_japanese")
    assert language_name(translator("ja"), "ja") == "やさしい日本語"


# -- the confirmation page and the download ------------------------------------------------------------


async def _book(client: AsyncClient, token: str, lang: str) -> str:
    page = await client.get(f"/r/{token}/reserve", params={"lang": lang})
    key = re.search(r'name="key" value="([^"]+)"', page.text)
    times = re.findall(r'name="starts_at" value="([^"]+)" data-seats="[1-9]', page.text)
    assert key is not None and times
    done = await client.post(
        f"/r/{token}/reserve", params={"lang": lang}, data={"key": key.group(1), "starts_at": times[-1]}
    )
    assert done.status_code == 303
    return str(done.headers["location"])


async def test_confirmation__language_full_join_date_and_a_calendar_file_for_that_booking_only(
    client: AsyncClient, db: AsyncSession, settings: Settings, clock: ControlledClock
) -> None:
    await add_interpreter(db, "Olena")
    token = entry_link(settings)
    location = await _book(client, token, "uk")
    code = await db.scalar(select(Reservation.code))
    row = await db.scalar(select(Reservation))
    assert code is not None and row is not None
    done = await client.get(location)
    assert done.status_code == 200
    assert UK.t("reservation.language", language="українська") in done.text
    # the join-from line has the weekday, the date and the time, in Ukrainian, Tokyo time
    opening = joining.opens_at(settings, row).astimezone(settings.zone)
    weekday_and_date = format_date(opening.date(), "full", locale="uk")
    assert (
        UK.t("reservation.join_from_date", date=weekday_and_date, time=UK.format_time(opening)) in done.text
    )
    link = re.search(r'id="calendar" class="button" href="([^"]+)" download', done.text)
    assert link is not None

    calendar = await client.get(link.group(1).replace("&amp;", "&"))
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert f"reservation-{code}.ics" in calendar.headers["content-disposition"]
    got = fields(calendar.text)
    assert got["UID"] == f"reservation-{code}@madoguchi"
    assert got["DTSTAMP"] == clock.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")  # the one clock
    assert got["DTSTART"] == row.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert got["DTEND"] == row.ends_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert unescape(got["SUMMARY"]) == UK.t("reservation.ics_video", language="українська")
    assert got["URL"].startswith("http") and "/r/" in got["URL"] and got["URL"].endswith("?lang=uk")
    assert got["URL"] in unescape(got["DESCRIPTION"]).split("\n")

    # without the cookie, or with another booking's manage token, nothing
    path = link.group(1).split("?")[0]
    mine = client.cookies.get(MANAGE_COOKIE)
    assert mine
    client.cookies.clear()
    assert (await client.get(path)).status_code == 404
    await _book(client, token, "uk")  # a second booking, its own cookie
    other = await db.scalar(select(Reservation.code).where(Reservation.code != code))
    assert other is not None
    theirs = client.cookies.get(MANAGE_COOKIE)
    assert theirs and theirs != mine
    client.cookies.clear()
    stolen = await client.get(path, headers={"Cookie": f"{MANAGE_COOKIE}={theirs}"})
    assert stolen.status_code == 404 and "BEGIN:VCALENDAR" not in stolen.text
    own = await client.get(path, headers={"Cookie": f"{MANAGE_COOKIE}={mine}"})
    assert own.status_code == 200 and "BEGIN:VCALENDAR" in own.text
