"""Sample-rate conversion, loudness and the voice's PA processing (off the real-time path).

Loudness is ITU-R BS.1770 (pyloudnorm); the filters, compressor and true-peak limiter are
pedalboard's (JUCE), not written here.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pyloudnorm
import soxr
from pedalboard import BrickwallLimiter, Compressor, HighpassFilter, PeakFilter, Pedalboard

from pager.units import db_to_gain

log = logging.getLogger(__name__)

PEAK_CEILING_DB = -1.0  # dBTP: true peak, measured 4x oversampled
LIMITER_CEILING_DB = -1.5  # the limiter's own ceiling: a margin for what it lets through
PEAK_MARGIN_DB = 0.05  # under the ceiling, for rounding
LOUDNESS_TOLERANCE_LU = 0.3
LEVEL_STEPS = 8
SILENCE_BELOW_DB = -45.0  # re the phrase's peak: what trim() cuts at either end
TRIM_MARGIN_S = 0.01
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
    """Scaled to `target_lufs`, but never above a -1 dBTP true peak (quieter rather than
    clipped): for the chime, whose character no compressor should change."""
    measured = loudness(samples, rate)
    if not np.isfinite(measured):
        return samples.astype(np.float32)
    gain_db = target_lufs - measured
    headroom_db = PEAK_CEILING_DB - PEAK_MARGIN_DB - true_peak_db(samples, rate)
    if gain_db > headroom_db:
        log.debug("level limited by its peak: %.1f dB instead of %.1f dB", headroom_db, gain_db)
        gain_db = headroom_db
    return (samples * np.float32(db_to_gain(gain_db))).astype(np.float32)


def true_peak_db(samples: np.ndarray, rate: int) -> float:
    """The true peak in dBTP: the highest of the samples and of the signal between them
    (4x oversampled, as BS.1770 asks)."""
    if not samples.size:
        return float("-inf")
    oversampled = soxr.resample(np.asarray(samples, dtype=np.float32), rate, 4 * rate)
    peak = max(float(np.max(np.abs(oversampled))), float(np.max(np.abs(samples))))
    return 20 * float(np.log10(peak)) if peak > 0 else float("-inf")


def trim(samples: np.ndarray, rate: int) -> np.ndarray:
    """Without the silence a speech engine puts before and after the words (10 ms kept)."""
    if not samples.size:
        return samples
    loud = np.flatnonzero(np.abs(samples) > np.max(np.abs(samples)) * 10 ** (SILENCE_BELOW_DB / 20))
    margin = int(TRIM_MARGIN_S * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin + 1]


def horn_eq() -> Pedalboard:
    """The voice EQ for horn speakers: no rumble under 150 Hz, a presence lift at 3 kHz."""
    return Pedalboard([HighpassFilter(150.0), PeakFilter(3000.0, 3.0, 0.8)])


def voice(samples: np.ndarray, rate: int, target_lufs: float, eq: bool = True) -> np.ndarray:
    """Speech for a PA: `target_lufs` (within about 0.5 LU) with true peaks under -1 dBTP.
    (One sentence; a voice that says many keeps a VoiceLeveller.)"""
    return VoiceLeveller(target_lufs, eq)(samples, rate)


class VoiceLeveller:
    """Brings sentences of one voice to `target_lufs` with true peaks under -1 dBTP.

    Speech peaks about 18 dB above its loudness, so past about -19 LUFS plain gain would
    clip: a gentle compressor (4:1 above the target + 4 dB) and a true-peak brick-wall
    limiter take the peaks down. The gain into them is searched (bracketed, then halved),
    since limiting makes loudness grow ever more slowly with gain. Each search starts from
    the gain the last sentence needed: one voice's sentences need nearly the same, so most
    take one pass through the dynamics instead of about five.
    """

    def __init__(self, target_lufs: float, eq: bool = True) -> None:
        self.target_lufs = target_lufs
        self.eq = eq
        self.passes = 0  # through the dynamics, in all: what the remembered gain saves
        self._gain_db = 0.0  # into the dynamics, over plain normalization, last time
        self._dynamics = Pedalboard([
            Compressor(threshold_db=target_lufs + 4, ratio=4, attack_ms=2, release_ms=60),
            BrickwallLimiter(ceiling_db=LIMITER_CEILING_DB, release_ms=20, true_peak=True),
        ])  # fmt: skip

    def __call__(self, samples: np.ndarray, rate: int) -> np.ndarray:
        x = np.asarray(samples, dtype=np.float32)
        if self.eq:
            x = horn_eq()(x, rate)
        measured = loudness(x, rate)
        if not np.isfinite(measured):
            return x
        x = x * np.float32(db_to_gain(self.target_lufs - measured))
        out = self._search(x, rate)
        excess = true_peak_db(out, rate) - (PEAK_CEILING_DB - PEAK_MARGIN_DB)
        if excess > 0:  # what the limiter let through: the ceiling wins over the loudness
            out = out * np.float32(db_to_gain(-excess))
        return np.asarray(out, dtype=np.float32)

    def _search(self, x: np.ndarray, rate: int) -> np.ndarray:
        gain, quiet, loud = self._gain_db, None, None  # dB; gains known to fall short, overshoot
        best: tuple[float, float, np.ndarray] | None = None
        for _ in range(LEVEL_STEPS):
            out = self._dynamics(x * np.float32(db_to_gain(gain)), rate)
            self.passes += 1
            miss = loudness(out, rate) - self.target_lufs
            if best is None or abs(miss) < abs(best[0]):
                best = (miss, gain, out)
            if abs(miss) <= LOUDNESS_TOLERANCE_LU:
                break
            if miss < 0:
                quiet = gain
            else:
                loud = gain
            if quiet is not None and loud is not None:
                gain = (quiet + loud) / 2
            else:
                gain += max(1.0, -2 * miss) if miss < 0 else -miss
        assert best is not None
        self._gain_db = best[1]
        return best[2]
