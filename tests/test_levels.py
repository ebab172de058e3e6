"""Resampling and loudness normalization."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pager.audio import chime, levels
from pager.config import AnnouncementConfig


def tone(freq: float, seconds: float, rate: int, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


def test_resampling_keeps_pitch_and_duration() -> None:
    source = tone(1000, 1.0, 22050)
    out = levels.resample(source, 22050, 48000)
    assert out.dtype == np.float32
    assert len(out) == pytest.approx(48000, abs=2)
    assert dominant_frequency(out, 48000) == pytest.approx(1000, abs=2)


def test_normalize_reaches_the_target_loudness() -> None:
    quiet = tone(440, 2.0, 48000, level=0.01)
    out = levels.normalize(quiet, 48000, -20)
    assert levels.loudness(out, 48000) == pytest.approx(-20, abs=0.1)


def test_normalize_never_lets_a_peak_clip() -> None:
    spiky = np.zeros(48000, dtype=np.float32)
    spiky[::4800] = 0.05  # tiny average loudness, sharp peaks
    out = levels.normalize(spiky, 48000, -10)
    assert levels.true_peak_db(out, 48000) == pytest.approx(levels.PEAK_CEILING_DB, abs=0.06)
    assert np.max(np.abs(out)) <= 10 ** (levels.PEAK_CEILING_DB / 20) + 1e-6


def test_short_clips_are_measured_too() -> None:
    assert np.isfinite(levels.loudness(tone(440, 0.1, 48000), 48000))
    assert levels.loudness(np.zeros(100, dtype=np.float32), 48000) == float("-inf")


def test_bell_has_three_struck_notes_and_no_clipping() -> None:
    rate = 48000
    bell = chime.bell(rate)
    assert 1.5 < len(bell) / rate < 3.0
    assert np.max(np.abs(bell)) <= 0.9 + 1e-6
    for index, note in enumerate((783.99, 659.25, 523.25)):
        start = int((index * 0.42 + 0.01) * rate)
        window = bell[start : start + int(0.1 * rate)]
        assert dominant_frequency(window, rate) == pytest.approx(note, rel=0.03)


def test_prepared_chime_sits_under_the_speech_and_is_followed_by_its_pause() -> None:
    config = AnnouncementConfig(loudness_lufs=-23, chime_level_db=-4, pause_after_chime_ms=500)
    ready = chime.prepared(config, 48000)
    assert levels.loudness(ready, 48000) == pytest.approx(-27, abs=0.1)
    assert levels.true_peak_db(ready, 48000) <= levels.PEAK_CEILING_DB
    bell = chime.bell(48000)
    assert len(ready) == len(bell) + 24000 and not np.any(ready[len(bell) :])
    assert not ready.flags.writeable
    assert chime.prepared(AnnouncementConfig(chime="none"), 48000).size == 0  # no pause alone


def test_the_bells_last_note_rings_out_by_itself() -> None:
    bell = chime.bell(48000).astype(np.float64)
    peak = np.max(np.abs(bell))
    # Each 100 ms of the last half second is quieter than the one before: a decay, no cut.
    tail = np.abs(bell[-24000:]).reshape(5, 4800).max(axis=1)
    assert np.all(np.diff(tail) < 0)
    assert 20 * np.log10(np.max(np.abs(bell[-960:])) / peak) < -39  # it ends 40 dB under


def test_chime_from_a_file_is_mono_at_the_device_rate(tmp_path: Path) -> None:
    import soundfile

    path = f"{tmp_path}/ding.wav"
    stereo = np.stack([tone(880, 0.5, 44100), tone(880, 0.5, 44100)], axis=1)
    soundfile.write(path, stereo, 44100)
    loaded = chime.make(path, 48000)
    assert loaded.ndim == 1 and len(loaded) == pytest.approx(24000, abs=2)
    assert chime.make("none", 48000).size == 0


def sentence(seed: int, rate: int) -> np.ndarray:
    """Speech-like: syllables of noise, a few per second, peaks far above the loudness."""
    rng = np.random.default_rng(seed)
    seconds = 3.0 + seed % 3
    t = np.arange(int(seconds * rate)) / rate
    envelope = np.clip(np.sin(2 * np.pi * rng.uniform(3.5, 5) * t), 0, None) ** 3
    return (0.2 * envelope * rng.standard_normal(t.size)).astype(np.float32)


def test_a_voice_brings_every_sentence_to_its_loudness_under_the_peak_ceiling() -> None:
    rate, target = 48000, -16.0
    leveller = levels.VoiceLeveller(target)
    cold_passes = 0
    for seed in range(6):
        out = leveller(sentence(seed, rate), rate)
        assert abs(levels.loudness(out, rate) - target) <= 0.5, seed
        assert levels.true_peak_db(out, rate) <= levels.PEAK_CEILING_DB, seed
        alone = levels.VoiceLeveller(target)
        np.testing.assert_allclose(levels.loudness(alone(sentence(seed, rate), rate), rate),
                                   target, atol=0.5)  # fmt: skip
        cold_passes += alone.passes
    # Each search starts from the gain the last sentence needed: fewer passes than searches
    # that each start afresh.
    assert leveller.passes < cold_passes, (leveller.passes, cold_passes)
