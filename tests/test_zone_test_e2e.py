"""`pager test-zone` on the real path: the walk through the running daemon, heard on the card."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.broker import Watcher
from tests.conftest import DaemonOnCard, pager_command
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e


def walk(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pager_command(), "test-zone", "-c", str(cfg), *args],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_walk_plays_each_zone_in_turn_waits_for_calls_and_tests_one_output(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = on_card.configure("walk", audio={"latency": "low"})
    daemon = on_card.start(cfg)
    try:
        # A call plays in the tenant hall: the walk's first zone waits for it.
        watcher.publish("pager/call/3", json.dumps({"ticket": "C1", "id": "c1"}))
        watcher.event("started", "c1", timeout=30)
        group = walk(cfg, "mpp", "--pause", "0.5")
        assert group.returncode == 0, group.stderr
        lines = group.stdout.splitlines()
        assert lines == [
            "tenant-hall: waiting for the calls playing there",
            "tenant-hall: playing: Tes zona tenant hall, kanal satu dan dua.",
            "tenant-hall: done",
            "next: waiting-area in 0.5 s",
            "waiting-area: waiting for the calls playing there",
            "waiting-area: playing: Tes zona waiting area, kanal tiga.",
            "waiting-area: done",
        ], lines
        call_done = watcher.event("finished", "c1")
        hall_test = watcher.wait_for(lambda t, b: isinstance(b, dict) and b.get("event")
                                     == "test-started" and b.get("zone") == "tenant-hall")  # fmt: skip
        assert hall_test["ts"] >= call_done["ts"], "the test interrupted a call"

        tone = walk(cfg, "--channel", "6", "--tone", "--pause", "0")
        assert tone.returncode == 0, tone.stderr
        assert tone.stdout.splitlines()[-2:] == [
            "output 6: playing: a 1 kHz tone",
            "output 6: done",
        ]

        wrong = walk(cfg, "food-cort")
        assert wrong.returncode == 2
        assert 'unknown zone or group food-cort (did you mean "food-court"?)' in wrong.stderr

        # A cycling walk runs until Ctrl-C, which stops the test that plays.
        cycling = subprocess.Popen(
            [*pager_command(), "test-zone", "-c", str(cfg), "food-court", "--cycle", "--pause",
             "30"], stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert cycling.stdout is not None
        assert cycling.stdout.readline().startswith("food-court: ")
        started = watcher.wait_for(lambda t, b: isinstance(b, dict) and b.get("event")
                                   == "test-started" and b.get("zone") == "food-court")  # fmt: skip
        cycling.send_signal(signal.SIGINT)
        rest = cycling.communicate(timeout=30)[0]
        assert cycling.returncode == 0 and rest.splitlines()[-1] == "stopped", rest
        stopped = watcher.wait_for(lambda t, b: isinstance(b, dict) and b.get("event")
                                   == "test-finished" and b.get("id") == started["id"])  # fmt: skip
        assert stopped["completed"] is False
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)
    played = card.samples()
    rate = card.rate

    # Output 6 (the trade centre, -6 dB) carried a 1 kHz tone; the tone test touched no other.
    trade = played[:, 5].astype(np.float64)
    loud = np.flatnonzero(np.abs(trade) > 1e-3)
    assert loud.size, "the tone did not reach output 6"
    segment = trade[loud[0] : loud[-1] + 1]
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment))))
    peak_hz = np.argmax(spectrum) * rate / len(segment)
    assert abs(peak_hz - 1000) < 5, peak_hz
    assert 1.9 < len(segment) / rate < 2.1
    # The tenant hall heard the call, then its test; the waiting area its own test.
    assert np.any(played[:, 0]) and np.any(played[:, 2])
