"""Indonesian reading of tickets, counters and service names, as plain words for the TTS.

espeak-ng reads "A023" as "a nol dua puluh tiga" and acronyms as words, so every
announcement is turned into plain words here, before synthesis (and testable without audio).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from num2words import num2words

# Indonesian letter names. The vowels' names are the letters themselves; they stay
# upper-case so that the sentence still shows the ticket ("Nomor antrean A dua puluh tiga").
LETTER_NAMES: Mapping[str, str] = {
    "A": "A", "B": "be", "C": "ce", "D": "de", "E": "E", "F": "ef", "G": "ge",
    "H": "ha", "I": "I", "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en",
    "O": "O", "P": "pe", "Q": "ki", "R": "er", "S": "es", "T": "te", "U": "U",
    "V": "ve", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}  # fmt: skip

# Words espeak-ng gets wrong in a public-service hall; the config can add more.
DEFAULT_LEXICON: Mapping[str, str] = {
    "No.": "nomor",
    "dr.": "dokter",
    "SIM": "sim",
    "KTP": "ka te pe",
    "KK": "ka ka",
    "NPWP": "en pe we pe",
    "BPJS": "be pe je es",
    "SKCK": "es ka ce ka",
    "NIB": "en i be",
    "OSS": "o es es",
    "PBB": "pe be be",
    "STNK": "es te en ka",
    "Dukcapil": "dukcapil",
    "Samsat": "samsat",
}

MAX_NUMBER = 9999
TICKET_PATTERN = re.compile(r"^(?P<letters>[A-Za-z]{0,3})[-\s]?(?P<number>\d{1,4})$")
COUNTER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_DIGITS = re.compile(r"\d+")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")


def number_words(number: int) -> str:
    """An integer as Indonesian words: 23 -> "dua puluh tiga", 112 -> "seratus dua belas"."""
    if not 0 <= number <= MAX_NUMBER:
        raise ValueError(f"number {number} is outside 0..{MAX_NUMBER}")
    return str(num2words(number, lang="id"))


def ordinal_words(number: int) -> str:
    """An ordinal as Indonesian words: 2 -> "kedua", 3 -> "ketiga"."""
    return str(num2words(number, lang="id", to="ordinal"))


def spell(letters: str) -> str:
    """Letters by their Indonesian names: "QW" -> "ki we"."""
    return " ".join(LETTER_NAMES[c] for c in letters.upper())


def read_ticket(ticket: str) -> str:
    """A ticket as Indonesian words: "A023" -> "A dua puluh tiga", "B112" -> "be seratus dua belas".

    Raises ValueError with a reason when the ticket is not 0-3 letters and 1-4 digits.
    """
    match = TICKET_PATTERN.match(ticket.strip())
    if match is None:
        raise ValueError(
            f'ticket "{ticket[:40]}" is not 0-3 letters followed by 1-4 digits (like "A023")'
        )
    letters, digits = match["letters"], match["number"]
    spoken = number_words(int(digits))
    return f"{spell(letters)} {spoken}" if letters else spoken


def read_counter(counter: str) -> str:
    """A counter id as words: "5" -> "lima", "12B" -> "dua belas be", "pajak" -> "pajak"."""
    parts = re.findall(r"\d+|[A-Za-z]+|[^A-Za-z\d]+", counter)
    words: list[str] = []
    for part in parts:
        if part.isdigit():
            words.append(number_words(int(part)))
        elif part.isalpha():
            words.append(spell(part) if len(part) <= 2 else part.lower())
    return " ".join(words)


def verbalize(text: str, lexicon: Mapping[str, str]) -> str:
    """Free text (a service name) as plain words: lexicon first, then digits and acronyms."""
    for written in sorted(lexicon, key=len, reverse=True):
        pattern = rf"(?<!\w){re.escape(written)}(?!\w)"
        text = re.sub(pattern, lexicon[written], text)
    text = _DIGITS.sub(lambda m: number_words(min(int(m[0]), MAX_NUMBER)), text)
    text = _ACRONYM.sub(lambda m: spell(m[0]), text)
    return re.sub(r"\s+", " ", text).strip()
