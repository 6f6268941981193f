"""The chat fallback in real browsers: a Nepali resident picks machine-translated chat, the counselor reads
Japanese labelled as machine translated, and the reply reaches the resident in Nepali."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.browser_support import ARTIFACTS, chromium_browser, live_server, sign_in
from tests.conftest import NO_CLOSURES, PASSWORD, open_desk_settings

from .conftest import EN_JA, EN_NE

__all__ = ["chromium_browser"]  # the fixture, imported for pytest

# Nobody interprets Nepali now, and a remote language's wait turns into a fallback offer at once.
POLICY = json.dumps({**json.loads(NO_CLOSURES), "relaxation": {"remote_fallback_after_s": 0}})


@pytest.fixture
def settings(database_url: str, chat_models_dir: Path) -> Settings:
    return open_desk_settings(database_url, mt_models_dir=chat_models_dir, routing_policy_json=POLICY)


@pytest.mark.browser
def test_chat_browser__nepali_resident_chooses_machine_translated_chat(
    settings: Settings, auth: dict[str, dict[str, str]], chromium_browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(settings)
    with live_server(app) as server:
        intake = httpx.post(
            f"{server.url}/api/v1/consultations",
            json={"channel": "video", "language": "ne", "resident_municipality": "33202"},
            headers=auth["desk_device"],
            timeout=30,
        )
        assert intake.status_code == 201, intake.text
        case_id, ticket = intake.json()["id"], intake.json()["live"]["watch_ticket"]

        staff = chromium_browser.new_context(locale="ja-JP", viewport={"width": 900, "height": 800})
        counselor = staff.new_page()
        sign_in(counselor, server.url, "counselor", PASSWORD)
        counselor.goto(f"{server.url}/counselor/chats")
        assert "開いているチャットはありません" in counselor.inner_text("main")
        counselor.wait_for_selector("body[data-live='1']")  # the list's websocket is connected

        home = chromium_browser.new_context(locale="ne-NP", viewport={"width": 420, "height": 800})
        resident = home.new_page()
        resident.goto(f"{server.url}/chat/{case_id}?lang=ne#ticket={ticket}")
        choose = resident.locator("#choose-mt_chat")
        choose.wait_for(state="visible", timeout=15_000)
        assert choose.inner_text() == "मेसिन अनुवादसहित च्याट गर्नुहोस्"
        assert resident.locator("#choose-callback").is_visible()
        resident.screenshot(path=str(ARTIFACTS / "chat-resident-fallback.png"))
        choose.click()
        resident.locator("#chat").wait_for(state="visible", timeout=15_000)
        # the console hears chat.opened, reloads its list, and the counselor opens the chat
        link = counselor.locator(f"a[href='/counselor/chat/{case_id}']")
        link.wait_for(timeout=15_000)
        assert "ネパール語" in link.inner_text()
        counselor.screenshot(path=str(ARTIFACTS / "chat-console.png"))
        link.click()
        counselor.wait_for_selector("#resident-lang:has-text('ne')")
        resident.fill("#message", "नमस्ते")
        resident.click("#composer button[type=submit]")

        line = counselor.locator(".msg.machine-translated").first
        line.wait_for(timeout=15_000)
        assert line.locator(".text").inner_text() == EN_JA
        assert "機械翻訳" in line.locator(".mt-label").inner_text()
        line.locator("summary").click()
        assert line.locator(".original").inner_text() == "नमस्ते"

        counselor.fill("#message", "ありがとうございます")
        counselor.click("#composer button[type=submit]")
        answer = resident.locator(".msg.machine-translated").first
        answer.wait_for(timeout=15_000)
        assert answer.locator(".text").inner_text() == EN_NE
        assert "मेसिन अनुवाद" in answer.locator(".mt-label").inner_text()
        assert resident.locator(".msg.mine .text").first.inner_text() == "नमस्ते"

        counselor.screenshot(path=str(ARTIFACTS / "chat-counselor.png"), full_page=True)
        resident.screenshot(path=str(ARTIFACTS / "chat-resident.png"), full_page=True)
        staff.close()
        home.close()


@pytest.mark.browser
def test_chat_browser__unavailable_language_offers_the_other_fallbacks(
    settings: Settings, auth: dict[str, dict[str, str]], chromium_browser: Any
) -> None:
    app = create_app(settings)
    with live_server(app) as server:
        intake = httpx.post(
            f"{server.url}/api/v1/consultations",
            json={"channel": "video", "language": "th", "resident_municipality": "33202"},
            headers=auth["desk_device"],
            timeout=30,
        )
        case_id, ticket = intake.json()["id"], intake.json()["live"]["watch_ticket"]
        context = chromium_browser.new_context(locale="th-TH")
        page = context.new_page()
        page.goto(f"{server.url}/chat/{case_id}?lang=th#ticket={ticket}")
        notice = page.locator("#mt-unavailable")
        notice.wait_for(state="visible", timeout=15_000)
        assert page.locator("#choose-mt_chat").is_disabled()
        assert page.locator("#choose-callback").is_enabled()
        page.screenshot(path=str(ARTIFACTS / "chat-unavailable.png"))
        context.close()
