"""Indonesian words for numbers, letters, tickets, counters, times and dates.

espeak-ng reads "A023" as "a nol dua puluh tiga" and acronyms as words, so everything an
announcement says is written out here as plain Indonesian words first (testable without
audio).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from num2words import num2words

# Indonesian letter names. The vowels' names are the letters themselves; they stay
# upper-case so that the sentence still shows the ticket ("Nomor antrean A dua puluh tiga").
LETTER_NAMES: Mapping[str, str] = {
    "A": "A", "B": "be", "C": "ce", "D": "de", "E": "E", "F": "ef", "G": "ge",
    "H": "ha", "I": "I", "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en",
    "O": "O", "P": "pe", "Q": "ki", "R": "er", "S": "es", "T": "te", "U": "U",
    "V": "ve", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}  # fmt: skip
DIGIT_NAMES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
               "sembilan")  # fmt: skip
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")  # fmt: skip

LARGEST_NUMBER = 10**15 - 1  # "sembilan ratus ... triliun ..."; longer numbers: digit by digit
TICKET_PATTERN = re.compile(r"^(?P<letters>[A-Za-z]{0,3})[-\s]?(?P<number>\d{1,4})$")
# A document's receipt number, as a pickup call carries it: "PB-00012345", "REG 881".
RECEIPT_PATTERN = re.compile(r"^(?P<letters>[A-Za-z]{0,3})[-\s]?(?P<number>\d{1,8})$")
COUNTER_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_COUNTER_WORD = re.compile(r"^loket[\s_-]*", re.IGNORECASE)

Zeros = Literal["skip", "read"]  # leading zeros of a ticket's number
WPM_PER_SYLLABLE_PER_S = 31.0  # measured: espeak-ng's rate 125 says about 4.0 syllables/s


def number_words(number: int) -> str:
    """An integer as Indonesian words: 23 -> "dua puluh tiga", 25000 -> "dua puluh lima ribu".

    Numbers past the trillions are read digit by digit, as nobody says them otherwise.
    """
    if number < 0:
        return "minus " + number_words(-number)
    if number > LARGEST_NUMBER:
        return digit_words(str(number))
    return str(num2words(number, lang="id"))


def digit_words(digits: str) -> str:
    """Digits one by one: "0812" -> "nol delapan satu dua" (phone numbers, NIK, codes)."""
    return " ".join(DIGIT_NAMES[int(d)] for d in digits if d.isdigit())


def decimal_words(whole: str, fraction: str) -> str:
    """A decimal with a comma, the fraction digit by digit: 2,5 -> "dua koma lima"."""
    return f"{number_words(int(whole))} koma {digit_words(fraction)}"


def ordinal_words(number: int) -> str:
    """An ordinal as Indonesian words: 2 -> "kedua", 3 -> "ketiga"."""
    return str(num2words(number, lang="id", to="ordinal"))


def spell(letters: str) -> str:
    """Letters by their Indonesian names: "QW" -> "ki we"."""
    return " ".join(LETTER_NAMES[c] for c in letters.upper())


def read_ticket(ticket: str, zeros: Zeros = "skip", *, receipt: bool = False) -> str:
    """A ticket as Indonesian words: "A023" -> "A dua puluh tiga", "B112" -> "be seratus dua belas".

    With `zeros="read"` its leading zeros are said: "A007" -> "A nol nol tujuh". Raises
    ValueError with a reason when the ticket is not 0-3 letters and 1-4 digits (1-8 for a
    document's `receipt` number, read the same way).
    """
    letters, number = ticket_parts(ticket, zeros, receipt=receipt)
    return f"{letters} {number}" if letters else number


def ticket_parts(ticket: str, zeros: Zeros = "skip", *, receipt: bool = False) -> tuple[str, str]:
    """A ticket's (or a `receipt` number's) letters and its number, each as words ("" when
    it has no letters)."""
    match = (RECEIPT_PATTERN if receipt else TICKET_PATTERN).match(ticket.strip())
    if match is None:
        if receipt:
            raise ValueError(f'receipt number "{ticket[:40]}" is not 0-3 letters, an optional '
                             '"-" or space, and 1-8 digits (like "PB-00012345")')  # fmt: skip
        raise ValueError(
            f'ticket "{ticket[:40]}" is not 0-3 letters followed by 1-4 digits (like "A023")'
        )
    letters, digits = match["letters"], match["number"]
    spoken = number_words(int(digits))
    if zeros == "read" and len(digits) > 1 and digits.startswith("0"):
        leading = len(digits) - len(digits.lstrip("0"))
        spoken = digit_words(digits) if leading == len(digits) else (
            f"{digit_words('0' * leading)} {number_words(int(digits))}"
        )  # fmt: skip
    return (spell(letters) if letters else ""), spoken


def read_counter(counter: str, lexicon: Mapping[str, str] | None = None) -> str:
    """A counter id as words: "5" -> "lima", "12B" -> "dua belas be", "pajak" -> "pajak".

    A leading "loket" is left out (the template says it already): "loket-3" -> "tiga".
    Runs of three or more capitals are spelled ("NIB" -> "en I be"), unless the lexicon
    says how they are spoken; shorter runs of letters are spelled too, other words read.
    """
    counter = _COUNTER_WORD.sub("", counter) or counter
    if lexicon and counter in lexicon:
        return lexicon[counter]
    words: list[str] = []
    for part in re.findall(r"\d+|[A-Za-z]+", counter):
        if part.isdigit():
            words.append(number_words(int(part)))
        elif lexicon and part in lexicon:
            words.append(lexicon[part])
        elif len(part) <= 2 or part.isupper():
            words.append(spell(part))
        else:
            words.append(part.lower())
    return " ".join(words)


def time_words(hours: int, minutes: int) -> str:
    """A time of day, as said after "pukul": 8:30 -> "delapan lewat tiga puluh menit"."""
    if not (0 <= hours <= 24 and 0 <= minutes <= 59):
        raise ValueError(f"{hours}:{minutes:02d} is not a time of day")
    spoken = number_words(hours)
    return f"{spoken} lewat {number_words(minutes)} menit" if minutes else spoken


def date_words(day: int, month: int, year: int | None = None) -> str:
    """A date: (17, 8, 2025) -> "tujuh belas Agustus dua ribu dua puluh lima"."""
    if not (1 <= day <= 31 and 1 <= month <= 12):
        raise ValueError(f"{day}/{month} is not a date")
    spoken = f"{number_words(day)} {MONTHS[month - 1]}"
    return f"{spoken} {number_words(year)}" if year is not None else spoken


def syllables(text: str) -> int:
    """How many syllables Indonesian words have: one per vowel, a final ai/au/oi counting once
    ("antrean" 3, "rupiah" 3, "sampai" 2)."""
    lower = text.lower()
    vowels = len(re.findall(r"[aiueo]", lower))
    return vowels - len(re.findall(r"(?:ai|au|oi)(?![aiueo])", lower))


_WORD = re.compile(r"[a-z0-9-]+")


def words_of(text: str) -> list[str]:
    """The lower-case words of a phrase, without punctuation."""
    return _WORD.findall(text.lower())
