"""The one catalogue of words groupdesk writes for people: gettext, French and English.

Messages are written in English in the code (`_("Resolved by {author}.")`) and translated by the
catalogue `tenants/i18n/<language>/LC_MESSAGES/groupdesk.po`, compiled in memory by Babel when first
used (no compiled file to keep in step). English is the source language: it needs no catalogue.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "groupdesk"
CATALOGUES = Path(__file__).resolve().parent
SOURCE_LANGUAGE = "en"
# The schools are French: a tenant or a payload that names no language reads French.
DEFAULT_LANGUAGE = "fr"
LANGUAGES = ("fr", "en")


def catalogue_path(language: str) -> Path:
    return CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """The translations for a language; unknown languages and English read the source text."""
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext_for(language: str | None) -> Callable[[str], str]:
    """`_` for one language: `_ = gettext_for(school.language)`, then `_("...").format(...)`."""
    return translations(language or DEFAULT_LANGUAGE).gettext


def language_of(person: str | None, school: str | None) -> str:
    """What one person reads: their own language when they chose one, else their school's, else French."""
    for choice in (person, school):
        if choice in LANGUAGES:
            return choice
    return DEFAULT_LANGUAGE
