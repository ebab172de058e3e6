"""Test signals: the zone test's tone."""

from __future__ import annotations

import numpy as np

from pager.audio.levels import normalize
from pager.config.model import AnnouncementConfig

TEST_TONE_HZ = 1000.0
TEST_TONE_S = 2.0
_FADE_S = 0.02


def test_tone(announcement: AnnouncementConfig, rate: int) -> np.ndarray:
    """A 1 kHz tone of 2 s at the speech's loudness (`loudness_lufs`), with 20 ms fades so
    it starts and stops without a click; read-only."""
    t = np.arange(int(TEST_TONE_S * rate)) / rate
    tone = np.sin(2 * np.pi * TEST_TONE_HZ * t)
    fade = int(_FADE_S * rate)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
    tone[:fade] *= ramp
    tone[-fade:] *= ramp[::-1]
    ready = normalize(tone.astype(np.float32), rate, announcement.loudness_lufs)
    ready.flags.writeable = False
    return ready
