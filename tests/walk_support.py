"""Steps that the resident walks in browser tests share: a resident link signed with the served app's
secret, and the resident's own page (a phone-sized context with an English browser unless told otherwise)
whose console lines and page errors land in the test's log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.resident.links import LinkClaims, LinkKind, issue_link
from tests.conftest import TEST_NOW, open_desk_settings

PHONE = {"width": 390, "height": 844}
LANDSCAPE = {"width": 844, "height": 390}
LAPTOP = {"width": 1280, "height": 800}


def resident_link(
    database_url: str,
    language: str | None = None,
    *,
    days_ago: int = 0,
    kind: LinkKind = LinkKind.invite,
    municipality: str = "33208",
    now: datetime = TEST_NOW,
) -> str:
    """A link token as staff would hand out at `now` (the served app's clock starts at TEST_NOW);
    `days_ago` makes an old one (an invite lives three days)."""
    settings = open_desk_settings(database_url)  # the same secret as the served app
    claims = LinkClaims(kind, municipality=municipality, language=language)
    return issue_link(settings, claims, now - timedelta(days=days_ago))


def resident_url(base: str, database_url: str, query: str = "", **link: Any) -> str:
    """The served resident page for a fresh link (`link`: resident_link's options), with `query` after it."""
    return f"{base}/r/{resident_link(database_url, **link)}{query}"


def open_resident(
    browser: Any,
    url: str,
    logs: list[str],
    *,
    viewport: dict[str, int] = PHONE,
    locale: str = "en-US",
    console: bool = True,
) -> Any:
    """The resident's page in a context of its own; page errors (and console lines, unless `console` is
    False) go to `logs`."""
    page = browser.new_context(viewport=viewport, locale=locale).new_page()
    if console:
        page.on("console", lambda m: logs.append(f"resident: {m.type}: {m.text}"))
    page.on("pageerror", lambda e: logs.append(f"resident: pageerror: {e}"))
    page.goto(url)
    return page


def agree_and_start(page: Any, timeout: float = 15_000) -> None:
    """Consent, wait for the device check to let the resident start, then ask for a call."""
    page.click("#agree")
    page.wait_for_selector("#start:not([disabled])", timeout=timeout)
    page.click("#start")
