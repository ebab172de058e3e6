"""Fault injection on the real broker: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from pager import config
from pager.audio import chime
from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonProcess, write_config
from tests.signals import occurrences
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e


def daemon_args(cfg: Path, tmp_path: Path) -> list[str]:
    return ["run", "-c", str(cfg), "--record", str(tmp_path / "rec")]


def starts(watcher: Watcher) -> Counter[str]:
    """How many times pager started each call. The watcher's own session may be handed an
    event twice across a broker restart (QoS 1 is at least once): the same event, with the
    same `ts`, counts once."""
    events = {(b["id"], b["ts"]) for _, b in watcher.seen
              if isinstance(b, dict) and b.get("event") == "started"}  # fmt: skip
    return Counter(ident for ident, _ in events)


def test_calls_published_while_pager_is_down_play_when_it_is_back(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="down", mqtt={"port": broker.port})
    first = DaemonProcess(daemon_args(cfg, tmp_path), None, tmp_path / "first.log")
    watcher.status("down", "online")
    assert first.stop() == 0, first.log
    watcher.status("down", "offline")

    watcher.publish("pager/call/7", json.dumps({"ticket": "D1", "id": "while-down"}))
    second = DaemonProcess(daemon_args(cfg, tmp_path), None, tmp_path / "second.log")
    try:
        watcher.event("finished", "while-down", timeout=30)
    finally:
        assert second.stop() == 0, second.log
    assert starts(watcher)["while-down"] == 1


def test_kill_9_mid_queue_loses_nothing_that_was_acknowledged(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="k9", mqtt={"port": broker.port})
    daemon = DaemonProcess(daemon_args(cfg, tmp_path), None, tmp_path / "first.log")
    watcher.status("k9", "online")
    for n in (1, 2, 3):  # the MPP zones: one plays, two wait
        watcher.publish(f"pager/call/{n}", json.dumps({"ticket": f"K{n}", "id": f"k{n}"}))
    watcher.event("queued", "k3")
    watcher.event("started", "k1")
    daemon.process.send_signal(signal.SIGKILL)
    daemon.stop()
    # The broker publishes the last will for the dead daemon.
    watcher.status("k9", "offline")

    before = starts(watcher)
    again = DaemonProcess(daemon_args(cfg, tmp_path), None, tmp_path / "second.log")
    try:
        for n in (1, 2, 3):
            watcher.event("finished", f"k{n}", timeout=40)
    finally:
        assert again.stop() == 0, again.log
    after = starts(watcher) - before
    assert after == Counter({"k1": 1, "k2": 1, "k3": 1}), after  # k1 again from its start


def test_broker_restart_mid_queue_plays_every_call_exactly_once(tmp_path: Path) -> None:
    with Mosquitto(tmp_path, persistent=True) as broker:
        watcher = Watcher(broker.port, "pager/#", session="pager-test-watcher")
        cfg = write_config(tmp_path / "zones.yaml", node="br", mqtt={"port": broker.port})
        daemon = DaemonProcess(daemon_args(cfg, tmp_path), None, tmp_path / "daemon.log")
        try:
            watcher.status("br", "online")
            for n in (1, 2):
                watcher.publish(f"pager/call/{n}", json.dumps({"ticket": f"B{n}", "id": f"b{n}"}))
            watcher.event("started", "b1")
            broker.stop()  # mid-queue: b1 plays, b2 waits
            restarted = time.time()
            broker.start()
            # The daemon reconnects, resubscribes and publishes its status again (a status
            # published before the restart may still be on its way to the watcher).
            watcher.wait_for(
                lambda t, b: t == "pager/status/br" and b["state"] == "online"
                and b["ts"] > restarted,
                timeout=40,
            )  # fmt: skip
            watcher.publish("pager/call/5", json.dumps({"ticket": "B3", "id": "b3"}))
            for n in (1, 2, 3):
                watcher.event("finished", f"b{n}", timeout=40)
        finally:
            assert daemon.stop() == 0, daemon.log
            watcher.close()
    assert starts(watcher) == Counter({"b1": 1, "b2": 1, "b3": 1})
    assert "lost the MQTT broker" in daemon.log


def test_a_call_sent_while_the_broker_restarts_and_before_pager_is_back_plays_once(
    tmp_path: Path,
) -> None:
    """The broker keeps pager's session across its restart (persistence): a call published
    after the broker is back but before pager has reconnected waits there for pager."""
    with Mosquitto(tmp_path, persistent=True) as broker:
        watcher = Watcher(broker.port, "pager/#", session="pager-test-watcher")
        cfg = write_config(tmp_path / "zones.yaml", node="bw", mqtt={"port": broker.port})
        daemon = DaemonProcess(daemon_args(cfg, tmp_path), None, tmp_path / "daemon.log")
        try:
            watcher.status("bw", "online")
            restarted = time.time()
            broker.stop()
            broker.start()
            watcher.publish("pager/call/5", json.dumps({"ticket": "B9", "id": "b9"}))
            back = watcher.wait_for(lambda t, b: t == "pager/status/bw"
                                    and b["state"] == "online" and b["ts"] > restarted)  # fmt: skip
            finished = watcher.event("finished", "b9", timeout=40)
        finally:
            assert daemon.stop() == 0, daemon.log
            watcher.close()
    assert not any("Error saving" in line for line in broker.log), broker.log
    assert finished["ts"] > back["ts"]
    assert starts(watcher) == Counter({"b9": 1})


def test_a_lost_audio_device_is_reopened_and_the_cut_call_replayed(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = write_config(
        tmp_path / "zones.yaml", node="dev", mqtt={"port": broker.port}, audio={"device": card.name}
    )
    daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), tmp_path / "daemon.log")
    try:
        watcher.status("dev", "online")
        watcher.publish("pager/call/5", json.dumps({"ticket": "C1", "id": "c1"}))
        watcher.event("started", "c1")
        card.unplug()
        assert watcher.event("audio-failed")["reason"].endswith("stopped")
        assert "the audio output failed" in watcher.event("preempted", "c1")["reason"]
        watcher.wait_for(lambda t, b: t == "pager/status/dev" and b.get("audio") == "failed")
        watcher.publish("pager/call/3", json.dumps({"ticket": "C2", "id": "c2"}))
        watcher.event("queued", "c2")  # calls keep queuing while the device is away
        card.plug()
        watcher.event("audio-restored", timeout=40)
        watcher.event("resumed", "c1")
        watcher.event("finished", "c1", timeout=30)
        watcher.event("finished", "c2", timeout=30)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert "reopening it" in daemon.log and "the audio output is back" in daemon.log
    assert card.closed.wait(10)
    played = card.samples()
    assert card.replugged_at is not None
    hall = played[card.replugged_at :, 0]
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    # The chime again, from its first sample, after the device came back. (The first few
    # milliseconds read after replugging may still be the old stream's last buffer.)
    starts_of_chime = occurrences(hall, bell)
    assert starts_of_chime, "the cut call was not replayed from its start"
    assert starts_of_chime[0] < 0.5 * loaded.audio.sample_rate
