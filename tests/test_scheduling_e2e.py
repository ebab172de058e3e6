"""Scheduling on the real path: parallel zones, pre-emption by an emergency, resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.broker import Watcher
from tests.conftest import DaemonOnCard, DaemonProcess
from tests.signals import assert_plays_at
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

RATE = 48000
HALL, SHOPS, FOOD = 0, 3, 6  # first output of tenant-hall, market-shops, food-court


def spans(channel: np.ndarray, gap_s: float = 0.3) -> list[tuple[int, int]]:
    """(first, last) non-silent frame of each sound separated by more than `gap_s` of silence."""
    loud = np.flatnonzero(channel)
    if not len(loud):
        return []
    breaks = np.flatnonzero(np.diff(loud) > gap_s * RATE)
    starts = [loud[0], *loud[breaks + 1]]
    ends = [*loud[breaks], loud[-1]]
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def start_daemon(on_card: DaemonOnCard) -> DaemonProcess:
    return on_card.start(on_card.configure("sched", scheduling={"fade_ms": 20}))


def test_calls_for_different_zones_are_heard_at_the_same_time(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard
) -> None:
    daemon = start_daemon(on_card)
    try:
        watcher.publish(
            "pager/call/3", json.dumps({"ticket": "A1", "id": "p1", "zones": ["market-shops"]})
        )
        watcher.publish(
            "pager/call/4", json.dumps({"ticket": "B2", "id": "p2", "zones": ["food-court"]})
        )
        watcher.event("finished", "p1", timeout=30)
        watcher.event("finished", "p2", timeout=30)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)
    played = card.samples()
    (shops,) = spans(played[:, SHOPS], gap_s=1.0)  # one call: its pauses are shorter
    (food,) = spans(played[:, FOOD], gap_s=1.0)
    # Both announcements overlap almost entirely: neither waited for the other.
    assert abs(shops[0] - food[0]) < 0.2 * RATE, (shops, food)
    assert min(shops[1], food[1]) - max(shops[0], food[0]) > 4 * RATE
    assert not np.any(played[:, [HALL, 1, 2, 5]])


def test_an_emergency_cuts_a_call_within_50_ms_and_the_call_resumes_after(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard
) -> None:
    daemon = start_daemon(on_card)
    try:
        watcher.publish("pager/call/5", json.dumps({"ticket": "A23", "id": "c1"}))  # hall + food
        watcher.event("started", "c1")
        emergency = {"text": "Harap tenang, ini latihan evakuasi.", "zones": ["food-court"],
                     "priority": "emergency", "id": "emg"}  # fmt: skip
        watcher.publish("pager/announce", json.dumps(emergency))
        preempted = watcher.event("preempted", "c1")
        watcher.event("started", "emg")
        watcher.publish("pager/cancel", json.dumps({"id": "emg"}))
        watcher.event("cancelled", "emg")
        resumed = watcher.event("resumed", "c1")
        watcher.event("finished", "c1", timeout=30)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert "pre-empted by emergency emg" in preempted["reason"]
    assert resumed["zones"] == ["tenant-hall", "food-court"]
    assert card.closed.wait(10)
    played = card.samples()
    hall = spans(played[:, HALL], gap_s=0.01)
    # Until the cut, food-court carries the call at its -4 dB; what is more is the emergency.
    extra = played[:, FOOD] - played[:, HALL] * np.float32(10 ** (-4 / 20))
    emergency_onset = int(np.flatnonzero(np.abs(extra) > 1e-4)[0])
    cut = hall[0][1]
    # The call in the hall fell silent within 50 ms of the emergency's first sample ...
    assert 0 <= cut - emergency_onset < 0.05 * RATE, (cut, emergency_onset)
    # ... and came back from its start, in full, after the emergency.
    before_fade = cut - hall[0][0] - int(0.02 * RATE)
    first_play = played[hall[0][0] : hall[0][0] + before_fade, HALL]
    resumed_at = next(a for a, _ in hall if a > cut)
    assert_plays_at(played[:, HALL], resumed_at, first_play, "the call again from its start")
    last = hall[-1][1]
    assert (last - resumed_at) / RATE > 5.0


def test_background_music_is_ducked_under_a_call_and_restored(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard
) -> None:
    zones = food_court_music(tmp_path)
    cfg = on_card.configure(
        "music", zones=zones,
        music={"level_db": -10, "duck_db": -20, "attack_ms": 100, "release_ms": 500},
    )  # fmt: skip
    daemon = on_card.start(cfg)
    try:
        card.wait_for_frames(2 * RATE)  # music alone for a while first
        watcher.publish("pager/call/5", json.dumps({"ticket": "A5", "id": "m1"}))
        watcher.event("finished", "m1", timeout=30)
        # Let the music come back (release) before stopping: wait for a later call to finish.
        watcher.publish(
            "pager/call/4", json.dumps({"ticket": "B1", "id": "m2", "zones": ["trade-centre"]})
        )
        watcher.event("finished", "m2", timeout=30)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)
    played = card.samples().astype(np.float64)
    food_gain, level = 10 ** (-4 / 20), 10 ** (-10 / 20)
    music = played[:, FOOD] - played[:, HALL] * food_gain  # the call's part removed exactly
    call = np.flatnonzero(played[:, HALL])
    start, end = call[0], call[-1]

    def rms(a: int, b: int) -> float:
        return float(np.sqrt(np.mean(music[a:b] ** 2)))

    expected = 0.5 / np.sqrt(2) * level * food_gain
    assert rms(start - RATE, start) == pytest.approx(expected, rel=0.05)  # before: full
    assert rms(start + RATE // 5, end) == pytest.approx(expected / 10, rel=0.05)  # -20 dB
    assert rms(end + RATE, end + 2 * RATE) == pytest.approx(expected, rel=0.05)  # restored
    assert not np.any(played[:, HALL][: start - 1])  # music stays in its own zone


def food_court_music(directory: Path) -> dict[str, dict[str, object]]:
    """The example's zones, with a 440 Hz tone (amplitude 0.5) looped in the food court."""
    import soundfile

    t = np.arange(2 * 44100) / 44100
    soundfile.write(directory / "music.wav", 0.5 * np.sin(2 * np.pi * 440 * t), 44100)
    zones = yaml_zones()
    zones["food-court"]["music"] = [str(directory / "music.wav")]
    return zones


def yaml_zones() -> dict[str, dict[str, object]]:
    import yaml

    from tests.conftest import EXAMPLE_CONFIG

    zones: dict[str, dict[str, object]] = yaml.safe_load(EXAMPLE_CONFIG.read_text())["zones"]
    return zones
