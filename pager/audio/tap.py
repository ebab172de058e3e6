"""A copy of what some outputs play, block by block, for the inputs' worker to compare with
what comes back (line supervision in programme mode, `pager test-zone --listen`).

The audio callback writes each mixed block's tapped columns into a ring prepared at start
(one `np.take` into place: no allocation, no lock, no wait); the worker reads the blocks
written since it last looked. A worker too slow for the whole ring misses blocks (it
knows: the block numbers jump), and the output never waits for it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

RING_BLOCKS = 256  # 2.7 s at 512 frames and 48 kHz


@dataclass(frozen=True)
class TapBlock:
    seq: int  # the block's number in the tap
    stamp: float  # monotonic time its callback ran (the block plays just after)
    samples: np.ndarray  # frames x tapped columns, a copy
    busy: np.ndarray  # per tapped column: an announcement played there


class OutputTap:
    """The tapped output columns (0-based), in the order given."""

    def __init__(self, columns: Sequence[int], max_frames: int, blocks: int = RING_BLOCKS
                 ) -> None:  # fmt: skip
        self.columns = np.asarray(columns, dtype=np.intp)
        self._ring = np.zeros((blocks, max_frames, len(columns)), dtype=np.float32)
        self._busy = np.zeros((blocks, len(columns)), dtype=bool)
        self._stamps = np.zeros(blocks)
        self._frames = np.zeros(blocks, dtype=np.intp)
        self.written = 0  # only the audio thread writes it

    def write(self, out: np.ndarray, busy: np.ndarray) -> None:
        """Keep this block's tapped columns (the audio thread)."""
        slot = self.written % len(self._ring)
        frames = len(out)
        np.take(out, self.columns, axis=1, out=self._ring[slot, :frames])
        np.take(busy, self.columns, out=self._busy[slot])
        self._stamps[slot] = time.monotonic()
        self._frames[slot] = frames
        self.written += 1

    def since(self, seq: int) -> Iterator[TapBlock]:
        """The blocks written from number `seq` on that the ring still holds (any thread
        but the audio one), copied out."""
        written = self.written
        first = max(seq, written - len(self._ring) + 1)  # the oldest may be being rewritten
        for number in range(first, written):
            slot = number % len(self._ring)
            frames = int(self._frames[slot])
            yield TapBlock(number, float(self._stamps[slot]), self._ring[slot, :frames].copy(),
                           self._busy[slot].copy())  # fmt: skip
