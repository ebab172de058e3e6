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
DRIFT_S = 0.03  # how far a part may sit from the whole's alignment (a block lost or repeated)


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
    rho = _correlation(window, x)[1] / math.sqrt(energy)
    best = int(np.argmax(np.abs(rho)))
    peak = float(abs(rho[best]))
    if peak < HEARD_CORRELATION:
        return Echo(False, round(peak, 3), None, None, level)
    delay = (first + best) / slow + back_at - sent_at
    drift = round(slow * DRIFT_S)
    around = np.pad(window, drift)[best : best + len(x) + 2 * drift]
    gain = _steady_gain(x, around, slow)
    start = round((first + best) * DECIMATE)
    heard_level = _rms_db(back[start : start + len(sent)])
    return Echo(True, round(peak, 3), round(delay * 1000, 1),
                round(20 * math.log10(gain), 1) if gain > 0 else None, heard_level)  # fmt: skip


def _steady_gain(sent: np.ndarray, back: np.ndarray, rate: float) -> float:
    """How loud `back` (aligned, with DRIFT_S more on each side) carries `sent`: the median
    of the least-squares gains of its 250 ms parts that carry sound, each at its own best
    alignment within DRIFT_S, so that a part lost on the way (a dropout, a burst of noise at
    the microphone) or a block lost or repeated by either stream does not pull it down."""
    drift = round(rate * DRIFT_S)
    size = max(1, int(rate * SEGMENT_S))
    parts = [sent[n * size : (n + 1) * size] for n in range(max(1, len(sent) // size))]
    energies = np.array([float(np.dot(part, part)) for part in parts])
    gains = []
    for n, part in enumerate(parts):
        if energies[n] < 0.1 * energies.mean() or energies[n] <= 0:
            continue
        products, rho = _correlation(back[n * size : n * size + len(part) + 2 * drift], part)
        gains.append(abs(float(products[int(np.argmax(np.abs(rho)))])) / energies[n])
    return float(np.median(gains)) if gains else 0.0


def _correlation(heard: np.ndarray, sent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At each delay of `sent` within `heard`: their product, and that product divided by
    the root of the energy heard at that delay (the normalised correlation, but for the
    root of `sent`'s own energy)."""
    products = signal.correlate(heard, sent, mode="valid", method="fft")
    squares = np.concatenate(([0.0], np.cumsum(heard * heard)))
    energies = squares[len(sent) :] - squares[: len(squares) - len(sent)]
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(energies > 0, products / np.sqrt(energies), 0.0)
    return products, scaled


def _rms_db(samples: np.ndarray) -> float:
    power = float(np.mean(np.square(samples, dtype=np.float64))) if len(samples) else 0.0
    return round(10 * math.log10(power), 1) if power > 0 else -120.0
