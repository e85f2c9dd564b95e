"""The companion's language: each page in English or German, chosen per request."""

from __future__ import annotations

import gettext
from collections.abc import Callable

from tutor.core.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALE_DIR

Translate = Callable[[str], str]
_cache: dict[str, gettext.NullTranslations] = {}


def translator(lang: str) -> Translate:
    """The gettext function for lang ('en' or 'de'); English for anything else."""
    if lang not in _cache:
        _cache[lang] = (gettext.NullTranslations() if lang == DEFAULT_LANGUAGE or lang not in LANGUAGES
                        else gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang],
                                                 fallback=True))
    return _cache[lang].gettext


def pick_language(query: str | None, accept_language: str | None, default: str) -> str:
    """?lang= if given, else the browser's first known Accept-Language, else the --lang default."""
    if query in LANGUAGES:
        return query
    for part in (accept_language or "").split(","):
        code = part.split(";", 1)[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else DEFAULT_LANGUAGE
