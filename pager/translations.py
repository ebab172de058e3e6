"""The words people read on the pages and in `pager status`, `history` and `stats`, in the
language of `ui.language`: gettext catalogues (`pager/locale/LANG/LC_MESSAGES/pager.po`,
English being the source), read with Babel. Shared by the web pages and the tools; imports
nothing of pager.

Mark a string with `_()` where it is written (`_ = translations.gettext(language)`), or with
`N_()` where it is only declared and translated later; `python -m babel.messages.frontend
extract` (see docs/developer/translations.md) finds both.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
from collections.abc import Callable
from importlib import resources

from babel.messages import mofile, pofile

DOMAIN = "pager"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a string for the catalogue where it is declared; translated where it is used."""
    return message


@functools.cache
def catalogue(language: str) -> _gettext.NullTranslations:
    """The translations of `language` (English, the source, translates nothing)."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    source = resources.files("pager") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with source.open("rb") as file:
        read = pofile.read_po(file, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    mofile.write_mo(compiled, read, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def gettext(language: str) -> Callable[[str], str]:
    """The `_` of a language."""
    return catalogue(language).gettext


def ngettext(language: str) -> Callable[[str, str, int], str]:
    return catalogue(language).ngettext
