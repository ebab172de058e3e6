"""Free text to the plain words a speech engine reads: no digits, symbols or glued punctuation.

The lexicon goes first (whole words, longest first). Then one scan over the text reads each
number-like token by what it is: a phone number or NIK digit by digit, a date, an amount of
rupiah, a time, a percentage, a decimal with a comma, thousands with full stops, a ticket
code, a number. What is left of symbols becomes words or a space.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping

from pager.language.words import (
    Zeros,
    date_words,
    decimal_words,
    digit_words,
    number_words,
    read_ticket,
    spell,
    time_words,
)

_NUMBER = r"\d{1,3}(?:\.\d{3})+|\d+"  # 25.000 or 25000
_AMOUNT = rf"(?:{_NUMBER})(?:,\d+)?"  # with a decimal comma
_TOKENS = re.compile(
    "|".join(
        (
            r"(?P<date>\b(?P<day>\d{1,2})[/-](?P<month>\d{1,2})[/-](?P<year>\d{4})\b)",
            r"(?P<phone>(?:\+62[-\s]?|\b0)\d{2,4}(?:[-\s]\d{3,4}){1,3}\b)",
            rf"(?P<money>\b(?:Rp\.?|IDR)\s?(?P<rupiah>{_AMOUNT})(?:,-)?)",
            r"(?P<time>(?:\b(?P<lead>pukul|jam|Pukul|Jam)\s+)?"
            r"\b(?P<hours>[01]?\d|2[0-4])[.:](?P<minutes>[0-5]\d)\b(?![.,]\d))",
            rf"(?P<percent>(?P<share>\b{_AMOUNT})\s?%)",
            rf"(?P<decimal>(?<!\d,)\b(?P<whole>{_NUMBER}),(?P<fraction>\d+)\b(?!,\d))",
            r"(?P<thousands>\b\d{1,3}(?:\.\d{3})+\b)",
            r"(?P<ticket>\b[A-Z]{1,3}-?\d{1,4}\b)",
            r"(?P<digits>\b0\d+\b|\b\d{10,}\b)",
            r"(?P<number>\b\d+\b)",
            r"(?P<slash>(?<=[^\W\d])/(?=[^\W\d]))",
            r"(?P<per>(?<=\d)/(?=\d))",
            r"(?P<to>(?<=\d)-(?=\d))",
        )
    )
)
_SYMBOLS = {"%": " persen ", "&": " dan ", "+": " plus ", "=": " sama dengan ", "@": " et "}
_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")
_CONSONANTS = "[bcdfghjklmnpqrstvwxyz]"
_NOT_A_WORD = re.compile(
    rf"^{_CONSONANTS}{{2}}(?<!ng)(?<!ny)(?<!sy)(?<!kh)"  # starts with two consonants
    rf"|{_CONSONANTS}{{3}}"  # three in a row
    rf"|{_CONSONANTS}{{2}}$(?<!ng)(?<!nk)"  # ends with two
    r"|^[^aeiou]*$"  # no vowel
)
_UNSPEAKABLE = re.compile(r"[^\w\s.,;:!?'()-]|_")


def _capitals(match: re.Match[str]) -> str:
    """A word in capitals: an acronym is spelled ("UMKM"), a word read ("TUTUP" -> "tutup")."""
    word = match[0].lower()
    return spell(word) if len(word) < 3 or _NOT_A_WORD.search(word) else word


@functools.lru_cache(maxsize=16)
def _lexicon_pattern(written: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for every written form, the longest first, each only as a whole word."""
    alternatives = "|".join(re.escape(w) for w in sorted(written, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Each written form the lexicon knows, as a whole word, replaced by how it is spoken
    (in one pass: what one entry says is never rewritten by another)."""
    if not lexicon:
        return text
    return _lexicon_pattern(tuple(lexicon)).sub(lambda m: lexicon[m[0]], text)


def _amount(text: str) -> str:
    whole, _, fraction = text.partition(",")
    integer = whole.replace(".", "")
    return decimal_words(integer, fraction) if fraction else number_words(int(integer))


def _reader(zeros: Zeros) -> Callable[[re.Match[str]], str]:
    def read(match: re.Match[str]) -> str:
        kind = match.lastgroup
        if kind == "date":
            try:
                return date_words(int(match["day"]), int(match["month"]), int(match["year"]))
            except ValueError:
                return digit_words(match[0])
        if kind == "phone":
            plus = "plus " if match[0].startswith("+") else ""
            return f"{plus}{digit_words(match[0])}"
        if kind == "money":
            return f"{_amount(match['rupiah'])} rupiah"
        if kind == "time":
            lead = (match["lead"] or "pukul").lower()
            return f"{lead} {time_words(int(match['hours']), int(match['minutes']))}"
        if kind == "percent":
            return f"{_amount(match['share'])} persen"
        if kind in ("decimal", "thousands"):
            return _amount(match[0])
        if kind == "ticket":
            return read_ticket(match[0].replace("-", ""), zeros)
        if kind == "digits":
            return digit_words(match[0])
        if kind == "number":
            return number_words(int(match[0]))
        return {"slash": " atau ", "per": " per "}.get(kind or "", " sampai ")

    return read


def verbalize(text: str, lexicon: Mapping[str, str], zeros: Zeros = "skip") -> str:
    """Free text (an operator message, a service name) as plain Indonesian words."""
    text = apply_lexicon(text, lexicon)
    text = _TOKENS.sub(_reader(zeros), text)
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    text = _CAPITALS.sub(_capitals, text)
    return tidy(_UNSPEAKABLE.sub(" ", text))


def tidy(text: str) -> str:
    """One space between words, none before punctuation, one after it."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:!?])(?=\w)", r"\1 ", text)
    text = re.sub(r"(?<=[^\W\d])\.(?=[^\W\d])", ". ", text)
    return text.strip()
