"""Which stream frame the interface's output plays at a given time: the DAC's clock.

The audio callback notes each block's first frame and PortAudio's `outputBufferDacTime`
(when that frame reaches the converter, on the stream's clock). Another thread asks which
frame plays at a Unix time, for racks that start an announcement together. A block's time
can only come late (the callback ran late), never early, so the earliest estimate over the
last few seconds is the truth; the interface's clock drifts from the PC's by parts per
million, which is microseconds over that window.
"""

from __future__ import annotations

import numpy as np

WINDOW = 512  # blocks remembered: 2.7 s of 256-frame blocks at 48 kHz


class DacClock:
    """Block timings written by the audio thread; read by any other."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._frames = np.zeros(WINDOW, dtype=np.float64)
        self._dac = np.zeros(WINDOW, dtype=np.float64)
        self._count = 0

    def note(self, frame: int, dac_time: float) -> None:
        """A block whose first frame is `frame` reaches the output at `dac_time` (stream
        clock). Audio thread: two stores, no allocation."""
        index = self._count % WINDOW
        # The time first: a reader that sees the new time with the old frame computes a
        # later origin, which the minimum ignores; the other way round would not be.
        self._dac[index] = dac_time
        self._frames[index] = frame
        self._count += 1

    def reset(self) -> None:
        """The stream was reopened: its frames and times start again."""
        self._count = 0

    def frame_at(self, when: float, stream_now: float, wall_now: float) -> int | None:
        """The frame the output plays at Unix time `when`, given the stream's clock and the
        Unix time read together just now; None before any block, or when the host API
        gives no output times."""
        known = min(self._count, WINDOW)
        if known == 0:
            return None
        dac = self._dac[:known]
        if not np.all(dac > 0):
            return None
        origin = float(np.min(dac - self._frames[:known] / self.rate))  # frame 0's time
        return round((when - wall_now + stream_now - origin) * self.rate)
