"""Accessibility and rendering checks for browser tests: axe-core (WCAG 2.2 A/AA), missing glyphs, overflow,
language of parts and keyboard focus.

Use from any browser test on a Playwright page that shows the screen to check:

    from tests.a11y_support import check_screen, check_viewports, module_browser

    check_screen(page, "tablet-waiting-ne-phone")  # screenshot and every check: one failure lists all
    problems += check_viewports(page, "tablet-waiting-ne")  # the same at phone and tablet size, as a list

or the single checks: `assert_accessible`, `assert_no_tofu`, `assert_no_overflow`, `assert_language_of_parts`,
`assert_focus_visible`, and `screenshot`. Only what is visible is checked (axe skips hidden nodes too), so
check each state of a screen once it shows.

- axe-core comes from the `axe-playwright-python` package (it ships `axe.min.js`); nothing is downloaded.
- Missing glyphs: Chromium itself reports, through the DevTools protocol, which installed fonts it used for
  each element's text; fontTools then checks that every character is in the character map of one of those
  fonts. A character that none of them has is drawn as a box (tofu), whatever the CSS asked for.
- Overflow: the page wider than the viewport, boxes that stick out of it, content clipped by overflow
  hidden/clip (ellipsis included) and text that runs out of its own box.
- Language of parts: Japanese, Hangul, Devanagari, Thai or Cyrillic text inside an element whose language
  does not use that script (a screen reader would read it with the wrong voice).
- Keyboard focus: tabbing through the page, every stop shows an indicator and is not hidden under another box.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import ARTIFACTS, CHROMIUM_ARGS, CHROMIUM_PATH, MEDIA_ARGS, _unavailable

SCREENS = ARTIFACTS / "screens"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
# Best-practice rules worth holding every screen to: landmarks and a top heading let a screen-reader user
# jump around a page they cannot see.
EXTRA_RULES = ("landmark-one-main", "region", "page-has-heading-one", "landmark-unique")
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
VIEWPORTS = {"phone": PHONE, "tablet": TABLET}


# --- screenshots -----------------------------------------------------------------------------------------


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as test-artifacts/screens/<name>.png (kept by CI as an artefact)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- axe-core --------------------------------------------------------------------------------------------


@functools.cache
def _axe_source() -> str:
    try:
        from axe_playwright_python.base import AXE_FILE_PATH
    except ImportError:
        _unavailable("the axe-playwright-python package (it ships axe-core): pip install -e '.[dev]'")
    return Path(AXE_FILE_PATH).read_text(encoding="utf-8")


def axe_violations(page: Any, ignore: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.0/2.1/2.2 A and AA (and EXTRA_RULES) on the page as it is now.

    `ignore` maps a rule id to the reason it does not apply (the reason is required so skips stay honest).
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    rules = {rule: {"enabled": True} for rule in EXTRA_RULES}
    for rule, reason in (ignore or {}).items():
        assert reason.strip(), f"say why axe rule {rule} is ignored"
        rules[rule] = {"enabled": False}
    options = {
        "runOnly": {"type": "tag", "values": list(WCAG_TAGS)},
        "rules": rules,
        "resultTypes": ["violations"],
    }
    result: dict[str, Any] = page.evaluate("(options) => axe.run(document, options)", options)
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for v in violations:
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"axe {v['id']} ({v['impact']}) at {target}: {v['help']}. {summary}")
    return lines


def assert_accessible(page: Any, *, context: str, ignore: Mapping[str, str] | None = None) -> None:
    """Fail listing every axe-core violation (rule, impact, element, help) on the page as shown now."""
    problems = describe_violations(axe_violations(page, ignore))
    assert not problems, f"{context}: {len(problems)} accessibility problem(s):\n" + "\n".join(problems)


# --- missing glyphs (tofu) -------------------------------------------------------------------------------

_PROBE = "data-a11y-probe"
_COLLECT_TEXT = """(attr) => {
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(part + '#' + e.id); break; }
      if (e.classList.length) part += '.' + [...e.classList].join('.');
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const found = [];
  // Chromium picks the same font for a character wherever font-family, language, weight and style are the
  // same, so each character needs probing once per such combination (plotly repeats labels by the hundred)
  const probed = new Map();
  for (const el of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName)) continue;
    let text = '';
    for (const node of el.childNodes) if (node.nodeType === Node.TEXT_NODE) text += node.data;
    if (!text.trim()) continue;
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const style = getComputedStyle(el);
    const lang = (el.closest('[lang]') || document.documentElement).lang || '';
    const key = [style.fontFamily, lang, style.fontWeight, style.fontStyle].join('|');
    if (!probed.has(key)) probed.set(key, new Set());
    const seen = probed.get(key);
    const fresh = [...text].filter((c) => !seen.has(c));
    if (!fresh.length) continue;
    fresh.forEach((c) => seen.add(c));
    el.setAttribute(attr, String(found.length));
    found.push({ text, where: describe(el), fontFamily: style.fontFamily, lang });
  }
  return found;
}"""
_UNMARK = "(attr) => document.querySelectorAll(`[${attr}]`).forEach((el) => el.removeAttribute(attr))"


@dataclass(frozen=True)
class MissingGlyphs:
    where: str  # a short CSS path of the element
    lang: str
    characters: str
    fonts_used: tuple[str, ...]  # what Chromium drew the element's text with
    font_family: str  # what the CSS asked for

    def __str__(self) -> str:
        codes = " ".join(f"U+{ord(c):04X}" for c in self.characters)
        covered = (
            "; no installed font has them" if not any(_installed_font_has(c) for c in self.characters) else ""
        )
        return (
            f"tofu at {self.where} (lang={self.lang or '?'}): {self.characters!r} ({codes}) drawn with "
            f"{', '.join(self.fonts_used) or 'no font'}{covered}; font-family: {self.font_family}"
        )


@functools.cache
def _fc_list() -> str:
    path = shutil.which("fc-list")
    if path is None:
        _unavailable("fontconfig's fc-list (apt-get install fontconfig)")
    return str(path)


@functools.cache
def _fonts_by_postscript_name() -> dict[str, tuple[str, int]]:
    """Every installed font (fontconfig) by PostScript name: file and face index inside a collection."""
    try:
        listing = subprocess.run(  # noqa: S603 (fixed arguments)
            [_fc_list(), "--format", "%{postscriptname}\t%{file}\t%{index}\n"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        _unavailable(f"fontconfig's fc-list ({exc})")
    fonts: dict[str, tuple[str, int]] = {}
    for line in listing.splitlines():
        name, file, index = [*line.split("\t"), "", "", "0"][:3]
        if name and file:
            fonts.setdefault(name, (file, int(index or 0)))
    return fonts


@functools.cache
def _cmap(file: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(file, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


@functools.cache
def _installed_font_has(char: str) -> bool:
    """Whether fontconfig knows any installed font with this character (else no fallback can help)."""
    found = subprocess.run(  # noqa: S603 (fixed program, a hex number)
        [_fc_list(), "--format", "%{file}\n", f":charset={ord(char):x}"],
        check=False,
        capture_output=True,
        text=True,
    )
    return bool(found.stdout.strip())


def _needs_a_glyph(char: str) -> bool:
    # whitespace, controls and default-ignorable format characters (ZWJ, ZWNJ, soft hyphen) draw nothing
    return unicodedata.category(char) not in {"Zs", "Zl", "Zp", "Cc", "Cf"}


def missing_glyphs(page: Any, attempts: int = 3) -> list[MissingGlyphs]:
    """Visible text characters that the fonts Chromium chose for their element do not contain.

    A page that redraws while it is measured (a list refreshed by a timer) loses nodes under the probe: the
    measurement is then taken again, never skipped."""
    for attempt in range(attempts):
        try:
            return _missing_glyphs_once(page)
        except Exception as exc:  # playwright's Error: the node was replaced while it was measured
            if "Could not find node" not in str(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _missing_glyphs_once(page: Any) -> list[MissingGlyphs]:
    found: list[dict[str, str]] = page.evaluate(_COLLECT_TEXT, _PROBE)
    if not found:
        return []
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node_ids = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": f"[{_PROBE}]"})["nodeIds"]
        fonts_of: dict[int, list[str]] = {}
        for node_id in node_ids:
            attributes = cdp.send("DOM.getAttributes", {"nodeId": node_id})["attributes"]
            index = int(dict(zip(attributes[::2], attributes[1::2], strict=True))[_PROBE])
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
            fonts_of[index] = [f["postScriptName"] or f["familyName"] for f in fonts]
    finally:
        cdp.detach()
        page.evaluate(_UNMARK, _PROBE)
    installed = _fonts_by_postscript_name()
    problems = []
    for index, item in enumerate(found):
        used = fonts_of.get(index, [])
        cmaps = [_cmap(*installed[name]) for name in used if name in installed]
        missing = "".join(
            dict.fromkeys(
                c for c in item["text"] if _needs_a_glyph(c) and not any(ord(c) in cmap for cmap in cmaps)
            )
        )
        if missing:
            problems.append(
                MissingGlyphs(item["where"], item["lang"], missing, tuple(used), item["fontFamily"])
            )
    return problems


def assert_no_tofu(page: Any, *, context: str) -> None:
    """Fail when any visible character is drawn with a font that has no glyph for it (a box, 'tofu')."""
    problems = missing_glyphs(page)
    assert not problems, f"{context}: missing glyphs:\n" + "\n".join(map(str, problems))


# --- overflow --------------------------------------------------------------------------------------------

_FIND_OVERFLOW = """(ignore) => {
  const slack = 1;
  const vw = document.documentElement.clientWidth;
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(part + '#' + e.id); break; }
      if (e.classList.length) part += '.' + [...e.classList].join('.');
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const span = (r) => `${Math.round(r.left)}..${Math.round(r.right)}`;
  const clips = (value) => value === 'hidden' || value === 'clip';
  const scrolls = (value) => value === 'auto' || value === 'scroll';
  const problems = [];
  const docWidth = document.documentElement.scrollWidth;
  if (docWidth > vw + slack) problems.push(`the page is ${docWidth}px wide in a ${vw}px viewport`);
  const skipped = new Set();  // visually hidden (sr-only) boxes, horizontal scrollers: their insides are fine
  for (const el of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName)) continue;
    if (el.parentElement && skipped.has(el.parentElement)) { skipped.add(el); continue; }
    if (ignore.some((selector) => el.matches(selector))) { skipped.add(el); continue; }
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width <= 1 || box.height <= 1) { if (clips(style.overflowX)) skipped.add(el); continue; }
    if (box.right <= 0 || box.bottom <= 0) { skipped.add(el); continue; }  // put off-screen on purpose
    const where = describe(el);
    if (box.right > vw + slack || box.left < -slack) {
      const parent = el.parentElement && el.parentElement.getBoundingClientRect();
      const parentOut = parent && (parent.right > vw + slack || parent.left < -slack);
      if (!parentOut) problems.push(`${where} runs out of the viewport (${span(box)} of ${vw}px)`);
    }
    if (clips(style.overflowX) && el.scrollWidth > el.clientWidth + slack)
      problems.push(`${where} clips its content horizontally (${el.scrollWidth}px in ${el.clientWidth}px)`);
    if (clips(style.overflowY) && el.scrollHeight > el.clientHeight + slack)
      problems.push(`${where} clips its content vertically (${el.scrollHeight}px in ${el.clientHeight}px)`);
    if (scrolls(style.overflowX)) skipped.add(el);
    if (['INPUT', 'TEXTAREA', 'SELECT', 'VIDEO', 'CANVAS', 'IMG', 'svg'].includes(el.tagName)) continue;
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const text = range.getBoundingClientRect();
      if (text.width === 0) continue;
      if (text.right > box.right + 2 * slack || text.left < box.left - 2 * slack) {
        const quoted = JSON.stringify(node.data.trim().slice(0, 40));
        problems.push(`${where}: text ${quoted} runs out of its box (${span(text)} in ${span(box)})`);
        break;
      }
    }
  }
  return problems;
}"""


def overflow_problems(page: Any, ignore: tuple[str, ...] = ()) -> list[str]:
    """Elements that stick out of the viewport, clip their content, or whose text runs out of their box.

    `ignore`: CSS selectors of elements (and their insides) allowed to overflow, e.g. a deliberate marquee.
    """
    problems: list[str] = page.evaluate(_FIND_OVERFLOW, list(ignore))
    return problems


def assert_no_overflow(page: Any, *, context: str, ignore: tuple[str, ...] = ()) -> None:
    """Fail listing every element whose content overflows horizontally or is clipped."""
    problems = overflow_problems(page, ignore)
    assert not problems, f"{context}: overflow:\n" + "\n".join(problems)


# --- language of parts ----------------------------------------------------------------------------------

_FIND_FOREIGN_SCRIPT = """() => {
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(part + '#' + e.id); break; }
      if (e.classList.length) part += '.' + [...e.classList].join('.');
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const scripts = {
    Japanese: /[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}]/u,
    Hangul: /\\p{Script=Hangul}/u,
    Devanagari: /\\p{Script=Devanagari}/u,
    Thai: /\\p{Script=Thai}/u,
    Cyrillic: /\\p{Script=Cyrillic}/u,
  };
  const allowed = { ja: ['Japanese'], zh: ['Japanese'], ko: ['Hangul', 'Japanese'], ne: ['Devanagari'],
                    hi: ['Devanagari'], th: ['Thai'], ru: ['Cyrillic'], uk: ['Cyrillic'] };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.data.trim() || ['SCRIPT', 'STYLE', 'TEMPLATE'].includes(el.tagName)) continue;
    if (el.closest('[aria-hidden=true]') || !el.checkVisibility({ checkVisibilityCSS: true })) continue;
    const lang = ((el.closest('[lang]') || document.documentElement).lang || '').toLowerCase().split('-')[0];
    for (const [script, pattern] of Object.entries(scripts)) {
      if ((allowed[lang] || []).includes(script)) continue;
      const letters = [...node.data].filter((c) => pattern.test(c));
      if (letters.length) {
        problems.push(`${describe(el)} (lang=${lang || 'none'}): ${script} text ` +
                      `${JSON.stringify(node.data.trim().slice(0, 30))} is not marked with its own lang`);
        break;
      }
    }
  }
  return problems;
}"""


def language_of_parts_problems(page: Any) -> list[str]:
    """Text in a script its element's language does not use (WCAG 3.1.2 Language of Parts): Japanese inside a
    Nepali page reads with a Nepali voice and breaks lines the Nepali way. Latin text is never flagged."""
    problems: list[str] = page.evaluate(_FIND_FOREIGN_SCRIPT)
    return problems


def assert_language_of_parts(page: Any, *, context: str) -> None:
    """Fail when text in another script sits in an element without that language's lang attribute."""
    problems = language_of_parts_problems(page)
    assert not problems, f"{context}: language of parts:\n" + "\n".join(problems)


