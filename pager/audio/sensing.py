"""The decisions taken on what the inputs measured, as pure logic with explicit time: a zone's
announcement gain following its ambient noise, a speaker line's state, and the A-weighted
level of the speech itself (what the noise is weighed against).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from pager.audio.weighting import a_filter
from pager.config.listening import NoiseSensor

SETTLED_DB = 0.5  # a gain this close to the one wanted stays put: no creeping with the noise
SPEECH_BLOCK_S = 0.1  # the speech level is the mean of its 100 ms blocks...
SPEECH_RANGE_DB = 30.0  # ...within this of its loudest block (the pauses are not speech)


def speech_level_db(samples: np.ndarray, rate: int) -> float:
    """The A-weighted level (dBFS RMS) of rendered speech while it speaks: the mean power of
    its 100 ms blocks within 30 dB of the loudest, as a sound level meter held to a talker
    reads it between the words' pauses."""
    weighted = signal.sosfilt(a_filter(rate), np.asarray(samples, dtype=np.float64))
    size = int(rate * SPEECH_BLOCK_S)
    count = len(weighted) // size
    if count == 0:
        raise ValueError("too little speech to measure its level")
    powers = np.mean(np.square(weighted[: count * size].reshape(count, size)), axis=1)
    loudest = float(powers.max())
    if loudest <= 0:
        raise ValueError("the speech is silent")
    spoken = powers[powers >= loudest * 10 ** (-SPEECH_RANGE_DB / 10)]
    return 10 * math.log10(float(spoken.mean()))


class GainFollower:
    """A zone's announcement gain for its ambient noise (dB, on top of the zone's level):
    speech `target_snr_db` above the noise, within `min_gain_db`..`max_gain_db`, moving at
    most `slew_db_per_s`. Only told about noise measured while nothing is announced there,
    so between `follow` calls (an announcement) the gain stays where it was."""

    def __init__(self, sensor: NoiseSensor) -> None:
        self.sensor = sensor
        self.gain_db = min(max(0.0, sensor.min_gain_db), sensor.max_gain_db)

    def wanted(self, noise_db: float, level_db: float, speech_db: float) -> float:
        """The gain that puts speech `target_snr_db` above `noise_db` (the A-weighted noise at
        the sensor), clamped: the zone plays at `level_db` (its level of the moment), its
        speech leaves the card at `speech_db` + that, and reaches the sensor `reference_db`
        quieter or louder."""
        s = self.sensor
        at_sensor = speech_db + level_db + s.reference_db
        return min(max(noise_db + s.target_snr_db - at_sensor, s.min_gain_db), s.max_gain_db)

    def follow(self, noise_db: float, level_db: float, speech_db: float, seconds: float) -> float:
        """Move towards the wanted gain for noise measured over the last `seconds`; the new
        gain. The step is at most the slew times those seconds, and none at all while the
        gain is within SETTLED_DB of the wanted one (or at the limit it is held to)."""
        target = self.wanted(noise_db, level_db, speech_db)
        at_limit = target in (self.sensor.min_gain_db, self.sensor.max_gain_db)
        if abs(target - self.gain_db) < SETTLED_DB and not at_limit:
            return self.gain_db
        step = self.sensor.slew_db_per_s * max(0.0, seconds)
        self.gain_db += max(-step, min(step, target - self.gain_db))
        return self.gain_db


@dataclass
class LineWatch:
    """One supervised line: `ok` once heard back, `fault` when not heard back for
    `fault_after_s` (pilot) or for `misses_for_fault` announcements in a row (programme),
    `unknown` at first and while the inputs cannot tell."""

    zone: str
    mode: str
    fault_after_s: float
    heard_at: float  # monotonic: last heard back (or since when it is watched)
    state: str = "unknown"
    level_db: float | None = None
    misses: int = 0
    misses_for_fault: int = 2

    def heard(self, now: float, level_db: float) -> bool:
        """The line was heard back; True when its state changed (to ok)."""
        self.heard_at, self.level_db, self.misses = now, level_db, 0
        return self._become("ok")

    def missed(self, level_db: float | None) -> bool:
        """An announcement (programme mode) was not heard back; True when that makes it a
        fault."""
        self.level_db = level_db
        self.misses += 1
        return self.misses >= self.misses_for_fault and self._become("fault")

    def check(self, now: float) -> bool:
        """Whether the pilot has been missing too long; True when it just became a fault."""
        late = self.mode == "pilot" and now - self.heard_at > self.fault_after_s
        return late and self._become("fault")

    def restart(self, now: float) -> None:
        """The inputs are back: the line is unknown until heard, or missing long enough."""
        self.heard_at, self.state, self.misses = now, "unknown", 0

    def quiet_s(self, now: float) -> float:
        return max(0.0, now - self.heard_at)

    def _become(self, state: str) -> bool:
        changed, self.state = state != self.state, state
        return changed
