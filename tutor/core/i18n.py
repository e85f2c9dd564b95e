"""The UI's language: gettext catalogs for English (the source) and German.

Wrap every string a learner sees in `_()` (or `ngettext` for counts) and translate it in
tutor/locale/de/LC_MESSAGES/registry-tutor.po. Strings needed before the language is known
(class attributes) are marked with `N_()` and translated with `_()` where they are shown.
The catalog itself (extracting, checking and compiling it) is a maintainer's job: see
tutor/core/catalog.py, which every run of the tutor leaves unimported.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "registry-tutor"
LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
_ENV_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_state: dict[str, object] = {}


def _load(lang: str) -> gettext.NullTranslations:
    # gettext.translation keeps each catalog it has read, so calling this per text costs little.
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def set_language(lang: str) -> None:
    """Switch every later `_()` call to LANG ('en' or 'de'); raise ValueError for others."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}': choose one of {', '.join(LANGUAGES)}")
    _state["lang"] = lang
    _state["translations"] = _load(lang)


def current_language() -> str:
    """The language `_()` translates to now ('en' until set_language is called)."""
    return str(_state.get("lang", DEFAULT_LANGUAGE))


def _language_of(value: str) -> str | None:
    for item in value.split(":"):
        code = item.strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return None


def detect_language(cli_lang: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """--lang if given, else the first set locale variable (LANGUAGE, LC_ALL, ...); 'en' by default."""
    if cli_lang:
        return _language_of(cli_lang) or DEFAULT_LANGUAGE
    env = os.environ if environ is None else environ
    for name in _ENV_VARIABLES:
        value = env.get(name, "")
        if value:
            found = _language_of(value)
            if found or name != "LANGUAGE":
                return found or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _translations() -> gettext.NullTranslations:
    found = _state.get("translations")
    if isinstance(found, gettext.NullTranslations):
        return found
    return gettext.NullTranslations()


def _(message: str) -> str:
    """MESSAGE in the current language (unchanged when no translation exists)."""
    return _translations().gettext(message)


def translate(message: str, lang: str) -> str:
    """MESSAGE in LANG whatever the current language (a headless check answers in the language asked)."""
    return _load(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for COUNT, in the current language."""
    return _translations().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark MESSAGE for extraction without translating it yet (translate with `_()` when shown)."""
    return message
