"""Resident-facing text in the desk's 15 languages: catalogues in locales/, this package reads them.

See README.md in this folder for the key scheme, the fallback rules and how to add a message.
"""

from app.i18n.catalog import check_catalogues
from app.i18n.jinja import current, install_jinja, use_language
from app.i18n.languages import FALLBACK, LANGUAGES, SUPPORTED, Language
from app.i18n.runtime import Translator, catalog_json, negotiate, reload, translator

__all__ = [
    "FALLBACK",
    "LANGUAGES",
    "SUPPORTED",
    "Language",
    "Translator",
    "catalog_json",
    "check_catalogues",
    "current",
    "install_jinja",
    "negotiate",
    "reload",
    "translator",
    "use_language",
]
