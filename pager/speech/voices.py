"""Which voices can read Indonesian here: espeak-ng's own, its variants, and MBROLA's.

`announcement.voice` takes any of them: "id" (espeak-ng's Indonesian), "id+f3" (the same
with a variant's timbre: f1-f5 are female, m1-m7 male, and many more), "mb-id1" (MBROLA's
male Indonesian diphone voice, when the Debian packages `mbrola` and `mbrola-id1` are
installed: `scripts/install --mbrola`). All of them use pager's pronunciation dictionary.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pager.errors import SpeechError, did_you_mean

MBROLA_DIRS = (Path("/usr/share/mbrola"), Path("/usr/share/mbrola/voices"))


@dataclass(frozen=True)
class Voice:
    name: str  # what announcement.voice takes
    kind: str  # "espeak-ng", "espeak-ng variant" or "MBROLA"
    description: str
    installed: bool = True


def _espeak_voices(kind: str) -> list[list[str]]:
    """`espeak-ng --voices=KIND` as rows of columns (its header left out)."""
    done = subprocess.run(
        ["espeak-ng", f"--voices={kind}"], capture_output=True, text=True, check=False
    )
    return [line.split() for line in done.stdout.splitlines()[1:] if line.strip()]


def _variants() -> list[str]:
    return sorted(row[4].rsplit("/", 1)[-1] for row in _espeak_voices("variant") if len(row) >= 5)


def _mbrola_installed(database: str) -> bool:
    return shutil.which("mbrola") is not None and any(
        (folder / database).exists() for folder in MBROLA_DIRS
    )


def available(language: str = "id") -> list[Voice]:
    """Every voice that can read `language`, the base voice first, variants last."""
    if shutil.which("espeak-ng") is None:
        return []
    voices = [
        Voice(row[4].rsplit("/", 1)[-1], "espeak-ng", row[3])
        for row in _espeak_voices(language)
        if len(row) >= 5 and row[1] == language and not row[4].startswith("mb/")
    ]
    for row in _espeak_voices("mb"):
        if len(row) >= 5 and row[1] == language:
            name = row[4].rsplit("/", 1)[-1]  # mb/mb-id1 -> mb-id1
            installed = _mbrola_installed(name.removeprefix("mb-"))
            voices.append(Voice(name, "MBROLA", row[3], installed))
    base = voices[0].name if voices else language
    voices += [Voice(f"{base}+{v}", "espeak-ng variant", v) for v in _variants()]
    return voices


def check(name: str, language: str = "id") -> None:
    """SpeechError, with what is there, if `name` cannot speak here (variants and MBROLA
    voices that are missing fail silently in espeak-ng, so they are checked first)."""
    if "+" in name:
        variant = name.split("+", 1)[1]
        known = _variants()
        if variant not in known:
            hint = did_you_mean(variant, known)
            raise SpeechError(
                f'voice variant "{variant}" does not exist{hint}; `pager voices` lists them'
            )
    elif name.startswith("mb-"):
        voice = next((v for v in available(language) if v.name == name), None)
        if voice is None:
            raise SpeechError(f'MBROLA voice "{name}" is not known to espeak-ng')
        if not voice.installed:
            raise SpeechError(
                f'MBROLA voice "{name}" is not installed: run scripts/install --mbrola '
                "(Debian's mbrola and mbrola-" + name.removeprefix("mb-") + " packages)"
            )
