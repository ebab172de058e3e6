"""What espeak-ng says, checked in IPA against standard Indonesian (real espeak-ng, no audio).

Indonesian writes both [ə] and [e] as "e"; espeak-ng's rules guess. The expected readings
below are written from standard Indonesian. [e] and [ɛ] are one phoneme in Indonesian
(both "é"), so they are compared as one; stress marks are left out.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from pager.language.phonemes import to_espeak
from pager.language.words import LETTER_NAMES, number_words
from pager.speech import pronounce

MORPHEMES = {
    "nol": "nol", "satu": "satu", "dua": "dua", "tiga": "tiɡa", "empat": "əmpat",
    "lima": "lima", "enam": "ənam", "tujuh": "tudʒuh", "delapan": "dəlapan",
    "sembilan": "səmbilan", "sepuluh": "səpuluh", "sebelas": "səbəlas", "belas": "bəlas",
    "puluh": "puluh", "seratus": "səratus", "ratus": "ratus", "seribu": "səribu",
}  # fmt: skip
LETTERS = {
    "A": "a", "B": "be", "C": "tʃe", "D": "de", "E": "e", "F": "ef", "G": "ɡe", "H": "ha",
    "I": "i", "J": "dʒe", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe",
    "Q": "ki", "R": "er", "S": "es", "T": "te", "U": "u", "V": "fe", "W": "we", "X": "eks",
    "Y": "je", "Z": "zet",
}  # fmt: skip
WORDS = {
    "nomor": "nomor", "antrean": "antrean", "silakan": "silakan", "menuju": "mənudʒu",
    "loket": "loket", "persen": "pərsen", "sore": "sore", "sedang": "sədaŋ",
    "dengan": "dəŋan", "tenang": "tənaŋ", "menit": "mənit", "panggilan": "paŋɡilan",
    "kedua": "kədua", "pukul": "pukul", "lewat": "lewat", "segera": "səɡəra",
}  # fmt: skip


@pytest.fixture(scope="module")
def spoken() -> Iterator[dict[str, str]]:
    """IPA of every line given, from one espeak-ng run with pager's pronunciations."""
    path = pronounce.install({})
    lines = [number_words(n) for n in range(1001)] + list(LETTER_NAMES.values()) + list(WORDS)
    done = subprocess.run(
        ["espeak-ng", f"--path={path}", "-v", "id", "-q", "--ipa"],
        input="".join(f"{line}.\n" for line in lines), capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    said = done.stdout.splitlines()
    assert len(said) == len(lines)
    yield {line: plain(ipa) for line, ipa in zip(lines, said, strict=True)}


def plain(ipa: str) -> str:
    return ipa.translate(str.maketrans("ɛ", "e", "ˈˌː")).strip()


def test_every_number_word_from_0_to_1000_is_standard_indonesian(
    spoken: dict[str, str],
) -> None:
    wrong = []
    for n in range(1001):
        words = number_words(n)
        expected = " ".join(MORPHEMES[w] for w in words.split())
        if spoken[words] != expected:
            wrong.append(f"{n}: {words} -> {spoken[words]} (expected {expected})")
    assert not wrong, "\n".join(wrong[:20])


def test_every_letter_name_is_said_as_in_the_alphabet(spoken: dict[str, str]) -> None:
    wrong = {c: spoken[name] for c, name in LETTER_NAMES.items() if spoken[name] != LETTERS[c]}
    assert not wrong, wrong


def test_the_templates_words_are_standard_indonesian(spoken: dict[str, str]) -> None:
    wrong = {w: spoken[w] for w, ipa in WORDS.items() if spoken[w] != ipa}
    assert not wrong, wrong


def test_config_pronunciations_override_the_lexicon() -> None:
    path = pronounce.install({"loket": "l o k ə t", "zzz": "s a t u"})
    assert plain(pronounce.ipa("loket zzz", "id", path)) == "lokət satu"
    pronounce.install({})  # as the other tests expect


def test_ipa_with_a_symbol_pager_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match='"θ" is not a phoneme'):
        to_espeak("θ a")
    assert to_espeak("l o k e t") == "loket"
    assert to_espeak("tʃ ə ŋ ɲ ʔ") == "tS@Nn^?"
