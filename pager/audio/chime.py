"""The chime played before every announcement: a synthesized three-tone bell or a WAV file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from pager.audio.levels import normalize, resample
from pager.config.model import AnnouncementConfig
from pager.errors import ConfigError

# Partials of a struck bell relative to its strike note (hum, prime, tierce, quint, nominal),
# with their relative levels and decay times in seconds: inharmonic, so it sounds like a bell.
_PARTIALS = ((0.5, 0.35, 2.0), (1.0, 1.0, 1.2), (1.19, 0.45, 0.9), (1.5, 0.3, 0.7), (2.0, 0.5, 0.6),
             (2.74, 0.2, 0.35), (3.0, 0.12, 0.3))  # fmt: skip
# The classic three-tone public-address "ding-dang-dong": G5, E5, C5, one every 0.42 s.
_NOTES_HZ = (783.99, 659.25, 523.25)
_NOTE_SPACING_S = 0.42
_TAIL_S = 1.1


def bell(rate: int) -> np.ndarray:
    """A three-tone bell chime, mono float32 at `rate`, peak 0.9, ending in a soft fade."""
    length = int((_NOTE_SPACING_S * (len(_NOTES_HZ) - 1) + _TAIL_S) * rate)
    out = np.zeros(length, dtype=np.float64)
    for index, note in enumerate(_NOTES_HZ):
        start = int(index * _NOTE_SPACING_S * rate)
        t = np.arange(length - start) / rate
        attack = np.minimum(1.0, t / 0.004)  # 4 ms strike, no click
        tone = np.zeros_like(t)
        for ratio, level, decay in _PARTIALS:
            tone += level * np.exp(-t / decay) * np.sin(2 * np.pi * note * ratio * t)
        out[start:] += attack * tone
    fade = int(0.15 * rate)
    out[-fade:] *= np.linspace(1.0, 0.0, fade)
    out *= 0.9 / np.max(np.abs(out))
    return out.astype(np.float32)


def load(path: str | Path, rate: int) -> np.ndarray:
    """A chime from an audio file (any libsndfile format), mixed to mono and resampled."""
    try:
        samples, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError) as error:
        raise ConfigError(
            str(path), [f"announcement.chime: cannot read the file: {error}"]
        ) from error
    if samples.shape[0] == 0:
        raise ConfigError(str(path), ["announcement.chime: the file holds no audio"])
    return resample(samples.mean(axis=1), int(file_rate), rate)


def make(chime: str, rate: int) -> np.ndarray:
    """The configured chime ("bell", "none" or a file path) at `rate`."""
    if chime == "bell":
        return bell(rate)
    if chime == "none":
        return np.zeros(0, dtype=np.float32)
    return load(chime, rate)


def prepared(announcement: AnnouncementConfig, rate: int) -> np.ndarray:
    """The configured chime at `rate`, as loud as the speech (announcement.loudness_lufs)."""
    samples = make(announcement.chime, rate)
    if not samples.size:
        return samples
    ready = normalize(samples, rate, announcement.loudness_lufs)
    ready.flags.writeable = False
    return ready
