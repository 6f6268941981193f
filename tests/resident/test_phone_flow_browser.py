"""The resident on their own phone (390x844): who runs the service on the first page, Easy Japanese first in
the one language order, the call alert (title, vibration, screen wake lock held while waiting and talking,
given back when the page hides and asked for again when it shows), and a calm end: the socket closing after
a normal end shows no "offline" banner. Screenshots resident-phone-*.png with every screen check."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from app.config import Settings
from app.enums import MunicipalityKind
from app.i18n import SUPPORTED, translator
from app.i18n.languages import resident_order
from app.resident.operator import operator_line
from app.seed.data import MUNICIPALITIES
from tests.a11y_support import assert_no_problems, module_browser, screen_problems  # noqa: F401 (fixture)
from tests.calls.calls_support import Desk, available_staff, desk, desk_server  # noqa: F401 (fixture)
from tests.walk_support import PHONE, resident_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Records what the page asks of the phone, on <html> data attributes so tests wait with locators (the CSP
# forbids wait_for_function): vibrations, wake lock requests and locks held; and lets the test hide the page.
PHONE_STUBS = """(() => {
  const mark = (name, value) => {
    if (document.documentElement) document.documentElement.dataset[name] = String(value);
  };
  let vibrations = 0, requests = 0, held = 0, hidden = false;
  Object.defineProperty(Navigator.prototype, 'vibrate', { configurable: true, value: function () {
    vibrations += 1; mark('vibrations', vibrations); return true; } });
  const wakeLock = { request: async (type) => {
    requests += 1; held += 1; mark('wakeRequests', requests); mark('wakeHeld', held);
    const listeners = []; let released = false;
    return { type, get released() { return released; },
      addEventListener: (name, fn) => { if (name === 'release') listeners.push(fn); },
      release: async () => { if (released) return; released = true; held -= 1; mark('wakeHeld', held);
        listeners.forEach((fn) => fn()); } };
  } };
  Object.defineProperty(Navigator.prototype, 'wakeLock', { configurable: true, get: () => wakeLock });
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true,
    get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  window.__setHidden = (value) => { hidden = value; document.dispatchEvent(new Event('visibilitychange')); };
})();"""


# A dropped connection as the page sees it: its sockets close under it (Chromium's offline emulation leaves an
# open websocket alone).
DROP_STUB = """(() => {
  const Native = window.WebSocket;
  const sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); sockets.push(this); }
  };
  window.__dropSockets = () => {
    // the banner may come and go quickly (the socket reconnects): note that it showed
    const banner = document.getElementById('offline');
    new MutationObserver(() => {
      if (!banner.hidden) document.documentElement.dataset.sawOffline = 'true';
    }).observe(banner, { attributes: true });
    sockets.forEach((s) => s.readyState === Native.OPEN && s.close(4000));
  };
})();"""


def _phone(browser: Any, url: str, logs: list[str], *scripts: str) -> Any:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    for script in (PHONE_STUBS, *scripts):
        context.add_init_script(script)
    page = context.new_page()
    page.on("pageerror", lambda e: logs.append(f"resident: pageerror: {e}"))
    page.goto(url)
    return page


def _expected_operator(lang: str) -> str:
    defaults = Settings.model_fields
    places = [(m.name_ja, m.name_en) for m in MUNICIPALITIES if m.kind is not MunicipalityKind.outside]
    return operator_line(
        translator(lang), defaults["desk_operator_ja"].default, defaults["desk_operator_en"].default, places
    )


@pytest.mark.parametrize("lang", ["en", "th", "ja"])
def test_first_page__says_who_runs_the_service_with_easy_japanese_first(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
    lang: str,
) -> None:
    logs: list[str] = []
    with desk_server(desk) as server:
        url = resident_url(server.url, desk.database_url, f"?lang={lang}&step=language")
        page = _phone(module_browser, url, logs)
        expect(page.locator("#language")).to_be_visible()
        operator = _expected_operator(lang)
        expect(page.locator("#operator-language")).to_have_text(operator)
        assert ("倉敷市" in operator) == (lang == "ja") and ("Kurashiki" in operator) == (lang != "ja")
        codes = page.eval_on_selector_all("a[data-language]", "els => els.map(e => e.dataset.language)")
        assert codes == resident_order(SUPPORTED) and codes[0] == "ja"
        problems = screen_problems(page, f"resident-phone-{lang}-first-page")
        page.context.close()
    mine = [line for line in logs if line.startswith("resident:")]  # the staff consoles are tested elsewhere
    assert not mine, mine
    assert_no_problems(problems)


@pytest.mark.parametrize("lang", ["en", "ja"])  # served by the counselor alone: the call starts by itself
def test_call_alert__title_vibration_wake_lock_and_a_calm_end(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
    lang: str,
) -> None:
    tr = translator(lang)
    logs: list[str] = []
    problems: list[str] = []
    with desk_server(desk, wrap_up_seconds=0) as server:
        counselor, _interpreter = available_staff(module_browser, server.url, logs)
        page = _phone(module_browser, resident_url(server.url, desk.database_url, f"?lang={lang}"), logs)
        html = page.locator("html")
        first_title = page.title()
        expect(page.locator("#operator-consent")).to_have_text(_expected_operator(lang))
        page.click("#agree")
        page.wait_for_selector("#start:not([disabled])", timeout=25_000)
        assert html.get_attribute("data-wake-requests") is None  # nothing asked before the resident waits
        page.click("#start")
        # the call starts: the title says so in the resident's language, the phone vibrates, the screen is on
        expect(page.locator("#call")).to_be_visible(timeout=20_000)
        expect(page).to_have_title(tr.t("resident.call_starting_title"))
        expect(html).to_have_attribute("data-vibrations", "1")
        expect(html).to_have_attribute("data-wake-held", "1")
        # the page hides: the lock is given back; it shows again: asked for again, and the title is restored
        page.evaluate("() => window.__setHidden(true)")
        expect(html).to_have_attribute("data-wake-held", "0")
        page.evaluate("() => window.__setHidden(false)")
        expect(html).to_have_attribute("data-wake-requests", "2")
        expect(html).to_have_attribute("data-wake-held", "1")
        expect(page).to_have_title(first_title)

        counselor.click("#end-call")
        expect(page.locator("#ended")).to_be_visible(timeout=10_000)
        expect(html).to_have_attribute("data-wake-held", "0")  # released when the call ends
        # the socket closes after the normal end, and the ended screen stays calm
        expect(page.locator("body")).to_have_attribute("data-socket", "closed")
        expect(page.locator("#offline")).to_be_hidden()
        expect(page.locator("#ended-title")).to_have_text(tr.t("ended.thanks"))
        assert html.get_attribute("data-vibrations") == "1"  # one alert per call
        expect(page).to_have_title(first_title)
        problems += screen_problems(page, f"resident-phone-{lang}-ended-calm")
        page.context.close()
    mine = [line for line in logs if line.startswith("resident:")]  # the staff consoles are tested elsewhere
    assert not mine, mine
    assert_no_problems(problems)


def test_offline_banner__still_shows_for_a_real_drop_while_waiting(
    module_browser: Any,  # noqa: F811
    desk: Desk,  # noqa: F811
) -> None:
    logs: list[str] = []
    with desk_server(desk) as server:
        url = resident_url(server.url, desk.database_url, "?lang=en")
        page = _phone(module_browser, url, logs, DROP_STUB)
        page.click("#closed-wait")  # nobody is signed in: the resident waits anyway
        page.click("#agree")
        page.wait_for_selector("#start:not([disabled])", timeout=25_000)
        page.click("#start")
        expect(page.locator("#waiting")).to_be_visible()
        expect(page.locator("body")).to_have_attribute("data-socket", "open")
        expect(page.locator("html")).to_have_attribute("data-wake-held", "1")  # held while waiting
        assert page.title() != translator("en").t("resident.call_starting_title")  # no call, no alert
        page.evaluate("() => window.__dropSockets()")
        expect(page.locator("html")).to_have_attribute("data-saw-offline", "true")
        expect(page.locator("#offline")).to_be_hidden(timeout=20_000)  # reconnected: the banner goes
        expect(page.locator("#waiting")).to_be_visible()
        page.context.close()
    assert not logs, logs
