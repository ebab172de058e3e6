"""Whether an input heard a zone's announcement come back, how loud and how late: what was
sent (the output tap) against what came back (the input), by normalised cross-correlation
at every delay up to `MAX_DELAY_S` (amplifiers, DSP, the interface's own buffers).

Both are brought to 12 kHz first (the pilot and whatever is above 6 kHz would only blur the
peak, and the search is 16 times cheaper); the first `MAX_SENT_S` of an announcement are
enough to find it. The delay is counted from the output callback that sent a block to the
input callback that brought it back, so it includes both directions' buffers.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from pager.values.echoes import Echo

MAX_DELAY_S = 0.5  # the bound on what a line may delay
SLACK_S = 0.2  # the two streams' callbacks are stamped, not their samples: look this wider
MAX_SENT_S = 4.0  # the part of an announcement compared
MIN_SENT_S = 0.3  # less than this is not compared (a chime cut short)
HEARD_CORRELATION = 0.3  # the correlation peak that counts as heard back
DECIMATE = 4
SEGMENT_S = 0.25  # the parts whose gains are taken, each on its own


def compare(sent: np.ndarray, sent_at: float, back: np.ndarray, back_at: float, rate: int
            ) -> Echo | None:  # fmt: skip
    """`sent` (mono, its first sample at monotonic `sent_at`) against `back` (mono, its
    first sample at `back_at`, reaching at least MAX_DELAY_S + SLACK_S past the end of
    what is compared); None when they cannot be compared (too little sent, or too little
    came back to cover every delay)."""
    sent = sent[: int(MAX_SENT_S * rate)]
    x = signal.resample_poly(sent.astype(np.float64), 1, DECIMATE)
    y = signal.resample_poly(back.astype(np.float64), 1, DECIMATE)
    slow = rate / DECIMATE
    first = max(0, round((sent_at - SLACK_S - back_at) * slow))  # earliest start in y
    last = round((sent_at + MAX_DELAY_S + SLACK_S - back_at) * slow)
    window = y[first : last + len(x)]
    level = _rms_db(back)
    energy = float(np.dot(x, x))
    if len(window) < len(x) + last - first or len(sent) < MIN_SENT_S * rate:
        return None
    if energy <= 0:  # digital silence sent: nothing could come back
        return None
    products = signal.correlate(window, x, mode="valid", method="fft")
    squares = np.concatenate(([0.0], np.cumsum(window * window)))
    heard_energy = squares[len(x) :] - squares[: len(squares) - len(x)]
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(heard_energy > 0, products / np.sqrt(energy * heard_energy), 0.0)
    best = int(np.argmax(np.abs(rho)))
    peak = float(abs(rho[best]))
    if peak < HEARD_CORRELATION:
        return Echo(False, round(peak, 3), None, None, level)
    delay = (first + best) / slow + back_at - sent_at
    gain = _steady_gain(x, window[best : best + len(x)], slow)
    start = round((first + best) * DECIMATE)
    heard_level = _rms_db(back[start : start + len(sent)])
    return Echo(True, round(peak, 3), round(delay * 1000, 1),
                round(20 * math.log10(gain), 1) if gain > 0 else None, heard_level)  # fmt: skip


def _steady_gain(sent: np.ndarray, back: np.ndarray, rate: float) -> float:
    """How loud `back` (aligned) carries `sent`: the median of the least-squares gains of
    its 250 ms parts that carry sound, so that a part lost on the way (a dropout, a burst of
    noise at the microphone) does not pull the whole down."""
    size = max(1, int(rate * SEGMENT_S))
    count = len(sent) // size
    if count == 0:
        return abs(float(np.dot(sent, back))) / max(float(np.dot(sent, sent)), 1e-30)
    x = sent[: count * size].reshape(count, size)
    y = back[: count * size].reshape(count, size)
    energies = np.einsum("ij,ij->i", x, x)
    loud = energies >= 0.1 * energies.mean()
    gains = np.einsum("ij,ij->i", x[loud], y[loud]) / energies[loud]
    return abs(float(np.median(gains)))


def _rms_db(samples: np.ndarray) -> float:
    power = float(np.mean(np.square(samples, dtype=np.float64))) if len(samples) else 0.0
    return round(10 * math.log10(power), 1) if power > 0 else -120.0