# --- keyboard focus -------------------------------------------------------------------------------------

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const parts = [];
  for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
    let part = e.tagName.toLowerCase();
    if (e.id) { parts.unshift(part + '#' + e.id); break; }
    if (e.classList.length) part += '.' + [...e.classList].join('.');
    parts.unshift(part);
  }
  const where = parts.join(' > ');
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow !== 'none';
  // a date/month input's calendar button is focused inside the browser's own shadow tree (the host does not
  // match :focus): the browser draws that ring itself, and no page style can remove it
  const inner = !el.matches(':focus');
  const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  const labelled = el.labels && [...el.labels].some((label) => label.contains(top));
  const covered = top && top !== el && !el.contains(top) && !top.contains(el) && !labelled;
  return { where, indicator: outline || ring || inner, tiny: box.width <= 1 || box.height <= 1,
           covered: covered ? top.tagName.toLowerCase() + (top.id ? '#' + top.id : '') : null };
}"""


def focus_problems(page: Any, max_stops: int = 80) -> list[str]:
    """Tab through the page from the top: every stop must show a focus indicator (WCAG 2.4.7) and must not be
    hidden under something else (2.4.11). Leaves nothing focused."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    problems: list[str] = []
    seen: list[str] = []
    for _ in range(max_stops):
        page.keyboard.press("Tab")
        stop = page.evaluate(_FOCUSED)
        if stop is None or stop["where"] in seen[:1]:
            break  # back at the start: the whole tab order was walked
        seen.append(stop["where"])
        if stop["tiny"]:
            problems.append(f"{stop['where']} takes keyboard focus while invisible (1 px or less)")
        elif not stop["indicator"]:
            problems.append(f"{stop['where']} shows no focus indicator (outline or ring) when focused")
        if stop["covered"]:
            problems.append(f"{stop['where']} is hidden under {stop['covered']} when focused")
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    return problems


