"""The real path: mosquitto -> `pager run` -> pyttsx3/espeak-ng -> sounddevice -> ALSA card."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from pager import config
from pager.audio import chime
from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonOnCard, DaemonProcess, pager_command, write_config
from tests.signals import assert_plays_at
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

ZONE_CHANNELS = {"tenant-hall": (0, 1), "food-court": (6, 7)}  # counter 5's routing, 0-based
FOOD_COURT_GAIN = 10 ** (-4 / 20)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))


def test_call_is_heard_after_a_chime_on_exactly_its_zones(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = on_card.configure("e2e", audio={"latency": "low"})
    daemon = on_card.start(cfg)
    try:
        # Bad input first: each is rejected with its reason and costs the next call nothing.
        watcher.publish("pager/call/5", b"not json")
        watcher.publish("pager/call/5", b'{"ticket": "A0234567"}')
        watcher.publish("pager/call/5", b'{"ticket": "A1", "zones": ["food-cour"]}')
        watcher.publish("pager/call/5", b'{"id": "no-ticket"}')
        subprocess.run(
            [*pager_command(), "call", "-c", str(cfg), "--counter", "5", "--ticket", "A023",
             "--id", "e2e-1"],
            check=True, capture_output=True, env=card.env(),
        )  # fmt: skip

        finished = watcher.event("finished", "e2e-1", timeout=30)
        started = watcher.event("started", "e2e-1")
        queued = watcher.event("queued", "e2e-1")
    finally:
        code = daemon.stop()
    assert code == 0, daemon.log
    offline = watcher.status("e2e", "offline")
    assert offline["node"] == "e2e"

    rejected = [b for t, b in watcher.seen if isinstance(b, dict) and b.get("event") == "rejected"]
    reasons = [r["reason"] for r in rejected]
    assert len(reasons) == 4, reasons
    assert "not JSON" in reasons[0]
    assert "A0234567" in reasons[1]
    assert 'did you mean "food-court"' in reasons[2]
    assert 'no "ticket"' in reasons[3] and rejected[3]["id"] == "no-ticket"

    sentence = "Nomor antrean A dua puluh tiga, silakan menuju loket lima."
    for event in (queued, started, finished):
        assert event["ticket"] == "A023" and event["counter"] == "5"
        assert event["zones"] == ["tenant-hall", "food-court"]
        assert event["text"] == sentence
    assert queued["ts"] <= started["ts"] <= finished["ts"]

    # What the card played: counter 5's channels carried the announcement, no other did.
    assert card.closed.wait(10), "the daemon did not close the sound device"
    played = card.samples()
    silent = [c for c in range(card.channels) if c not in (0, 1, 6, 7)]
    assert not np.any(played[:, silent]), "sound leaked onto channels of other zones"
    hall = played[:, 0].astype(np.float64)
    assert np.array_equal(played[:, 0], played[:, 1])
    np.testing.assert_allclose(played[:, 6], hall * FOOD_COURT_GAIN, atol=1e-6)
    np.testing.assert_array_equal(played[:, 6], played[:, 7])

    # The announcement starts with the chime, sample for sample ...
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate).astype(np.float64)
    onset = int(np.flatnonzero(hall)[0] - np.flatnonzero(bell)[0])
    assert_plays_at(hall, onset, bell, "the chime, first")
    # ... then speech of plausible length, which matches `pager say`'s rendering.
    expected_wav = tmp_path / "expected.wav"
    subprocess.run(
        [*pager_command(), "say", "-c", str(cfg), "--counter", "5", "--ticket", "A023",
         "-o", str(expected_wav)],
        check=True, capture_output=True,
    )  # fmt: skip
    expected, rate = soundfile.read(expected_wav, dtype="float64")
    speech = hall[onset + len(bell) :]
    voiced = np.flatnonzero(np.abs(speech) > 1e-3)
    speech_seconds = (voiced[-1] - voiced[0]) / rate
    assert 2.0 < speech_seconds < 7.0, speech_seconds
    assert voiced[0] < 0.02 * rate, "speech did not start when the chime and its pause ended"
    # espeak-ng's timing varies by a few milliseconds from one render to the next, so compare
    # the speech's loudness contour (20 ms frames) rather than sample for sample.
    said = expected[len(bell) :]
    said_voiced = np.flatnonzero(np.abs(said) > 1e-3)
    assert abs(len(voiced) - len(said_voiced)) < 0.05 * len(said_voiced) + 1
    assert correlation(contour(speech), contour(said)) > 0.95
    end = onset + len(bell) + voiced[-1]
    assert not np.any(hall[end + int(0.5 * rate) :]), "something played after the call"
    # The finished event tells the announcement's length, and how late its speech came.
    assert finished["late_s"] == 0  # synthesis never delayed the speech
    heard_s = (end - onset) / rate
    assert heard_s <= finished["audio_s"] + finished["late_s"] < heard_s + 0.5


def contour(samples: np.ndarray, frame: int = 960) -> np.ndarray:
    """RMS per 20 ms at 48 kHz, from the first voiced sample, 4 s long."""
    start = int(np.flatnonzero(np.abs(samples) > 1e-3)[0])
    frames = samples[start : start + 200 * frame]
    frames = np.pad(frames, (0, 200 * frame - len(frames)))
    return np.asarray(np.sqrt(np.mean(frames.reshape(200, frame) ** 2, axis=1)))


def test_missing_device_is_named_with_the_devices_that_exist(
    tmp_path: Path, card: VirtualCard
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", audio={"device": "Scarlett 18i8"})
    done = subprocess.run(
        [*pager_command(), "run", "-c", str(cfg)], env=card.env(), capture_output=True, check=False,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 69, done.stderr
    assert 'audio device "Scarlett 18i8" not found' in done.stderr
    assert f'"{card.name}" (128 out)' in done.stderr


def test_config_mistakes_stop_the_start_with_every_path(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path / "zones.yaml",
        audio={"channel": 8},
        zones={"hall": {"channels": [1, 9]}},
        counters={"5": {"zones": ["hal"]}},
    )
    done = subprocess.run(
        [*pager_command(), "run", "-c", str(cfg)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 78
    assert 'audio.channel: unknown key (did you mean "channels"?)' in done.stderr
    assert "zones.hall.channels[1]: channel 9 > 8 channels" in done.stderr
    assert 'counters.5.zones[0]: unknown zone or group hal (did you mean "hall"?)' in done.stderr


def test_without_a_sound_card_each_zone_is_recorded_to_wav(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="rec", mqtt={"port": broker.port})
    recordings = tmp_path / "recordings"
    daemon = DaemonProcess(
        ["run", "-c", str(cfg), "--record", str(recordings)], None, tmp_path / "daemon.log"
    )
    try:
        watcher.status("rec", "online")
        watcher.publish("pager/call/3", b'{"ticket": "C7", "id": "rec-1"}')
        watcher.event("finished", "rec-1", timeout=30)
    finally:
        assert daemon.stop() == 0, daemon.log
    files = sorted(p.name.rsplit("-", 1)[-1] for p in recordings.glob("*.wav"))
    assert files == ["area.wav", "hall.wav"], files  # counter 3: tenant-hall + waiting-area
    for path in recordings.glob("*.wav"):
        audio, rate = soundfile.read(path)
        assert rate == 48000 and 3.0 < len(audio) / rate < 10.0
        assert str(path) in daemon.log


def test_stop_finishes_the_playing_call_and_keeps_the_queued_ones_for_the_next_start(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="stop", mqtt={"port": broker.port})
    args = ["run", "-c", str(cfg), "--record", str(tmp_path / "rec")]
    daemon = DaemonProcess(args, None, tmp_path / "daemon.log")
    try:
        watcher.status("stop", "online")
        for n in (1, 2, 3):  # counters 1-3 share the MPP zones: one plays, two wait
            watcher.publish(f"pager/call/{n}", f'{{"ticket": "A{n}", "id": "s{n}"}}')
        watcher.event("queued", "s3")
        watcher.event("started", "s1")
    finally:
        code = daemon.stop()
    assert code == 0, daemon.log
    assert watcher.event("finished", "s1")["ticket"] == "A1"
    offline = watcher.status("stop", "offline")
    assert "2 calls kept" in daemon.log

    again = DaemonProcess(args, None, tmp_path / "daemon-2.log")
    try:
        watcher.event("finished", "s2", timeout=30)
        watcher.event("finished", "s3", timeout=30)
    finally:
        assert again.stop() == 0, again.log
    after = watcher.seen[watcher.seen.index(("pager/status/stop", offline)) :]
    started = [b["id"] for _, b in after if isinstance(b, dict) and b.get("event") == "started"]
    assert sorted(started) == ["s2", "s3"]  # s1 is not read out again
