"""Test and pilot signals: the zone test's tone, and the amplifier's lead-in pilot."""

from __future__ import annotations

import numpy as np

from pager.audio.levels import normalize
from pager.config.announcement import AnnouncementConfig
from pager.config.model import AudioConfig

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


PILOT_SEED = 20261129  # the same noise every time: a pilot is a signal, not a random event
_PILOT_FADE_IN_S = 0.05


def pilot(audio: AudioConfig, announcement: AnnouncementConfig, rate: int) -> np.ndarray:
    """`audio.lead_in_ms` of pink noise at the chime's loudness plus `audio.lead_in_db`,
    faded in (no click) and out; empty when the lead-in is off. Read-only."""
    frames = round(audio.lead_in_ms * rate / 1000)
    if frames == 0:
        return np.zeros(0, dtype=np.float32)
    white = np.random.default_rng(PILOT_SEED).standard_normal(frames)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(frames, 1 / rate)
    spectrum[1:] /= np.sqrt(freqs[1:])  # -3 dB an octave: pink
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, frames)
    fade_in = min(frames // 2, int(_PILOT_FADE_IN_S * rate))
    fade_out = min(frames // 2, int(_FADE_S * rate))
    noise[:fade_in] *= np.linspace(0, 1, fade_in)
    noise[frames - fade_out :] *= np.linspace(1, 0, fade_out)
    level = announcement.loudness_lufs + announcement.chime_level_db + audio.lead_in_db
    ready = normalize(noise.astype(np.float32), rate, level)
    ready.flags.writeable = False
    return ready
