"""The chime played before every announcement: a synthesized three-tone bell or a WAV file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from pager.audio.levels import normalize, resample
from pager.config.announcement import AnnouncementConfig
from pager.errors import ConfigError

# Partials of a struck bell relative to its strike note (hum, prime, tierce, quint, nominal),
# with their relative levels and decay times in seconds: inharmonic, so it sounds like a bell.
# The decays are short enough that the last note rings out by itself within about a second.
_PARTIALS = ((0.5, 0.35, 0.30), (1.0, 1.0, 0.24), (1.19, 0.45, 0.20), (1.5, 0.3, 0.16),
             (2.0, 0.5, 0.14), (2.74, 0.2, 0.10), (3.0, 0.12, 0.08))  # fmt: skip
# The classic three-tone public-address "ding-dang-dong": G5, E5, C5, one every 0.42 s.
_NOTES_HZ = (783.99, 659.25, 523.25)
_NOTE_SPACING_S = 0.42
RING_OUT_DB = -40.0  # the chime ends where its last note has decayed this far below its peak
_ENVELOPE_S = 0.02
_LONGEST_S = 3.0


def bell(rate: int) -> np.ndarray:
    """A three-tone bell chime, mono float32 at `rate`, peak 0.9.

    It ends where its last note has rung out (40 dB below the chime's peak): no fade cuts
    the note short.
    """
    length = int(_LONGEST_S * rate)
    out = np.zeros(length, dtype=np.float64)
    for index, note in enumerate(_NOTES_HZ):
        start = int(index * _NOTE_SPACING_S * rate)
        t = np.arange(length - start) / rate
        attack = np.minimum(1.0, t / 0.004)  # 4 ms strike, no click
        tone = np.zeros_like(t)
        for ratio, level, decay in _PARTIALS:
            tone += level * np.exp(-t / decay) * np.sin(2 * np.pi * note * ratio * t)
        out[start:] += attack * tone
    out *= 0.9 / np.max(np.abs(out))
    window = int(_ENVELOPE_S * rate)
    last_strike = int(_NOTE_SPACING_S * (len(_NOTES_HZ) - 1) * rate)
    frames = np.abs(out[last_strike : last_strike + (length - last_strike) // window * window])
    envelope = frames.reshape(-1, window).max(axis=1)
    quiet = np.flatnonzero(envelope < 0.9 * 10 ** (RING_OUT_DB / 20))
    end = last_strike + int(quiet[0] + 1) * window if quiet.size else length
    return out[:end].astype(np.float32)


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
    """The configured chime at `rate`, `chime_level_db` relative to the speech's loudness
    (never above a -1 dBTP true peak), followed by `pause_after_chime_ms` of silence."""
    samples = make(announcement.chime, rate)
    if not samples.size:
        return samples  # no chime, no pause: the speech starts at once
    level = announcement.loudness_lufs + announcement.chime_level_db
    pause = np.zeros(round(announcement.pause_after_chime_ms * rate / 1000), dtype=np.float32)
    ready = np.concatenate([normalize(samples, rate, level), pause])
    ready.flags.writeable = False
    return ready
