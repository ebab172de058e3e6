"""The virtual card's inputs (tests/duplex_card.py) as a program on it sees them: the noise
a test sets, at its level, and an output looped back into an input until the loop is cut."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pager.units import db_to_gain
from tests.duplex_card import DuplexCard

pytestmark = pytest.mark.e2e

# Plays a 1 kHz tone on output 1 for a second and records every input meanwhile.
PLAY_AND_RECORD = """
import sys, numpy as np, sounddevice as sd
rate, frames = 48000, 48000
t = np.arange(frames) / rate
out = np.zeros((frames, 8), np.float32)
out[:, 1] = 0.5 * np.sin(2 * np.pi * 1000 * t)
heard = sd.playrec(out, rate, input_mapping=list(range(1, 9)), device=sys.argv[2],
                   dtype="float32", blocking=True)
np.save(sys.argv[1], np.concatenate([heard, sd.rec(rate // 2, rate, 8, "float32",
        device=sys.argv[2], blocking=True)]))
"""


@pytest.fixture
def duplex(tmp_path: Path) -> Iterator[DuplexCard]:
    with DuplexCard(tmp_path) as card:
        yield card


def record(card: DuplexCard, path: Path) -> np.ndarray:
    subprocess.run([sys.executable, "-c", PLAY_AND_RECORD, str(path), card.name],
                   env=card.env(), check=True, timeout=60)  # fmt: skip
    heard: np.ndarray = np.load(path)
    return heard


def test_inputs_carry_the_noise_set_and_an_output_looped_back_until_cut(
    duplex: DuplexCard, tmp_path: Path
) -> None:
    duplex.loop(output=1, into=2)
    duplex.noise(4, -30.0)
    heard = record(duplex, tmp_path / "looped.npy")
    played = duplex.samples()[:, 1]
    tone = played[np.flatnonzero(played)[0] :][:4800]  # the tone's first 100 ms, as played
    looped = heard[:, 2]
    start = int(np.flatnonzero(np.abs(looped) > 0.1)[0])
    # Bit-exact, as a cable from an output into an input would be with no gain.
    assert np.array_equal(looped[start - 1 : start - 1 + 4800], tone), "not the output's samples"
    noise = float(np.sqrt(np.mean(np.square(heard[:, 4], dtype=np.float64))))
    assert abs(noise / db_to_gain(-30.0) - 1) < 0.05, noise
    assert not np.any(heard[:, [0, 1, 3, 5, 6, 7]]), "an input carried what it was not given"

    duplex.cut(2)
    cut = record(duplex, tmp_path / "cut.npy")
    assert not np.any(cut[:, 2]), "the cut loop still carried the output"
