"""Pronunciations written in IPA, as espeak-ng's phoneme names (its Indonesian table).

The config's `announcement.pronunciations` and the built-in lexicon write IPA; espeak-ng's
dictionaries want its own names. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

# IPA as the lexicon writes it -> espeak-ng's phoneme names (its Indonesian table, base2).
IPA_TO_ESPEAK: Mapping[str, str] = {
    "tʃ": "tS", "dʒ": "dZ", "a": "a", "ə": "@", "e": "e", "ɛ": "E", "i": "i", "o": "o",
    "ɔ": "O", "u": "u", "b": "b", "d": "d", "f": "f", "ɡ": "g", "g": "g", "h": "h", "j": "j",
    "k": "k", "l": "l", "m": "m", "n": "n", "ŋ": "N", "ɲ": "n^", "p": "p", "r": "R", "s": "s",
    "ʃ": "S", "t": "t", "v": "v", "w": "w", "x": "x", "z": "z", "ʔ": "?", "ˈ": "'",
}  # fmt: skip


def to_espeak(ipa: str) -> str:
    """IPA ("l o k e t", or "loket" unspaced) as espeak-ng phonemes; ValueError names an
    unknown symbol."""
    out, rest = [], ipa.replace(" ", "")
    while rest:
        for size in (2, 1):
            if rest[:size] in IPA_TO_ESPEAK:
                out.append(IPA_TO_ESPEAK[rest[:size]])
                rest = rest[size:]
                break
        else:
            known = " ".join(sorted(set(IPA_TO_ESPEAK) - {"g"}))
            raise ValueError(f'"{rest[0]}" is not a phoneme pager knows; use: {known}')
    return "".join(out)
