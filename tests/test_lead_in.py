"""The amplifier's lead-in: a quiet pilot before the first chime after idle, measured on the
virtual card; and when a zone needs it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest

from pager import config
from pager.audio import chime, tones
from pager.audio.levels import loudness
from pager.core.plays import SleepingAmplifiers
from tests.broker import Watcher
from tests.conftest import DaemonOnCard
from tests.desk import EXAMPLE
from tests.signals import assert_plays_at, occurrences
from tests.virtual_card import VirtualCard

LEAD_IN: dict[str, Any] = {"lead_in_ms": 800, "lead_in_db": -24, "lead_in_idle_s": 60}


def wakes(**audio: Any) -> SleepingAmplifiers:
    w = SleepingAmplifiers()
    zones = dict(EXAMPLE.zones)
    zones["food-court"] = dataclasses.replace(zones["food-court"], music=("jazz.mp3",))
    w.configure(dataclasses.replace(EXAMPLE.audio, **{**LEAD_IN, **audio}), zones)
    return w


def test_a_zone_silent_for_lead_in_idle_s_gets_the_pilot_and_only_then() -> None:
    w = wakes()
    assert w.lead_in(["tenant-hall"], 1000.0), "never sounded: asleep"
    w.sounded(["tenant-hall"], 1008.0)  # the announcement ended
    assert not w.lead_in(["tenant-hall"], 1030.0)
    w.sounded(["tenant-hall"], 1035.0)
    assert w.lead_in(["tenant-hall", "waiting-area"], 1036.0), "one asleep zone is enough"
    assert not w.lead_in(["food-court"], 5000.0), "background music keeps its amplifier awake"
    assert w.lead_in(["tenant-hall"], 1036.0 + 60.0), "a start counts as sound too"
    assert not wakes(lead_in_ms=0).lead_in(["tenant-hall"], 0.0), "off"


def test_the_pilot_is_quiet_noise_not_silence() -> None:
    cfg = dataclasses.replace(EXAMPLE, audio=dataclasses.replace(EXAMPLE.audio, **LEAD_IN))
    rate = cfg.audio.sample_rate
    pilot = tones.pilot(cfg.audio, cfg.announcement, rate).astype(np.float64)
    bell = chime.prepared(cfg.announcement, rate).astype(np.float64)
    assert len(pilot) == round(0.8 * rate)
    assert loudness(pilot, rate) == pytest.approx(loudness(bell, rate) - 24, abs=0.5)
    body = pilot[int(0.05 * rate) : -int(0.02 * rate)]  # between its fades
    window = rate // 100
    frames = body[: len(body) // window * window].reshape(-1, window)
    quietest = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)).min())
    assert quietest > -70, f"10 ms of the pilot at {quietest:.0f} dBFS: signal sensing misses it"


@pytest.mark.e2e
def test_the_first_call_after_idle_starts_with_the_pilot_the_next_does_not(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = on_card.configure("wake", audio={"latency": "low", **LEAD_IN})
    loaded = config.load(cfg)
    rate = loaded.audio.sample_rate
    pilot = tones.pilot(loaded.audio, loaded.announcement, rate).astype(np.float64)
    bell = chime.prepared(loaded.announcement, rate).astype(np.float64)
    daemon = on_card.start(cfg)
    try:
        watcher.publish("pager/call/3", json.dumps({"ticket": "A1", "id": "w1"}))  # the mpp
        first = watcher.event("finished", "w1", timeout=30)
        watcher.publish("pager/call/3", json.dumps({"ticket": "A2", "id": "w2"}))
        second = watcher.event("finished", "w2", timeout=30)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)
    hall = card.samples()[:, 0].astype(np.float64)

    onset = int(np.flatnonzero(hall)[0] - np.flatnonzero(pilot)[0])
    assert_plays_at(hall, onset, pilot, "the lead-in pilot")
    assert_plays_at(hall, onset + len(pilot), bell, "the chime right after the pilot")
    assert first["audio_s"] == pytest.approx(second["audio_s"] + len(pilot) / rate, abs=0.3)

    # The second call, right after the first: its chime comes first, no pilot.
    # audio_s is given to the millisecond: the call's last samples may lie up to 1 ms past it.
    first_end = onset + round(first["audio_s"] * rate) + rate // 1000
    if np.any(hall[first_end : first_end + 10]):  # seen once in CI: say what sounds there
        chimes = [c - first_end for c in occurrences(hall, bell)]
        np.save(on_card.folder / "hall.npy", hall[first_end - rate : first_end + rate])
        raise AssertionError(
            f"the first call ends where it says: {hall[first_end : first_end + 10]}; chimes start"
            f" at {chimes} samples from its end; the hall around it: hall.npy in {on_card.folder}"
        )
    later = first_end + int(np.flatnonzero(hall[first_end:])[0])
    second_onset = later - int(np.flatnonzero(bell)[0])
    assert_plays_at(hall, second_onset, bell, "the second call's chime, with no pilot")
