"""Sample-rate conversion and loudness normalization (off the real-time path)."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pyloudnorm
import soxr

from pager.units import db_to_gain

log = logging.getLogger(__name__)

PEAK_CEILING_DB = -1.0
_GATE_S = 0.4  # BS.1770 needs at least one 400 ms gating block


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Mono float32 resampled with soxr's high-quality filter."""
    samples = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate or samples.size == 0:
        return samples.copy()
    return np.asarray(soxr.resample(samples, from_rate, to_rate, quality="HQ"), dtype=np.float32)


def loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770); RMS-based for clips under 400 ms."""
    if samples.size < int(_GATE_S * rate) + 1:
        rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0
        return 20 * np.log10(rms) - 0.691 if rms > 0 else float("-inf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyloudnorm warns on clipping input; we fix levels next
        return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))


def normalize(samples: np.ndarray, rate: int, target_lufs: float) -> np.ndarray:
    """Scaled to `target_lufs`, but never above a -1 dBFS peak (quieter rather than clipped)."""
    measured = loudness(samples, rate)
    if not np.isfinite(measured):
        return samples.astype(np.float32)
    gain_db = target_lufs - measured
    peak = float(np.max(np.abs(samples)))
    headroom_db = PEAK_CEILING_DB - 20 * np.log10(peak)
    if gain_db > headroom_db:
        log.debug("level limited by its peak: %.1f dB instead of %.1f dB", headroom_db, gain_db)
        gain_db = headroom_db
    return (samples * np.float32(db_to_gain(gain_db))).astype(np.float32)
