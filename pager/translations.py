"""The words people read on the pages and in `pager status`, `history` and `stats`, in the
language of `ui.language`: gettext catalogues (`pager/locale/LANG/LC_MESSAGES/pager.po`,
English being the source), read with Babel. Shared by the web pages and the tools; imports
nothing of pager.

Mark a string with `_()` where it is written (`_ = translations.translator(language)`), or with
`N_()` where it is only declared and translated later; `pybabel extract -F babel.cfg` finds
both (see docs/development/testing.md).
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
from collections.abc import Callable
from importlib import resources

from babel.messages import mofile, pofile

Gettext = Callable[[str], str]
DOMAIN = "pager"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a string for the catalogue where it is declared; translated where it is used."""
    return message


# Each event by its name, as the pages and commands show it.
EVENT_WORDS = {
    "queued": N_("queued"), "started": N_("playing"), "finished": N_("finished"),
    "preempted": N_("interrupted"), "resumed": N_("resumed"), "cancelled": N_("cancelled"),
    "expired": N_("expired"), "superseded": N_("superseded"), "merged": N_("merged"),
    "duplicate": N_("duplicate"), "rejected": N_("rejected"), "failed": N_("failed"),
    "test-queued": N_("test queued"), "test-started": N_("test playing"),
    "test-finished": N_("test finished"), "test-heard": N_("test heard back"),
    "audio-failed": N_("audio failed"),
    "audio-restored": N_("audio restored"), "audio-xruns": N_("audio dropouts"),
    "audio-callback-error": N_("audio callback error"), "config-reloaded": N_("config reloaded"),
    "config-rejected": N_("config rejected"), "storage-failed": N_("disk failing"),
    "storage-restored": N_("disk restored"), "clock-stepped": N_("clock stepped"),
    "input-failed": N_("inputs failed"), "input-restored": N_("inputs restored"),
    "line-fault": N_("speaker line fault"), "line-restored": N_("speaker line restored"),
}  # fmt: skip


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


def translator(language: str) -> Gettext:
    """The `_` of a language."""
    return catalogue(language).gettext


def event_word(name: str, _: Callable[[str], str]) -> str:
    """An event's name as people read it (an unknown one as it is)."""
    return _(EVENT_WORDS[name]) if name in EVENT_WORDS else name
