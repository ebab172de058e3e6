"""Standard Indonesian pronunciation for any word, given to espeak-ng as a dictionary overlay.

Written Indonesian does not say whether an "e" is a schwa ("empat" [əmpat]) or an e
("loket" [loket]); espeak-ng's Indonesian rules guess, and guess wrong in number words,
letter names and the template's own words. So pager compiles espeak-ng's Indonesian
dictionary again, in a data folder of its own, with every word of a 27,578-word
pronunciation lexicon (from g2p-id, Apache-2.0) and the config's `pronunciations` added as
dictionary entries. Every espeak-ng voice reads that folder: pyttsx3's (through
$ESPEAK_DATA_PATH), the `espeak-ng` command's (`--path`) and MBROLA voices.
"""

from __future__ import annotations

import atexit
import functools
import gzip
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pager.errors import SpeechError
from pager.language.phonemes import to_espeak

log = logging.getLogger(__name__)

DATA = Path(__file__).with_name("data")
COMPILE_TIMEOUT_S = 60
_WORD = re.compile(r"^[a-z]+$")
# The letter names pager writes (pager.language.words.LETTER_NAMES), said as in the alphabet
# song: the lexicon lacks some, and espeak-ng's rules give them [ɛ].
LETTER_NAMES: Mapping[str, str] = {
    "be": "b e", "ce": "tʃ e", "de": "d e", "ef": "e f", "ge": "ɡ e", "ha": "h a",
    "je": "dʒ e", "ka": "k a", "el": "e l", "em": "e m", "en": "e n", "pe": "p e",
    "ki": "k i", "er": "e r", "es": "e s", "te": "t e", "ve": "f e", "we": "w e",
    "eks": "e k s", "ye": "j e", "zet": "z e t",
}  # fmt: skip


@functools.cache
def lexicon() -> Mapping[str, str]:
    """The built-in pronunciation lexicon: word -> IPA, about 27,600 Indonesian words."""
    words: dict[str, str] = {}
    with gzip.open(DATA / "lexicon_id.tsv.gz", "rt", encoding="utf-8") as tsv:
        for line in tsv:
            word, _, ipa = line.rstrip("\n").partition("\t")
            if _WORD.match(word) and word not in words:
                words[word] = ipa
    return words


def _system_data() -> Path:
    """The installed espeak-ng-data folder, as the espeak-ng command reports it."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SpeechError("the espeak-ng command is not installed (apt install espeak-ng)")
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"Data at: (\S+)", done.stdout)
    if found is None:
        raise SpeechError(f"espeak-ng did not say where its data is: {done.stdout.strip()}")
    return Path(found[1])


def _mirror(system: Path, root: Path) -> Path:
    """`root`/espeak-ng-data: the system's files, linked, so that only id_dict is ours."""
    data = root / "espeak-ng-data"
    data.mkdir(parents=True, exist_ok=True)
    for entry in system.iterdir():
        link = data / entry.name
        if entry.name != "id_dict" and not link.exists():
            link.symlink_to(entry)
    return data


@functools.cache
def data_path() -> Path:
    """This process's espeak-ng data folder (for $ESPEAK_DATA_PATH and `--path`)."""
    root = Path(tempfile.mkdtemp(prefix="pager-espeak-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    _mirror(_system_data(), root)
    shutil.copy(_system_data() / "id_dict", root / "espeak-ng-data" / "id_dict")
    return root


def install(extra: Mapping[str, str]) -> Path:
    """Compile the Indonesian dictionary with the lexicon and `extra` (word -> IPA) into this
    process's data folder, and return the folder; SpeechError if espeak-ng refuses it."""
    live = data_path()
    with tempfile.TemporaryDirectory(prefix="pager-espeak-build-") as build:
        staging = Path(build)
        data = _mirror(_system_data(), staging / "data")
        sources = staging / "src"
        sources.mkdir()
        for name in ("id_rules", "id_list"):
            shutil.copy(DATA / name, sources / name)
        entries = {**lexicon(), **LETTER_NAMES, **{w.lower(): ipa for w, ipa in extra.items()}}
        (sources / "id_extra").write_text(
            "".join(f"{word}\t{to_espeak(ipa)}\n" for word, ipa in entries.items()),
            encoding="utf-8",
        )
        done = subprocess.run(
            ["espeak-ng", "--compile=id"], cwd=sources, capture_output=True, text=True,
            env={**os.environ, "ESPEAK_DATA_PATH": str(staging / "data")},
            timeout=COMPILE_TIMEOUT_S, check=False,
        )  # fmt: skip
        compiled = data / "id_dict"
        if done.returncode != 0 or not compiled.is_file() or compiled.is_symlink():
            raise SpeechError(f"espeak-ng could not compile the pronunciations: {done.stderr}")
        os.replace(compiled, live / "espeak-ng-data" / "id_dict")  # whole, at once
    log.info("pronunciations: %d words in %s", len(entries), live)
    return live


def ipa(text: str, voice: str, path: Path) -> str:
    """What espeak-ng will say for `text`, in IPA (as `espeak-ng --ipa` writes it)."""
    done = subprocess.run(
        ["espeak-ng", f"--path={path}", "-v", voice, "-q", "--ipa", "--", text],
        capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SpeechError(f"espeak-ng --ipa failed: {done.stderr.strip()}")
    return " ".join(done.stdout.split())
