"""The sound-device sink's callback: guarded, always filling, and its health counted."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from pager.audio.soundcard import SoundDeviceSink
from pager.config import AudioConfig


class Failing:
    """A source whose mix raises, as a bug in the mixer would."""

    def render(self, out: np.ndarray) -> bool:
        raise ValueError("a bug in the mix")

    def skip_silence(self, frames: int) -> bool:
        return False

    frames_rendered = 0


def test_a_failing_callback_sends_silence_and_keeps_its_first_error() -> None:
    sink = SoundDeviceSink(AudioConfig(channels=2, blocksize=64))
    sink._source = Failing()
    block = bytearray(b"\x01" * 64 * 2 * 4)
    when = SimpleNamespace(outputBufferDacTime=12.5)  # PortAudio's block timing
    sink._callback(block, 64, when, 0)
    sink._callback(block, 64, when, 1)  # PortAudio flagged an underflow for this one
    assert bytes(block) == bytes(len(block))  # silence, never garbage
    health = sink.health()
    assert (health.callback_errors, health.xruns) == (2, 1)
    assert isinstance(health.first_error, ValueError)
    assert str(health.first_error) == "a bug in the mix"
