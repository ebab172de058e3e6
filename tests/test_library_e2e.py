"""A recorded library message end to end: `pager announce --message` -> mosquitto ->
`pager run` -> the virtual card, on its zones only, at the announcement loudness."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from pager import config
from pager.audio import chime, levels
from tests.broker import Watcher
from tests.conftest import DaemonOnCard, pager_command
from tests.test_library import a_recording
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

WAITING_AREA_GAIN = 10 ** (-3 / 20)


def test_a_recorded_message_is_heard_on_its_zones_at_the_configured_loudness(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard
) -> None:
    a_recording(tmp_path / "closing.wav", seconds=3.0)
    cfg = on_card.configure("library", audio={"latency": "low"},
                            messages={"closing": {"file": "closing.wav", "zones": ["mpp"]}})  # fmt: skip
    loaded = config.load(cfg)
    rate, target = loaded.audio.sample_rate, loaded.announcement.loudness_lufs
    daemon = on_card.start(cfg)
    try:
        published = subprocess.run(
            [*pager_command(), "announce", "-c", str(cfg), "--message", "closing", "--id", "lib-1"],
            capture_output=True, text=True, check=True, env=card.env(),
        )  # fmt: skip
        assert '"message": "closing"' in published.stdout
        finished = watcher.event("finished", "lib-1", timeout=60)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert finished["message"] == "closing" and finished["priority"] == "announcement"
    assert finished["zones"] == ["tenant-hall", "waiting-area"]

    assert card.closed.wait(10)
    played = card.samples().astype(np.float64)
    hall, waiting = played[:, 0], played[:, 2] / WAITING_AREA_GAIN
    assert not np.any(played[:, 3:]), "the message reached zones it is not for"
    bell = chime.prepared(loaded.announcement, rate).astype(np.float64)
    onset = int(np.flatnonzero(hall)[0] - np.flatnonzero(bell)[0])
    np.testing.assert_allclose(hall[onset : onset + len(bell)], bell, atol=1e-6)
    recording = hall[onset + len(bell) : onset + len(bell) + 3 * rate]
    assert levels.loudness(recording, rate) == pytest.approx(target, abs=0.5)
    np.testing.assert_allclose(waiting[onset : onset + len(bell) + 3 * rate],
                               hall[onset : onset + len(bell) + 3 * rate], atol=1e-5)  # fmt: skip
