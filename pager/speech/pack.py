"""A recorded voice: announcements assembled from an announcer's clips, the rest by TTS.

A voice pack is a folder of audio clips, each named by the lower-case word or phrase it
says (`nomor antrean.wav`, `be.wav`, `dua.wav`, `puluh.wav`, `silakan menuju loket.flac`);
any format libsndfile reads, any sample rate. A phrase is said with the longest clips that
match its words, in order; a word with no clip is said by the speech engine, so a partial
pack still works.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from pager.audio import levels
from pager.errors import SpeechError
from pager.language.words import words_of

log = logging.getLogger(__name__)

CLIP_LOUDNESS_LUFS = -20.0  # clips and engine-spoken words meet at one level before mixing
CROSSFADE_S = 0.01


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
