"""A recorded voice: announcements assembled from an announcer's clips, the rest by TTS.

A voice pack is a folder of audio clips, each named by the lower-case word or phrase it
says (`nomor antrean.wav`, `be.wav`, `dua.wav`, `puluh.wav`, `silakan menuju loket.flac`);
any format libsndfile reads, any sample rate. A phrase is said with the longest clips that
match its words, in order; a word with no clip is said by the speech engine, so a partial
pack still works.
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from pager.audio import levels
from pager.config.model import Config
from pager.errors import SpeechError
from pager.speech.lexicon import DEFAULT_LEXICON
from pager.speech.normalize import verbalize
from pager.speech.words import LETTER_NAMES, number_words, ordinal_words, read_counter

log = logging.getLogger(__name__)

CLIP_LOUDNESS_LUFS = -20.0  # clips and engine-spoken words meet at one level before mixing
CROSSFADE_S = 0.01
_WORD = re.compile(r"[a-z0-9-]+")


def words_of(text: str) -> list[str]:
    """The lower-case words of a phrase, without punctuation."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class VoicePack:
    """The clips of one folder, ready to use: mono, at the device rate, trimmed, level."""

    folder: Path
    clips: dict[str, np.ndarray]

    @classmethod
    def load(cls, folder: Path, rate: int) -> VoicePack:
        """Every audio file in `folder`; SpeechError names one that cannot be read."""
        if not folder.is_dir():
            raise SpeechError(f"voice pack {folder} is not a folder")
        clips: dict[str, np.ndarray] = {}
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            try:
                samples, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
            except (RuntimeError, OSError) as error:
                raise SpeechError(f"voice pack clip {path} cannot be read: {error}") from None
            mono = levels.trim(levels.resample(samples.mean(axis=1), file_rate, rate), rate)
            if not mono.size or not np.any(mono):
                raise SpeechError(f"voice pack clip {path} holds no sound")
            name = " ".join(words_of(path.stem))
            clips[name] = levels.normalize(mono, rate, CLIP_LOUDNESS_LUFS)
        log.info("voice pack %s: %d clips", folder, len(clips))
        return cls(folder, clips)

    @property
    def longest(self) -> int:
        return max((len(name.split()) for name in self.clips), default=0)

    def parts(self, phrase: str) -> list[tuple[str, bool]]:
        """The phrase as (words, recorded) parts: the longest clips that match, in order,
        and the runs of words between them that no clip says."""
        words = words_of(phrase)
        parts: list[tuple[str, bool]] = []
        index = 0
        while index < len(words):
            for size in range(min(self.longest, len(words) - index), 0, -1):
                name = " ".join(words[index : index + size])
                if name in self.clips:
                    parts.append((name, True))
                    index += size
                    break
            else:
                if parts and not parts[-1][1]:
                    parts[-1] = (f"{parts[-1][0]} {words[index]}", False)
                else:
                    parts.append((words[index], False))
                index += 1
        return parts

    def split(self, phrase: str) -> list[str | np.ndarray]:
        """The phrase as clips (their samples) and the words that have none (as text)."""
        return [self.clips[words] if recorded else words for words, recorded in self.parts(phrase)]


def join(pieces: Iterable[np.ndarray], rate: int) -> np.ndarray:
    """Pieces end to end with a 10 ms crossfade between each two (no click, no gap)."""
    fade = int(CROSSFADE_S * rate)
    out = np.zeros(0, dtype=np.float32)
    for piece in pieces:
        overlap = min(fade, len(out), len(piece))
        if overlap:
            ramp = np.linspace(0.0, 1.0, overlap, dtype=np.float32)
            mixed = out[-overlap:] * (1 - ramp) + piece[:overlap] * ramp
            out = np.concatenate([out[:-overlap], mixed, piece[overlap:]])
        else:
            out = np.concatenate([out, piece])
    return out


def script(config: Config) -> list[str]:
    """Every word and phrase announcements with this config can say, to record once each:
    the templates' fixed phrases (every zone's too), the repeats' prefix, letters, number
    words, counters and services. Operator messages may say anything: what is not recorded
    is spoken by TTS."""
    a = config.announcement
    lexicon = {**DEFAULT_LEXICON, **a.lexicon}
    phrases: list[str] = []
    templates = [a.template, a.combined_template, a.busy_template,
                 *(zone.template for zone in config.zones.values())]  # fmt: skip
    for template in (t for t in templates if t):
        for literal, _, _, _ in string.Formatter().parse(template):
            phrases += _phrases(verbalize(literal, lexicon))
    for play in range(2, config.scheduling.max_repeats + 2):
        phrases += _phrases(a.repeat_prefix.format(ordinal=ordinal_words(play)))
    phrases += [name.lower() for name in LETTER_NAMES.values()]
    phrases += sorted({w for n in range(10000) for w in number_words(n).split()})
    for counter in config.counters.values():
        phrases.append(" ".join(words_of(read_counter(counter.id, lexicon))))
        if counter.service:
            phrases.append(" ".join(words_of(verbalize(counter.service, lexicon))))
    return list(dict.fromkeys(p for p in phrases if p))


def _phrases(text: str) -> list[str]:
    return [" ".join(words_of(part)) for part in re.split(r"[,.;:!?]", text)]


def missing(pack: VoicePack, config: Config) -> list[str]:
    """What `script(config)` asks for that the pack does not say (by any clips)."""
    return [
        phrase for phrase in script(config) if any(isinstance(p, str) for p in pack.split(phrase))
    ]
