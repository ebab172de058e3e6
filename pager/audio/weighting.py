"""A-weighting (IEC 61672-1): the ear's lesser sensitivity to low and very high frequencies,
as sound level meters apply it. For measuring ambient noise at a sensor (issue 25): the
filter at a sample rate, and the A-weighted level of a block.

The filter is the standard's analogue one (four zeros at 0 Hz; poles at 20.6 Hz twice,
107.7 Hz, 737.9 Hz and 12,194 Hz twice) carried to the sample rate by scipy.signal's bilinear
transform, which bends the response near the Nyquist frequency: at 48 kHz it keeps within IEC
61672-1 class 1 tolerances up to 10 kHz (tests/test_weighting.py), above any ambient noise's
weight that matters for speech.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import signal

POLES_HZ = (20.598997, 20.598997, 107.65265, 737.86223, 12194.217, 12194.217)
GAIN_AT_1KHZ_DB = 1.9997  # the analogue filter's loss at 1 kHz, given back: 0 dB there


@functools.cache
def a_filter(rate: int) -> np.ndarray:
    """Second-order sections of the A-weighting filter at `rate` (Hz)."""
    poles = [-2 * math.pi * f for f in POLES_HZ]
    gain = (2 * math.pi * POLES_HZ[-1]) ** 2 * 10 ** (GAIN_AT_1KHZ_DB / 20)
    zeros, poles_z, gain_z = signal.bilinear_zpk([0.0] * 4, poles, gain, rate)
    sections: np.ndarray = signal.zpk2sos(zeros, poles_z, gain_z)
    return sections


def a_weighting_db(frequency: float) -> float:
    """The standard's A-weighting at `frequency` (Hz), in dB (IEC 61672-1, equation E.6)."""
    f2 = frequency**2
    f1, f2p, f3p, f4 = (p**2 for p in (POLES_HZ[0], POLES_HZ[2], POLES_HZ[3], POLES_HZ[4]))
    response = f4 * f2**2 / ((f2 + f1) * math.sqrt((f2 + f2p) * (f2 + f3p)) * (f2 + f4))
    return 20 * math.log10(response) + GAIN_AT_1KHZ_DB


def a_weighted_db(samples: np.ndarray, rate: int) -> float:
    """The A-weighted RMS level of mono `samples` in dB re full scale (a full-scale 1 kHz
    sine: -3.0 dB); -inf for silence. The filter starts at rest: blocks shorter than about
    50 ms read low at the lowest frequencies."""
    weighted = signal.sosfilt(a_filter(rate), np.asarray(samples, dtype=np.float64))
    power = float(np.mean(np.square(weighted))) if weighted.size else 0.0
    return 10 * math.log10(power) if power > 0 else float("-inf")
