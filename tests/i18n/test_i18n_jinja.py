"""Server-rendered pages get resident text in the request's language through `t`, `n` and `i18n`."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment, select_autoescape

from app.i18n import install_jinja, translator, use_language

PAGE = (
    '<html lang="{{ i18n.bcp47 }}" dir="{{ i18n.dir }}">'
    "<h1>{{ t('language.title') }}</h1>"
    "<p>{{ n('waiting.minutes', minutes) }}</p>"
    "<p>{{ t('ended.phone', phone=phone) }}</p>"
    "{% from 'macros.html' import status %}{{ status() }}"
    "</html>"
)
MACROS = "{% macro status() %}<b>{{ t('call.connected') }}</b>{% endmacro %}"


@pytest.fixture
def env() -> Environment:
    env = Environment(
        loader=DictLoader({"page.html": PAGE, "macros.html": MACROS}),
        autoescape=select_autoescape(["html"]),
    )
    install_jinja(env)
    return env


def test_template__renders_in_the_language_passed_in_the_context(env: Environment) -> None:
    page = env.get_template("page.html")
    vi = page.render(i18n=translator("vi"), minutes=5, phone="086")
    uk = page.render(i18n=translator("uk"), minutes=5, phone="086")
    assert '<html lang="vi" dir="ltr">' in vi
    assert "<h1>Chọn ngôn ngữ của bạn</h1>" in vi
    assert "<p>Khoảng 5 phút</p>" in vi
    assert "<h1>Оберіть мову</h1>" in uk
    assert "<p>Приблизно 5 хвилин</p>" in uk
    assert "<p>Телефон: 086</p>" in uk


def test_template__renders_in_the_current_language_of_use_language(env: Environment) -> None:
    page = env.get_template("page.html")
    with use_language("th"):
        th = page.render(minutes=1, phone="086")
    assert '<html lang="th" dir="ltr">' in th
    assert "<h1>เลือกภาษาของคุณ</h1>" in th
    assert "<b>เชื่อมต่อแล้ว</b>" in th  # a macro imported without context still follows the language


def test_template__defaults_to_english_outside_a_request(env: Environment) -> None:
    html = env.get_template("page.html").render(minutes=2, phone="086")
    assert "<h1>Choose your language</h1>" in html
    assert "<p>About 2 minutes</p>" in html


def test_template__context_translator_wins_over_use_language(env: Environment) -> None:
    with use_language("ru"):
        html = env.get_template("page.html").render(i18n=translator("ko"), minutes=3, phone="086")
    assert "<h1>언어를 선택하세요</h1>" in html


def test_template__escapes_parameters(env: Environment) -> None:
    html = env.get_template("page.html").render(minutes=1, phone="<script>x</script>")
    assert "<script>" not in html
    assert "Phone: &lt;script&gt;x&lt;/script&gt;" in html


def test_use_language__restores_the_previous_language() -> None:
    with use_language("ne") as outer:
        with use_language("fil") as inner:
            assert inner.lang == "fil"
        assert outer.lang == "ne"
        from app.i18n import current

        assert current().lang == "ne"
