"""Resident text in server-rendered Jinja2 pages, in the language of the current request.

Two ways to say which language a page is in (the first wins):
1. pass the translator in the template context: ``{"i18n": translator(lang)}``;
2. render inside ``with use_language(lang): ...`` (a contextvar, so it also reaches macros and includes
   that were imported without context).
With neither, pages come out in English.

In a template: ``{{ t("waiting.please_wait") }}``, ``{{ n("waiting.minutes", minutes) }}``,
``<html lang="{{ i18n.bcp47 }}" dir="{{ i18n.dir }}">`` and ``font-family: {{ i18n.font_stack }}``.
Text is returned as plain strings, so autoescaping applies to it and to every parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from app.i18n.languages import FALLBACK
from app.i18n.runtime import Translator, translator

_current: ContextVar[Translator | None] = ContextVar("madoguchi_i18n_translator", default=None)


def current() -> Translator:
    """The translator of the current request (English when none was chosen)."""
    return _current.get() or translator(FALLBACK)


@contextmanager
def use_language(lang: str) -> Iterator[Translator]:
    """Make lang the current language for the code (and templates) run inside the block."""
    token = _current.set(translator(lang))
    try:
        yield _current.get() or translator(FALLBACK)
    finally:
        _current.reset(token)


class _CurrentTranslator:
    """Stands in for the `i18n` template variable when the context does not pass one."""

    @property
    def lang(self) -> str:
        return current().lang

    @property
    def bcp47(self) -> str:
        return current().bcp47

    @property
    def dir(self) -> Literal["ltr", "rtl"]:
        return current().dir

    @property
    def font_stack(self) -> str:
        return current().font_stack

    def t(self, key: str, **params: object) -> str:
        return current().t(key, **params)

    def n(self, key: str, count: int, **params: object) -> str:
        return current().n(key, count, **params)


def _from(context: Context) -> Translator:
    candidate = context.get("i18n")
    return candidate if isinstance(candidate, Translator) else current()


@pass_context
def _t(context: Context, key: str, **params: object) -> str:
    return _from(context).t(key, **params)


@pass_context
def _n(context: Context, key: str, count: int, **params: object) -> str:
    return _from(context).n(key, count, **params)


def install_jinja(env: Environment) -> None:
    """Add the `t` and `n` functions and the `i18n` variable to a Jinja environment."""
    env.globals["t"] = _t
    env.globals["n"] = _n
    env.globals["i18n"] = _CurrentTranslator()
