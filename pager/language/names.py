"""People's names as a call carries them, read as Indonesians say them, at each level of
privacy (`pager.values.privacy.NameLevel`). Pure: no I/O.

"BUDI SANTOSO" (as on an identity card) is read "Budi Santoso"; titles before a name are
said in words ("Bpk." -> "Bapak", "Hj." -> "Hajah"); degrees after it ("S.H.", "M.M.") and
before it ("Drs.") are dropped. At `initials` a name is "B. S." (no title), at `short`
"Bapak Budi S.", at `full` "Bapak Budi Santoso".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from pager.language.normalize import apply_lexicon
from pager.language.words import LETTER_NAMES
from pager.values.privacy import NameLevel

MAX_NAME_CHARS = 80
_ALLOWED_MARKS = " .'-"

# Titles said before a name, by their lower-case written form without the dot.
TITLES: Mapping[str, str] = {
    "bapak": "Bapak", "bpk": "Bapak", "bp": "Bapak", "pak": "Bapak",
    "ibu": "Ibu", "bu": "Ibu",
    "sdr": "Saudara", "saudara": "Saudara", "sdri": "Saudari", "saudari": "Saudari",
    "tn": "Tuan", "tuan": "Tuan", "ny": "Nyonya", "nyonya": "Nyonya", "nn": "Nona",
    "nona": "Nona", "an": "Anak",
    "h": "Haji", "hj": "Hajah", "kh": "Kiai Haji",
    "dr": "Doktor", "prof": "Profesor", "ir": "Insinyur",
    "ust": "Ustaz", "ustadz": "Ustaz", "ustazah": "Ustazah",
    "i": "I", "ni": "Ni",  # Balinese names begin with them ("I Gusti Ngurah Rai")
}  # fmt: skip
_NEEDS_DOT = {"an", "h", "bp", "nn", "ny", "tn", "dr", "ir", "kh"}  # else they may be names
# Degrees written before a name, and not said.
DROPPED_BEFORE = {"drs", "dra"}
# Degrees written after a name without dots (with dots they are recognised by their shape).
DEGREES = {"sh", "se", "st", "mm", "mba", "msi", "mkom", "skom", "spd", "mt", "mh", "phd",
           "amd", "ssos", "sked", "mkes", "ssi", "sip", "sag", "spsi", "mpd", "mag"}  # fmt: skip
_DEGREE_SHAPE = re.compile(r"^(?:[^\W\d_]{1,4}\.){1,4}[^\W\d_]{0,5}\.?$")
ABBREVIATED: Mapping[str, str] = {"muh": "Muhammad", "moh": "Muhammad", "mhd": "Muhammad",
                                  "moch": "Muhammad", "mohd": "Muhammad"}  # fmt: skip
# Small words inside a name that get no initial of their own: "Ahmad bin Abdullah" is "A. A.".
PARTICLES = {"bin", "binti", "van", "von", "de", "der", "da", "al", "el"}


@dataclass(frozen=True)
class PersonName:
    """A name as it will be said: its titles in words, and its names in reading case."""

    titles: tuple[str, ...]
    words: tuple[str, ...]

    def written(self, level: NameLevel) -> str:
        """The name as shown at `level` ("" at `off`)."""
        return " ".join(self._parts(level, spoken=False))

    def spoken(self, level: NameLevel, lexicon: Mapping[str, str]) -> str:
        """The name as said at `level`, in words: initials by their letters' names."""
        return apply_lexicon(" ".join(self._parts(level, spoken=True)), lexicon)

    def _parts(self, level: NameLevel, spoken: bool) -> list[str]:
        if level is NameLevel.OFF:
            return []
        first, *others = self.words
        rest = [_initial(w, spoken) for w in others if w not in PARTICLES]
        if level is NameLevel.INITIALS:
            return [_initial(first, spoken), *rest]
        if level is NameLevel.SHORT:
            return [*self.titles, _whole(first, spoken), *rest]
        return [*self.titles, *(_whole(w, spoken) for w in self.words)]


def _whole(word: str, spoken: bool) -> str:
    """A name as written, or an initial ("S." or "S") by its letter's name when said."""
    return _initial(word, spoken) if len(word.strip(".")) == 1 else word


def _initial(word: str, spoken: bool) -> str:
    letter = next((c for c in word if c.isalpha()), word[:1]).upper()
    return LETTER_NAMES.get(letter, letter) if spoken else f"{letter}."


def parse_name(text: str) -> PersonName:
    """A name as a counter sends it; ValueError with a reason that never repeats the name
    (it is personal data: the reason goes into events and logs)."""
    if len(text) > MAX_NAME_CHARS:
        raise ValueError(f'"name" is {len(text)} characters long; at most {MAX_NAME_CHARS}')
    for char in text:
        if not (char.isalpha() or char in _ALLOWED_MARKS or unicodedata.category(char)[0] == "M"):
            what = "a digit" if char.isdigit() else f"U+{ord(char):04X}"
            raise ValueError(f'"name" may hold only letters, spaces, ".", "\'" and "-"; it '
                             f"holds {what}")  # fmt: skip
    tokens = text.split()
    titles: list[str] = []
    while len(tokens) > 1 and (title := _title(tokens[0])) is not None:
        if title:
            titles.append(title)
        tokens.pop(0)
    if len(tokens) == 1 and titles and _title(tokens[0]) is not None:
        raise ValueError('"name" holds no name (only titles or marks)')
    while len(tokens) > 1 and _is_degree(tokens[-1]):
        tokens.pop()
    tokens = [t for t in tokens if t.strip(".'-")]
    words = tuple(
        t.lower() if index and t.lower() in PARTICLES else _reading_case(t)
        for index, t in enumerate(tokens)
    )
    if not words:
        raise ValueError('"name" holds no name (only titles or marks)')
    return PersonName(tuple(titles), words)


def _title(token: str) -> str | None:
    """The title's words ("" for a degree that is not said), or None if it is a name."""
    bare = token.rstrip(".").lower()
    dotted = token.endswith(".")
    if bare in DROPPED_BEFORE:
        return ""
    if bare not in TITLES or (bare in _NEEDS_DOT and not dotted):
        return None
    if bare == "dr" and token.startswith("dr"):
        return "dokter"  # "dr." is a physician; "Dr." and "DR." a doctorate
    return TITLES[bare]


def _is_degree(token: str) -> bool:
    """ "S.H.", "S.Kom", "Ph.D." (a dot inside), or one of DEGREES written without dots."""
    if token.replace(".", "").lower() in DEGREES:
        return True
    return "." in token.strip(".") and bool(_DEGREE_SHAPE.match(token))


def _reading_case(token: str) -> str:
    """ "BUDI" and "budi" -> "Budi"; "McDonald" stays; "SITI-AMINAH" -> "Siti-Aminah"."""
    bare = token.rstrip(".").lower()
    if token.endswith(".") and bare in ABBREVIATED:
        return ABBREVIATED[bare]
    if token.isupper() or token.islower():
        return "-".join(part[:1].upper() + part[1:].lower() for part in token.split("-"))
    return token