def assert_focus_visible(page: Any, *, context: str) -> None:
    """Fail when a keyboard stop has no visible focus indicator or is hidden under another element."""
    problems = focus_problems(page)
    assert not problems, f"{context}: keyboard focus:\n" + "\n".join(problems)


# --- everything at once ----------------------------------------------------------------------------------


# Installed in a browser context (context.add_init_script) before any page script runs: every violation of
# the Content-Security-Policy (an inline script or style refused, a blocked load) is kept for `csp_problems`.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.effectiveDirective} refused ${e.blockedURI || "inline"} (${where})`);
});
"""


def csp_problems(page: Any) -> list[str]:
    """The Content-Security-Policy violations recorded on this page (see RECORD_CSP_VIOLATIONS)."""
    found: list[str] = page.evaluate("() => window.__cspViolations || []")
    return [f"CSP: {v}" for v in found]


def screen_problems(
    page: Any,
    name: str,
    *,
    axe_ignore: Mapping[str, str] | None = None,
    overflow_ignore: tuple[str, ...] = (),
) -> list[str]:
    """Screenshot the page as <name> (first, so a failure still leaves the picture), then return every problem
    the three checks find, each line prefixed with the screen's name. For tests that go through many states
    and fail once at the end."""
    screenshot(page, name)
    problems = [
        *describe_violations(axe_violations(page, axe_ignore)),
        *map(str, missing_glyphs(page)),
        *overflow_problems(page, overflow_ignore),
        *language_of_parts_problems(page),
        *focus_problems(page),
        *csp_problems(page),
    ]
    return [f"{name}: {problem}" for problem in problems]


def check_screen(
    page: Any,
    name: str,
    *,
    axe_ignore: Mapping[str, str] | None = None,
    overflow_ignore: tuple[str, ...] = (),
) -> Path:
    """Screenshot the page, run every check and fail once listing all the problems found."""
    problems = screen_problems(page, name, axe_ignore=axe_ignore, overflow_ignore=overflow_ignore)
    assert not problems, f"{len(problems)} problem(s) on {name}:\n" + "\n".join(problems)
    return SCREENS / f"{name}.png"


def assert_no_problems(problems: list[str]) -> None:
    """Fail once at the end of a test that collected `screen_problems` over many screens, listing them all."""
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def check_viewports(page: Any, name: str, **options: Any) -> list[str]:
    """`screen_problems` at phone (390x844) and tablet (1024x768) size: <name>-phone.png, <name>-tablet.png.
    Leaves the page at tablet size."""
    problems = []
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        problems += screen_problems(page, f"{name}-{size}", **options)
    return problems


# --- one browser for a whole test module ------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_browser() -> Iterator[Any]:
    """One headless Chromium (fake camera and microphone) shared by a module's tests: start-up is slow."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package (pip install playwright; never `playwright install`)")
    if not Path(CHROMIUM_PATH).exists():
        _unavailable(f"Chromium at {CHROMIUM_PATH} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS + MEDIA_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
