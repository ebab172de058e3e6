"""The line supervision pilot: a continuous inaudible tone (20 kHz at -30 dBFS by default)
added to the outputs of supervised zones, heard back at the end of each line.

The tone is prepared once as a table of whole periods, so a block is one slice of it added
to the mix: no allocation in the audio callback. Under an announcement on a channel the
pilot steps down by `DUCK_DB` (ramped over one block, no click): it stays far above what its
narrow detector needs, and no longer adds to the speech's loudness (see BENCHMARKS.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from pager.units import db_to_gain

DUCK_DB = -10.0  # the pilot's step under an announcement: +0.18 LU at -30 dBFS becomes +0.02


def period_frames(frequency: float, rate: int) -> int:
    """The fewest frames holding whole cycles of `frequency` (rounded to 1 Hz) at `rate`."""
    hz = max(1, round(frequency))
    return rate // math.gcd(rate, hz)


class Pilot:
    """The pilot on some of the stream's channels: `add_into` adds the next block of it."""

    def __init__(
        self, frequency: float, level_db: float, rate: int, *, channels: int,
        columns: Iterable[int], max_frames: int,
    ) -> None:  # fmt: skip
        self.frequency = float(max(1, round(frequency)))
        self.level_db = level_db
        self.columns = tuple(sorted(set(columns)))
        self.period = period_frames(frequency, rate)
        phase = 2 * math.pi * self.frequency * np.arange(self.period + max_frames) / rate
        self._table = (db_to_gain(level_db) * np.sin(phase)).astype(np.float32)[:, None]
        self._on = np.zeros(channels, dtype=np.float32)
        self._on[list(self.columns)] = 1.0
        self._gains = self._on.copy()  # per channel now: 1 (full), duck or 0 (no pilot)
        self._wanted = self._on.copy()
        self._duck = np.float32(db_to_gain(DUCK_DB))
        self._ramp = (np.arange(1, max_frames + 1, dtype=np.float32) / max_frames)[:, None]
        self._scratch = np.zeros((max_frames, channels), dtype=np.float32)

    def add_into(self, out: np.ndarray, first_frame: int, busy: np.ndarray) -> None:
        """Add the pilot for the block starting at stream frame `first_frame` into `out`
        (frames x channels), ducked on the `busy` channels (where announcements play)."""
        frames = len(out)
        offset = first_frame % self.period
        tone = self._table[offset : offset + frames]
        wanted = self._wanted
        np.multiply(self._on, np.where(busy, self._duck, np.float32(1.0)), out=wanted)
        scratch = self._scratch[:frames]
        if np.array_equal(wanted, self._gains):
            np.multiply(tone, self._gains, out=scratch)
        else:  # a linear ramp from the last block's level to this one's: no click
            ramp = self._ramp[:frames] if frames == len(self._ramp) else (
                np.arange(1, frames + 1, dtype=np.float32)[:, None] / frames
            )  # fmt: skip
            np.multiply(ramp, wanted - self._gains, out=scratch)
            scratch += self._gains
            scratch *= tone
            self._gains[:] = wanted
        out += scratch
