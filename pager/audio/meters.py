"""What the inputs hear, measured block by block (in the inputs' worker thread, never in an
audio callback): each input's level, a noise sensor's A-weighted level, and whether a line's
pilot tone is there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import signal

from pager.audio.weighting import a_filter

FLOOR_DB = -120.0  # what a level of digital silence is shown as
PILOT_WINDOW_S = 0.1  # 10 Hz bins: the pilot's filter is that narrow
PILOT_MARGIN_DB = 20.0  # the pilot's bin stands this far above the band beside it
PILOT_FLOOR_DB = -90.0  # and is at least this loud (dBFS)
NOTCH_Q = 30.0  # the pilot's notch before a sensor's A-weighting: 670 Hz wide at 20 kHz


def to_db(power: float) -> float:
    """A mean square as an RMS level in dBFS (as `pager.audio.weighting`: a full-scale
    sine reads -3.01 dB, full-scale white noise of RMS 1 would read 0)."""
    return max(FLOOR_DB, 10 * math.log10(power)) if power > 0 else FLOOR_DB


class ChannelLevels:
    """Each input's level and peak since the last `take`."""

    def __init__(self, channels: int) -> None:
        self._squares = np.zeros(channels)
        self._peaks = np.zeros(channels, dtype=np.float32)
        self._frames = 0

    def add(self, block: np.ndarray) -> None:
        self._squares += np.einsum("ij,ij->j", block, block, dtype=np.float64)
        np.maximum(self._peaks, np.abs(block).max(axis=0), out=self._peaks)
        self._frames += len(block)

    def take(self) -> list[tuple[float, float]]:
        """(RMS level, peak) per input in dBFS since the last take (a full-scale sine: -3.01,
        0)."""
        frames = max(1, self._frames)
        shown = [(to_db(float(s) / frames), to_db(float(p) ** 2))
                 for s, p in zip(self._squares, self._peaks, strict=True)]  # fmt: skip
        self._squares.fill(0.0)
        self._peaks.fill(0.0)
        self._frames = 0
        return shown

    @property
    def silent(self) -> bool:
        """Every input was digital silence (zeros) since the last take."""
        return bool(self._frames) and not np.any(self._peaks)


class AWeightedMeter:
    """A-weighted levels of some inputs (the noise sensors), each counted only while it is
    open: the filter runs on every block, so its state never jumps, but a gated block's
    energy is left out. With `notch_hz`, the line pilot (pager's own sound, which a sensor
    may hear through its zone's speakers) is notched out first."""

    def __init__(self, columns: Sequence[int], rate: int, notch_hz: float | None = None
                 ) -> None:  # fmt: skip
        self.columns = list(columns)
        self._sos = a_filter(rate)
        if notch_hz is not None and notch_hz < rate / 2:
            notch = signal.tf2sos(*signal.iirnotch(notch_hz, NOTCH_Q, fs=rate))
            self._sos = np.concatenate([notch, self._sos])
        self._state = np.zeros((self._sos.shape[0], 2, len(self.columns)))
        self._squares = np.zeros(len(self.columns))
        self._frames = np.zeros(len(self.columns), dtype=np.int64)

    def add(self, block: np.ndarray, open_: np.ndarray) -> None:
        """Filter the sensors' columns of `block`; count the ones whose `open_` is True."""
        if not self.columns:
            return
        weighted, self._state = signal.sosfilt(
            self._sos, block[:, self.columns], axis=0, zi=self._state
        )
        squares = np.einsum("ij,ij->j", weighted, weighted)
        self._squares += np.where(open_, squares, 0.0)
        self._frames += np.where(open_, len(block), 0)

    def take(self, at_least: int) -> list[float | None]:
        """Each sensor's A-weighted RMS level in dBFS (a full-scale 1 kHz sine: -3.01) over what was
        counted since the last take; None when less than `at_least` frames were."""
        shown = [to_db(s / f) if f >= at_least else None
                 for s, f in zip(self._squares, self._frames, strict=True)]  # fmt: skip
        self._squares.fill(0.0)
        self._frames.fill(0)
        return shown


@dataclass(frozen=True)
class PilotReading:
    present: bool
    level_db: float  # the pilot's level at the input, dBFS (a sine's peak)
    margin_db: float  # how far it stands above the band beside it


class PilotDetector:
    """Whether an input carries the pilot: a 10 Hz-wide bin of a windowed FFT over the last
    0.1 s, against the median of the bins 2 to 10 % below it (the line's own noise)."""

    def __init__(self, columns: Sequence[int], frequency: float, rate: int) -> None:
        self.columns = list(columns)
        self.size = int(rate * PILOT_WINDOW_S)
        self._buffer = np.zeros((self.size, len(self.columns)), dtype=np.float32)
        self._filled = 0
        self._window = np.hanning(self.size)[:, None]
        self._gain = 2 / self._window.sum()  # a sine of amplitude 1 reads 1
        spacing = rate / self.size
        self._bin = round(frequency / spacing)
        low, high = round(frequency * 0.90 / spacing), round(frequency * 0.98 / spacing)
        self._beside = slice(low, max(low + 1, high))

    def add(self, block: np.ndarray) -> list[PilotReading] | None:
        """Take a block (of any length); a reading per column for the last 0.1 s gathered in
        it, if one was completed."""
        if not self.columns:
            return None
        samples = block[:, self.columns]
        readings = None
        while len(samples):
            take = min(len(samples), self.size - self._filled)
            self._buffer[self._filled : self._filled + take] = samples[:take]
            self._filled += take
            samples = samples[take:]
            if self._filled == self.size:
                readings = self._read()
                self._filled = 0
        return readings

    def _read(self) -> list[PilotReading]:
        spectrum = np.abs(np.fft.rfft(self._buffer * self._window, axis=0)) * self._gain
        readings = []
        for index in range(len(self.columns)):
            pilot = float(spectrum[self._bin - 1 : self._bin + 2, index].max())
            beside = float(np.median(spectrum[self._beside, index]))
            level = 20 * math.log10(pilot) if pilot > 0 else FLOOR_DB
            margin = level - (20 * math.log10(beside) if beside > 0 else FLOOR_DB)
            readings.append(PilotReading(margin >= PILOT_MARGIN_DB and level >= PILOT_FLOOR_DB,
                                         level, margin))  # fmt: skip
        return readings
