"""The checks of tests/a11y_support.py catch what they promise, and stay quiet on clean pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.a11y_support import (
    assert_accessible,
    assert_focus_visible,
    assert_language_of_parts,
    assert_no_overflow,
    assert_no_tofu,
    axe_violations,
    focus_problems,
    language_of_parts_problems,
    missing_glyphs,
    module_browser,
    overflow_problems,
)

__all__ = ["module_browser"]  # the fixture, imported for pytest
pytestmark = pytest.mark.browser

STACK = '"Noto Sans", "Noto Sans Devanagari", "Noto Sans Thai", "Noto Sans CJK JP", sans-serif'
SAMPLES = {
    "ja": "窓口で相談できます。しばらくお待ちください。",
    "ne": "कृपया पर्खनुहोस्। तपाईं जोडिनुभयो।",
    "hi": "कृपया प्रतीक्षा करें। आपका नंबर ३ है।",
    "th": "กรุณารอสักครู่ คุณเชื่อมต่อแล้ว",
    "uk": "Будь ласка, зачекайте. Ґанок, їжак, є.",
    "en": "Please wait — about 5 minutes…",
}


def _page(browser: Any, body: str, lang: str = "en", width: int = 390) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 700})
    page.set_content(
        f"<!doctype html><html lang='{lang}'><head><title>t</title></head>"
        f"<body style='font-family: {STACK}; margin: 0'><main><h1>Test</h1>{body}</main></body></html>"
    )
    return page


def test_tofu__passes_for_every_script_the_residents_read(module_browser: Any) -> None:
    paragraphs = "".join(f"<p lang='{lang}'>{text}</p>" for lang, text in SAMPLES.items())
    page = _page(module_browser, paragraphs)
    assert_no_tofu(page, context="samples")
    page.close()


@pytest.mark.parametrize("char", ["\ue000", "\U000f0000", "\u0378"], ids=["pua", "plane15-pua", "unassigned"])
def test_tofu__catches_a_character_no_font_has(module_browser: Any, char: str) -> None:
    page = _page(module_browser, f"<p id='bad' lang='ne'>नमस्ते {char} ok</p><p id='good'>fine</p>")
    problems = missing_glyphs(page)
    assert [p.where for p in problems] == ["p#bad"]
    assert problems[0].characters == char
    assert "no installed font has them" in str(problems[0])
    with pytest.raises(AssertionError, match="tofu at p#bad"):
        assert_no_tofu(page, context="bad")
    # the probe attributes are gone afterwards
    assert page.evaluate("() => document.querySelectorAll('[data-a11y-probe]').length") == 0
    page.close()


def test_tofu__hidden_text_is_not_checked(module_browser: Any) -> None:
    page = _page(module_browser, "<p hidden>\ue000</p><p style='display:none'>\ue000</p>")
    assert missing_glyphs(page) == []
    page.close()


def test_overflow__a_clean_page_passes(module_browser: Any) -> None:
    page = _page(
        module_browser,
        "<p>Short text that wraps normally inside a phone-sized viewport without any trouble at all.</p>"
        "<label for='i' style='position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)'>"
        "a visually hidden label that is much longer than one pixel</label><input id='i'>"
        "<div style='overflow-x:auto;max-width:100%'><table><tr><td style='white-space:nowrap'>"
        "a wide table that scrolls inside its own box, the intended way to show it</td></tr></table></div>",
    )
    assert_no_overflow(page, context="clean")
    page.close()


def test_overflow__catches_text_out_of_its_box_clipping_and_the_viewport(module_browser: Any) -> None:
    page = _page(
        module_browser,
        "<button id='narrow' style='width:80px;white-space:nowrap'>प्रतीक्षा गर्नुहोस् धेरै लामो</button>"
        "<div id='clipped' style='width:100px;overflow:hidden;white-space:nowrap'>"
        "Ukrainian: Будь ласка, зачекайте кілька хвилин</div>"
        "<div id='wide' style='width:600px'>wide box</div>",
    )
    problems = overflow_problems(page)
    text = "\n".join(problems)
    assert "the page is" in problems[0]
    assert "button#narrow: text" in text
    assert "div#clipped clips its content horizontally" in text
    assert "div#wide runs out of the viewport" in text
    with pytest.raises(AssertionError, match="overflow"):
        assert_no_overflow(page, context="bad")
    # an element named as allowed to overflow is left alone, with its insides
    allowed = overflow_problems(page, ignore=("#narrow", "#clipped", "#wide"))
    assert not any("#narrow" in p or "#clipped" in p or "#wide" in p for p in allowed)
    page.close()


def test_axe__a_clean_page_passes(module_browser: Any) -> None:
    page = _page(module_browser, "<label for='n'>Name</label><input id='n'><button>Send</button>")
    assert_accessible(page, context="clean")
    page.close()


def test_axe__catches_contrast_missing_labels_and_lang(module_browser: Any) -> None:
    page = module_browser.new_page()
    page.set_content(
        "<!doctype html><html><head><title>t</title></head><body><main><h1>t</h1>"
        "<p style='color:#aaa;background:#fff'>pale text</p><input id='n'><button></button>"
        "</main></body></html>"
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"color-contrast", "label", "button-name", "html-has-lang"} <= found
    with pytest.raises(AssertionError, match="color-contrast"):
        assert_accessible(page, context="bad")
    # a rule can be switched off, with a reason
    assert "label" not in {v["id"] for v in axe_violations(page, ignore={"label": "test of the option"})}
    with pytest.raises(AssertionError, match="say why"):
        axe_violations(page, ignore={"label": " "})
    page.close()


def test_axe__landmarks_are_required(module_browser: Any) -> None:
    page = module_browser.new_page()
    page.set_content(
        "<!doctype html><html lang='en'><head><title>t</title></head><body><p>no main</p></body></html>"
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"landmark-one-main", "region", "page-has-heading-one"} <= found
    page.close()


def test_focus__visible_indicators_pass(module_browser: Any) -> None:
    page = _page(module_browser, "<a href='#x'>link</a> <button>ok</button> <label>Name <input></label>")
    assert_focus_visible(page, context="clean")
    page.close()


def test_focus__catches_a_hidden_indicator_and_a_covered_control(module_browser: Any) -> None:
    page = _page(
        module_browser,
        "<button id='bare' style='outline:none'>no ring</button>"
        "<button id='ringed' style='outline:none;box-shadow:0 0 0 3px #000'>ring</button>"
        "<button id='under' style='position:absolute;top:200px;left:10px'>under</button>"
        "<div style='position:absolute;top:180px;left:0;width:300px;height:80px;background:#fff'>cover</div>",
    )
    problems = focus_problems(page)
    assert any(p.startswith("button#bare shows no focus indicator") for p in problems), problems
    assert not any("#ringed" in p for p in problems), problems
    assert any(p.startswith("button#under is hidden under div") for p in problems), problems
    with pytest.raises(AssertionError, match="keyboard focus"):
        assert_focus_visible(page, context="bad")
    page.close()


def test_language_of_parts__marked_parts_pass(module_browser: Any) -> None:
    page = _page(
        module_browser,
        "<p lang='ne'>कृपया पर्खनुहोस्। / <span lang='ja'>まってください。</span> OK 12:30</p>"
        "<p lang='th'>ขอบคุณ <b lang='uk'>Дякуємо</b></p><p>Madoguchi, English</p>",
    )
    assert_language_of_parts(page, context="clean")
    page.close()


def test_language_of_parts__catches_unmarked_japanese_in_a_nepali_line(module_browser: Any) -> None:
    page = _page(
        module_browser,
        "<p id='mixed' lang='ne'>कृपया पर्खनुहोस्। / まってください。</p><p id='thai'>ขอบคุณ</p>"
        "<p aria-hidden='true'>窓口</p>",
    )
    problems = language_of_parts_problems(page)
    assert len(problems) == 2, problems
    assert problems[0].startswith("p#mixed (lang=ne): Japanese text")
    assert problems[1].startswith("p#thai (lang=en): Thai text")
    with pytest.raises(AssertionError, match="language of parts"):
        assert_language_of_parts(page, context="bad")
    page.close()
