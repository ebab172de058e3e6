"""Free text to the plain words a speech engine reads: no digits, symbols or glued punctuation.

The lexicon goes first (whole words, longest first). Then one scan over the text reads each
number-like token by what it is: a web or e-mail address (left out, with a log line: nobody
can take one down from a loudspeaker), a phone number or NIK digit by digit, a date (ISO or
day first), an amount of rupiah (with a scale word, sen, English separators, "rb" and "jt")
or of dollars and euros, a time (midnight too), an ordinal ("ke-2"), a measure with its
unit ("5 kg", "36°C"), a negative number, a percentage, a decimal with a comma, thousands
with full stops, a ticket code, a number. What is left of symbols becomes words or a space.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping

from pager.language.words import (
    Zeros,
    date_words,
    decimal_words,
    digit_words,
    number_words,
    ordinal_words,
    read_ticket,
    spell,
    time_words,
)

log = logging.getLogger(__name__)

_NUMBER = r"\d{1,3}(?:\.\d{3})+|\d+"  # 25.000 or 25000
_AMOUNT = rf"(?:{_NUMBER})(?:,\d+)?"  # with a decimal comma
_SCALES = {"ribu": "ribu", "rb": "ribu", "juta": "juta", "jt": "juta", "miliar": "miliar",
           "triliun": "triliun"}  # fmt: skip
_SCALE = r"(?:ribu|rb|juta|jt|miliar|triliun)\b"
_ENGLISH = r"\d{1,3}(?:,\d{3})+(?![.,]?\d)"  # 3,000,000: thousands as English writes them
_UNITS = {"kg": "kilogram", "km": "kilometer", "cm": "sentimeter", "mm": "milimeter",
          "ml": "mililiter", "m": "meter", "g": "gram", "l": "liter", "L": "liter",
          "°C": "derajat Celsius", "°": "derajat"}  # fmt: skip
_CURRENCIES = {"$": "dolar", "€": "euro", "£": "pound"}
_TOKENS = re.compile(
    "|".join(
        (
            r"(?P<address>(?:\bhttps?://|\bwww\.)[^\s,;!?()]+(?<![.])"
            r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)",
            r"(?P<iso>\b(?P<iy>\d{4})-(?P<imonth>\d{1,2})-(?P<iday>\d{1,2})\b)",
            r"(?P<date>\b(?P<day>\d{1,2})[/-](?P<month>\d{1,2})[/-](?P<year>\d{4})\b)",
            r"(?P<phone>(?:\+62[-\s]?|\b0)\d{2,4}(?:[-\s]\d{3,4}){1,3}\b)",
            rf"(?P<money>\b(?:Rp\.?|IDR)\s?(?:(?P<english>{_ENGLISH})(?!\s?{_SCALE})"
            rf"|(?P<rupiah>{_AMOUNT}))(?:,-)?(?:\s?(?P<scale>{_SCALE}))?)",
            rf"(?P<foreign>(?P<currency>[$€£])\s?(?:(?P<fenglish>{_ENGLISH})|(?P<famount>{_AMOUNT})))",
            r"(?P<time>(?:\b(?P<lead>pukul|jam|Pukul|Jam)\s+)?"
            r"\b(?P<hours>[01]?\d|2[0-4])[.:](?P<minutes>[0-5]\d)\b(?![.,]\d))",
            r"(?P<ordinal>\b(?P<ke>[kK]e)-(?P<nth>\d{1,4})\b)",
            r"(?P<informal>\b(?P<iamount>\d+(?:,\d+)?)\s?(?P<iscale>rb|jt)\b)",
            rf"(?P<measure>\b(?P<quantity>{_AMOUNT})\s?(?P<unit>kg|km|cm|mm|ml|m|g|l|L|°C|°)(?![\w°]))",
            rf"(?P<negative>(?<![\w)\]])-(?P<magnitude>{_AMOUNT})\b)",
            rf"(?P<percent>(?P<share>\b{_AMOUNT})\s?%)",
            rf"(?P<decimal>(?<!\d,)\b(?P<whole>{_NUMBER}),(?P<fraction>\d+)\b(?!,\d))",
            r"(?P<thousands>\b\d{1,3}(?:\.\d{3})+\b)",
            r"(?P<ticket>\b[A-Z]{1,3}-?\d{1,4}\b)",
            r"(?P<digits>\b0\d+\b|\b\d{10,}\b)",
            r"(?P<number>\b\d+\b)",
            r"(?P<hash>#\s?(?=\d))",
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
_LETTERS = re.compile(r"[^\W\d_]")


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


def _rupiah(match: re.Match[str]) -> str:
    """Rp 2,5 juta; Rp 15.000,00 (no sen); Rp 1.250,50 (fifty sen); Rp 3,000,000."""
    if match["english"]:
        return f"{number_words(int(match['english'].replace(',', '')))} rupiah"
    amount = match["rupiah"]
    if match["scale"]:
        return f"{_amount(amount)} {_SCALES[match['scale']]} rupiah"
    whole, _, fraction = amount.partition(",")
    rupiah = number_words(int(whole.replace(".", "")))
    if not fraction.strip("0"):  # none, or ",00": no sen
        return f"{rupiah} rupiah"
    if len(fraction) == 2:
        return f"{rupiah} rupiah {number_words(int(fraction))} sen"
    return f"{_amount(amount)} rupiah"


def _time(match: re.Match[str]) -> str:
    lead = (match["lead"] or "pukul").lower()
    hours, minutes = int(match["hours"]), int(match["minutes"])
    if hours == 0:  # midnight, as people say it: twelve at night
        return f"{lead} {time_words(12, minutes)} malam"
    return f"{lead} {time_words(hours, minutes)}"


def _address(match: re.Match[str]) -> str:
    log.info("left out of an announcement: %r (an address cannot be taken down from a "
             "loudspeaker)", match[0][:80])  # fmt: skip
    return " "


def _reader(zeros: Zeros) -> Callable[[re.Match[str]], str]:
    def read(match: re.Match[str]) -> str:
        kind = match.lastgroup or ""
        if kind in _READERS:
            return _READERS[kind](match)
        if kind == "date":
            try:
                return date_words(int(match["day"]), int(match["month"]), int(match["year"]))
            except ValueError:
                return digit_words(match[0])
        if kind == "iso":
            try:
                return date_words(int(match["iday"]), int(match["imonth"]), int(match["iy"]))
            except ValueError:
                return digit_words(match[0])
        if kind == "phone":
            plus = "plus " if match[0].startswith("+") else ""
            return f"{plus}{digit_words(match[0])}"
        if kind == "ticket":
            return read_ticket(match[0].replace("-", ""), zeros)
        if kind == "digits":
            return digit_words(match[0])
        if kind == "number":
            return number_words(int(match[0]))
        return {"slash": " atau ", "per": " per ", "hash": "nomor "}.get(kind, " sampai ")

    return read


def _foreign(match: re.Match[str]) -> str:
    english = match["fenglish"]
    amount = number_words(int(english.replace(",", ""))) if english else _amount(match["famount"])
    return f"{amount} {_CURRENCIES[match['currency']]}"


_READERS: Mapping[str, Callable[[re.Match[str]], str]] = {
    "address": _address,
    "money": _rupiah,
    "foreign": _foreign,
    "time": _time,
    "ordinal": lambda m: "pertama" if int(m["nth"]) == 1 else ordinal_words(int(m["nth"])),
    "informal": lambda m: f"{_amount(m['iamount'])} {_SCALES[m['iscale']]}",
    "measure": lambda m: f"{_amount(m['quantity'])} {_UNITS[m['unit']]}",
    "negative": lambda m: f"minus {_amount(m['magnitude'])}",
    "percent": lambda m: f"{_amount(m['share'])} persen",
    "decimal": lambda m: _amount(m[0]),
    "thousands": lambda m: _amount(m[0]),
}


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
